import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemoteRateLimitedError, RemoteRefusedError, RemoteUnavailableError } from '../../src/domain/remote-errors.js';
import { startFakeBluesky, type FakeBluesky } from '../fakes/fake-bluesky.js';
import { CHAT_PROXY } from '../fakes/fake-bluesky-chat.js';
import { buildPrivate, type PrivateBuild } from './private-harness.js';

let bsky: FakeBluesky;
let b: PrivateBuild;

function build(options: Record<string, unknown> = { private: true }, maxPages = 5) {
  return buildPrivate({ name: 'bsky-acme', network: 'bluesky', queries: ['acme'], maxPages, options }, {
    BLUESKY_SERVICE_URL: bsky.url, BLUESKY_HANDLE: 'acme.bsky.social', BLUESKY_APP_PASSWORD: bsky.appPassword,
  });
}

beforeEach(async () => {
  bsky = await startFakeBluesky({ chatLogPageSize: 10 });
  b = build();
});
afterEach(async () => {
  expect(bsky.internalErrors).toEqual([]);
  await bsky.close();
});

describe('Bluesky chat', () => {
  it('is off unless the source says private: true', () => {
    expect(build({}).source().private).toBeUndefined();
    expect(b.source().private?.network).toBe('bluesky');
  });

  it('reads the chat log since the cursor, both directions, oldest first, across pages, through the chat proxy', async () => {
    bsky.addUser('jane.bsky.social', { displayName: 'Jane' });
    bsky.addUser('bob.bsky.social');
    const first = await b.dms().pollPrivate(undefined);
    expect(first.messages).toEqual([]);
    bsky.addChatMessage('jane.bsky.social', 'my card 4111 1111 1111 1111 was charged twice');
    bsky.addChatMessage('acme.bsky.social', 'we are on it', { to: 'jane.bsky.social' });
    for (let i = 0; i < 25; i++) bsky.addChatMessage('bob.bsky.social', `bob ${i}`);
    const r = await b.dms().pollPrivate(first.cursor);
    expect(r.messages).toHaveLength(27);
    expect(r.messages.slice(0, 2).map((m) => [m.direction, m.from.handle, m.from.name, m.text])).toEqual([
      ['in', 'jane.bsky.social', 'Jane', 'my card 4111 1111 1111 1111 was charged twice'],
      ['out', 'acme.bsky.social', 'Acme Support', 'we are on it'],
    ]);
    expect(r.messages[0]!.conversationId).toBe(r.messages[1]!.conversationId);
    // Ours names the customer it went to (the other member, from getConvo through the chat proxy); theirs names nobody.
    expect(r.messages[1]!.to).toEqual({ id: r.messages[0]!.from.id, handle: 'jane.bsky.social' });
    expect(r.messages[0]!.to).toBeUndefined();
    expect(bsky.callsTo('chat.bsky.convo.getConvo')).toHaveLength(1);
    expect(r.messages.at(-1)!.text).toBe('bob 24');
    const logCalls = bsky.callsTo('chat.bsky.convo.getLog');
    expect(logCalls.every((c) => c.headers['atproto-proxy'] === CHAT_PROXY)).toBe(true);
    bsky.addChatMessage('jane.bsky.social', 'still there?');
    const again = await b.dms().pollPrivate(r.cursor);
    expect(again.messages.map((m) => m.text)).toEqual(['still there?']);
  });

  it('a poll that stops paging carries on next time without losing a message', async () => {
    bsky.addUser('bob.bsky.social');
    const start = await b.dms().pollPrivate(undefined);
    for (let i = 0; i < 25; i++) bsky.addChatMessage('bob.bsky.social', `bob ${i}`);
    const short = build({ private: true }, 1);
    const one = await short.dms().pollPrivate(start.cursor);
    const two = await short.dms().pollPrivate(one.cursor);
    const three = await short.dms().pollPrivate(two.cursor);
    expect([...one.messages, ...two.messages, ...three.messages].map((m) => m.text)).toEqual(Array.from({ length: 25 }, (_, i) => `bob ${i}`));
  });

  it('history older than the look-back is never returned, even when it takes several polls to page past it', async () => {
    bsky.addUser('bob.bsky.social');
    const old = new Date(Date.now() - 3 * 3_600_000).toISOString();
    for (let i = 0; i < 15; i++) bsky.addChatMessage('bob.bsky.social', `old ${i}`, { sentAt: old });
    bsky.addChatMessage('bob.bsky.social', 'recent');
    const short = build({ private: true }, 1);
    const one = await short.dms().pollPrivate(undefined);
    const two = await short.dms().pollPrivate(one.cursor);
    expect([...one.messages, ...two.messages].map((m) => m.text)).toEqual(['recent']);
  });

  it('starts a conversation, continues it, and finds a sent message so a retry does not double', async () => {
    const jane = bsky.addUser('jane.bsky.social');
    const to = { id: jane.did, handle: jane.handle };
    const since = Date.now() - 1000;
    const first = await b.dms().sendPrivate(to, 'Please send us your booking reference here.');
    expect(first).toMatchObject({ direction: 'out', text: 'Please send us your booking reference here.', from: { id: bsky.brand.did } });
    const send = bsky.callsTo('chat.bsky.convo.sendMessage')[0]!;
    expect(send.body).toEqual({ convoId: first.conversationId, message: { text: 'Please send us your booking reference here.' } });
    expect(send.headers['atproto-proxy']).toBe(CHAT_PROXY);
    expect(bsky.callsTo('chat.bsky.convo.getConvoForMembers')[0]!.query.getAll('members')).toEqual([jane.did]);
    bsky.addChatMessage('jane.bsky.social', 'ABC123');
    const second = await b.dms().sendPrivate(to, 'Thanks, rebooked.');
    expect(second.conversationId).toBe(first.conversationId);
    expect((await b.dms().findPrivate(to, 'Please send us your booking reference here.', since))?.id).toBe(first.id);
    expect(await b.dms().findPrivate(to, 'never sent', since)).toBeUndefined();
    expect(bsky.sentChat.map((m) => m.text)).toEqual(['Please send us your booking reference here.', 'Thanks, rebooked.']);
  });

  it('a customer whose chat is closed to the brand is a refusal for that send only', async () => {
    const jane = bsky.addUser('jane.bsky.social');
    bsky.refuseChat('jane.bsky.social');
    await expect(b.dms().sendPrivate({ id: jane.did, handle: jane.handle }, 'hi')).rejects.toThrow(/@jane\.bsky\.social does not accept chat messages/);
    expect(await b.dms().access()).toEqual({ canStart: true, canRead: true });
  });

  it('checks chat length: 1,000 graphemes', () => {
    expect(b.dms().checkPrivate('👍🏽'.repeat(1000))).toBeUndefined();
    expect(b.dms().checkPrivate('a'.repeat(1001))).toMatch(/1001 characters; a Bluesky chat message allows 1000 .*Shorten it by 1\./);
  });

  it('maps 429 and 5xx to the domain errors', async () => {
    const jane = bsky.addUser('jane.bsky.social');
    await b.dms().access();
    bsky.faults.schedule('chat.bsky.convo.sendMessage', { kind: '429', retryAfter: 60 });
    await expect(b.dms().sendPrivate({ id: jane.did, handle: jane.handle }, 'hi')).rejects.toThrow(RemoteRateLimitedError);
    bsky.faults.schedule('chat.bsky.convo.getLog', { kind: '5xx', status: 502 });
    await expect(b.dms().pollPrivate(undefined)).rejects.toThrow(RemoteUnavailableError);
  });

  it('an app password without DM access: canStart false with the reason, reported once, no more chat calls until the re-check', async () => {
    bsky.chatAllowed = false;
    const access = await b.dms().access();
    expect(access).toMatchObject({ canStart: false, canRead: false });
    expect(access.canStart === false && access.reason).toMatch(/Allow access to your direct messages/);
    const chatCalls = () => bsky.calls.filter((c) => c.nsid.startsWith('chat.')).length;
    const before = chatCalls();
    expect((await b.dms().pollPrivate(undefined)).messages).toEqual([]);
    await expect(b.dms().sendPrivate({ id: bsky.brand.did, handle: 'x' }, 'hi')).rejects.toThrow(RemoteRefusedError);
    expect(chatCalls()).toBe(before);
    expect(b.warnings).toHaveLength(1);
    // The refusal did not throw the session away: no second login for it.
    expect(bsky.logins).toBe(1);
  });
});
