# litellm.completion(model="anthropic/...") against the mock. argv[1]: uncaught | logged | logerror
import os
import litellm
from _tp_common import BASE, run

run(lambda: litellm.completion(
    model="anthropic/claude-sonnet-4-5",
    api_base=BASE,
    api_key=os.environ["ANTHROPIC_API_KEY"],
    messages=[{"role": "user", "content": "hello"}],
    max_tokens=16,
    num_retries=0,
))
