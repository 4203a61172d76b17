/**
 * A fake language-model API on 127.0.0.1 that speaks three documented protocols, for the
 * AI SDK providers AI assist uses:
 *
 * - OpenAI-compatible (Ollama, vLLM, llama.cpp, hosted): `POST /v1/chat/completions`,
 *   `Authorization: Bearer <key>` when a key is set, answers `chat.completion`, or with
 *   `stream: true` server-sent `chat.completion.chunk` events ending in `data: [DONE]`.
 * - Azure OpenAI: `POST /openai/deployments/<deployment>/chat/completions?api-version=…`,
 *   `api-key` header; same bodies as OpenAI. A missing `api-version` is a 404, a wrong key
 *   a 401, as Azure answers.
 * - Anthropic: `POST /v1/messages` with `x-api-key` and `anthropic-version`; answers a
 *   `message` (content blocks), or with `stream: true` the message_start … message_stop events.
 *
 * The answer's text comes from `script(call)`, which sees the system and user text as the
 * model would. Every request is recorded in `calls`. Misbehaviour: `faults` (429 with
 * Retry-After in the vendor's error shape, 5xx, slow, hang, drop) per route key
 * (`openai`, `azure`, `anthropic`), `latencyMs` for a fixed answer time, `malformedNext`
 * for a body that is not JSON. Over-length output, a foreign link or broken JSON in the
 * answer are what a script returns.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { flatHeaders, listenFake, readBody, sendJson } from './fake-http.js';
import { type FaultWriters, Misbehaviour } from './misbehave.js';

export type ModelVendor = 'openai' | 'azure' | 'anthropic';

export interface ModelCall {
  vendor: ModelVendor;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  /** The raw request body as text (what left the machine). */
  raw: string;
  body: Record<string, unknown>;
  /** The system instructions and the user message, as the model would read them. */
  system: string;
  user: string;
  stream: boolean;
  model: string;
}

/** What the fake model says: the text of its answer. */
export type ModelScript = (call: ModelCall) => string;

export interface FakeModel {
  origin: string;
  calls: ModelCall[];
  faults: Misbehaviour;
  /** The script answering every call (replace it at will). */
  script: ModelScript;
  /** Every answer waits this long first (the benchmark's fixed model time). */
  latencyMs: number;
  /** The next n answers are a body that is not JSON. */
  malformedNext(n?: number): void;
  /** The keys accepted (none: any key, or none, is accepted). */
  keys: Set<string>;
  close(): Promise<void>;
}

const tokensOf = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && 'text' in p ? String((p as { text: unknown }).text) : '')).join('');
  return '';
}

function readMessages(vendor: ModelVendor, body: Record<string, unknown>): { system: string; user: string } {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role: string; content: unknown }>) : [];
  const user = messages.filter((m) => m.role === 'user').map((m) => textOf(m.content)).join('\n');
  const system = vendor === 'anthropic'
    ? textOf(body.system)
    : messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => textOf(m.content)).join('\n');
  return { system, user };
}

