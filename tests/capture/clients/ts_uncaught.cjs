// Anthropic TS SDK: rejected promise left unhandled -> node prints the stack
const Anthropic = require('@anthropic-ai/sdk');
const client = new Anthropic({ maxRetries: 1 });
(async () => {
  await client.messages.create({
    model: 'claude-sonnet-4-5',
    max_tokens: 16,
    messages: [{ role: 'user', content: 'hello' }],
  });
})();
