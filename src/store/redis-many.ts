import { checkStoreInput } from './check-store-input.js';
import { keyvRecord } from './keyv-record.js';
import type { ZEntry } from './store.js';

/** Redis spells unbounded score ranges `-inf` / `+inf`. */
const bound = (n: number): string | number => (n === Infinity ? '+inf' : n === -Infinity ? '-inf' : n);

/** What the batches need of the client: the commands they send, typed loosely. */
export interface RedisManyClient {
  mGet(keys: string[]): Promise<Array<string | null>>;
  del(keys: string[]): Promise<number>;
  multi(): { zAdd(key: string, members: Array<{ score: number; value: string }>): unknown; exec(): Promise<unknown> };
  zRangeByScoreWithScores(key: string, min: string | number, max: string | number, opts?: { LIMIT: { offset: number; count: number } }): Promise<Array<{ value: unknown; score: number }>>;
}

/**
 * The Redis store's batches: MGET, one DEL, one MULTI of ZADDs, and ranged reads sent
 * together (node-redis pipelines commands issued in one tick). `valueKey` and `zsetKey`
 * are the store's own key builders (checked, namespaced).
 */
export class RedisMany {
  constructor(
    private readonly client: RedisManyClient,
    private readonly valueKey: (key: string) => string,
    private readonly zsetKey: (name: string) => string,
  ) {}

  async getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    const ks = keys.map(this.valueKey);
    if (ks.length === 0) return [];
    const raws = await this.client.mGet(ks);
    const now = Date.now();
    return raws.map((raw) => {
      if (raw === null) return undefined;
      const data = keyvRecord.decode(raw);
      return keyvRecord.isExpired(data, now) ? undefined : (data.value as T);
    });
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const ks = keys.map(this.valueKey);
    if (ks.length > 0) await this.client.del(ks);
  }

  async zAddMany(entries: ReadonlyArray<ZEntry>): Promise<void> {
    const checked = entries.map((e) => ({
      key: this.zsetKey(checkStoreInput.name('Scored set name', e.set)),
      score: checkStoreInput.score(e.score),
      value: checkStoreInput.member(e.member),
    }));
    if (checked.length === 0) return;
    // In order, in one MULTI: a member named twice ends at its later score.
    const multi = this.client.multi();
    for (const e of checked) multi.zAdd(e.key, [{ score: e.score, value: e.value }]);
    await multi.exec();
  }

  async zRangeByScoreMany(sets: readonly string[], min: number, max: number, limit?: number): Promise<Array<Array<{ member: string; score: number }>>> {
    const keys = sets.map((s) => this.zsetKey(checkStoreInput.name('Scored set name', s)));
    const count = checkStoreInput.limit(limit);
    const lo = bound(checkStoreInput.bound(min));
    const hi = bound(checkStoreInput.bound(max));
    if (count === 0) return keys.map(() => []);
    const answers = await Promise.all(keys.map((k) =>
      this.client.zRangeByScoreWithScores(k, lo, hi, count === undefined ? undefined : { LIMIT: { offset: 0, count } })));
    return answers.map((rows) => rows.map((r) => ({ member: String(r.value), score: Number(r.score) })));
  }
}
