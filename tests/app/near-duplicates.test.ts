import { afterEach, describe, expect, it } from 'vitest';
import { CaseRepository } from '../../src/app/case-repository.js';
import { CaseService } from '../../src/app/case-service.js';
import { INBOX, MENTION_CASE, PENDING, processInbox, recordPoll } from '../../src/app/pipeline.js';
import { SIMILAR_OF, SPLIT_OUT, trackSplits } from '../../src/app/near-duplicates.js';
import { CaseInteractions } from '../../src/app/case-interactions.js';
import { buildCard } from '../../src/cards/build-card.js';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { ROLLUP_APPLIED } from '../../src/metrics-store/rollup-writes.js';
import { dayHash, F } from '../../src/metrics/rollup-keys.js';
import { Outbox } from '../../src/outbox/outbox.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

const log = silentLogger();
const alice: Actor = { platform: 'slack', id: 'UALICE', name: 'alice' };

function configWith(duplicates: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse({
    brand: { name: 'Acme', handles: { x: ['acme'] } },
    sources: [{ name: 'x', network: 'x', queries: ['@acme'] }],
    groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }],
    routing: { fallback: 'care' },
    policy: { requireApproval: false },
    duplicates,
  });
}

const stores: Store[] = [];
afterEach(async () => { await Promise.all(stores.splice(0).map((s) => s.close())); });

async function rig(config: Config) {
  const store = await openStore('sqlite://:memory:', { namespace: 'neardup' });
  stores.push(store);
  const clock = new ManualClock(Date.parse('2026-01-05T09:00:00.000Z'));
  const outbox = new Outbox({ store, clock, log, instanceId: 'one' });
  const cases = new CaseService({ repo: new CaseRepository(store), outbox, config, clock, log, sources: new Map() });
  const deps = { store, config, clock, log, outbox, cases };
  let wakes = 0;
  trackSplits(cases, store, () => { wakes += 1; });
  const interactions = new CaseInteractions({ cases, config, clock, outbox });
  let n = 0;
  /** Hears one post (its own author unless given) and screens the inbox. */
  const hear = async (text: string, author?: string): Promise<{ mention: Mention; caseId: string | undefined }> => {
    n += 1;
    const id = String(5000 + n);
    const who = author ?? `fan${n}`;
    const mention: Mention = {
      network: 'x', source: 'x', id, text, createdAt: clock.now().toISOString(), url: `https://x.com/i/web/status/${id}`,
      author: { id: `u-${who}`, handle: who, name: who, followers: 10, verified: false }, isRepost: false, isQuote: false, conversationId: id,
    };
    await recordPoll(store, 'x', { mentions: [mention], cursor: undefined, requests: 1 });
    await processInbox(deps);
    return { mention, caseId: await store.get<string>(MENTION_CASE(`x:${id}`)) };
  };
  const caseOf = async (id: string): Promise<Case> => (await cases.get(id))!;
  return { store, clock, outbox, cases, deps, hear, caseOf, interactions, wakes: () => wakes };
}

const COMPLAINT = '@acme my flight to Lisbon was cancelled and nobody at the gate can tell me when I will get home';

/** Copies of a complaint with small edits: a word swapped, dropped or added, a typo, shouting. */
function edited(i: number): string {
  const words = COMPLAINT.split(' ');
  const swaps: Array<[string, string]> = [['cancelled', 'canceled'], ['nobody', 'noone'], ['gate', 'desk'], ['home', 'back'], ['tell', 'say'], ['flight', 'plane']];
  switch (i % 6) {
    case 0: { const [a, b] = swaps[i % swaps.length]!; return words.map((w) => (w === a ? b : w)).join(' '); }
    case 1: return `${COMPLAINT} again`;
    case 2: return words.filter((_, k) => k !== 2 + (i % 10)).join(' ');
    case 3: return COMPLAINT.replace('Lisbon', 'Lisbn');
    case 4: return `${COMPLAINT.toUpperCase()}!!!`;
    default: return `${COMPLAINT} #fail${i}`;
  }
}

