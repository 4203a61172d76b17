import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemoteRateLimitedError, RemoteRefusedError, RemoteUnavailableError } from '../../src/domain/remote-errors.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { buildPrivate, type PrivateBuild } from './private-harness.js';

let x: FakeX;
let b: PrivateBuild;
const HOUR = 3_600_000;

function build(options: Record<string, unknown> = { private: true }, maxPages = 5) {
  return buildPrivate({ name: 'x-acme', network: 'x', queries: ['acme'], maxPages, options }, {
    X_BEARER_TOKEN: 'bearer', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'as', X_API_URL: x.url,
  });
}

beforeEach(async () => {
  x = await startFakeX({ me: { username: 'acme' } });
  b = build();
});
afterEach(async () => {
  expect(x.internalErrors).toEqual([]);
  await x.close();
});

describe('X direct messages: configuration', () => {
  it('are off unless the source says private: true', () => {
    expect(build({}).source().private).toBeUndefined();
    expect(b.source().private?.network).toBe('x');
  });

  it('without the user-context keys, access says why and nothing is called', async () => {
    const p = buildPrivate({ name: 'x-acme', network: 'x', queries: ['acme'], options: { private: true } }, { X_BEARER_TOKEN: 'bearer', X_API_URL: x.url }).dms();
    const access = await p.access();
    expect(access).toMatchObject({ canStart: false, canRead: false });
    expect(access.canStart === false && access.reason).toMatch(/X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_SECRET/);
    expect(x.calls.filter((c) => c.path.includes('dm_'))).toEqual([]);
  });
});

describe('X direct messages: polling', () => {
  it('reads incoming and outgoing DMs since the cursor, oldest first, across pages', async () => {
    const first = await b.dms().pollPrivate(undefined);
    expect(first.messages).toEqual([]);
    x.addDm({ from: 'jane', text: 'my card number is 4111 1111 1111 1111' });
    x.addDm({ from: 'acme', to: 'jane', text: 'thanks, we are looking' });
    for (let i = 0; i < 150; i++) x.addDm({ from: 'bob', text: `message ${i}` });
    const r = await b.dms().pollPrivate(first.cursor);
    expect(r.requests).toBe(2);
    expect(r.messages).toHaveLength(152);
    expect(r.messages.slice(0, 2).map((m) => [m.direction, m.from.handle, m.text])).toEqual([
      ['in', 'jane', 'my card number is 4111 1111 1111 1111'],
      ['out', 'acme', 'thanks, we are looking'],
    ]);
    expect(r.messages.at(-1)!.text).toBe('message 149');
    const jane = x.user('jane')!;
    expect(r.messages[0]).toMatchObject({ conversationId: [x.me.id, jane.id].sort((a, c) => (BigInt(a) < BigInt(c) ? -1 : 1)).join('-'), from: { id: jane.id, name: 'jane' } });
    expect(r.messages[0]!.url).toBe(`https://x.com/messages/${r.messages[0]!.conversationId}`);
    // Ours names the customer it went to (the other participant of the conversation id, named when X sent their user along); theirs names nobody.
    expect(r.messages[1]!.to).toEqual({ id: jane.id, handle: 'jane' });
    expect(r.messages[0]!.to).toBeUndefined();
    const sent = x.callsTo('GET /2/dm_events')[1]!;
    expect(sent.query).toMatchObject({ event_types: 'MessageCreate', expansions: 'sender_id', max_results: '100' });
    expect(sent.query['dm_event.fields']).toContain('dm_conversation_id');
    expect(sent.auth).toMatch(/^OAuth /);
    // Nothing new: nothing again, one request.
    const again = await b.dms().pollPrivate(r.cursor);
    expect(again).toMatchObject({ messages: [], requests: 1 });
  });

  it('carries on from where a poll stopped paging, without losing or repeating a message', async () => {
    const start = await b.dms().pollPrivate(undefined);
    for (let i = 0; i < 250; i++) x.addDm({ from: 'bob', text: `m${i}` });
    const short = build({ private: true }, 1);
    const one = await short.dms().pollPrivate(start.cursor);
    expect(one.messages.map((m) => m.text)).toEqual(Array.from({ length: 100 }, (_, i) => `m${249 - 99 + i}`));
    x.addDm({ from: 'jane', text: 'newer' });
    const two = await short.dms().pollPrivate(one.cursor);
    const three = await short.dms().pollPrivate(two.cursor);
    const four = await short.dms().pollPrivate(three.cursor);
    const texts = [...two.messages, ...three.messages, ...four.messages].map((m) => m.text);
    expect(texts.sort()).toEqual([...Array.from({ length: 150 }, (_, i) => `m${i}`), 'newer'].sort());
  });

  it('reaches back only as far as the look-back on the first poll', async () => {
    x.addDm({ from: 'jane', text: 'old', createdAt: new Date(Date.now() - 3 * HOUR).toISOString() });
    x.addDm({ from: 'jane', text: 'recent', createdAt: new Date(Date.now() - 60_000).toISOString() });
    const r = await b.dms().pollPrivate(undefined);
    expect(r.messages.map((m) => m.text)).toEqual(['recent']);
  });
});

