import { join } from 'node:path';
import { CaseRepository } from '../../src/app/case-repository.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseInteractions } from '../../src/app/case-interactions.js';
import { recordPoll } from '../../src/app/pipeline.js';
import { PRIVATE_PENDING, recordPrivatePoll } from '../../src/app/private-inbox.js';
import { eraseAuthor } from '../../src/app/retention.js';
import { caseRow, EXPORT_COLUMNS } from '../../src/cli/commands/export.js';
import { cardFor } from '../../src/cards/card-for.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Case } from '../../src/domain/case.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { MemoryPrivateMessages, sourceWithPrivate } from '../helpers/memory-private-messages.js';
import { tempDir } from './support/bot-process.js';

const AGENT = { platform: 'slack' as const, id: 'U0AGENT001', name: 'alice' };
const LEAD = { platform: 'slack' as const, id: 'U0LEAD0001', name: 'lea' };
const CARD = '4111 1111 1111 1111';
const config = parseConfig(`
brand: { name: Acme }
sources: [{ name: x-main, network: x, queries: ['@acme'] }, { name: x-basic, network: x, queries: ['@acme'] }]
groups: [{ id: care, teams: { channel: General } }]
routing: { fallback: care }
policy: { requireApproval: true, approvers: ['slack:U0LEAD0001'] }
templates:
  - { id: dm, name: Move to DM, private: true, text: 'Hi {{author.name}}, please send us a DM so we can look at your card privately.' }
`);

