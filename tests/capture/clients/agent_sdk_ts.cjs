// @anthropic-ai/claude-agent-sdk query() running the pinned claude CLI (CLAUDE_CLI) against the mock.
// argv[2]: uncaught (console.log every message, rejection unhandled) | console-error
const { MODE, run } = require('./_tp_common.cjs');
run(async () => {
  const { query } = await import(require.resolve('@anthropic-ai/claude-agent-sdk'));
  for await (const message of query({ prompt: 'hello', options: { pathToClaudeCodeExecutable: process.env.CLAUDE_CLI, maxTurns: 1 } })) {
    console.log(message);
  }
});
