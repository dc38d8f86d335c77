// OpenAI node SDK on Anthropic's OpenAI-compatible endpoint (baseURL .../v1/). argv[2]: uncaught | console-error | message
const OpenAI = require('openai');
const { BASE, run } = require('./_tp_common.cjs');
const client = new OpenAI({ apiKey: process.env.ANTHROPIC_API_KEY, baseURL: BASE + '/v1/', maxRetries: 0 });
run(() => client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hello' }] }));
