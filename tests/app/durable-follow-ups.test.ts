import { afterEach, describe, expect, it } from 'vitest';
import { CaseRepository, PENDING_FOLLOW_UPS } from '../../src/app/case-repository.js';
import { CaseService, DELIVERY, FOLLOW_UP_GRACE_MS } from '../../src/app/case-service.js';
import { registerDeliveries } from '../../src/app/deliveries.js';
import { Learner, staffLabels, type StaffLabel } from '../../src/app/learning.js';
import { trackMetrics } from '../../src/app/metrics-commands.js';
import { PENDING } from '../../src/app/inbox-keys.js';
import { MENTION_CASE, processInbox, recordPoll } from '../../src/app/pipeline.js';
import type { ChatGateway } from '../../src/app/chat-gateway.js';
import { ConfigSchema } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case, CardView } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { ALL, F, G, OPEN_GAUGE_HASH, agentKey, dayHash } from '../../src/metrics/rollup-keys.js';
import { applyIncrementsOnce, ROLLUP_APPLIED } from '../../src/metrics-store/rollup-store.js';
import { Outbox } from '../../src/outbox/outbox.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

/**
 * The metrics rollup of a case change and the label of a staff decision used to run as
 * in-process listeners: a failure was logged and dropped, a crash lost them. Now each is
 * done once per change, whatever fails or dies in between.
 */
const config = ConfigSchema.parse({
  brand: { name: 'Acme', handles: { x: ['acme'] } },
  sources: [{ name: 'x', network: 'x', queries: ['@acme'] }],
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }, { id: 'billing', slack: { channel: 'C0BILL0001' } }],
  routing: { fallback: 'care' },
  policy: { requireApproval: false },
});
const alice: Actor = { platform: 'slack', id: 'UALICE', name: 'alice' };
const log = silentLogger();
const DAY = '2026-01-05';
const claimed = F.agent(agentKey(alice), 'claimed');

const slack: ChatGateway = {
  platform: 'slack',
  postCard: async (target, card) => ({ platform: 'slack', channel: target, ts: `1700000000.${card.caseId.padStart(6, '0')}` } satisfies CardView),
  findCard: async () => undefined,
  updateCard: async () => undefined,
  postNote: async () => undefined,
};

const stores: Store[] = [];
afterEach(async () => { await Promise.all(stores.splice(0).map((s) => s.close())); });

/**
 * One life of the process: its own outbox and services on `store` (a fresh one unless
 * given, as after a restart), with the rollups tracked and decisions learned.
 */
async function life(store?: Store, opts: { maxAttempts?: number; at?: number } = {}) {
  const s = store ?? (await openStore('sqlite://:memory:', { namespace: `durable${Math.random().toString(36).slice(2, 8)}` }));
  if (!store) stores.push(s);
  const clock = new ManualClock(opts.at ?? Date.parse(`${DAY}T09:00:00.000Z`));
  const outbox = new Outbox({ store: s, clock, log, instanceId: `i${Math.random()}`, ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}) });
  const sources = new Map();
  const repo = new CaseRepository(s);
  const cases = new CaseService({ repo, outbox, config, clock, log, sources });
  registerDeliveries({ config, cases, outbox, gateways: new Map([['slack', slack]]), sources, log, clock, dryRun: false });
  trackMetrics(cases, s, config);
  const learner = new Learner({ store: s, log });
  learner.attach(cases);
  const restart = () => life(s, { at: clock.now().getTime() });
  return { store: s, clock, outbox, cases, repo, learner, restart };
}
type Life = Awaited<ReturnType<typeof life>>;

let n = 0;
function mention(): Mention {
  n += 1;
  const id = String(7000 + n);
  return {
    network: 'x', source: 'x', id, text: `@acme I was charged twice #${n}`, createdAt: `${DAY}T09:00:00.000Z`,
    url: `https://x.com/i/web/status/${id}`, author: { id: `c${n}`, handle: `payer${n}`, name: `Payer ${n}`, followers: 10, verified: false },
    isRepost: false, isQuote: false, conversationId: id,
  };
}

async function openCase(r: Life, m = mention()): Promise<Case> {
  await recordPoll(r.store, 'x', { mentions: [m], cursor: undefined, requests: 1 });
  await processInbox({ store: r.store, config, clock: r.clock, log, outbox: r.outbox, cases: r.cases });
  await r.outbox.drain();
  const id = (await r.store.get<string>(MENTION_CASE(`x:${m.id}`)))!;
  return (await r.cases.get(id))!;
}

