import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText } from 'ai';
import { aiSdkModel } from '../../src/assist/ai-sdk-model.js';
import { AssistSchema, type AssistConfig } from '../../src/config/assist-schema.js';
import { ModelCallError } from '../../src/app/language-model.js';
import { startFakeModel, type FakeModel } from '../fakes/fake-model.js';

const Answer = z.object({ reply: z.string(), language: z.string() });
let fake: FakeModel;
beforeAll(async () => { fake = await startFakeModel(); });
afterAll(async () => { await fake.close(); });

const configs = (): Record<string, AssistConfig> => ({
  'openai-compatible': AssistSchema.parse({ provider: 'openai-compatible', model: 'llama3.1', baseURL: `${fake.origin}/v1` }),
  azure: AssistSchema.parse({ provider: 'azure', model: 'care-gpt4o', baseURL: `${fake.origin}/openai` }),
  anthropic: AssistSchema.parse({ provider: 'anthropic', model: 'claude-sonnet-4-5', baseURL: `${fake.origin}/v1` }),
});

const ask = (config: AssistConfig, signal = new AbortController().signal) =>
  aiSdkModel(config, 'sk-test-key').generate({ instructions: 'Write a reply.', data: '{"post":"hello"}', schema: Answer, schemaName: 'reply', maxOutputTokens: 200, signal });

describe('the AI SDK adapter against the fake model API', () => {
  it.each(['openai-compatible', 'azure', 'anthropic'])('%s: sends the documented request and reads a structured answer', async (provider) => {
    fake.calls.length = 0;
    fake.script = () => JSON.stringify({ reply: `Hi from ${provider}`, language: 'en' });
    const answer = await ask(configs()[provider]!);
    expect(answer.value).toEqual({ reply: `Hi from ${provider}`, language: 'en' });
    expect(answer.tokens).toBeGreaterThan(0);
    const call = fake.calls[0]!;
    expect(call.system).toContain('Write a reply.');
    expect(call.user).toContain('{"post":"hello"}');
    if (provider === 'openai-compatible') {
      expect(call.path).toBe('/v1/chat/completions');
      expect(call.headers.authorization).toBe('Bearer sk-test-key');
      expect(call.model).toBe('llama3.1');
    } else if (provider === 'azure') {
      expect(call.path).toBe('/openai/deployments/care-gpt4o/chat/completions');
      expect(call.query.get('api-version')).toBe('2024-10-21');
      expect(call.headers['api-key']).toBe('sk-test-key');
    } else {
      expect(call.path).toBe('/v1/messages');
      expect(call.headers['x-api-key']).toBe('sk-test-key');
      expect(call.headers['anthropic-version']).toBe('2023-06-01');
    }
  });

  it('an OpenAI-compatible server without a key gets no Authorization header (Ollama, llama.cpp)', async () => {
    fake.calls.length = 0;
    await aiSdkModel(configs()['openai-compatible']!, undefined).generate({ instructions: 'x', data: 'y', schema: Answer, schemaName: 'reply', maxOutputTokens: 50, signal: new AbortController().signal });
    expect(fake.calls[0]!.headers.authorization).toBeUndefined();
  });

  it('a wrong key is refused with a message naming where the key comes from', async () => {
    fake.keys.add('the-right-key');
    try {
      await expect(ask(configs().azure!)).rejects.toMatchObject({ code: 'model_refused', message: expect.stringContaining('assist.keyEnv') });
    } finally { fake.keys.clear(); }
  });

  it('maps 429 (with Retry-After), 5xx, a malformed body, an answer that is not the schema and a timeout to coded errors', async () => {
    const c = configs()['openai-compatible']!;
    fake.faults.schedule('openai', { kind: '429', retryAfter: 7 });
    await expect(ask(c)).rejects.toMatchObject({ code: 'model_rate_limited', message: expect.stringContaining('7s') });
    fake.faults.schedule('anthropic', { kind: '5xx', status: 529 });
    await expect(ask(configs().anthropic!)).rejects.toMatchObject({ code: 'model_unavailable' });
    fake.malformedNext();
    await expect(ask(c)).rejects.toBeInstanceOf(ModelCallError);
    fake.script = () => 'Sure! Here is your reply: hello';
    await expect(ask(c)).rejects.toMatchObject({ code: 'model_malformed' });
    fake.script = () => JSON.stringify({ reply: 'ok', language: 'en' });
    fake.faults.schedule('azure', { kind: 'slow', ms: 2_000 });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    await expect(ask(configs().azure!, ctl.signal)).rejects.toMatchObject({ code: 'model_timeout' });
  });
});

describe('the fake streams as the vendors do', () => {
  it('OpenAI-compatible chat.completion.chunk events, read by the real provider', async () => {
    fake.script = () => 'Streaming works, sentence by sentence, over several chunks of text.';
    const provider = createOpenAICompatible({ name: 'x', baseURL: `${fake.origin}/v1`, includeUsage: true });
    const r = streamText({ model: provider.chatModel('m'), prompt: 'hi' });
    expect(await r.text).toBe('Streaming works, sentence by sentence, over several chunks of text.');
    expect((await r.usage).outputTokens).toBeGreaterThan(0);
    expect(fake.calls.at(-1)!.stream).toBe(true);
  });

  it('Anthropic message_start … message_stop events, read by the real provider', async () => {
    fake.script = () => 'Anthropic streams content_block_delta events with text deltas.';
    const provider = createAnthropic({ apiKey: 'k', baseURL: `${fake.origin}/v1` });
    const r = streamText({ model: provider.messages('claude-sonnet-4-5'), prompt: 'hi' });
    expect(await r.text).toBe('Anthropic streams content_block_delta events with text deltas.');
    expect(fake.calls.at(-1)!.stream).toBe(true);
  });
});
