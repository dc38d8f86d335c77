// NEGATIVE: OpenAI node SDK, unhandled 403 -> stack
const OpenAI = require('openai');
const client = new OpenAI({ maxRetries: 0 });
(async () => {
  await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hello' }],
  });
})();