export async function startFakeModel(opts: { script?: ModelScript; latencyMs?: number } = {}): Promise<FakeModel> {
  const faults = new Misbehaviour();
  const calls: ModelCall[] = [];
  let malformed = 0;
  const state = {
    script: opts.script ?? ((): string => JSON.stringify({ reply: 'Thanks for reaching out! We are on it.', language: 'en' })),
    latencyMs: opts.latencyMs ?? 0,
    keys: new Set<string>(),
  };

  const writers = (vendor: ModelVendor): FaultWriters => ({
    tooManyRequests: (res, retryAfter) => sendJson(res, 429, vendor === 'anthropic'
      ? { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } }
      : { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, { 'retry-after': String(retryAfter) }),
    serverError: (res, status) => sendJson(res, status, vendor === 'anthropic'
      ? { type: 'error', error: { type: status === 529 ? 'overloaded_error' : 'api_error', message: 'Internal server error' } }
      : { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }),
  });

  const route = (req: IncomingMessage, url: URL): ModelVendor | undefined => {
    if (req.method !== 'POST') return undefined;
    if (url.pathname === '/v1/chat/completions') return 'openai';
    if (/^\/openai\/deployments\/[^/]+\/chat\/completions$/.test(url.pathname)) return 'azure';
    if (url.pathname === '/v1/messages') return 'anthropic';
    return undefined;
  };

  const refuse = (vendor: ModelVendor, headers: Record<string, string>, url: URL, res: ServerResponse): boolean => {
    const key = vendor === 'openai' ? headers.authorization?.replace(/^Bearer\s+/i, '') : vendor === 'azure' ? headers['api-key'] : headers['x-api-key'];
    if (vendor === 'azure' && !url.searchParams.get('api-version')) {
      sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } });
      return true;
    }
    if (vendor === 'anthropic' && !headers['anthropic-version']) {
      sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } });
      return true;
    }
    if (state.keys.size > 0 && (!key || !state.keys.has(key))) {
      if (vendor === 'anthropic') sendJson(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
      else sendJson(res, 401, { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' } });
      return true;
    }
    return false;
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const vendor = route(req, url);
    const raw = (await readBody(req)).toString('utf8');
    if (!vendor) return sendJson(res, 404, { error: { message: `no route ${req.method} ${url.pathname}` } });
    const headers = flatHeaders(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { error: { message: 'We could not parse the JSON body of your request.' } });
    }
    const { system, user } = readMessages(vendor, body);
    const call: ModelCall = { vendor, path: url.pathname, query: url.searchParams, headers, raw, body, system, user, stream: body.stream === true, model: String(body.model ?? url.pathname.split('/')[3] ?? '') };
    calls.push(call);
    if (refuse(vendor, headers, url, res)) return;
    if ((await faults.apply(faults.decide(vendor), req, res, writers(vendor))) === 'answered') return;
    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
    if (malformed > 0) {
      malformed -= 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "chatcmpl-broken", "choices": [');
      return;
    }
    const text = state.script(call);
    const input = tokensOf(system + user);
    const output = tokensOf(text);
    if (vendor === 'anthropic') return call.stream ? streamAnthropic(res, call.model, text, input, output) : sendJson(res, 200, anthropicMessage(call.model, text, input, output));
    return call.stream ? streamOpenAi(res, call.model, text, input, output, body) : sendJson(res, 200, openAiCompletion(call.model, text, input, output));
  };

  const server = await listenFake(handler, faults);
  return {
    origin: server.origin,
    calls,
    faults,
    get script() { return state.script; },
    set script(s: ModelScript) { state.script = s; },
    get latencyMs() { return state.latencyMs; },
    set latencyMs(ms: number) { state.latencyMs = ms; },
    keys: state.keys,
    malformedNext(n = 1) { malformed += n; },
    close: () => server.close(),
  };
}

let seq = 0;
const created = () => Math.floor(Date.now() / 1000);

function openAiCompletion(model: string, text: string, input: number, output: number) {
  return {
    id: `chatcmpl-fake${++seq}`, object: 'chat.completion', created: created(), model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
  };
}

function sse(res: ServerResponse): (data: string, event?: string) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return (data, event) => res.write(`${event ? `event: ${event}\n` : ''}data: ${data}\n\n`);
}

/** Chunks of about 16 characters, as a model streams tokens. */
const pieces = (text: string) => text.match(/[\s\S]{1,16}/g) ?? [''];

function streamOpenAi(res: ServerResponse, model: string, text: string, input: number, output: number, body: Record<string, unknown>): void {
  const send = sse(res);
  const id = `chatcmpl-fake${++seq}`;
  const chunk = (delta: Record<string, unknown>, finish: string | null) => JSON.stringify({ id, object: 'chat.completion.chunk', created: created(), model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  send(chunk({ role: 'assistant', content: '' }, null));
  for (const p of pieces(text)) send(chunk({ content: p }, null));
  send(chunk({}, 'stop'));
  const usage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
  if (usage) send(JSON.stringify({ id, object: 'chat.completion.chunk', created: created(), model, choices: [], usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output } }));
  send('[DONE]');
  res.end();
}

function anthropicMessage(model: string, text: string, input: number, output: number) {
  return {
    id: `msg_fake${++seq}`, type: 'message', role: 'assistant', model,
    content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null,
    usage: { input_tokens: input, output_tokens: output },
  };
}

function streamAnthropic(res: ServerResponse, model: string, text: string, input: number, output: number): void {
  const send = sse(res);
  const ev = (type: string, data: Record<string, unknown>) => send(JSON.stringify({ type, ...data }), type);
  ev('message_start', { message: { ...anthropicMessage(model, '', input, 1), content: [], stop_reason: null } });
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (const p of pieces(text)) ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: p } });
  ev('content_block_stop', { index: 0 });
  ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: output } });
  ev('message_stop', {});
  res.end();
}
