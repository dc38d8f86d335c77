# NEGATIVE: OpenAI Python SDK, uncaught 403 -> openai.PermissionDeniedError traceback
import openai

client = openai.OpenAI(max_retries=0)
client.chat.completions.create(
    model="gpt-4o",
    messages=[{"role": "user", "content": "hello"}],
)
