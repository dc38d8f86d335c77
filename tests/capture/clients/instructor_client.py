# instructor.from_anthropic(anthropic.Anthropic(...)) with a response model. argv[1]: uncaught | logged | logerror
import anthropic
import instructor
from pydantic import BaseModel
from _tp_common import BASE, run


class Greeting(BaseModel):
    text: str


client = instructor.from_anthropic(anthropic.Anthropic(base_url=BASE, max_retries=1))
run(lambda: client.messages.create(
    model="claude-sonnet-4-5",
    max_tokens=16,
    max_retries=1,
    messages=[{"role": "user", "content": "hello"}],
    response_model=Greeting,
))
