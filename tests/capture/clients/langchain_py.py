# langchain-anthropic ChatAnthropic.invoke against the mock. argv[1]: uncaught | logged | logerror
from langchain_anthropic import ChatAnthropic
from _tp_common import BASE, run

llm = ChatAnthropic(model="claude-sonnet-4-5", base_url=BASE, max_retries=1, max_tokens=16)
run(lambda: llm.invoke("hello"))
