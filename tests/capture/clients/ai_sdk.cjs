// Vercel AI SDK generateText with @ai-sdk/anthropic, baseURL to the mock's /v1. argv[2]: uncaught | console-error | message
const { generateText } = require('ai');
const { createAnthropic } = require('@ai-sdk/anthropic');
const { BASE, run } = require('./_tp_common.cjs');
const anthropic = createAnthropic({ baseURL: BASE + '/v1', apiKey: process.env.ANTHROPIC_API_KEY });
run(() => generateText({ model: anthropic('claude-sonnet-4-5'), prompt: 'hello', maxOutputTokens: 16, maxRetries: 1 }));
