import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryPermanentError, DeliveryRateLimitedError } from '../../src/outbox/delivery-errors.js';
import { Outbox, type DeliveryGate, type OutboxItem } from '../../src/outbox/outbox.js';
import { RateLimits } from '../../src/outbox/rate-limits.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

const stores: Store[] = [];
async function store(): Promise<Store> {
  const s = await openStore('sqlite://:memory:', { namespace: 'outbox_test' });
  stores.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

const log = silentLogger();

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const make = (s: Store, extra: Partial<ConstructorParameters<typeof Outbox>[0]> = {}) =>
  new Outbox({ store: s, clock: systemClock, log, instanceId: 'test', ...extra });

describe('Outbox', () => {
  it('delivers every item once, in enqueue order per key, interleaving keys', async () => {
    const s = await store();
    const seen: string[] = [];
    const box = make(s).on('k', async (item) => { seen.push(`${item.key}:${String(item.payload.n)}`); });
    for (let n = 0; n < 5; n++) for (const key of ['a', 'b', 'c']) await box.enqueue('k', key, { n });
    expect(await box.drain()).toBe(15);
    for (const key of ['a', 'b', 'c']) expect(seen.filter((x) => x.startsWith(key))).toEqual([0, 1, 2, 3, 4].map((n) => `${key}:${n}`));
    expect(await box.depth()).toBe(0);
  });

  it('holds a key back after a failure, retries it, and counts the attempt before the call', async () => {
    const s = await store();
    const attempts: number[] = [];
    let fail = true;
    const order: number[] = [];
    const box = make(s).on('k', async (item) => {
      if (item.payload.n === 0) attempts.push(item.attempts);
      if (item.payload.n === 0 && fail) { fail = false; throw new Error('boom'); }
      order.push(item.payload.n as number);
    });
    await box.enqueue('k', 'a', { n: 0 });
    await box.enqueue('k', 'a', { n: 1 });
    await box.drain();
    // The first attempt failed; the second item waits behind it.
    expect(order).toEqual([]);
    expect(await box.depth()).toBe(2);
    const item = await s.get<OutboxItem>('outbox:item:1');
    expect(item!.attempts).toBe(1);
    expect(item!.lastError).toBe('boom');
    // A restarted process (a fresh outbox) picks it up once it is due.
    await s.set('outbox:item:1', { ...item!, notBefore: 0 });
    await make(s).on('k', async (i) => { attempts.push(i.payload.n === 0 ? i.attempts : -1); order.push(i.payload.n as number); }).drain();
    expect(order).toEqual([0, 1]);
    expect(attempts).toEqual([0, 1, -1]);
  });

  it('moves a permanent failure to the dead letters and goes on with the key', async () => {
    const s = await store();
    const done: number[] = [];
    const dead: number[] = [];
    const box = make(s, { onDead: (i) => dead.push(i.id) }).on('k', async (item) => {
      if (item.payload.n === 0) throw new DeliveryPermanentError('channel_not_found');
      done.push(item.payload.n as number);
    });
    await box.enqueue('k', 'a', { n: 0 });
    await box.enqueue('k', 'a', { n: 1 });
    await box.drain();
    expect(done).toEqual([1]);
    expect(dead).toEqual([1]);
    expect(await box.deadLetters()).toBe(1);
  });

  it('drops an enqueue while an equal coalescing item waits', async () => {
    const s = await store();
    const box = make(s).on('k', async () => undefined);
    expect(await box.enqueue('k', 'a', {}, { coalesce: 'x' })).toBe(true);
    expect(await box.enqueue('k', 'a', {}, { coalesce: 'x' })).toBe(false);
    expect(await box.drain()).toBe(1);
    expect(await box.enqueue('k', 'a', {}, { coalesce: 'x' })).toBe(true);
  });

  it('a coalescing slot left without a waiting item (buried after its last attempt, or a crash) never swallows later changes', async () => {
    const s = await store();
    let fail = true;
    const done: string[] = [];
    const box = make(s, { maxAttempts: 1 }).on('k', async (item) => {
      if (fail) throw new Error('slack said 500');
      done.push(String(item.payload.v));
    });
    expect(await box.enqueue('k', 'a', { v: 1 }, { coalesce: 'card:1' })).toBe(true);
    await box.drain();
    expect(await box.deadLetters()).toBe(1);
    fail = false;
    // The buried item held the slot; the next change of the card must still go out.
    expect(await box.enqueue('k', 'a', { v: 2 }, { coalesce: 'card:1' })).toBe(true);
    await box.drain();
    expect(done).toEqual(['2']);

    // A slot naming no stored item (left by an older version): taken over.
    await s.set('outbox:coalesce:card:2', 999_999);
    expect(await box.enqueue('k', 'b', { v: 3 }, { coalesce: 'card:2' })).toBe(true);
    expect(await box.enqueue('k', 'b', { v: 4 }, { coalesce: 'card:2' })).toBe(false);
    await box.drain();
    expect(done).toEqual(['2', '3']);

    // A process killed after storing its item and taking the slot, before queueing it: the
    // next equal enqueue queues that item and joins it; nothing is lost or delivered twice.
    const orphan: OutboxItem = { id: 888_888, kind: 'k', key: 'c', payload: { v: 5 }, attempts: 0, notBefore: 0, createdAt: Date.now(), coalesce: 'card:3' };
    await s.set('outbox:item:888888', orphan);
    await s.set('outbox:coalesce:card:3', 888_888);
    expect(await box.enqueue('k', 'c', { v: 6 }, { coalesce: 'card:3' })).toBe(false);
    await box.drain();
    expect(done).toEqual(['2', '3', '5']);
    expect(await box.enqueue('k', 'c', { v: 7 }, { coalesce: 'card:3' })).toBe(true);
  });

  it('of concurrent equal coalescing enqueues, one waits and the rest are dropped without leftovers', async () => {
    const s = await store();
    const box = make(s).on('k', async () => undefined);
    const r = await Promise.all(Array.from({ length: 20 }, () => box.enqueue('k', 'a', {}, { coalesce: 'x' })));
    expect(r.filter(Boolean)).toHaveLength(1);
    expect(await box.depth()).toBe(1);
    expect(await box.drain()).toBe(1);
    expect(await box.depth()).toBe(0);
  });

  it('keeps at most `capacity` deliveries in flight per resource, and never lets one busy resource hold up another', async () => {
    const s = await store();
    let inA = 0;
    let maxA = 0;
    const finishedB: number[] = [];
    let releaseA!: () => void;
    const blockA = new Promise<void>((r) => { releaseA = r; });
    const gate: DeliveryGate = { capacity: () => 1, admit: async () => true, penalize: () => undefined };
    const box = make(s, { gate, resourceOf: (i) => `r:${String(i.payload.r)}` }).on('k', async (item) => {
      if (item.payload.r === 'a') {
        inA += 1; maxA = Math.max(maxA, inA);
        await blockA;
        inA -= 1;
      } else finishedB.push(item.id);
    });
    for (let n = 0; n < 4; n++) await box.enqueue('k', `a${n}`, { r: 'a' });
    for (let n = 0; n < 3; n++) await box.enqueue('k', `b${n}`, { r: 'b' });
    const draining = box.drain();
    // Resource a is stuck on its first item; b goes ahead.
    try {
      await until('b delivered', () => finishedB.length === 3);
      expect(inA).toBe(1);
    } finally {
      releaseA();
    }
    await draining;
    expect(maxA).toBe(1);
    expect(await box.depth()).toBe(0);
  });

  it('on 429 waits for Retry-After and holds the resource', async () => {
    const s = await store();
    const penalized: Array<[string, number]> = [];
    const gate: DeliveryGate = { capacity: () => 2, admit: async () => true, penalize: (r, ms) => penalized.push([r, ms]) };
    let first = true;
    const limited: number[] = [];
    const box = make(s, { gate, resourceOf: () => 'slack.post:C1', onRateLimited: (_i, ms) => limited.push(ms) }).on('k', async () => {
      if (first) { first = false; throw new DeliveryRateLimitedError(3000); }
    });
    await box.enqueue('k', 'a', {});
    await box.drain();
    expect(penalized).toEqual([['slack.post:C1', 3000]]);
    expect(limited).toEqual([3000]);
    const item = await s.get<OutboxItem>('outbox:item:1');
    expect(item!.notBefore - Date.now()).toBeGreaterThan(2000);
  });

  it('parks items whose window is spent without counting an attempt, and keeps delivering others', async () => {
    const s = await store();
    const delivered: string[] = [];
    let open = false;
    const gate: DeliveryGate = { capacity: () => 1, admit: async (r) => r !== 'x.reply:x' || open, penalize: () => undefined };
    const box = make(s, { gate, gateRetryMs: 30, resourceOf: (i) => String(i.payload.r) }).on('k', async (item) => { delivered.push(item.key); });
    await box.enqueue('k', 'reply:1', { r: 'x.reply:x' });
    await box.enqueue('k', 'case:1', { r: 'slack.post:C1' });
    await box.drain();
    expect(delivered).toEqual(['case:1']);
    const parked = await s.get<OutboxItem>('outbox:item:1');
    expect(parked!.attempts).toBe(0);
    expect(await box.depth()).toBe(1);
    open = true;
    await new Promise((r) => setTimeout(r, 40));
    box.start(20);
    try {
      await until('the parked reply', () => delivered.length === 2);
    } finally {
      await box.stop();
    }
    expect(delivered).toEqual(['case:1', 'reply:1']);
  }, 15_000);

  it('gives up on a hung delivery after the timeout and retries it', async () => {
    const s = await store();
    let calls = 0;
    const box = make(s, { handlerTimeoutMs: 50 }).on('k', async () => {
      calls += 1;
      if (calls === 1) await new Promise(() => undefined);
    });
    await box.enqueue('k', 'a', {});
    await box.drain();
    const item = await s.get<OutboxItem>('outbox:item:1');
    expect(item!.lastError).toMatch(/longer than 50 ms/);
    await s.set('outbox:item:1', { ...item!, notBefore: 0 });
    const again = make(s, { handlerTimeoutMs: 50 }).on('k', async () => { calls += 1; });
    await again.drain();
    expect(calls).toBe(2);
    expect(await again.depth()).toBe(0);
  });

  it('stop() waits for deliveries under way', async () => {
    const s = await store();
    let finished = false;
    const box = make(s).on('k', async () => { await new Promise((r) => setTimeout(r, 150)); finished = true; });
    let started = false;
    box.on('k', async () => { started = true; await new Promise((r) => setTimeout(r, 150)); finished = true; });
    box.start(10);
    await box.enqueue('k', 'a', {});
    await until('the delivery to start', () => started);
    await box.stop();
    expect(finished).toBe(true);
    expect(await box.depth()).toBe(0);
  });
});

describe('RateLimits (bottleneck)', () => {
  it('spaces calls on one resource by minTime and runs other resources in parallel', async () => {
    const limits = new RateLimits({ log, specs: { 'slack.post': { minTimeMs: 400, maxConcurrent: 1 } } });
    const starts: Record<string, number[]> = { C1: [], C2: [] };
    const t0 = Date.now();
    await Promise.all([
      ...[0, 1, 2].map(() => limits.schedule('slack.post:C1', async () => { starts.C1!.push(Date.now() - t0); })),
      ...[0, 1, 2].map(() => limits.schedule('slack.post:C2', async () => { starts.C2!.push(Date.now() - t0); })),
    ]);
    // Measured from before the first call: a busy machine can only start a call later than
    // its slot, never earlier, so these hold under any load (gaps between two calls do not:
    // a late first call shortens the gap to the second, which keeps its own slot).
    for (const ch of ['C1', 'C2']) {
      const s = starts[ch]!;
      expect(s[1]!).toBeGreaterThanOrEqual(400 - 20);
      expect(s[2]!).toBeGreaterThanOrEqual(800 - 20);
    }
    // C2 did not wait for C1: it started before C1's second call was allowed (an order,
    // not a time limit, so a busy machine cannot fail it).
    expect(starts.C2![0]!).toBeLessThan(starts.C1![1]!);
    await limits.stop();
  });

  it('admits a windowed resource only while its window has calls left', async () => {
    const limits = new RateLimits({ log, specs: { 'x.reply': { perWindow: 2, windowMs: 60_000, maxConcurrent: 1 } } });
    expect(await limits.admit('x.reply:acme')).toBe(true);
    await limits.schedule('x.reply:acme', async () => undefined);
    await limits.schedule('x.reply:acme', async () => undefined);
    expect(await limits.remaining('x.reply:acme')).toBe(0);
    expect(await limits.admit('x.reply:acme')).toBe(false);
    await limits.stop();
  });

  it('holds a resource after a 429', async () => {
    const limits = new RateLimits({ log, specs: { 'slack.post': { minTimeMs: 0, maxConcurrent: 1 } } });
    limits.penalize('slack.post:C1', 150);
    expect(await limits.admit('slack.post:C1')).toBe(false);
    const t0 = Date.now();
    await limits.schedule('slack.post:C1', async () => undefined);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(120);
    await limits.stop();
  });
});
