import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { StoreInputError } from '../../src/store/store-input-error.js';
import { StoreUnavailableError, type Store } from '../../src/store/store.js';
import { allBackends, casIncrement, sleep, uniqueNamespace, type StoreBackend } from './store-backends.js';

const CONTENDERS = 20;

/** Rough ops/s for the report; logged, never asserted. */
function logRate(backend: string, what: string, ops: number, startedAt: number): void {
  const ms = Math.max(1, performance.now() - startedAt);
  console.info(`[store ${backend}] ${what}: ${ops} ops in ${ms.toFixed(0)} ms ≈ ${Math.round((ops * 1000) / ms)} ops/s`);
}

describe.each(allBackends())('Store contract: $name', (backend: StoreBackend) => {
  let namespace: string;
  let store: Store;
  const extraStores: Store[] = [];

  /** Another Store instance on the same backend and namespace (its own connection). */
  async function secondStore(): Promise<Store> {
    const other = await openStore(backend.url, { namespace });
    extraStores.push(other);
    return other;
  }

  beforeAll(async () => {
    await backend.assertReachable();
  });

  afterAll(async () => {
    await backend.dispose();
  });

  beforeEach(async () => {
    namespace = uniqueNamespace();
    store = await openStore(backend.url, { namespace });
  });

  afterEach(async () => {
    for (const other of extraStores.splice(0)) await other.close();
    await store.close();
    await backend.dropNamespace(namespace);
  });

  it('reports its kind and is reachable', async () => {
    expect(store.kind).toBe(backend.name);
    expect(await store.ping()).toBe(true);
  });

  describe('plain values', () => {
    it('round-trips JSON values, and get of a missing key is undefined', async () => {
      const doc = { id: 'case:1', tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } };
      await store.set('doc', doc);
      await store.set('colon', ':starts with a colon');
      await store.set('num', 42);
      await store.set('nil', null);
      expect(await store.get('doc')).toEqual(doc);
      expect(await store.get('colon')).toBe(':starts with a colon');
      expect(await store.get('num')).toBe(42);
      expect(await store.get('nil')).toBeNull();
      expect(await store.get('missing')).toBeUndefined();
    });

    it('returns a Date as its ISO string (values are stored as JSON)', async () => {
      await store.set('when', { at: new Date(Date.UTC(2026, 0, 5, 9)) });
      expect(await store.get('when')).toEqual({ at: '2026-01-05T09:00:00.000Z' });
    });

    it('overwrites with set and removes with delete', async () => {
      await store.set('k', 'one');
      await store.set('k', 'two');
      expect(await store.get('k')).toBe('two');
      await store.delete('k');
      expect(await store.get('k')).toBeUndefined();
      await store.delete('k');
      expect(await store.get('k')).toBeUndefined();
    });

    it('expires a value set with a TTL, and keeps one set with TTL 0', async () => {
      // Liveness is checked on a long TTL so a slow machine cannot make the test flaky.
      await store.set('long', 'v', 60_000);
      await store.set('short', 'v', 50);
      await store.set('forever', 'v', 0);
      expect(await store.get('long')).toBe('v');
      await sleep(120);
      expect(await store.get('short')).toBeUndefined();
      expect(await store.get('forever')).toBe('v');
      expect(await store.get('long')).toBe('v');
    });

    it('keeps namespaces apart', async () => {
      const other = await openStore(backend.url, { namespace: uniqueNamespace() });
      try {
        await store.set('shared-key', 'mine');
        await other.set('shared-key', 'theirs');
        await other.setAdd('s', 'x');
        expect(await store.get('shared-key')).toBe('mine');
        expect(await other.get('shared-key')).toBe('theirs');
        expect(await store.setMembers('s')).toEqual([]);
      } finally {
        await other.close();
      }
    });

    it('refuses undefined values, negative TTLs and over-long keys before writing', async () => {
      await expect(store.set('k', undefined)).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.set('k', 1, -5)).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.insertIfAbsent('k', 1, 1.5)).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.set('x'.repeat(300), 1)).rejects.toBeInstanceOf(StoreInputError);
      expect(await store.get('k')).toBeUndefined();
    });
  });

  describe('insertIfAbsent', () => {
    it('writes only when the key holds no value', async () => {
      expect(await store.insertIfAbsent('claim', { by: 'alice' })).toBe(true);
      expect(await store.insertIfAbsent('claim', { by: 'bob' })).toBe(false);
      expect(await store.get('claim')).toEqual({ by: 'alice' });
      await store.delete('claim');
      expect(await store.insertIfAbsent('claim', { by: 'carol' })).toBe(true);
      expect(await store.get('claim')).toEqual({ by: 'carol' });
    });

    it('treats an expired value as absent, and its own TTL expires', async () => {
      expect(await store.insertIfAbsent('held', 1, 60_000)).toBe(true);
      expect(await store.insertIfAbsent('held', 2, 60_000)).toBe(false);
      expect(await store.insertIfAbsent('seen', 1, 50)).toBe(true);
      await store.set('old', 'x', 50);
      await sleep(120);
      expect(await store.get('held')).toBe(1);
      expect(await store.get('seen')).toBeUndefined();
      expect(await store.insertIfAbsent('seen', 3)).toBe(true);
      expect(await store.insertIfAbsent('old', 'y')).toBe(true);
      expect(await store.get('seen')).toBe(3);
      expect(await store.get('old')).toBe('y');
    });

    it(`lets exactly one of ${CONTENDERS} concurrent callers win`, async () => {
      const startedAt = performance.now();
      const results = await Promise.all(
        Array.from({ length: CONTENDERS }, (_, i) => store.insertIfAbsent('race', { by: i })),
      );
      logRate(backend.name, 'insertIfAbsent, 20 concurrent on one key', CONTENDERS, startedAt);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get('race')).toEqual({ by: results.indexOf(true) });
    });

    it('lets exactly one win across two Store instances', async () => {
      const other = await secondStore();
      const results = await Promise.all(
        Array.from({ length: CONTENDERS }, (_, i) => (i % 2 ? other : store).insertIfAbsent('race2', i)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await other.get('race2')).toBe(results.indexOf(true));
    });

    it('lets exactly one of the contenders win an expired key', async () => {
      await store.insertIfAbsent('again', 'first', 40);
      await sleep(80);
      const results = await Promise.all(Array.from({ length: CONTENDERS }, (_, i) => store.insertIfAbsent('again', i)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('getVersioned / compareAndSet', () => {
    it('replaces the value only with the token of the current value', async () => {
      expect(await store.getVersioned('doc')).toBeUndefined();
      await store.set('doc', { status: 'open' });
      const v1 = await store.getVersioned<{ status: string }>('doc');
      expect(v1?.value).toEqual({ status: 'open' });
      expect(typeof v1?.token).toBe('string');
      expect(await store.compareAndSet('doc', v1!.token, { status: 'claimed' })).toBe(true);
      expect(await store.compareAndSet('doc', v1!.token, { status: 'stale' })).toBe(false);
      expect(await store.get('doc')).toEqual({ status: 'claimed' });
      const v2 = await store.getVersioned('doc');
      expect(v2?.token).not.toBe(v1?.token);
    });

    it('fails when someone else wrote in between, or the key is gone', async () => {
      await store.set('doc', 1);
      const v = await store.getVersioned<number>('doc');
      await store.set('doc', 2);
      expect(await store.compareAndSet('doc', v!.token, 3)).toBe(false);
      expect(await store.get('doc')).toBe(2);
      const w = await store.getVersioned<number>('doc');
      await store.delete('doc');
      expect(await store.compareAndSet('doc', w!.token, 4)).toBe(false);
      expect(await store.get('doc')).toBeUndefined();
      expect(await store.compareAndSet('never', 'made-up-token', 1)).toBe(false);
    });

    it('keeps the expiry of the key it replaces', async () => {
      await store.set('temp', 'a', 1_000);
      const v = await store.getVersioned<string>('temp');
      expect(await store.compareAndSet('temp', v!.token, 'b')).toBe(true);
      expect(await store.get('temp')).toBe('b');
      await sleep(1_300);
      expect(await store.get('temp')).toBeUndefined();
      expect(await store.getVersioned('temp')).toBeUndefined();
    });

    it(`ends at ${CONTENDERS} after ${CONTENDERS} concurrent read-modify-write increments with retry`, async () => {
      await store.set('counter', { n: 0 });
      const startedAt = performance.now();
      const retries = await Promise.all(Array.from({ length: CONTENDERS }, () => casIncrement(store, 'counter')));
      const attempts = CONTENDERS + retries.reduce((a, b) => a + b, 0);
      logRate(backend.name, `compareAndSet increments (${attempts} attempts)`, CONTENDERS, startedAt);
      expect(await store.get('counter')).toEqual({ n: CONTENDERS });
    });

    it('ends at the exact total when two Store instances increment together', async () => {
      const other = await secondStore();
      const retries = await Promise.all(
        Array.from({ length: CONTENDERS }, (_, i) => casIncrement(i % 2 ? other : store, 'counter2')),
      );
      expect(retries).toHaveLength(CONTENDERS);
      expect(await store.get('counter2')).toEqual({ n: CONTENDERS });
      expect(await other.get('counter2')).toEqual({ n: CONTENDERS });
    });
  });

  describe('sets', () => {
    it('adds, lists, counts and removes members without duplicates', async () => {
      await store.setAdd('open:billing', 'c1', 'c2', 'c1');
      await store.setAdd('open:billing', 'c3');
      await store.setAdd('open:billing');
      expect((await store.setMembers('open:billing')).sort()).toEqual(['c1', 'c2', 'c3']);
      expect(await store.setSize('open:billing')).toBe(3);
      await store.setRemove('open:billing', 'c2', 'not-there');
      await store.setRemove('open:billing');
      expect((await store.setMembers('open:billing')).sort()).toEqual(['c1', 'c3']);
      expect(await store.setSize('open:billing')).toBe(2);
    });

    it('treats a set that was never written as empty', async () => {
      expect(await store.setMembers('nothing')).toEqual([]);
      expect(await store.setSize('nothing')).toBe(0);
    });

    it('keeps every member added concurrently', async () => {
      const other = await secondStore();
      const members = Array.from({ length: 40 }, (_, i) => `m${i}`);
      await Promise.all(members.map((m, i) => (i % 2 ? other : store).setAdd('busy', m, 'common')));
      expect(await store.setSize('busy')).toBe(41);
    });
  });

  describe('scored sets', () => {
    it('orders by score, then member, within inclusive bounds and a limit', async () => {
      await store.zAdd('due', 'b', 20);
      await store.zAdd('due', 'a', 10);
      await store.zAdd('due', 'd', 20);
      await store.zAdd('due', 'c', 20);
      await store.zAdd('due', 'e', 30.5);
      expect(await store.zRangeByScore('due', 20, 30.5)).toEqual([
        { member: 'b', score: 20 },
        { member: 'c', score: 20 },
        { member: 'd', score: 20 },
        { member: 'e', score: 30.5 },
      ]);
      expect(await store.zRangeByScore('due', 0, 20, 2)).toEqual([
        { member: 'a', score: 10 },
        { member: 'b', score: 20 },
      ]);
      expect(await store.zRangeByScore('due', 0, 20, 0)).toEqual([]);
      expect(await store.zRangeByScore('due', 21, 30)).toEqual([]);
      expect((await store.zRangeByScore('due', -Infinity, Infinity)).map((r) => r.member)).toEqual([
        'a',
        'b',
        'c',
        'd',
        'e',
      ]);
      expect(await store.zCard('due')).toBe(5);
    });

    it('moves a member when it is added again, and removes members', async () => {
      await store.zAdd('q', 'x', 5);
      await store.zAdd('q', 'y', 6);
      await store.zAdd('q', 'x', 7);
      expect(await store.zRangeByScore('q', -Infinity, Infinity)).toEqual([
        { member: 'y', score: 6 },
        { member: 'x', score: 7 },
      ]);
      await store.zRemove('q', 'y', 'not-there');
      expect(await store.zCard('q')).toBe(1);
      expect(await store.zCard('empty')).toBe(0);
      expect(await store.zRangeByScore('empty', -Infinity, Infinity)).toEqual([]);
    });

    it('takes large epoch-ms scores exactly and refuses non-finite ones', async () => {
      await store.zAdd('t', 'late', 1_767_603_600_123);
      await store.zAdd('t', 'early', -1.25);
      expect(await store.zRangeByScore('t', -2, Number.MAX_SAFE_INTEGER)).toEqual([
        { member: 'early', score: -1.25 },
        { member: 'late', score: 1_767_603_600_123 },
      ]);
      await expect(store.zAdd('t', 'bad', Number.NaN)).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.zAdd('t', 'bad', Infinity)).rejects.toBeInstanceOf(StoreInputError);
    });
  });

  describe('counters', () => {
    it('increments hash fields and reads them all', async () => {
      expect(await store.hIncr('day:2026-01-05', 'received')).toBe(1);
      expect(await store.hIncr('day:2026-01-05', 'received', 4)).toBe(5);
      expect(await store.hIncr('day:2026-01-05', 'answered', 2)).toBe(2);
      expect(await store.hIncr('day:2026-01-05', 'answered', -1)).toBe(1);
      expect(await store.hGetAll('day:2026-01-05')).toEqual({ received: 5, answered: 1 });
      expect(await store.hGetAll('day:never')).toEqual({});
      await expect(store.hIncr('day:2026-01-05', 'x', 0.5)).rejects.toBeInstanceOf(StoreInputError);
    });

    it('hands out a sequence without gaps or repeats under concurrency', async () => {
      const other = await secondStore();
      const numbers = await Promise.all(Array.from({ length: CONTENDERS }, (_, i) => (i % 2 ? other : store).incr('case-seq')));
      expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: CONTENDERS }, (_, i) => i + 1));
      expect(await store.incr('other-seq')).toBe(1);
    });

    it('adds concurrent hash increments exactly', async () => {
      const other = await secondStore();
      await Promise.all(Array.from({ length: CONTENDERS }, (_, i) => (i % 2 ? other : store).hIncr('h', 'f', 2)));
      expect(await store.hGetAll('h')).toEqual({ f: 2 * CONTENDERS });
    });

    it('applies a batch of increments and returns the new values in the order asked', async () => {
      await store.hIncr('day:1', 'cases', 10);
      const got = await store.hIncrMany([
        { hash: 'day:1', field: 'cases', by: 1 },
        { hash: 'day:1', field: 'tag:a b', by: 3 },
        { hash: 'day:2', field: 'cases', by: -2 },
        // The same counter twice: it moves by the sum, both entries get its final value.
        { hash: 'day:1', field: 'cases', by: 4 },
        { hash: 'tags:é', field: 'ünï', by: 2 ** 40 },
      ]);
      expect(got).toEqual([15, 3, -2, 15, 2 ** 40]);
      expect(await store.hGetAll('day:1')).toEqual({ cases: 15, 'tag:a b': 3 });
      expect(await store.hGetAll('day:2')).toEqual({ cases: -2 });
      expect(await store.hGetAll('tags:é')).toEqual({ ünï: 2 ** 40 });
      expect(await store.hIncrMany([])).toEqual([]);
      // A batch and single increments share the counters.
      expect(await store.hIncr('day:2', 'cases')).toBe(-1);
    });

    it('refuses a batch with a bad op and writes none of it', async () => {
      const good = { hash: 'h', field: 'f', by: 1 };
      const bad: unknown[] = [
        { hash: 'h', field: 'g', by: 0.5 },
        { hash: 'h', field: 'g', by: Number.NaN },
        { hash: '', field: 'g', by: 1 },
        { hash: 'h', field: '', by: 1 },
        { hash: 'h', field: 7, by: 1 },
        null,
        // Each step is safe, their sum is not.
        { hash: 'h', field: 'f', by: Number.MAX_SAFE_INTEGER },
      ];
      for (const op of bad) {
        await expect(store.hIncrMany([good, op as never, good])).rejects.toBeInstanceOf(StoreInputError);
      }
      await expect(store.hIncrMany('h' as never)).rejects.toBeInstanceOf(StoreInputError);
      expect(await store.hGetAll('h')).toEqual({});
    });

    it('never shows a reader part of a batch, and adds concurrent batches exactly', async () => {
      const [other, watcher] = [await secondStore(), await secondStore()];
      const fields = ['a', 'b', 'c', 'd', 'e', 'f'];
      const batch = fields.map((field) => ({ hash: 'pair', field, by: 1 }));
      const ROUNDS = 25;
      let reads = 0;
      let writing = true;
      // Reads on a third connection while batches land: the fields of one batch move together.
      const reader = (async () => {
        while (writing) {
          const seen = await watcher.hGetAll('pair');
          expect(new Set(fields.map((f) => seen[f] ?? 0)).size, JSON.stringify(seen)).toBe(1);
          reads++;
        }
      })();
      const started = performance.now();
      // Two writers; one lists the counters in the other order, and they must not deadlock.
      await Promise.all([store, other].map(async (s, w) => {
        for (let i = 0; i < ROUNDS; i++) await s.hIncrMany(w ? [...batch].reverse() : batch);
      }));
      writing = false;
      await reader;
      logRate(backend.name, 'hIncrMany of 6 counters', 2 * ROUNDS, started);
      expect(reads).toBeGreaterThan(0);
      expect(await store.hGetAll('pair')).toEqual(Object.fromEntries(fields.map((f) => [f, 2 * ROUNDS])));
    });

    it('keeps a counter and a hash of the same name apart', async () => {
      await store.incr('same');
      await store.hIncr('same', 'f');
      expect(await store.incr('same')).toBe(2);
      expect(await store.hGetAll('same')).toEqual({ f: 1 });
    });
  });

  describe('leases', () => {
    it('gives a lease to one holder, renews it for that holder, and frees it on release', async () => {
      expect(await store.acquireLease('sla-sweep', 'a', 10_000)).toBe(true);
      expect(await store.acquireLease('sla-sweep', 'b', 10_000)).toBe(false);
      expect(await store.acquireLease('sla-sweep', 'a', 10_000)).toBe(true);
      await store.releaseLease('sla-sweep', 'b');
      expect(await store.acquireLease('sla-sweep', 'b', 10_000)).toBe(false);
      await store.releaseLease('sla-sweep', 'a');
      expect(await store.acquireLease('sla-sweep', 'b', 10_000)).toBe(true);
      expect(await store.acquireLease('other-job', 'a', 10_000)).toBe(true);
    });

    it('lets the loser take the lease once it expires', async () => {
      expect(await store.acquireLease('digest', 'a', 500)).toBe(true);
      expect(await store.acquireLease('digest', 'b', 500)).toBe(false);
      await sleep(650);
      expect(await store.acquireLease('digest', 'b', 10_000)).toBe(true);
      expect(await store.acquireLease('digest', 'a', 10_000)).toBe(false);
    });

    it('extends the lease when the holder renews', async () => {
      expect(await store.acquireLease('retention', 'a', 200)).toBe(true);
      await sleep(100);
      expect(await store.acquireLease('retention', 'a', 5_000)).toBe(true);
      await sleep(250);
      // Past the first TTL, well inside the renewed one.
      expect(await store.acquireLease('retention', 'b', 5_000)).toBe(false);
    });

    it('gives the lease to exactly one of many contenders on two Store instances', async () => {
      const other = await secondStore();
      const results = await Promise.all(
        Array.from({ length: CONTENDERS }, (_, i) => (i % 2 ? other : store).acquireLease('tick', `holder-${i}`, 10_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('refuses a non-positive TTL', async () => {
      await expect(store.acquireLease('x', 'a', 0)).rejects.toBeInstanceOf(StoreInputError);
    });
  });

  describe('what the case workflow relies on', () => {
    it('an annotation that keeps a document\'s version still invalidates older tokens', async () => {
      // Notes and SLA marks change a case without changing its version (clicks stay valid);
      // a writer who read before the annotation must not overwrite it.
      await store.set('case:1', { version: 3, notes: [] });
      const early = (await store.getVersioned<{ version: number; notes: string[] }>('case:1'))!;
      const mid = (await store.getVersioned<{ version: number; notes: string[] }>('case:1'))!;
      expect(await store.compareAndSet('case:1', mid.token, { version: 3, notes: ['called them'] })).toBe(true);
      expect(await store.compareAndSet('case:1', early.token, { version: 4, notes: [] })).toBe(false);
      expect(await store.get('case:1')).toEqual({ version: 3, notes: ['called them'] });
    });

    it('lists the oldest members below a cut-off, a batch at a time (retention, job history)', async () => {
      for (let i = 0; i < 10; i++) await store.zAdd('cases:by-created', `c${i}`, 1_700_000_000_000 + i * 86_400_000);
      const cutoff = 1_700_000_000_000 + 5 * 86_400_000;
      const batch = await store.zRangeByScore('cases:by-created', -Infinity, cutoff, 4);
      expect(batch.map((r) => r.member)).toEqual(['c0', 'c1', 'c2', 'c3']);
      await store.zRemove('cases:by-created', ...batch.map((r) => r.member));
      expect((await store.zRangeByScore('cases:by-created', -Infinity, cutoff, 4)).map((r) => r.member)).toEqual(['c4', 'c5']);
    });

    it('lets a job lease holder keep its tick and another instance take the next one after it dies', async () => {
      const other = await secondStore();
      expect(await store.acquireLease('job:sla-sweep', 'instance-a', 300)).toBe(true);
      expect(await other.acquireLease('job:sla-sweep', 'instance-b', 300)).toBe(false);
      // instance-a dies without releasing; the lease lapses and instance-b's next tick runs.
      await sleep(450);
      expect(await other.acquireLease('job:sla-sweep', 'instance-b', 300)).toBe(true);
      expect(await store.acquireLease('job:sla-sweep', 'instance-a', 300)).toBe(false);
    });
  });

  describe('throughput (logged for the report)', () => {
    it('completes 500 insertIfAbsent on distinct keys and 200 contended compareAndSet increments', async () => {
      const inserts = 500;
      let startedAt = performance.now();
      const inserted = await Promise.all(Array.from({ length: inserts }, (_, i) => store.insertIfAbsent(`k${i}`, { i })));
      logRate(backend.name, 'insertIfAbsent, distinct keys, all concurrent', inserts, startedAt);
      expect(inserted.every(Boolean)).toBe(true);

      const increments = 200;
      const workers = 10;
      await store.set('tp', { n: 0 });
      startedAt = performance.now();
      let retries = 0;
      await Promise.all(
        Array.from({ length: workers }, async () => {
          for (let i = 0; i < increments / workers; i++) retries += await casIncrement(store, 'tp');
        }),
      );
      logRate(backend.name, `compareAndSet increments, ${workers} workers on one key (${retries} retries)`, increments, startedAt);
      expect(await store.get('tp')).toEqual({ n: increments });

      startedAt = performance.now();
      for (let i = 0; i < 200; i++) await casIncrement(store, 'solo');
      logRate(backend.name, 'getVersioned+compareAndSet, sequential, uncontended', 200, startedAt);
      expect(await store.get('solo')).toEqual({ n: 200 });
    });
  });

  it('closes cleanly: ping turns false and a second close is harmless', async () => {
    const other = await openStore(backend.url, { namespace });
    expect(await other.ping()).toBe(true);
    await other.close();
    await other.close();
    expect(await other.ping()).toBe(false);
    expect(await store.ping()).toBe(true);
  });

  if (backend.name === 'sqlite') {
    it('stays correct with a second process on the same database file', async () => {
      const perProcess = 15;
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('./fixtures/sqlite-contender.ts', import.meta.url)), backend.url, namespace, 'child', String(perProcess)],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      const lines = createInterface({ input: child.stdout });
      const output: string[] = [];
      const ready = new Promise<void>((done, fail) => {
        lines.on('line', (line) => {
          output.push(line);
          if (line === 'ready') done();
        });
        child.on('exit', (code) => fail(new Error(`contender exited early (code ${code})`)));
      });
      await ready;
      child.stdin.write('go\n');
      const [claimed, leased] = await Promise.all([
        store.insertIfAbsent('claim', 'parent'),
        store.acquireLease('job', 'parent', 60_000),
        Promise.all(Array.from({ length: perProcess }, () => casIncrement(store, 'counter'))),
      ]);
      expect(await exited).toBe(0);
      const childResult = JSON.parse(output.at(-1) ?? '{}') as { claimed: boolean; leased: boolean };
      expect([claimed, childResult.claimed].filter(Boolean)).toHaveLength(1);
      expect([leased, childResult.leased].filter(Boolean)).toHaveLength(1);
      expect(await store.get('claim')).toBe(claimed ? 'parent' : 'child');
      expect(await store.get('counter')).toEqual({ n: 2 * perProcess });
    });
  }
});

describe('openStore', () => {
  it('refuses an unsupported scheme, naming it', async () => {
    await expect(openStore('mysql://db.example/earshot', { namespace: 'x' })).rejects.toThrow(
      /Unsupported STORE_URL "mysql:\/\/db\.example\/earshot"/,
    );
  });

  it('fails with StoreUnavailableError naming the URL without its password', async () => {
    const failures = await Promise.all(
      ['redis://:s3cret@127.0.0.1:1', 'postgresql://earshot:s3cret@127.0.0.1:1/earshot'].map((url) =>
        openStore(url, { namespace: 'x' }).then(
          () => new Error('opened'),
          (err: unknown) => err as Error,
        ),
      ),
    );
    for (const err of failures) {
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(err.message).toContain('127.0.0.1:1');
      expect(err.message).toContain('***');
      expect(err.message).not.toContain('s3cret');
    }
  });

  it('refuses a namespace that is not a safe identifier', async () => {
    await expect(openStore('sqlite://:memory:', { namespace: 'Bad Name;' })).rejects.toBeInstanceOf(StoreInputError);
  });

  it('opens an in-memory SQLite database', async () => {
    const store = await openStore('sqlite://:memory:', { namespace: 'mem' });
    await store.set('k', 1);
    expect(await store.get('k')).toBe(1);
    await store.close();
  });
});
