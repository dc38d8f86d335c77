// @langchain/anthropic ChatAnthropic.invoke against the mock. argv[2]: uncaught | console-error | message
const { ChatAnthropic } = require('@langchain/anthropic');
const { BASE, run } = require('./_tp_common.cjs');
const llm = new ChatAnthropic({ model: 'claude-sonnet-4-5', anthropicApiUrl: BASE, maxRetries: 1, maxTokens: 16 });
run(() => llm.invoke('hello'));
