import { checkStoreInput } from './check-store-input.js';
import { structKey, type RedisClient } from './redis-client.js';
import type { HIncrOp } from './store.js';

/**
 * Counters on Redis (the Store's `hIncr`, `hIncrMany`, `hGetAll` and `incr`): native
 * hashes under `<namespace>:hash:<name>` and `INCR` keys under `<namespace>:counter:<name>`.
 */
export class RedisCounters {
  constructor(
    private readonly client: RedisClient,
    private readonly namespace: string,
  ) {}

  async hIncr(hash: string, field: string, by = 1): Promise<number> {
    return this.client.hIncrBy(
      structKey(this.namespace, 'hash', checkStoreInput.name('Hash name', hash)),
      checkStoreInput.name('Hash field', field),
      checkStoreInput.step(by),
    );
  }

  async hIncrMany(ops: ReadonlyArray<HIncrOp>): Promise<number[]> {
    const { merged, at } = checkStoreInput.incrOps(ops);
    if (merged.length === 0) return [];
    // MULTI/EXEC: one round trip, and no other client runs a command in between.
    const multi = this.client.multi();
    for (const o of merged) multi.hIncrBy(structKey(this.namespace, 'hash', o.hash), o.field, o.by);
    const replies = await multi.exec();
    return at.map((i) => Number(replies[i]));
  }

  async hGetAll(hash: string): Promise<Record<string, number>> {
    const all = await this.client.hGetAll(structKey(this.namespace, 'hash', checkStoreInput.name('Hash name', hash)));
    return Object.fromEntries(Object.entries(all).map(([f, n]) => [f, Number(n)]));
  }

  async incr(key: string): Promise<number> {
    return this.client.incr(structKey(this.namespace, 'counter', checkStoreInput.name('Counter name', key)));
  }
}