async function until<T>(what: string, get: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a private conversation, end to end, with the private-messages double', () => {
  const pm = new MemoryPrivateMessages('x', { id: 'brand', handle: 'acme', name: 'Acme' });
  const basic = new MemoryPrivateMessages('x', { id: 'brand', handle: 'acme', name: 'Acme' });
  basic.access_ = { canStart: false, canRead: false, reason: 'the X access tier has no direct messages' };
  const main = sourceWithPrivate('x-main', pm);
  const noDm = sourceWithPrivate('x-basic', basic);
  let app: Earshot;
  let ui: CaseInteractions;
  const author = { id: 'u42', handle: 'jo', name: 'Jo' };

  const post = async (source: string, id: string, text: string): Promise<Case> => {
    await recordPoll(app.store, source, {
      mentions: [{ network: 'x', source, id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`, author: { ...author, followers: 3, verified: false }, isRepost: false, isQuote: false }],
      cursor: id, requests: 1,
    });
    await app.processInbox();
    const caseId = await app.store.get<string>(`mention-case:x:${id}`);
    return (await app.cases.get(caseId!))!;
  };
  const approveAndSend = async (c: Case) => {
    const approved = await app.cases.apply(c.id, { type: 'approve' }, LEAD);
    expect(approved.ok, approved.ok ? '' : approved.refusal.message).toBe(true);
    const sending = await app.cases.apply(c.id, { type: 'send' }, AGENT);
    expect(sending.ok, sending.ok ? '' : sending.refusal.message).toBe(true);
  };
  const draftPrivately = async (c: Case, text?: string) => {
    const opened = await ui.openForm('case.redirect', { caseId: c.id, version: c.version }, AGENT);
    if (!opened.ok) throw new Error(opened.refusal.message);
    const saved = await ui.saveDraft(opened.form, text ?? opened.form.initial, AGENT, true);
    if (!saved.ok) throw new Error(saved.refusal.message);
    return { form: opened.form, case: saved.case };
  };

  beforeAll(async () => {
    const env = parseEnv({ STORE_URL: `sqlite://${join(tempDir('private'), 'p.sqlite')}`, PORT: '0', HOST: '127.0.0.1', TEAMS_LOCAL_DEV: 'true' });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, outboxIntervalMs: 50, sources: new Map([['x-main', main], ['x-basic', noDm]]) });
    ui = new CaseInteractions({ cases: app.cases, config, clock: systemClock, outbox: app.outbox, sources: app.sources, handoff: app.cases.handoff });
  });
  afterAll(async () => { await app?.stop(); });

  it('masks the card, moves to DM through approval, hears the answer, and sends a private reply once across a dropped send', async () => {
    const c = await post('x-main', '100', `@acme my card ${CARD} was charged twice`);
    const card = cardFor(c, { config, sources: app.sources });
    expect(card.text).not.toContain(CARD);
    expect(card.actions.map((a) => a.id)).toContain('case.redirect');

    // Move to DM: the private template, editable, saying how it will reach the author.
    const { form, case: drafted } = await draftPrivately(c);
    expect(form.privateRoute).toBe('Private: DM to @jo');
    expect(form.initial).toBe('Hi Jo, please send us a DM so we can look at your card privately.');
    expect(drafted.draft?.channel).toBe('private');
    await approveAndSend(drafted);
    const moved = await until('the DM to be recorded', async () => { const x = await app.cases.get(c.id); return x?.status === 'redirected' && x; });
    expect(pm.sentTo('u42').map((m) => m.text)).toEqual([form.initial]);
    expect(moved.private).toMatchObject({ via: 'dm', to: { id: 'u42', handle: 'jo' } });
    expect(moved.reply).toBeUndefined();
    expect(cardFor(moved, { config, sources: app.sources }).facts).toContainEqual({ label: 'Private', value: 'DM to @jo' });

    // The customer answers privately, with the card number: it joins the case, masked on the card.
    pm.customerWrites(author, `It is ${CARD}, please block it`);
    await app.listenPrivate();
    const answered = await until('the answer to join the case', async () => { const x = await app.cases.get(c.id); return x?.private?.messages.some((m) => m.direction === 'in') && x; });
    expect(answered.status).toBe('claimed');
    const shown = cardFor(answered, { config, sources: app.sources });
    const privateLines = shown.notes.filter((n) => n.startsWith('Private · @jo'));
    expect(privateLines).toHaveLength(1);
    expect(privateLines[0]).not.toContain(CARD);
    expect(privateLines[0]).toContain('please block it');
    // The thread note of that change goes through the same gate when delivered (deliveries.ts): its summary holds the text.
    expect(answered.audit.at(-1)!.action).toBe('private_in');

    // Reading again does not add it twice.
    await app.listenPrivate();
    expect((await app.cases.get(c.id))!.private!.messages.filter((m) => m.direction === 'in')).toHaveLength(1);

    // A private reply: drafted, approved, sent once although the first send is cut off after delivery.
    const reply = 'Thanks Jo, the card is blocked and a new one is on its way.';
    const { case: second } = await draftPrivately(answered, reply);
    pm.failNextSendAfterDelivery = true;
    await approveAndSend(second);
    const done = await until('the private reply to be recorded', async () => { const x = await app.cases.get(c.id); return x?.status === 'redirected' && x.private!.messages.filter((m) => m.direction === 'out').length === 2 && x; });
    expect(pm.sendCalls.filter((s) => s.text === reply)).toHaveLength(1);
    expect(pm.sentTo('u42').filter((m) => m.text === reply)).toHaveLength(1);
    expect(done.private!.messages.map((m) => m.direction)).toEqual(['out', 'in', 'out']);
  });

  it('falls back to a public invitation when the account may not start a DM', async () => {
    const c = await post('x-basic', '200', `@acme my card ${CARD} is blocked`);
    const { form, case: drafted } = await draftPrivately(c);
    expect(form.privateRoute).toBe('Public invitation to DM (the X access tier has no direct messages)');
    await approveAndSend(drafted);
    const moved = await until('the invitation to be recorded', async () => { const x = await app.cases.get(c.id); return x?.status === 'redirected' && x; });
    expect(basic.sendCalls).toHaveLength(0);
    expect(noDm.replies.map((r) => r.text)).toEqual([form.initial]);
    expect(moved.private?.via).toBe('invitation');
    expect(moved.reply?.id).toBe(noDm.replies[0]!.id);
    expect(cardFor(moved, { config, sources: app.sources }).facts).toContainEqual({ label: 'Private', value: 'Public invitation to DM' });
  });

  it('a private message from someone without an open case opens a private case of its own, routed like a mention', async () => {
    const stranger = { id: 'u77', handle: 'sam', name: 'Sam' };
    pm.customerWrites(stranger, 'Hello, my booking is wrong');
    await app.listenPrivate();
    const caseId = await until('the private case', () => app.store.get<string>('mention-case:x:dm:' + pm.messages.at(-1)!.id));
    const c = await until('its message to join it', async () => { const x = await app.cases.get(caseId); return x?.private && x; });
    expect(c.group).toBe('care');
    expect(c.mention.author.handle).toBe('sam');
    expect(c.private!.messages).toHaveLength(1);
  });

  it('exports the private conversation masked, and erase-author takes it and the messages still waiting', async () => {
    const caseId = (await app.store.get<string>('mention-case:x:100'))!;
    const row = caseRow((await app.cases.get(caseId))!);
    const cell = (name: string) => row[EXPORT_COLUMNS.indexOf(name as (typeof EXPORT_COLUMNS)[number])];
    expect(cell('private_via')).toBe('dm');
    expect(cell('private_messages')).toBe(3);
    expect(String(cell('private_text'))).toContain('@jo: It is');
    expect(String(cell('private_text'))).not.toContain(CARD);

    // Sam writes again; the message waits in the private inbox when the erasure comes.
    const waiting = pm.customerWrites({ id: 'u77', handle: 'sam', name: 'Sam' }, 'one more thing');
    // And one of ours to Sam, sent from X's own app, waiting too: it is about Sam, so it goes with them.
    const ours = { id: 'dm-out-77', conversationId: 'c-77', from: { id: 'brand', handle: 'acme', name: 'Acme' }, to: { id: 'u77', handle: 'sam' }, direction: 'out' as const, text: 'Hi Sam, your booking is fixed', at: new Date().toISOString() };
    await recordPrivatePoll(app.store, main, { messages: [waiting, ours], cursor: waiting.id, requests: 1 });
    expect(await app.store.zRangeByScore(PRIVATE_PENDING, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).toHaveLength(2);
    const erased = await eraseAuthor({ store: app.store, repo: new CaseRepository(app.store), outbox: app.outbox, log: silentLogger() }, 'x:u77');
    expect(erased).toMatchObject({ cases: 1, waiting: 2 });
    expect(await app.store.zRangeByScore(PRIVATE_PENDING, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).toEqual([]);
    await app.processInbox();
    expect(await new CaseRepository(app.store).caseIdsOfAuthor('x', 'u77')).toEqual([]);
  });
});
