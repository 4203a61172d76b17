/**
 * X's filtered stream for the fake X API (fake-x.ts): `GET /2/tweets/search/stream` and
 * `GET|POST /2/tweets/search/stream/rules`, in the documented shapes.
 *
 * - The stream answers 200 with a chunked body: one JSON object per post (`data`, `includes`,
 *   `matching_rules` with each matching rule's id and tag) ending in `\r\n`, and a bare `\r\n`
 *   keep-alive every `keepAliveMs`. Only posts added after the connection are sent (X keeps
 *   no replay below Enterprise). One connection at a time: a second gets 429
 *   `TooManyConnections`, as on the pay-per-use tier.
 * - Rules are matched with the recent-search matcher of fake-x.ts. Adding a rule whose value
 *   is already a rule gives a `DuplicateRule` error; a value over 1,024 characters is invalid.
 * - Misbehaving: `drop()` ends the open connection, `stall(true)` stops writing (no posts, no
 *   keep-alives) until `stall(false)`, `sendRaw(text)` writes any text (a malformed line),
 *   `refuse(status, times)` answers the next connection attempts with an error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './fake-http.js';

export interface XStreamRule { id: string; value: string; tag?: string }

/** What the stream needs of the fake X. */
export interface XStreamHost<T extends { id: string }> {
  matches(tweet: T, query: string): boolean;
  /** The post as one stream object (`data`, `includes`) with the request's fields and expansions. */
  render(tweet: T, query: URLSearchParams): Record<string, unknown>;
}

export interface FakeXStream {
  rules: XStreamRule[];
  /** Open stream connections (0 or 1). */
  readonly connections: number;
  /** Connections accepted so far. */
  readonly connects: number;
  drop(): void;
  stall(on: boolean): void;
  sendRaw(text: string): void;
  refuse(status: number, times?: number): void;
  keepAliveMs: number;
}

export function createXStream<T extends { id: string }>(host: XStreamHost<T>, opts: { keepAliveMs?: number } = {}) {
  const rules: XStreamRule[] = [];
  const open = new Set<{ res: ServerResponse; q: URLSearchParams }>();
  let ruleSeq = 1_700_000_000_000_000_000n;
  let stalled = false;
  let connects = 0;
  const refusals: number[] = [];

  const write = (res: ServerResponse, text: string) => { if (!stalled && !res.writableEnded) res.write(text); };

  const api: FakeXStream = {
    rules,
    get connections() { return open.size; },
    get connects() { return connects; },
    drop() { for (const c of [...open]) { open.delete(c); c.res.destroy(); } },
    stall(on) { stalled = on; },
    sendRaw(text) { for (const c of open) c.res.write(text); },
    refuse(status, times = 1) { for (let i = 0; i < times; i++) refusals.push(status); },
    keepAliveMs: opts.keepAliveMs ?? 1000,
  };

  /** A post was added: sent to the open connection when one of the rules matches it. */
  const publish = (tweet: T) => {
    const matching = rules.filter((r) => host.matches(tweet, r.value));
    if (matching.length === 0) return;
    for (const c of open) {
      write(c.res, `${JSON.stringify({ ...host.render(tweet, c.q), matching_rules: matching.map((r) => ({ id: r.id, tag: r.tag ?? '' })) })}\r\n`);
    }
  };

  const connect = (req: IncomingMessage, res: ServerResponse, q: URLSearchParams) => {
    const status = refusals.shift();
    if (status !== undefined) {
      return sendJson(res, status, { title: status === 429 ? 'Too Many Requests' : 'Service Unavailable', detail: `refused on purpose (${status})`, type: 'about:blank', status });
    }
    if (open.size > 0) {
      return sendJson(res, 429, {
        title: 'ConnectionException', detail: 'This stream is currently at the maximum allowed connection limit.',
        connection_issue: 'TooManyConnections', type: 'https://api.twitter.com/2/problems/streaming-connection',
      });
    }
    connects += 1;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const conn = { res, q };
    open.add(conn);
    const timer = setInterval(() => write(res, '\r\n'), api.keepAliveMs);
    const done = () => { clearInterval(timer); open.delete(conn); };
    req.on('close', done);
    res.on('close', done);
  };

  const rulesGet = (res: ServerResponse) => {
    const sent = new Date().toISOString();
    if (rules.length === 0) return sendJson(res, 200, { meta: { sent, result_count: 0 } });
    return sendJson(res, 200, { data: rules, meta: { sent, result_count: rules.length } });
  };

  const rulesPost = (res: ServerResponse, body: unknown) => {
    const sent = new Date().toISOString();
    const b = (body ?? {}) as { add?: Array<{ value?: unknown; tag?: unknown }>; delete?: { ids?: unknown[] } };
    if (b.delete) {
      const ids = new Set((b.delete.ids ?? []).map(String));
      const before = rules.length;
      for (let i = rules.length - 1; i >= 0; i--) if (ids.has(rules[i]!.id)) rules.splice(i, 1);
      const deleted = before - rules.length;
      return sendJson(res, 200, { meta: { sent, summary: { deleted, not_deleted: ids.size - deleted } } });
    }
    const data: XStreamRule[] = [];
    const errors: Array<Record<string, unknown>> = [];
    for (const r of b.add ?? []) {
      const value = typeof r.value === 'string' ? r.value : '';
      const existing = rules.find((x) => x.value === value);
      if (existing) { errors.push({ value, id: existing.id, title: 'DuplicateRule', type: 'https://api.twitter.com/2/problems/duplicate-rules' }); continue; }
      if (!value || value.length > 1024) { errors.push({ value, title: 'Invalid Rule', details: ['Rule is empty or longer than 1024 characters'], type: 'https://api.twitter.com/2/problems/invalid-rules' }); continue; }
      const rule: XStreamRule = { id: String(++ruleSeq), value, ...(typeof r.tag === 'string' ? { tag: r.tag } : {}) };
      rules.push(rule);
      data.push(rule);
    }
    const summary = { created: data.length, not_created: errors.length, valid: data.length, invalid: errors.length };
    return sendJson(res, 201, { ...(data.length ? { data } : {}), meta: { sent, summary }, ...(errors.length ? { errors } : {}) });
  };

  /** Answers the stream routes; false for any other route. */
  const handle = (req: IncomingMessage, res: ServerResponse, path: string, q: URLSearchParams, body: unknown): boolean => {
    if (path === '/2/tweets/search/stream' && req.method === 'GET') { connect(req, res, q); return true; }
    if (path === '/2/tweets/search/stream/rules' && req.method === 'GET') { rulesGet(res); return true; }
    if (path === '/2/tweets/search/stream/rules' && req.method === 'POST') { rulesPost(res, body); return true; }
    return false;
  };

  return { api, publish, handle, close: () => api.drop() };
}
