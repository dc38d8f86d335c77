# pydantic-ai Agent with AnthropicModel against the mock. argv[1]: uncaught | logged | logerror
import os
from pydantic_ai import Agent
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from _tp_common import BASE, run

provider = AnthropicProvider(api_key=os.environ["ANTHROPIC_API_KEY"], base_url=BASE)
agent = Agent(AnthropicModel("claude-sonnet-4-5", provider=provider))
run(lambda: agent.run_sync("hello"))