/** The process dies as the change's first follow-up is queued: the change is saved, nothing after it ran. */
function dieAfterSave(r: Life): void {
  const real = r.outbox.enqueue.bind(r.outbox);
  r.outbox.enqueue = async (kind, ...rest) => {
    if (kind === DELIVERY.updateCard) throw new Error('killed');
    return real(kind, ...rest);
  };
}

/** The process dies after everything ran, before the change was marked done. */
function dieBeforeDone(r: Life): void {
  r.repo.endChange = async () => { throw new Error('killed'); };
}

const today = (r: Life) => r.store.hGetAll(dayHash(DAY, ALL));
const gauges = (r: Life) => r.store.hGetAll(OPEN_GAUGE_HASH);

async function labels(store: Store): Promise<StaffLabel[]> {
  const out: StaffLabel[] = [];
  for await (const l of staffLabels(store)) out.push(l);
  return out;
}

/** A later life finds the cut-off change once the grace is over, and carries out what it still needs. */
async function resume(dead: Life): Promise<Life> {
  const next = await dead.restart();
  next.clock.advance(FOLLOW_UP_GRACE_MS + 1);
  expect(await next.cases.resumeFollowUps()).toBe(1);
  await next.outbox.drain();
  expect(await next.store.zCard(PENDING_FOLLOW_UPS)).toBe(0);
  return next;
}

describe('rollups of case changes', () => {
  it('counts a change once when the process dies between the change and its rollup', async () => {
    const first = await life();
    const c = await openCase(first);
    expect(await today(first)).toMatchObject({ [F.cases]: 1 });
    dieAfterSave(first);
    expect((await first.cases.apply(c.id, { type: 'claim' }, alice)).ok).toBe(true);
    expect((await first.cases.get(c.id))!.status).toBe('claimed');
    // Killed before the rollup: not counted yet.
    expect((await today(first))[claimed]).toBeUndefined();

    const second = await resume(first);
    expect(await today(second)).toMatchObject({ [F.cases]: 1, [claimed]: 1 });
    expect(await gauges(second)).toMatchObject({ [G.all]: 1, [G.agent(agentKey(alice))]: 1 });
    // Nothing is left to resume, and asking again counts nothing twice.
    second.clock.advance(FOLLOW_UP_GRACE_MS + 1);
    expect(await second.cases.resumeFollowUps()).toBe(0);
    await second.outbox.drain();
    expect((await today(second))[claimed]).toBe(1);
    expect(await second.outbox.deadLetters()).toBe(0);
  });

  it('counts a change once when the process dies after its rollup, before the change was marked done', async () => {
    const first = await life();
    const c = await openCase(first);
    dieBeforeDone(first);
    expect((await first.cases.apply(c.id, { type: 'claim' }, alice)).ok).toBe(true);
    expect((await today(first))[claimed]).toBe(1);

    // The resumed rollup finds the change counted already.
    const second = await resume(first);
    expect(await today(second)).toMatchObject({ [F.cases]: 1, [claimed]: 1 });
    expect(await gauges(second)).toMatchObject({ [G.all]: 1, [G.agent(agentKey(alice))]: 1 });
  });

  it('counts a new case once when the process dies between opening it and its rollup', async () => {
    const first = await life();
    first.cases.afterCreate = async () => { throw new Error('killed'); };
    const m = mention();
    // The inbox run survives the failure (the post stays for the next run) instead of dying with it.
    await openCase(first, m);
    expect((await first.store.zRangeByScore(PENDING, -Infinity, Infinity)).map((p) => p.member)).toEqual([`x:${m.id}`]);
    expect((await today(first))[F.cases]).toBeUndefined();
    // The mention is still in the inbox: the next life opens it again and counts it.
    const second = await first.restart();
    const c = await openCase(second, m);
    expect(c.version).toBe(0);
    expect(await today(second)).toMatchObject({ [F.cases]: 1 });
    // Seen again later (a repeated poll): still one.
    await openCase(second, m);
    expect(await today(second)).toMatchObject({ [F.cases]: 1 });
    expect(await gauges(second)).toMatchObject({ [G.all]: 1 });
  });

  it('retries a rollup that fails, with backoff, and counts it once', async () => {
    const r = await life();
    const c = await openCase(r);
    const real = r.store.hIncrMany.bind(r.store);
    let failures = 0;
    r.store.hIncrMany = async (ops) => {
      if (failures < 2) { failures += 1; throw new Error('store unavailable'); }
      return real(ops);
    };
    // The clicker is told it was done: the change is saved, its rollup on its way.
    expect((await r.cases.apply(c.id, { type: 'claim' }, alice)).ok).toBe(true);
    expect(failures).toBe(1);
    await r.outbox.drain();
    expect(failures).toBe(2);
    expect((await today(r))[claimed]).toBeUndefined();
    // Not before its backoff is over.
    await r.outbox.drain();
    expect((await today(r))[claimed]).toBeUndefined();
    r.clock.advance(60_000);
    await r.outbox.drain();
    expect(await today(r)).toMatchObject({ [F.cases]: 1, [claimed]: 1 });
    r.clock.advance(600_000);
    await r.outbox.drain();
    expect((await today(r))[claimed]).toBe(1);
    expect(await r.outbox.depth()).toBe(0);
    expect(await r.outbox.deadLetters()).toBe(0);
  });

  it('puts a rollup that keeps failing in the dead letters, never drops it silently', async () => {
    const r = await life(undefined, { maxAttempts: 2 });
    const c = await openCase(r);
    r.store.hIncrMany = async () => { throw new Error('store unavailable'); };
    expect((await r.cases.apply(c.id, { type: 'claim' }, alice)).ok).toBe(true);
    await r.outbox.drain();
    r.clock.advance(60_000);
    await r.outbox.drain();
    expect(await r.outbox.deadLetters()).toBe(1);
    expect(await r.outbox.depth()).toBe(0);
  });
});

