# anthropic[bedrock] AnthropicBedrock with fake AWS credentials, base_url to the mock. argv[1]: uncaught | logged | logerror
import os
from anthropic import AnthropicBedrock
from _tp_common import BASE, run

client = AnthropicBedrock(
    aws_access_key=os.environ["AWS_ACCESS_KEY_ID"],
    aws_secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    aws_region="us-east-1",
    base_url=BASE,
    max_retries=1,
)
run(lambda: client.messages.create(
    model="us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    max_tokens=16,
    messages=[{"role": "user", "content": "hello"}],
))
