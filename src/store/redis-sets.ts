import { checkStoreInput } from './check-store-input.js';
import { structKey, type RedisClient } from './redis-client.js';

/** Redis spells unbounded score ranges `-inf` / `+inf`. */
function scoreBound(bound: number): string | number {
  if (bound === Infinity) return '+inf';
  if (bound === -Infinity) return '-inf';
  return bound;
}

/**
 * Sets and scored sets on Redis (the Store's `set…` and `z…` methods): native sets
 * under `<namespace>:set:<name>` and sorted sets under `<namespace>:zset:<name>`.
 */
export class RedisSets {
  constructor(
    private readonly client: RedisClient,
    private readonly namespace: string,
  ) {}

  private setKey(set: string): string {
    return structKey(this.namespace, 'set', checkStoreInput.name('Set name', set));
  }

  private zsetKey(set: string): string {
    return structKey(this.namespace, 'zset', checkStoreInput.name('Scored set name', set));
  }

  async setAdd(set: string, ...members: string[]): Promise<void> {
    const ms = checkStoreInput.members(members);
    if (ms.length === 0) return;
    await this.client.sAdd(this.setKey(set), ms);
  }

  async setRemove(set: string, ...members: string[]): Promise<void> {
    const ms = checkStoreInput.members(members);
    if (ms.length === 0) return;
    await this.client.sRem(this.setKey(set), ms);
  }

  async setMembers(set: string): Promise<string[]> {
    return this.client.sMembers(this.setKey(set));
  }

  async setSize(set: string): Promise<number> {
    return this.client.sCard(this.setKey(set));
  }

  async zAdd(set: string, member: string, score: number): Promise<void> {
    const m = checkStoreInput.member(member);
    await this.client.zAdd(this.zsetKey(set), { score: checkStoreInput.score(score), value: m });
  }

  async zRemove(set: string, ...members: string[]): Promise<void> {
    const ms = checkStoreInput.members(members);
    if (ms.length === 0) return;
    await this.client.zRem(this.zsetKey(set), ms);
  }

  async zRangeByScore(set: string, min: number, max: number, limit?: number): Promise<Array<{ member: string; score: number }>> {
    const key = this.zsetKey(set);
    const count = checkStoreInput.limit(limit);
    const lo = scoreBound(checkStoreInput.bound(min));
    const hi = scoreBound(checkStoreInput.bound(max));
    if (count === 0) return [];
    const rows = await this.client.zRangeByScoreWithScores(
      key,
      lo,
      hi,
      count === undefined ? undefined : { LIMIT: { offset: 0, count } },
    );
    return rows.map((r) => ({ member: String(r.value), score: Number(r.score) }));
  }

  async zCard(set: string): Promise<number> {
    return this.client.zCard(this.zsetKey(set));
  }
}
