import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimits, RateLimitsStoppedError } from '../../src/outbox/rate-limits.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createLogger } from '../../src/util/logger.js';
import { allBackends, uniqueNamespace, type StoreBackend } from '../store/store-backends.js';

/**
 * The outbox's rate limits shared through the store: two RateLimits on two Store
 * connections to one namespace stand for two Earshot instances.
 */
const log = createLogger('silent');
const PACE_MS = 200;

describe.each(allBackends())('rate limits shared on $name', (backend: StoreBackend) => {
  let namespace: string;
  let stores: Store[];
  let a: RateLimits;
  let b: RateLimits;

  beforeAll(async () => {
    await backend.assertReachable();
  });
  afterAll(async () => {
    await backend.dispose();
  });
  beforeEach(async () => {
    namespace = uniqueNamespace();
    stores = [await openStore(backend.url, { namespace }), await openStore(backend.url, { namespace })];
    const specs = {
      'slack.post': { minTimeMs: PACE_MS, maxConcurrent: 1 },
      'x.reply': { perWindow: 3, windowMs: 2 ** 40, maxConcurrent: 1 },
    };
    a = new RateLimits({ log, specs, shared: stores[0]! });
    b = new RateLimits({ log, specs, shared: stores[1]! });
  });
  afterEach(async () => {
    await a.stop();
    await b.stop();
    for (const s of stores) await s.close();
    await backend.dropNamespace(namespace);
  });

  it('spaces the calls of two instances on one channel by the one pace, and leaves other channels free', async () => {
    const t0 = Date.now();
    const starts: number[] = [];
    const other: number[] = [];
    await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).schedule('slack.post:C1', async () => { starts.push(Date.now() - t0); })),
      a.schedule('slack.post:C2', async () => { other.push(Date.now() - t0); }),
    ]);
    starts.sort((x, y) => x - y);
    // Each start was reserved an interval after the one before it, by whichever instance
    // (unshared, the two would start together). A call starts when its reservation's answer
    // arrives plus the wait, so a busy machine can start one late (and the gap after it looks
    // short), never early: the k-th start is at least k paces after the first, less the
    // blur of a round trip to the store.
    const early = starts.filter((s, k) => s - starts[0]! < k * PACE_MS - 80);
    expect(early, `starts ${starts.join(', ')}`).toEqual([]);
    expect(starts[starts.length - 1]! - starts[0]!, `starts ${starts.join(', ')}`).toBeGreaterThanOrEqual(7 * PACE_MS - 80);
    // Another channel did not wait behind C1.
    expect(other[0]!).toBeLessThan(starts[starts.length - 1]!);
  });

  it('holds every instance when one of them is told 429', async () => {
    expect(a.shared).toBe(true);
    await a.schedule('slack.post:C1', async () => undefined);
    a.penalize('slack.post:C1', 1_500);
    // The hold reaches the store asynchronously; the other instance's next call waits it out.
    expect(await a.admit('slack.post:C1')).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await b.schedule('slack.post:C1', async () => undefined);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_300);
  });

  it('spends one reply window between the instances', async () => {
    expect(await b.remaining('x.reply:acme')).toBe(3);
    await a.schedule('x.reply:acme', async () => undefined);
    await b.schedule('x.reply:acme', async () => undefined);
    await a.schedule('x.reply:acme', async () => undefined);
    expect(await b.remaining('x.reply:acme')).toBe(0);
    expect(await b.admit('x.reply:acme')).toBe(false);
    expect(await a.admit('x.reply:other')).toBe(true);
  });

  it('does not make a call still waiting for its turn when the limits stop', async () => {
    await a.schedule('slack.post:C9', async () => undefined);
    a.penalize('slack.post:C9', 60_000);
    await new Promise((r) => setTimeout(r, 100));
    let made = false;
    const waiting = b.schedule('slack.post:C9', async () => { made = true; }).then(() => undefined, (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await b.stop();
    expect(await waiting).toBeInstanceOf(RateLimitsStoppedError);
    expect(made).toBe(false);
  });
});