describe('X direct messages: sending', () => {
  it('starts a conversation, continues it, and finds a sent message so a retry does not double', async () => {
    const jane = x.addUser({ username: 'jane', name: 'Jane Doe' });
    const since = Date.now() - 1000;
    const dms = b.dms();
    expect(await dms.findPrivate({ id: jane.id, handle: 'jane' }, 'Please DM us your booking reference', since)).toBeUndefined();
    const first = await dms.sendPrivate({ id: jane.id, handle: 'jane' }, 'Please DM us your booking reference');
    expect(first).toMatchObject({ direction: 'out', from: { handle: 'acme' }, text: 'Please DM us your booking reference' });
    const call = x.callsTo('POST /2/dm_conversations/with/:participant_id/messages')[0]!;
    expect(call.path).toBe(`/2/dm_conversations/with/${jane.id}/messages`);
    expect(call.body).toEqual({ text: 'Please DM us your booking reference' });
    x.addDm({ from: 'jane', text: 'ABC123' });
    const second = await b.dms().sendPrivate({ id: jane.id, handle: 'jane' }, 'Thanks, rebooked.');
    expect(second.conversationId).toBe(first.conversationId);
    const found = await b.dms().findPrivate({ id: jane.id, handle: 'jane' }, 'Please DM us your booking reference', since);
    expect(found).toMatchObject({ id: first.id, conversationId: first.conversationId, direction: 'out' });
    expect(await b.dms().findPrivate({ id: jane.id, handle: 'jane' }, 'Please DM us your booking reference', Date.now() + 60_000)).toBeUndefined();
    expect(x.sentDms.map((e) => e.text)).toEqual(['Please DM us your booking reference', 'Thanks, rebooked.']);
  });

  it('checks the DM length: 10,000 characters', () => {
    const dms = b.dms();
    expect(dms.checkPrivate('a'.repeat(10_000))).toBeUndefined();
    expect(dms.checkPrivate('a'.repeat(10_001))).toMatch(/10001 characters; an X direct message allows 10000\. Shorten it by 1/);
    expect(dms.checkPrivate('  ')).toMatch(/empty/);
  });

  it('a customer who does not take DMs from the brand is a refusal for that send only', async () => {
    const jane = x.addUser({ username: 'jane' });
    x.refuseDms('jane');
    await expect(b.dms().sendPrivate({ id: jane.id, handle: 'jane' }, 'hello')).rejects.toThrow(RemoteRefusedError);
    await expect(b.dms().sendPrivate({ id: jane.id, handle: 'jane' }, 'hello')).rejects.toThrow(/@jane.*may not accept direct messages/);
    expect(await b.dms().access()).toEqual({ canStart: true, canRead: true });
    expect(b.warnings).toEqual([]);
  });
});

