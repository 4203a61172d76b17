import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardFor } from '../../src/cards/card-for.js';
import { caseRow, EXPORT_COLUMNS } from '../../src/cli/commands/export.js';
import { firstResponseAt, type Case } from '../../src/domain/case.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { privateConfig, startPrivateFlow, until, type PrivateFlow } from './support/private-flow.js';

/**
 * Move to DM and a private reply through the real X adapter (twitter-api-v2's DM
 * endpoints) against the fake X: the wire the private-messages double stands in for in
 * private-conversation.test.ts. The card and its thread are read from what the fake Slack
 * received.
 */
const CARD = '4111 1111 1111 1111';
const SOURCES = `
  - { name: x-dm, network: x, queries: ['@acme'], options: { private: true } }
  - { name: x-unenrolled, network: x, queries: ['@acme'], options: { private: true } }
`;

describe('Move to DM and a private reply over X direct messages (fake X)', () => {
  let x: FakeX;
  let flow: PrivateFlow;
  let config: PrivateFlow['config'];
  let app: PrivateFlow['app'];

  const post = (source: string, id: string, author: { id: string; handle: string; name: string }, text: string): Promise<Case> =>
    flow.post(source, { network: 'x', id, text, url: `https://x.com/i/web/status/${id}`, author: { ...author, followers: 3, verified: false } });
  const draftPrivately = async (c: Case, text?: string) => {
    const r = await flow.draftPrivately(c, text);
    return { form: { privateRoute: r.route }, case: r.case };
  };
  const approveAndSend = (c: Case) => flow.approveAndSend(c);

  beforeAll(async () => {
    x = await startFakeX({ me: { username: 'acme' } });
    flow = await startPrivateFlow('private-x', privateConfig(SOURCES), {
      X_BEARER_TOKEN: 'bearer', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'as', X_API_URL: x.url,
    });
    ({ config, app } = flow);
  });
  afterAll(async () => {
    await flow?.stop();
    expect(x.internalErrors).toEqual([]);
    await x.close();
  });

  it('falls back to a public invitation when X refuses DMs for the app (not enrolled), learned on the source\'s first ask', async () => {
    x.dmAccess = 'not-enrolled';
    const sam = x.addUser({ username: 'sam', name: 'Sam' });
    const target = x.addTweet({ author: 'sam', text: '@acme my booking ABC123 is wrong' });
    const c = await post('x-unenrolled', target.id, { id: sam.id, handle: 'sam', name: 'Sam' }, '@acme my booking ABC123 is wrong');
    const { form, case: drafted } = await draftPrivately(c);
    expect(form.privateRoute).toMatch(/^Public invitation to DM/);
    const dmsBefore = x.sentDms.length;
    await approveAndSend(drafted);
    const moved = await until('the invitation to be recorded', async () => { const k = await app.cases.get(c.id); return k?.status === 'redirected' && k; });
    expect(moved.private?.via).toBe('invitation');
    expect(x.sentDms).toHaveLength(dmsBefore);
    expect(x.posted.map((t) => t.text)).toEqual([expect.stringContaining('please send us a DM')]);
    x.dmAccess = 'ok';
  });

  it('sends the first DM through X, hears the answer by DM, and answers privately once', async () => {
    const jo = x.addUser({ username: 'jo', name: 'Jo' });
    const c = await post('x-dm', '100', { id: jo.id, handle: 'jo', name: 'Jo' }, `@acme my card ${CARD} was charged twice`);
    const { form, case: drafted } = await draftPrivately(c);
    expect(form.privateRoute).toBe('Private: DM to @jo');
    x.faults.schedule('POST /2/dm_conversations/with/:participant_id/messages', { kind: '429', retryAfter: 1 });
    await approveAndSend(drafted);
    await until('the DM to be recorded', async () => { const k = await app.cases.get(c.id); return k?.status === 'redirected' && k; });
    expect(x.sentDms).toHaveLength(1);
    expect(x.sentDms[0]!.dm_conversation_id).toContain(jo.id);
    expect(x.sentDms[0]!.text).toBe('Hi Jo, please send us a DM so we can look at this privately.');
    expect(x.posted).toHaveLength(1); // the other source's invitation, before

    // Jo answers by DM with the card number: read from X, joined to the case, masked on the card.
    x.addDm({ from: 'jo', text: `It is ${CARD}, please block it` });
    await app.listenPrivate();
    const answered = await until('the answer to join the case', async () => { const k = await app.cases.get(c.id); return k?.private?.messages.some((m) => m.direction === 'in') && k; });
    const lines = cardFor(answered, { config, sources: app.sources }).notes.filter((n) => n.startsWith('Private · @jo'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(CARD);
    const ts = await flow.cardTs(c.id);
    const note = await until('the thread note on Slack', () => flow.threadPosts(ts).find((k) => String(k.args.text).includes('wrote privately')));
    expect(String(note.args.text)).toMatch(/^@jo wrote privately: It is .*, please block it/);
    expect(String(note.args.text)).not.toContain(CARD);

    const reply = 'Thanks Jo, the card is blocked and a new one is on its way.';
    const { case: second } = await draftPrivately(answered, reply);
    x.faults.schedule('POST /2/dm_conversations/with/:participant_id/messages', { kind: '5xx', status: 503 });
    await approveAndSend(second);
    await until('the private reply to be recorded', async () => { const k = await app.cases.get(c.id); return (k?.private?.messages.filter((m) => m.direction === 'out').length ?? 0) === 2 && k; });
    expect(x.sentDms.filter((d) => d.text === reply)).toHaveLength(1);
    expect(x.callsTo('POST /2/dm_conversations/with/:participant_id/messages').map((k) => k.fault?.kind ?? 'ok')).toEqual(['429', 'ok', '5xx', 'ok']);
  });

  it('a DM the brand sent from X\'s own app (sender_id = the brand) joins the recipient\'s case as ours, sent outside Earshot, and is its first response', async () => {
    const kim = x.addUser({ username: 'kim', name: 'Kim' });
    const c = await post('x-dm', '300', { id: kim.id, handle: 'kim', name: 'Kim' }, '@acme my refund never arrived');
    expect(firstResponseAt(c)).toBeUndefined();
    const ev = x.addDm({ from: 'acme', to: 'kim', text: 'Hi Kim, we are checking your refund now.' });
    expect(ev.sender_id).toBe(x.me.id);
    await app.listenPrivate();
    const heard = await until('the message to join the case', async () => { const k = await app.cases.get(c.id); return k?.private && k; });
    expect(heard.private!.messages).toEqual([expect.objectContaining({ id: ev.id, direction: 'out', outside: true, text: 'Hi Kim, we are checking your refund now.' })]);
    // Not the customer writing: the case stays where it was, and no case is opened for the message.
    expect(heard.status).toBe('new');
    expect(await app.store.get(`mention-case:x:dm:${ev.id}`)).toBeUndefined();
    expect(heard.audit.at(-1)).toMatchObject({ action: 'private_outside', from: 'new', to: 'new' });
    expect(firstResponseAt(heard)).toBe(heard.audit.at(-1)!.at);
    expect(cardFor(heard, { config, sources: app.sources }).notes).toContainEqual(expect.stringMatching(/^Private · us \(sent outside Earshot\) · .*: Hi Kim, we are checking your refund now\.$/));
    const note = await until('the thread note on Slack', async () => flow.threadPosts(await flow.cardTs(c.id)).find((k) => String(k.args.text).includes('outside Earshot')));
    expect(String(note.args.text)).toMatch(/^A direct message to @kim was sent outside Earshot: Hi Kim, we are checking your refund now\./);
    // The export says whose it was.
    expect(caseRow(heard)[EXPORT_COLUMNS.indexOf('private_text')]).toBe('us (outside Earshot): Hi Kim, we are checking your refund now.');
    // Heard again (the cursor not moved, say): still once.
    await app.listenPrivate();
    expect((await app.cases.get(c.id))!.private!.messages).toHaveLength(1);
    // The DMs Earshot itself sent earlier were heard by the same polls and are not on any case twice, nor marked as outside.
    const jo = (await app.cases.get((await app.store.get<string>('mention-case:x:100'))!))!;
    expect(jo.private!.messages.filter((m) => m.outside)).toEqual([]);
    expect(jo.private!.messages.map((m) => m.direction)).toEqual(['out', 'in', 'out']);
  });
});
