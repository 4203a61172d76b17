import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardFor } from '../../src/cards/card-for.js';
import { firstResponseAt } from '../../src/domain/case.js';
import { startFakeBluesky, type FakeBluesky } from '../fakes/fake-bluesky.js';
import { CHAT_PROXY } from '../fakes/fake-bluesky-chat.js';
import { CARD_NUMBER, privateConfig, startPrivateFlow, until, type PrivateFlow } from './support/private-flow.js';

/**
 * Move to DM and a private reply through the real Bluesky adapter (@atproto/api's
 * chat.bsky.convo.* through the chat proxy header) against the fake Bluesky, with the card
 * and its thread read from what the fake Slack received.
 */
const SOURCES = `
  - { name: bsky-dm, network: bluesky, queries: [acme], options: { private: true } }
  - { name: bsky-nochat, network: bluesky, queries: [acme], options: { private: true } }
`;

describe('Move to DM and a private reply over Bluesky chat (fake Bluesky)', () => {
  let bsky: FakeBluesky;
  let flow: PrivateFlow;
  let joDid = '';
  const mentionOf = (source: string, uri: string, did: string, handle: string, name: string, text: string) =>
    flow.post(source, { network: 'bluesky', id: uri, text, url: `https://bsky.app/profile/${did}/post/${uri.split('/').pop()}`, author: { id: did, handle, name, followers: 3, verified: false } });

  beforeAll(async () => {
    bsky = await startFakeBluesky();
    flow = await startPrivateFlow('private-bsky', privateConfig(SOURCES), {
      BLUESKY_SERVICE_URL: bsky.url, BLUESKY_HANDLE: 'acme.bsky.social', BLUESKY_APP_PASSWORD: bsky.appPassword,
    });
  });
  afterAll(async () => {
    await flow?.stop();
    expect(bsky.internalErrors).toEqual([]);
    await bsky.close();
  });

  it('an app password without chat access (learned on the source\'s first ask) falls back to a public reply inviting a DM', async () => {
    bsky.chatAllowed = false;
    try {
      const sam = bsky.addUser('sam.bsky.social', { displayName: 'Sam' });
      const p = bsky.addPost({ author: 'sam.bsky.social', text: '@acme.bsky.social my booking ABC123 is wrong' });
      const c = await mentionOf('bsky-nochat', p.uri, sam.did, sam.handle, 'Sam', p.record.text);
      const { route, case: drafted } = await flow.draftPrivately(c);
      expect(route).toMatch(/^Public invitation to DM \(Bluesky refused chat for this app password/);
      const before = bsky.sentChat.length;
      await flow.approveAndSend(drafted);
      const moved = await until('the invitation to be recorded', async () => { const k = await flow.get(c.id); return k.status === 'redirected' && k; });
      expect(moved.private?.via).toBe('invitation');
      expect(bsky.sentChat).toHaveLength(before);
      expect(bsky.posted.map((x) => [x.record.text, x.record.reply?.parent.uri])).toEqual([['Hi Sam, please send us a DM so we can look at this privately.', p.uri]]);
    } finally {
      bsky.chatAllowed = true;
    }
  });

  it('sends the first DM through the chat service, hears the answer, shows it masked in the card\'s thread, and answers privately once across a 5xx', async () => {
    const jo = bsky.addUser('jo.bsky.social', { displayName: 'Jo' });
    joDid = jo.did;
    const p = bsky.addPost({ author: 'jo.bsky.social', text: `@acme.bsky.social my card ${CARD_NUMBER} was charged twice` });
    const c = await mentionOf('bsky-dm', p.uri, jo.did, jo.handle, 'Jo', p.record.text);
    const ts = await flow.cardTs(c.id);
    expect(JSON.stringify(flow.slack.channel('C0CARE0001').message(ts)?.blocks)).not.toContain(CARD_NUMBER);

    // Move to DM: a first chat message, after one 429 from the chat service.
    const { route, case: drafted } = await flow.draftPrivately(c);
    const publicBefore = bsky.posted.length;
    expect(route).toBe('Private: DM to @jo.bsky.social');
    bsky.faults.schedule('chat.bsky.convo.sendMessage', { kind: '429', retryAfter: 1 });
    await flow.approveAndSend(drafted);
    await until('the DM to be recorded', async () => { const k = await flow.get(c.id); return k.status === 'redirected' && k; });
    expect(bsky.sentChat.map((m) => m.text)).toEqual(['Hi Jo, please send us a DM so we can look at this privately.']);
    expect(bsky.sentChat[0]!.senderDid).toBe(bsky.brand.did);
    const chatCalls = bsky.calls.filter((k) => k.nsid.startsWith('chat.bsky.convo.'));
    expect(chatCalls.length).toBeGreaterThan(0);
    expect(chatCalls.every((k) => k.headers['atproto-proxy'] === CHAT_PROXY)).toBe(true);
    expect(bsky.callsTo('chat.bsky.convo.sendMessage').map((k) => k.fault?.kind ?? 'ok')).toEqual(['429', 'ok']);
    expect(bsky.posted).toHaveLength(publicBefore);

    // Jo answers in the chat with the card number: heard, joined to the case, masked in the card's thread.
    bsky.addChatMessage('jo.bsky.social', `It is ${CARD_NUMBER}, please block it`);
    await flow.app.listenPrivate();
    const answered = await until('the answer to join the case', async () => { const k = await flow.get(c.id); return k.private?.messages.some((m) => m.direction === 'in') && k; });
    const note = await until('the thread note on Slack', () => flow.threadPosts(ts).find((k) => String(k.args.text).includes('wrote privately')));
    expect(String(note.args.text)).toContain('@jo.bsky.social wrote privately: It is');
    expect(String(note.args.text)).toContain('please block it');
    expect(String(note.args.text)).not.toContain(CARD_NUMBER);
    const lines = cardFor(answered, { config: flow.config, sources: flow.app.sources }).notes.filter((n) => n.startsWith('Private · @jo'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(CARD_NUMBER);

    // The private reply: drafted, approved, sent once although the chat service answers 503 first.
    const reply = 'Thanks Jo, the card is blocked and a new one is on its way.';
    const { route: again, case: second } = await flow.draftPrivately(answered, reply);
    expect(again).toBe('Private: DM to @jo.bsky.social');
    bsky.faults.schedule('chat.bsky.convo.sendMessage', { kind: '5xx', status: 503 });
    await flow.approveAndSend(second);
    await until('the private reply to be recorded', async () => { const k = await flow.get(c.id); return (k.private?.messages.filter((m) => m.direction === 'out').length ?? 0) === 2 && k; });
    expect(bsky.sentChat.filter((m) => m.text === reply)).toHaveLength(1);
    expect(new Set(bsky.sentChat.map((m) => m.convoId)).size).toBe(1);
    const sentNotes = await until('both sends noted in the thread', () => { const n = flow.threadPosts(ts).filter((k) => String(k.args.text).includes('A direct message reached @jo.bsky.social')); return n.length === 2 && n; });
    expect(String(sentNotes[1]!.args.text)).toContain(reply);
  });

  it('a chat message the brand sent from the Bluesky app (sender did = the brand) joins the case as ours, outside Earshot, not as the customer\'s', async () => {
    // Jo's case from the test above has had its first response (Earshot's DM): this one does not change it.
    const ids = await flow.app.cases.caseIdsOfAuthor('bluesky', joDid);
    const before = await flow.get(ids.at(-1)!);
    const first = firstResponseAt(before);
    expect(first).toBeDefined();
    const ts = await flow.cardTs(before.id);
    const m = bsky.addChatMessage('acme.bsky.social', 'Also: your new card ships today.', { to: 'jo.bsky.social' });
    await flow.app.listenPrivate();
    const heard = await until('the message to join the case', async () => { const k = await flow.get(before.id); return k.private!.messages.some((x) => x.id === m.id) && k; });
    expect(heard.private!.messages.at(-1)).toMatchObject({ id: m.id, direction: 'out', outside: true, text: 'Also: your new card ships today.' });
    expect(heard.status).toBe(before.status);
    expect(heard.private!.messages.filter((x) => x.direction === 'in')).toHaveLength(1);
    expect(firstResponseAt(heard)).toBe(first);
    const note = await until('the thread note on Slack', () => flow.threadPosts(ts).find((k) => String(k.args.text).includes('sent outside Earshot')));
    expect(String(note.args.text)).toMatch(/^A direct message to @jo\.bsky\.social was sent outside Earshot: Also: your new card ships today\./);

    // Someone new: the brand's message from the app is their case's first response, and opens no case of its own.
    const kim = bsky.addUser('kim.bsky.social', { displayName: 'Kim' });
    const p = bsky.addPost({ author: 'kim.bsky.social', text: '@acme.bsky.social where is my refund?' });
    const c = await flow.post('bsky-dm', { network: 'bluesky', id: p.uri, text: p.record.text, url: 'https://bsky.app/', author: { id: kim.did, handle: kim.handle, name: 'Kim', followers: 3, verified: false } });
    const out = bsky.addChatMessage('acme.bsky.social', 'Hi Kim, checking your refund.', { to: 'kim.bsky.social' });
    await flow.app.listenPrivate();
    const kimCase = await until('Kim\'s case to hear it', async () => { const k = await flow.get(c.id); return k.private && k; });
    expect(kimCase.status).toBe('new');
    expect(kimCase.private!.messages).toEqual([expect.objectContaining({ id: out.id, outside: true })]);
    expect(firstResponseAt(kimCase)).toBe(kimCase.audit.at(-1)!.at);
    expect(await flow.app.cases.caseIdsOfAuthor('bluesky', kim.did)).toEqual([c.id]);
    expect(bsky.callsTo('chat.bsky.convo.getConvo').every((k) => k.headers['atproto-proxy'] === CHAT_PROXY)).toBe(true);
  });
});