describe('applying the increments of one change once', () => {
  it('writes nothing on a repeat, and takes back a second application a crash left behind', async () => {
    const r = await life();
    const hash = dayHash(DAY, ALL);
    const increments = [{ hash, field: F.replies, by: 1 }, { hash, field: F.answered, by: 1 }];
    expect(await applyIncrementsOnce(r.store, '9', '3:3', increments)).toBe(true);
    expect(await applyIncrementsOnce(r.store, '9', '3:3', increments)).toBe(false);
    expect(await today(r)).toEqual({ [F.replies]: 1, [F.answered]: 1 });
    // Two appliers at once both passed the read; the second died before taking its share back.
    await r.store.hIncrMany([...increments, { hash: ROLLUP_APPLIED('9'), field: '3:3', by: 1 }]);
    expect(await today(r)).toEqual({ [F.replies]: 2, [F.answered]: 2 });
    expect(await applyIncrementsOnce(r.store, '9', '3:3', increments)).toBe(false);
    expect(await today(r)).toEqual({ [F.replies]: 1, [F.answered]: 1 });
    // Another change of the same case counts.
    expect(await applyIncrementsOnce(r.store, '9', '4:4', increments)).toBe(true);
    expect(await today(r)).toEqual({ [F.replies]: 2, [F.answered]: 2 });
  });
});

describe('labels of staff decisions', () => {
  it('records a decision once when the process dies between the change and its label', async () => {
    const first = await life();
    const c = await openCase(first);
    dieAfterSave(first);
    expect((await first.cases.apply(c.id, { type: 'reroute', to: 'billing' }, alice)).ok).toBe(true);
    expect(await labels(first.store)).toEqual([]);

    const second = await resume(first);
    const found = await labels(second.store);
    expect(found.map((l) => [l.caseId, l.decision, l.labels])).toEqual([[c.id, 'reroute', { topic: 'billing' }]]);
    expect(found[0]!.text).toBe(c.mention.text);
    // The restarted instance learned it too.
    expect(second.learner.appliedUpTo).toBe(found[0]!.id);
  });

  it('records a decision once when the process dies after its label, before the change was marked done', async () => {
    const first = await life();
    const c = await openCase(first);
    dieBeforeDone(first);
    expect((await first.cases.apply(c.id, { type: 'reroute', to: 'billing' }, alice)).ok).toBe(true);
    expect(await labels(first.store)).toHaveLength(1);
    const second = await resume(first);
    expect((await labels(second.store)).map((l) => [l.caseId, l.decision])).toEqual([[c.id, 'reroute']]);
  });

  it('retries a label that fails to be recorded, and records it once', async () => {
    const r = await life();
    const c = await openCase(r);
    const real = r.store.zAdd.bind(r.store);
    let failures = 0;
    r.store.zAdd = async (set, member, score) => {
      if (set === 'learn:labels' && failures < 2) { failures += 1; throw new Error('store unavailable'); }
      return real(set, member, score);
    };
    expect((await r.cases.apply(c.id, { type: 'reroute', to: 'billing' }, alice)).ok).toBe(true);
    await r.outbox.drain();
    r.clock.advance(60_000);
    await r.outbox.drain();
    expect(failures).toBe(2);
    const found = await labels(r.store);
    expect(found.map((l) => [l.caseId, l.decision])).toEqual([[c.id, 'reroute']]);
    expect(await r.outbox.deadLetters()).toBe(0);
  });
});
