# boto3 bedrock-runtime invoke_model with endpoint_url to the mock. argv[1]: uncaught | logged | logerror
import json
import boto3
from botocore.config import Config
from _tp_common import BASE, run

client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=BASE,
                      config=Config(retries={"max_attempts": 1, "mode": "standard"}))
body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 16,
                   "messages": [{"role": "user", "content": "hello"}]})
run(lambda: client.invoke_model(modelId="us.anthropic.claude-sonnet-4-5-20250929-v1:0", body=body))