describe('near-duplicates folded into one case', () => {
  it('folds 50 edited copies of a complaint into the first one\'s case: one case, count 50, samples, metrics', async () => {
    const r = await rig(configWith());
    const first = await r.hear(COMPLAINT);
    for (let i = 0; i < 50; i++) {
      r.clock.advance(30_000);
      const copy = await r.hear(edited(i));
      expect(copy.caseId, `copy ${i}: ${edited(i)}`).toBe(first.caseId);
    }
    const c = await r.caseOf(first.caseId!);
    expect(c.duplicates).toBe(50);
    expect(c.similar?.samples).toHaveLength(3);
    expect(c.version).toBe(0);
    expect(await r.store.zCard('cases:by-created')).toBe(1);
    const day = await r.store.hGetAll(dayHash('2026-01-05', { kind: 'all' }));
    expect(day[F.folded]).toBe(50);
    // The card says how many and shows a few, masked like everything on a card.
    const card = buildCard(c, { approvalsNeeded: 0 });
    expect(card.notes.join('\n')).toContain('+50 similar posts');
    expect(card.notes.filter((x) => x.startsWith('Similar: @'))).toHaveLength(3);
  });

  it('does not fold an unrelated post, nor one into a closed case', async () => {
    const r = await rig(configWith());
    const first = await r.hear(COMPLAINT);
    const other = await r.hear('@acme loved the new lounge in Porto, the staff were wonderful and the coffee was great');
    expect(other.caseId).not.toBe(first.caseId);
    expect((await r.cases.apply(first.caseId!, { type: 'close' }, alice)).ok).toBe(true);
    const late = await r.hear(edited(1));
    expect(late.caseId).not.toBe(first.caseId);
    expect((await r.caseOf(first.caseId!)).duplicates).toBe(0);
    expect((await r.caseOf(late.caseId!)).duplicates).toBe(0);
  });

  it('does not fold after the window', async () => {
    const r = await rig(configWith({ window: '1h' }));
    const first = await r.hear(COMPLAINT);
    r.clock.advance(2 * 3_600_000);
    const late = await r.hear(edited(1));
    expect(late.caseId).not.toBe(first.caseId);
  });

  it('in same-author mode folds only the author\'s own repeats', async () => {
    const r = await rig(configWith({ sameAuthorOnly: true }));
    const first = await r.hear(COMPLAINT, 'stranded');
    const someoneElse = await r.hear(edited(1), 'another');
    expect(someoneElse.caseId).not.toBe(first.caseId);
    const again = await r.hear(edited(3), 'stranded');
    expect(again.caseId).toBe(first.caseId);
    expect((await r.caseOf(first.caseId!)).duplicates).toBe(1);
  });

  it('folds nothing when switched off', async () => {
    const r = await rig(configWith({ enabled: false }));
    const first = await r.hear(COMPLAINT);
    expect((await r.hear(COMPLAINT)).caseId).not.toBe(first.caseId);
  });

  it('counts a post processed again (a crash before the inbox let go of it) once', async () => {
    const r = await rig(configWith());
    const first = await r.hear(COMPLAINT);
    const copy = await r.hear(edited(0));
    expect(copy.caseId).toBe(first.caseId);
    // Redelivered: back in the inbox as if the process died after folding it.
    const key = `x:${copy.mention.id}`;
    await r.store.set(INBOX(key), copy.mention);
    await r.store.zAdd(PENDING, key, 1);
    const report = await processInbox(r.deps);
    expect(report.folded).toBe(1);
    // And heard again by a poll: the inbox already knows it.
    expect(await recordPoll(r.store, 'x', { mentions: [copy.mention], cursor: undefined, requests: 1 })).toBe(0);
    expect((await r.caseOf(first.caseId!)).duplicates).toBe(1);
    expect(await r.store.get(SIMILAR_OF(key))).toBe(first.caseId);
    expect((await r.store.hGetAll(dayHash('2026-01-05', { kind: 'all' })))[F.folded]).toBe(1);
    expect(await r.store.hGetAll(ROLLUP_APPLIED(`fold-${key}`))).toEqual({ fold: 1 });
  });

  it('splits a folded post out into a case of its own: the count drops, the card changes, the same split again is refused', async () => {
    const r = await rig(configWith());
    const first = await r.hear(COMPLAINT);
    const a = await r.hear(edited(1));
    const b = await r.hear(edited(3));
    expect([a.caseId, b.caseId]).toEqual([first.caseId, first.caseId]);
    const before = await r.caseOf(first.caseId!);
    expect(buildCard(before, { approvalsNeeded: 0 }).actions.map((x) => x.id)).toContain('case.split');

    const offer = await r.interactions.openChoice('case.split', { caseId: before.id, version: before.version }, alice);
    expect(offer.ok).toBe(true);
    if (!offer.ok) return;
    expect(offer.choice.options.map((o) => o.value)).toEqual([`x:${b.mention.id}`, `x:${a.mention.id}`]);
    expect(offer.choice.options[0]!.label).toMatch(/^@fan3: /);
    const done = await r.interactions.applyChoice(offer.choice, { option: `x:${a.mention.id}` }, alice);
    expect(done.ok, done.ok ? '' : done.refusal.message).toBe(true);
    expect(r.wakes()).toBe(1);
    expect(await r.store.get(SPLIT_OUT(`x:${a.mention.id}`))).toBe(true);

    const report = await processInbox(r.deps);
    expect(report).toMatchObject({ cases: 1, folded: 0 });
    const own = await r.store.get<string>(MENTION_CASE(`x:${a.mention.id}`));
    expect(own).toBeDefined();
    expect(own).not.toBe(first.caseId);
    expect((await r.caseOf(own!)).mention.id).toBe(a.mention.id);
    const after = await r.caseOf(first.caseId!);
    expect(after.duplicates).toBe(1);
    expect(after.similar?.samples.map((x) => x.key)).toEqual([`x:${b.mention.id}`]);
    const notes = buildCard(after, { approvalsNeeded: 0 }).notes.join('\n');
    expect(notes).toContain('+1 similar post folded');
    expect(notes).not.toContain('@fan2');
    // The same split again is refused; the post does not come back.
    const again = await r.interactions.applyChoice({ ...offer.choice, version: after.version }, { option: `x:${a.mention.id}` }, alice);
    expect(again.ok).toBe(false);
    expect(await r.store.zCard(PENDING)).toBe(0);
    // A later copy of the split post's words still folds into the first case, as any copy would.
    expect((await r.hear(edited(1))).caseId).toBe(first.caseId);
  });

  it('during a storm in the group, storm folding wins: the post gets its own case for the storm card', async () => {
    const r = await rig(configWith());
    const first = await r.hear(COMPLAINT);
    const placed: string[] = [];
    const storms = { mode: async () => 'storm' as const, place: async (c: Case) => { placed.push(c.id); return { kind: 'storm' as const, stormId: 's1' }; } };
    const m: Mention = { ...(await r.caseOf(first.caseId!)).mention, id: '9001', url: 'https://x.com/i/web/status/9001', conversationId: '9001', author: { id: 'u-z', handle: 'z', name: 'z', followers: 1, verified: false }, text: edited(1) };
    await recordPoll(r.store, 'x', { mentions: [m], cursor: undefined, requests: 1 });
    const report = await processInbox({ ...r.deps, storms });
    expect(report).toMatchObject({ cases: 1, folded: 0 });
    expect(placed).toHaveLength(1);
    expect((await r.caseOf(first.caseId!)).duplicates).toBe(0);
  });
});
