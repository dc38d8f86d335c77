# Anthropic Python SDK: error caught and printed with print(e) and print(repr(e))
import anthropic

client = anthropic.Anthropic(max_retries=1)
try:
    client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=16,
        messages=[{"role": "user", "content": "hello"}],
    )
except anthropic.APIStatusError as e:
    print(e)
    print(repr(e))
