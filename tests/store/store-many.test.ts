import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { StoreInputError } from '../../src/store/store-input-error.js';
import type { Store } from '../../src/store/store.js';
import { allBackends, sleep, uniqueNamespace, type StoreBackend } from './store-backends.js';

/** The batches (getMany, deleteMany, zAddMany, zRangeByScoreMany) answer as their single-key operations would, on every backend. */
describe.each(allBackends())('Store batches: $name', (backend: StoreBackend) => {
  let namespace: string;
  let store: Store;

  beforeAll(async () => { await backend.assertReachable(); });
  afterAll(async () => { await backend.dispose(); });
  beforeEach(async () => {
    namespace = uniqueNamespace();
    store = await openStore(backend.url, { namespace });
  });
  afterEach(async () => {
    await store.close();
    await backend.dropNamespace(namespace);
  });

  it('getMany reads values in the order asked, undefined where absent or expired', async () => {
    await store.set('a', { n: 1 });
    await store.set('b', 'two');
    await store.set('gone', 1, 20);
    await store.insertIfAbsent('c', [3]);
    await sleep(60);
    expect(await store.getMany(['b', 'missing', 'a', 'gone', 'c', 'a'])).toEqual(['two', undefined, { n: 1 }, undefined, [3], { n: 1 }]);
    expect(await store.getMany([])).toEqual([]);
    // What getMany reads is what get reads.
    for (const k of ['a', 'b', 'c', 'missing']) expect(await store.get(k)).toEqual((await store.getMany([k]))[0]);
  });

  it('deleteMany removes the keys named and leaves the others', async () => {
    await store.set('x', 1);
    await store.set('y', 2);
    await store.set('z', 3);
    await store.deleteMany(['x', 'z', 'never', 'x']);
    expect(await store.getMany(['x', 'y', 'z'])).toEqual([undefined, 2, undefined]);
    await store.deleteMany([]);
    expect(await store.get('y')).toBe(2);
  });

  it('zAddMany adds across sets, moves a member named again to its later score, and zRangeByScore reads it', async () => {
    await store.zAdd('s1', 'old', 1);
    await store.zAddMany([
      { set: 's1', member: 'b', score: 20 },
      { set: 's2', member: 'a', score: -5.5 },
      { set: 's1', member: 'old', score: 30 },
      { set: 's1', member: 'a', score: 20 },
      { set: 's2', member: 'a', score: 7 },
    ]);
    expect(await store.zRangeByScore('s1', -Infinity, Infinity)).toEqual([
      { member: 'a', score: 20 }, { member: 'b', score: 20 }, { member: 'old', score: 30 },
    ]);
    expect(await store.zRangeByScore('s2', -Infinity, Infinity)).toEqual([{ member: 'a', score: 7 }]);
    await store.zAddMany([]);
    expect(await store.zCard('s1')).toBe(3);
  });

  it('zRangeByScoreMany answers each set as zRangeByScore does, in the order of the sets', async () => {
    await store.zAddMany([
      { set: 'p', member: 'd', score: 20 }, { set: 'p', member: 'b', score: 20 }, { set: 'p', member: 'a', score: 10 },
      { set: 'p', member: 'e', score: 30.5 }, { set: 'q', member: 'z', score: 11 }, { set: 'q', member: 'y', score: 40 },
    ]);
    const sets = ['q', 'empty', 'p'];
    for (const [min, max, limit] of [[-Infinity, Infinity, undefined], [10, 20, 2], [11, 30.5, 10], [0, 100, 0], [21, 30, 5]] as const) {
      const many = await store.zRangeByScoreMany(sets, min, max, limit);
      const single = await Promise.all(sets.map((s) => store.zRangeByScore(s, min, max, limit)));
      expect(many).toEqual(single);
    }
    expect(await store.zRangeByScoreMany(['p', 'q'], 10, 20, 2)).toEqual([
      [{ member: 'a', score: 10 }, { member: 'b', score: 20 }],
      [{ member: 'z', score: 11 }],
    ]);
    expect(await store.zRangeByScoreMany([], 0, 1)).toEqual([]);
  });

  it('refuses a bad entry or key before writing any of the batch', async () => {
    await expect(store.zAddMany([{ set: 'r', member: 'ok', score: 1 }, { set: 'r', member: 'bad', score: Number.NaN }])).rejects.toBeInstanceOf(StoreInputError);
    expect(await store.zCard('r')).toBe(0);
    await store.set('keep', 1);
    await expect(store.deleteMany(['keep', ''])).rejects.toBeInstanceOf(StoreInputError);
    expect(await store.get('keep')).toBe(1);
    await expect(store.getMany(['x'.repeat(300)])).rejects.toBeInstanceOf(StoreInputError);
  });
});
