# anthropic[vertex] AnthropicVertex with a fake access token, base_url to the mock. argv[1]: uncaught | logged | logerror
import os
from anthropic import AnthropicVertex
from _tp_common import BASE, run

client = AnthropicVertex(
    region="us-east5",
    project_id="fake-project",
    access_token=os.environ["FAKE_GCP_TOKEN"],
    base_url=BASE + "/v1",
    max_retries=1,
)
run(lambda: client.messages.create(
    model="claude-sonnet-4-5@20250929",
    max_tokens=16,
    messages=[{"role": "user", "content": "hello"}],
))
