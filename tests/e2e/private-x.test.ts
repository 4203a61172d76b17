import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseInteractions } from '../../src/app/case-interactions.js';
import { recordPoll } from '../../src/app/pipeline.js';
import { cardFor } from '../../src/cards/card-for.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import { firstResponseAt, type Case } from '../../src/domain/case.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { createSource } from '../../src/sources/create-sources.js';
import type { MentionSource } from '../../src/sources/mention-source.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { tempDir } from './support/bot-process.js';

/**
 * Move to DM and a private reply through the real X adapter (twitter-api-v2's DM
 * endpoints) against the fake X: the wire the private-messages double stands in for in
 * private-conversation.test.ts.
 */
const AGENT = { platform: 'slack' as const, id: 'U0AGENT001', name: 'alice' };
const LEAD = { platform: 'slack' as const, id: 'U0LEAD0001', name: 'lea' };
const CARD = '4111 1111 1111 1111';
const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-dm, network: x, queries: ['@acme'], options: { private: true } }
  - { name: x-unenrolled, network: x, queries: ['@acme'], options: { private: true } }
groups: [{ id: care, teams: { channel: General } }]
routing: { fallback: care }
policy: { requireApproval: true, approvers: ['slack:U0LEAD0001'] }
templates:
  - { id: dm, name: Move to DM, private: true, text: 'Hi {{author.name}}, please send us a DM so we can look at this privately.' }
`;

async function until<T>(what: string, get: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Move to DM and a private reply over X direct messages (fake X)', () => {
  let x: FakeX;
  let app: Earshot;
  let ui: CaseInteractions;
  const config = parseConfig(CONFIG);

  const post = async (source: string, id: string, author: { id: string; handle: string; name: string }, text: string): Promise<Case> => {
    await recordPoll(app.store, source, {
      mentions: [{ network: 'x', source, id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`, author: { ...author, followers: 3, verified: false }, isRepost: false, isQuote: false }],
      cursor: id, requests: 1,
    });
    await app.processInbox();
    const caseId = await app.store.get<string>(`mention-case:x:${id}`);
    return (await app.cases.get(caseId!))!;
  };
  const draftPrivately = async (c: Case, text?: string) => {
    const opened = await ui.openForm('case.redirect', { caseId: c.id, version: c.version }, AGENT);
    if (!opened.ok) throw new Error(opened.refusal.message);
    const saved = await ui.saveDraft(opened.form, text ?? opened.form.initial, AGENT, true);
    if (!saved.ok) throw new Error(saved.refusal.message);
    return { form: opened.form, case: saved.case };
  };
  const approveAndSend = async (c: Case) => {
    const approved = await app.cases.apply(c.id, { type: 'approve' }, LEAD);
    expect(approved.ok, approved.ok ? '' : approved.refusal.message).toBe(true);
    const sending = await app.cases.apply(c.id, { type: 'send' }, AGENT);
    expect(sending.ok, sending.ok ? '' : sending.refusal.message).toBe(true);
  };

  beforeAll(async () => {
    x = await startFakeX({ me: { username: 'acme' } });
    const env = parseEnv({
      STORE_URL: `sqlite://${join(tempDir('private-x'), 'p.sqlite')}`, PORT: '0', HOST: '127.0.0.1', TEAMS_LOCAL_DEV: 'true',
      X_BEARER_TOKEN: 'bearer', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'as', X_API_URL: x.url,
    });
    const cache = new Map<string, unknown>();
    const ctx = { cache: { get: async <T>(k: string) => cache.get(k) as T | undefined, set: async (k: string, v: unknown) => { cache.set(k, v); }, delete: async (k: string) => { cache.delete(k); } } };
    const sources = new Map<string, MentionSource>(config.sources.map((s) => [s.name, createSource(s, config, env, ctx)]));
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, outboxIntervalMs: 50, sources });
    ui = new CaseInteractions({ cases: app.cases, config, clock: systemClock, outbox: app.outbox, sources: app.sources, handoff: app.cases.handoff });
  });
  afterAll(async () => {
    await app?.stop();
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

    const reply = 'Thanks Jo, the card is blocked and a new one is on its way.';
    const { case: second } = await draftPrivately(answered, reply);
    await approveAndSend(second);
    await until('the private reply to be recorded', async () => { const k = await app.cases.get(c.id); return (k?.private?.messages.filter((m) => m.direction === 'out').length ?? 0) === 2 && k; });
    expect(x.sentDms.filter((d) => d.text === reply)).toHaveLength(1);
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
    // Heard again (the cursor not moved, say): still once.
    await app.listenPrivate();
    expect((await app.cases.get(c.id))!.private!.messages).toHaveLength(1);
    // The DMs Earshot itself sent earlier were heard by the same polls and are not on any case twice, nor marked as outside.
    const jo = (await app.cases.get((await app.store.get<string>('mention-case:x:100'))!))!;
    expect(jo.private!.messages.filter((m) => m.outside)).toEqual([]);
    expect(jo.private!.messages.map((m) => m.direction)).toEqual(['out', 'in', 'out']);
  });
});
