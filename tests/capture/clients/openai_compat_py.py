# OpenAI Python SDK on Anthropic's OpenAI-compatible endpoint (base_url .../v1/). argv[1]: uncaught | logged | logerror
import os
import openai
from _tp_common import BASE, run

client = openai.OpenAI(api_key=os.environ["ANTHROPIC_API_KEY"], base_url=BASE + "/v1/", max_retries=0)
run(lambda: client.chat.completions.create(
    model="claude-sonnet-4-5",
    messages=[{"role": "user", "content": "hello"}],
))