describe('X direct messages: errors and access', () => {
  it('maps 429 (with x-rate-limit-reset) and 5xx to the domain errors', async () => {
    const jane = x.addUser({ username: 'jane' });
    x.faults.schedule('POST /2/dm_conversations/with/:participant_id/messages', { kind: '429', retryAfter: 120 });
    const limited = await b.dms().sendPrivate({ id: jane.id, handle: 'jane' }, 'hi').catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RemoteRateLimitedError);
    expect((limited as RemoteRateLimitedError).retryAfterMs).toBeGreaterThan(100_000);
    expect((limited as RemoteRateLimitedError).retryAfterMs).toBeLessThanOrEqual(121_000);
    x.faults.schedule('GET /2/dm_events', { kind: '5xx', status: 503 });
    await expect(b.dms().pollPrivate(undefined)).rejects.toThrow(RemoteUnavailableError);
    x.faults.schedule('GET /2/dm_events', { kind: '429', retryAfter: 30 });
    await expect(b.dms().pollPrivate(undefined)).rejects.toThrow(RemoteRateLimitedError);
    x.faults.schedule('GET /2/dm_conversations/with/:participant_id/dm_events', { kind: '5xx', status: 500 });
    await expect(b.dms().findPrivate({ id: jane.id, handle: 'jane' }, 'hi', 0)).rejects.toThrow(RemoteUnavailableError);
  });

  it('an access level without DMs: canStart false with the reason, reported once, and no more DM calls until the re-check', async () => {
    x.dmAccess = 'not-enrolled';
    x.addDm({ from: 'jane', text: 'hello?' });
    const access = await b.dms().access();
    expect(access).toMatchObject({ canStart: false, canRead: false });
    expect(access.canStart === false && access.reason).toMatch(/access level.*falls back to a public reply inviting a DM/);
    // Another worker, another tick: the refusal is remembered, not asked or reported again.
    const before = x.calls.length;
    const poll = await b.dms().pollPrivate('{"since":"1"}');
    expect(poll).toEqual({ messages: [], cursor: '{"since":"1"}', requests: 0 });
    await expect(b.dms().sendPrivate({ id: x.user('jane')!.id, handle: 'jane' }, 'hi')).rejects.toThrow(/access level/);
    expect(await b.dms().access()).toMatchObject({ canStart: false });
    expect(x.calls.length).toBe(before);
    expect(b.warnings).toHaveLength(1);
    expect(b.warnings[0]!.fields).toMatchObject({ source: 'x-acme', network: 'x', canRead: false });
  });

  it('a poll that meets the refusal first returns nothing, keeps its cursor and reports once', async () => {
    x.dmAccess = 'not-enrolled';
    const r = await b.dms().pollPrivate('{"since":"5"}');
    expect(r.messages).toEqual([]);
    expect(r.cursor).toBe('{"since":"5"}');
    await b.dms().pollPrivate(r.cursor);
    expect(x.callsTo('GET /2/dm_events')).toHaveLength(1);
    expect(b.warnings).toHaveLength(1);
  });

  it('asks again once the re-check is due, and notices an upgrade', async () => {
    let now = Date.now();
    const timed = buildPrivate({ name: 'x-acme', network: 'x', queries: ['acme'], options: { private: true, privateRecheck: '1h' } }, {
      X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'as', X_API_URL: x.url,
    }, () => now);
    x.dmAccess = 'no-dm-permission';
    const denied = await timed.dms().access();
    expect(denied.canStart === false && denied.reason).toMatch(/Read and write and Direct message/);
    x.dmAccess = 'ok';
    expect(await timed.dms().access()).toMatchObject({ canStart: false });
    now += HOUR + 1000;
    expect(await timed.dms().access()).toEqual({ canStart: true, canRead: true });
    expect(timed.warnings).toHaveLength(1);
  });

  it('a send refused for the access level stops sending but keeps reading', async () => {
    const jane = x.addUser({ username: 'jane' });
    await b.dms().pollPrivate(undefined);
    x.dmAccess = 'no-dm-permission';
    await expect(b.dms().sendPrivate({ id: jane.id, handle: 'jane' }, 'hi')).rejects.toThrow(RemoteRefusedError);
    expect(await b.dms().access()).toMatchObject({ canStart: false, canRead: true });
    expect(b.warnings).toHaveLength(1);
  });
});
