import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemoteRateLimitedError, RemoteUnavailableError } from '../../src/domain/remote-errors.js';
import { htmlToText } from '../../src/sources/mastodon/mastodon-text.js';
import { startFakeMastodon, type FakeMastodon } from '../fakes/fake-mastodon.js';
import { buildPrivate, type PrivateBuild } from './private-harness.js';

let m: FakeMastodon;
let b: PrivateBuild;

function build(options: Record<string, unknown> = { private: true }, maxPages = 5) {
  return buildPrivate({ name: 'masto-acme', network: 'mastodon', queries: ['@me'], maxPages, options }, { MASTODON_URL: m.url, MASTODON_ACCESS_TOKEN: m.accessToken });
}

beforeEach(async () => {
  m = await startFakeMastodon();
  b = build();
});
afterEach(async () => {
  expect(m.internalErrors).toEqual([]);
  await m.close();
});

describe('Mastodon direct messages', () => {
  it('are off unless the source says private: true', () => {
    expect(build({}).source().private).toBeUndefined();
    expect(b.source().private?.network).toBe('mastodon');
  });

  it('reads direct statuses in both directions since the cursor, oldest first, not public ones', async () => {
    const first = await b.dms().pollPrivate(undefined);
    expect(first.messages).toEqual([]);
    const q = m.addStatus({ text: '@acme my card 4111 1111 1111 1111 was charged twice', author: 'jane', visibility: 'direct' });
    m.addStatus({ text: '@acme public complaint', author: 'bob' });
    const ours = m.addStatus({ text: '@jane we are on it', author: 'acme', visibility: 'direct', replyTo: q.id });
    m.addStatus({ text: '@acme thanks', author: 'jane', visibility: 'direct', replyTo: ours.id });
    m.addStatus({ text: '@acme hello from elsewhere', author: 'carl@other.example', visibility: 'direct' });
    const r = await b.dms().pollPrivate(first.cursor);
    expect(r.messages.map((x) => [x.direction, x.from.handle, x.text])).toEqual([
      ['in', 'jane@mastodon.example', '@acme my card 4111 1111 1111 1111 was charged twice'],
      ['out', 'acme@mastodon.example', '@jane we are on it'],
      ['in', 'jane@mastodon.example', '@acme thanks'],
      ['in', 'carl@other.example', '@acme hello from elsewhere'],
    ]);
    expect(new Set(r.messages.slice(0, 3).map((x) => x.conversationId)).size).toBe(1);
    // Ours names the customer it went to (the account the direct status mentions).
    expect(r.messages[1]!.to).toEqual({ id: q.account.id, handle: 'jane@mastodon.example' });
    expect(r.messages[0]!.to).toBeUndefined();
    expect(r.messages[3]!.conversationId).not.toBe(r.messages[0]!.conversationId);
    expect(m.callsTo('GET /api/v1/conversations')[1]!.query.get('limit')).toBe('40');
    m.addStatus({ text: '@acme one more', author: 'jane', visibility: 'direct', replyTo: ours.id });
    const again = await b.dms().pollPrivate(r.cursor);
    expect(again.messages.map((x) => x.text)).toEqual(['@acme one more']);
  });

  it('pages through the conversations list', async () => {
    const start = await b.dms().pollPrivate(undefined);
    for (let i = 0; i < 45; i++) m.addStatus({ text: `@acme question ${i}`, author: `user${i}`, visibility: 'direct' });
    const r = await b.dms().pollPrivate(start.cursor);
    expect(r.messages).toHaveLength(45);
    expect(r.messages[0]!.text).toBe('@acme question 0');
    expect(m.callsTo('GET /api/v1/conversations').length).toBe(3);
  });

  it('starts a conversation addressed to the customer, continues it, and finds a sent message', async () => {
    const jane = m.addAccount('jane');
    const since = Date.now() - 1000;
    const to = { id: jane.id, handle: 'jane@mastodon.example' };
    expect(await b.dms().findPrivate(to, 'Please send us your booking reference.', since)).toBeUndefined();
    const first = await b.dms().sendPrivate(to, 'Please send us your booking reference.');
    const created = m.posted[0]!;
    expect(created.visibility).toBe('direct');
    expect(created.in_reply_to_id).toBeNull();
    expect(htmlToText(created.content)).toBe('@jane Please send us your booking reference.');
    expect(created.mentions.map((x) => x.id)).toEqual([jane.id]);
    expect(first).toMatchObject({ id: created.id, direction: 'out' });
    m.addStatus({ text: '@acme ABC123', author: 'jane', visibility: 'direct', replyTo: created.id });
    const second = await b.dms().sendPrivate(to, 'Thanks, all rebooked.');
    expect(m.posted[1]!.in_reply_to_id).not.toBeNull();
    expect(second.conversationId).toBe(first.conversationId);
    const found = await b.dms().findPrivate(to, 'Please send us your booking reference.', since);
    expect(found?.id).toBe(created.id);
  });

  it('checks the length as a status: 500 by default, the instance limit when configured', () => {
    expect(b.dms().checkPrivate('a'.repeat(500))).toBeUndefined();
    expect(b.dms().checkPrivate('a'.repeat(501))).toMatch(/501 characters.*this instance allows 500\. Shorten it by 1/);
    expect(build({ private: true, maxCharacters: 1000 }).dms().checkPrivate('a'.repeat(900))).toBeUndefined();
  });

  it('maps 429 and 5xx to the domain errors', async () => {
    m.faults.schedule('GET /api/v1/conversations', { kind: '429', retryAfter: 40 });
    await expect(b.dms().pollPrivate(undefined)).rejects.toThrow(RemoteRateLimitedError);
    m.faults.schedule('POST /api/v1/statuses', { kind: '5xx', status: 502 });
    await expect(b.dms().sendPrivate({ id: m.addAccount('jane').id, handle: 'jane' }, 'hi')).rejects.toThrow(RemoteUnavailableError);
  });

  it('a token without the scope to read conversations: canStart false, reported once, no more calls until the re-check', async () => {
    m.refuseConversations = true;
    const r = await b.dms().pollPrivate(undefined);
    expect(r.messages).toEqual([]);
    const access = await b.dms().access();
    expect(access).toMatchObject({ canStart: false, canRead: false });
    expect(access.canStart === false && access.reason).toMatch(/read:statuses/);
    const before = m.callsTo('GET /api/v1/conversations').length;
    await b.dms().pollPrivate(r.cursor);
    expect(m.callsTo('GET /api/v1/conversations').length).toBe(before);
    expect(b.warnings).toHaveLength(1);
  });
});
