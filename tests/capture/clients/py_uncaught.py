# Anthropic Python SDK: error left uncaught -> traceback on stderr
import anthropic

client = anthropic.Anthropic(max_retries=1)
client.messages.create(
    model="claude-sonnet-4-5",
    max_tokens=16,
    messages=[{"role": "user", "content": "hello"}],
)
