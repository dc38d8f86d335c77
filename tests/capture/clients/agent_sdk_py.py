# claude-agent-sdk query() running the pinned claude CLI (CLAUDE_CLI) against the mock.
# argv[1]: uncaught (print every message, let exceptions escape) | logged (logging.exception)
import os
import anyio
from claude_agent_sdk import ClaudeAgentOptions, query
from _tp_common import run


async def main():
    opts = ClaudeAgentOptions(cli_path=os.environ["CLAUDE_CLI"], max_turns=1)
    async for message in query(prompt="hello", options=opts):
        print(message)


run(lambda: anyio.run(main))
