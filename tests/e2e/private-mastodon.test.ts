import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardFor } from '../../src/cards/card-for.js';
import { firstResponseAt } from '../../src/domain/case.js';
import { runPrivateListen } from '../../src/jobs/run-private-listen.js';
import { htmlToText } from '../../src/sources/mastodon/mastodon-text.js';
import { startFakeMastodon, type FakeMastodon, type MastoStatus } from '../fakes/fake-mastodon.js';
import { CARD_NUMBER, privateConfig, startPrivateFlow, until, type PrivateFlow } from './support/private-flow.js';

/**
 * Move to DM and a private reply through the real Mastodon adapter (masto: direct-visibility
 * statuses and the conversations API) against the fake Mastodon, with the card and its
 * thread read from what the fake Slack received.
 */
const SOURCES = `
  - { name: masto-dm, network: mastodon, queries: ['@me'], options: { private: true } }
  - { name: masto-noscope, network: mastodon, queries: ['@me'], options: { private: true } }
`;

describe('Move to DM and a private reply over Mastodon direct statuses (fake Mastodon)', () => {
  let masto: FakeMastodon;
  let flow: PrivateFlow;
  let joCaseId = '';
  const mentionOf = (source: string, s: MastoStatus, name: string) =>
    flow.post(source, { network: 'mastodon', id: s.id, text: htmlToText(s.content), url: s.url, author: { id: s.account.id, handle: `${s.account.username}@mastodon.example`, name, followers: 3, verified: false } });
  const directs = () => masto.posted.filter((s) => s.visibility === 'direct');
  const publics = () => masto.posted.filter((s) => s.visibility !== 'direct');

  beforeAll(async () => {
    masto = await startFakeMastodon();
    flow = await startPrivateFlow('private-masto', privateConfig(SOURCES), { MASTODON_URL: masto.url, MASTODON_ACCESS_TOKEN: masto.accessToken });
  });
  afterAll(async () => {
    await flow?.stop();
    expect(masto.internalErrors).toEqual([]);
    await masto.close();
  });

  it('a token that may not read conversations (403, learned on a private poll) gets the public invitation instead', async () => {
    masto.refuseConversations = true;
    try {
      const sam = masto.addAccount('sam', { display_name: 'Sam' });
      const s = masto.addStatus({ author: 'sam', text: '@acme my booking ABC123 is wrong' });
      const c = await mentionOf('masto-noscope', s, 'Sam');
      const listened = await runPrivateListen({ store: flow.app.store, source: flow.app.sources.get('masto-noscope')!, instanceId: 'test', intervalMs: 60_000 });
      expect(listened.ran).toBe(true);
      const { route, case: drafted } = await flow.draftPrivately(c);
      expect(route).toMatch(/^Public invitation to DM \(Mastodon refused to list the brand's conversations \(HTTP 403\)/);
      await flow.approveAndSend(drafted);
      const moved = await until('the invitation to be recorded', async () => { const k = await flow.get(c.id); return k.status === 'redirected' && k; });
      expect(moved.private?.via).toBe('invitation');
      expect(directs()).toEqual([]);
      expect(publics().map((p) => [htmlToText(p.content), p.in_reply_to_id, p.visibility])).toEqual([['@sam Hi Sam, please send us a DM so we can look at this privately.', s.id, 'public']]);
      expect(sam.id).toBe(s.account.id);
    } finally {
      masto.refuseConversations = false;
    }
  });

  it('sends the first DM as a direct status, hears the answer, shows it masked in the card\'s thread, and answers privately once across a 5xx', async () => {
    masto.addAccount('jo', { display_name: 'Jo' });
    const s = masto.addStatus({ author: 'jo', text: `@acme my card ${CARD_NUMBER} was charged twice` });
    const c = await mentionOf('masto-dm', s, 'Jo');
    joCaseId = c.id;
    const ts = await flow.cardTs(c.id);
    expect(JSON.stringify(flow.slack.channel('C0CARE0001').message(ts)?.blocks)).not.toContain(CARD_NUMBER);

    // Move to DM: a direct status addressed to Jo, after one 429.
    const { route, case: drafted } = await flow.draftPrivately(c);
    expect(route).toBe('Private: DM to @jo@mastodon.example');
    const publicBefore = publics().length;
    masto.faults.schedule('POST /api/v1/statuses', { kind: '429', retryAfter: 1 });
    await flow.approveAndSend(drafted);
    await until('the DM to be recorded', async () => { const k = await flow.get(c.id); return k.status === 'redirected' && k; });
    expect(directs().map((d) => [htmlToText(d.content), d.mentions.map((x) => x.acct)])).toEqual([
      ['@jo Hi Jo, please send us a DM so we can look at this privately.', ['jo']],
    ]);
    expect(publics()).toHaveLength(publicBefore);
    expect(masto.callsTo('POST /api/v1/statuses').filter((k) => k.body?.visibility === 'direct').map((k) => k.fault?.kind ?? 'ok')).toEqual(['429', 'ok']);

    // Jo answers in the conversation with the card number: heard, joined to the case, masked in the card's thread.
    masto.addStatus({ author: 'jo', text: `@acme It is ${CARD_NUMBER}, please block it`, visibility: 'direct', replyTo: directs()[0]!.id });
    await flow.app.listenPrivate();
    const answered = await until('the answer to join the case', async () => { const k = await flow.get(c.id); return k.private?.messages.some((m) => m.direction === 'in') && k; });
    const note = await until('the thread note on Slack', () => flow.threadPosts(ts).find((k) => String(k.args.text).includes('wrote privately')));
    // The author's user@domain handle is a public handle, not an e-mail address: the gate leaves it.
    expect(String(note.args.text)).toContain('@jo@mastodon.example wrote privately: @acme It is');
    expect(String(note.args.text)).toContain('please block it');
    expect(String(note.args.text)).not.toContain(CARD_NUMBER);
    const lines = cardFor(answered, { config: flow.config, sources: flow.app.sources }).notes.filter((n) => n.startsWith('Private · @jo@mastodon.example'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(CARD_NUMBER);

    // The private reply: drafted, approved, sent once (in the same conversation) although the instance answers 503 first.
    const reply = 'Thanks Jo, the card is blocked and a new one is on its way.';
    const { route: again, case: second } = await flow.draftPrivately(answered, reply);
    expect(again).toBe('Private: DM to @jo@mastodon.example');
    masto.faults.schedule('POST /api/v1/statuses', { kind: '5xx', status: 503 });
    await flow.approveAndSend(second);
    await until('the private reply to be recorded', async () => { const k = await flow.get(c.id); return (k.private?.messages.filter((m) => m.direction === 'out').length ?? 0) === 2 && k; });
    const replies = directs().filter((d) => htmlToText(d.content).includes(reply));
    expect(replies).toHaveLength(1);
    expect(replies[0]!.in_reply_to_id).not.toBeNull();
    expect(publics()).toHaveLength(publicBefore);
    const sentNotes = await until('both sends noted in the thread', () => { const n = flow.threadPosts(ts).filter((k) => String(k.args.text).includes('A direct message reached @jo@mastodon.example')); return n.length === 2 && n; });
    expect(String(sentNotes[1]!.args.text)).toContain(reply);
  });

  it('a direct status the brand wrote in the Mastodon app (account = the brand) joins the case as ours, outside Earshot, not as the customer\'s', async () => {
    const kim = masto.addAccount('kim', { display_name: 'Kim' });
    const s = masto.addStatus({ author: 'kim', text: '@acme where is my refund?' });
    const c = await mentionOf('masto-dm', s, 'Kim');
    const ts = await flow.cardTs(c.id);
    expect(firstResponseAt(c)).toBeUndefined();
    const out = masto.addStatus({ author: 'acme', text: '@kim Hi Kim, we are checking your refund.', visibility: 'direct' });
    await flow.app.listenPrivate();
    const heard = await until('the message to join the case', async () => { const k = await flow.get(c.id); return k.private && k; });
    expect(heard.private!.messages).toEqual([expect.objectContaining({ id: out.id, direction: 'out', outside: true, text: '@kim Hi Kim, we are checking your refund.' })]);
    expect(heard.status).toBe('new');
    expect(firstResponseAt(heard)).toBe(heard.audit.at(-1)!.at);
    expect(await flow.app.cases.caseIdsOfAuthor('mastodon', kim.id)).toEqual([c.id]);
    const note = await until('the thread note on Slack', () => flow.threadPosts(ts).find((k) => String(k.args.text).includes('sent outside Earshot')));
    expect(String(note.args.text)).toContain('A direct message to @kim@mastodon.example was sent outside Earshot: @kim Hi Kim, we are checking your refund.');

    // Kim answers: that one is the customer's (it joins as theirs and brings the case back), ours stays ours.
    masto.addStatus({ author: 'kim', text: '@acme thanks!', visibility: 'direct', replyTo: out.id });
    await flow.app.listenPrivate();
    const answered = await until('Kim\'s answer', async () => { const k = await flow.get(c.id); return k.private!.messages.length === 2 && k; });
    expect(answered.private!.messages.map((m) => [m.direction, m.outside ?? false])).toEqual([['out', true], ['in', false]]);
    // The DMs Earshot sent to Jo in the test above were heard by the same polls: on Jo's case once each, none as outside.
    const jo = await flow.get(joCaseId);
    expect(jo.private!.messages.map((m) => [m.direction, m.outside ?? false])).toEqual([['out', false], ['in', false], ['out', false]]);
  });
});
