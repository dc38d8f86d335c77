// Anthropic TS SDK: console.log(err) -> util.inspect property dump
const Anthropic = require('@anthropic-ai/sdk');
const client = new Anthropic({ maxRetries: 1 });
(async () => {
  try {
    await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hello' }],
    });
  } catch (err) {
    console.log(err);
  }
})();
