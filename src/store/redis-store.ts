import type Keyv from 'keyv';
import KeyvRedis, { createKeyv } from '@keyv/redis';
import { checkStoreInput } from './check-store-input.js';
import { connectRedis, type RedisClient } from './redis-client.js';
import { RedisCounters } from './redis-counters.js';
import { RedisLeases } from './redis-leases.js';
import { RedisLimits } from './redis-limits.js';
import { RedisSets } from './redis-sets.js';
import { RedisValues } from './redis-values.js';
import type { HIncrOp, Store, Versioned, WindowTake } from './store.js';

const PING_TIMEOUT_MS = 2_000;

export interface RedisStoreOptions {
  namespace: string;
}

/**
 * The Store on Redis, for several instances sharing one server. Plain values are
 * written through Keyv (`<namespace>::<key>`, TTL as `PX`); set-if-absent is `SET NX PX` and
 * compare-and-set a Lua script on the same keys, so Keyv reads what they wrote.
 * Indexes, counters and leases are native Redis types under `<namespace>:<kind>:<name>`,
 * which Keyv's `clear()` (it scans `<namespace>::*`) does not touch.
 *
 * This class opens and closes the connection; each data type's commands are in a part
 * of their own: values (redis-values.ts), sets and scored sets (redis-sets.ts), counters
 * (redis-counters.ts), leases (redis-leases.ts) and shared API limits (redis-limits.ts).
 */
export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  private closed = false;
  private readonly values: RedisValues;
  private readonly sets: RedisSets;
  private readonly counters: RedisCounters;
  private readonly leases: RedisLeases;
  private readonly limits: RedisLimits;

  private constructor(
    private readonly client: RedisClient,
    private readonly kv: Keyv,
    adapter: KeyvRedis<unknown>,
    namespace: string,
  ) {
    this.values = new RedisValues(client, kv, adapter, namespace);
    this.sets = new RedisSets(client, namespace);
    this.counters = new RedisCounters(client, namespace);
    this.leases = new RedisLeases(client, namespace);
    this.limits = new RedisLimits((script, opts) => this.client.eval(script, opts), namespace);
  }

  static async open(url: string, opts: RedisStoreOptions): Promise<RedisStore> {
    const namespace = checkStoreInput.namespace(opts.namespace);
    const client = await connectRedis(url);
    // createKeyv, not `new Keyv(new KeyvRedis())`: the latter prefixes keys twice. The
    // cast only widens the client's generic parameters (modules, RESP version) to the
    // defaults the adapter is declared with; it is the same client object.
    const kv = createKeyv(client as unknown as Parameters<typeof createKeyv>[0], { namespace, throwOnErrors: true });
    return new RedisStore(client, kv, kv.store as KeyvRedis<unknown>, namespace);
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.values.get<T>(key);
  }

  set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    return this.values.set(key, value, ttlMs);
  }

  delete(key: string): Promise<void> {
    return this.values.delete(key);
  }

  insertIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    return this.values.insertIfAbsent(key, value, ttlMs);
  }

  getVersioned<T>(key: string): Promise<Versioned<T> | undefined> {
    return this.values.getVersioned<T>(key);
  }

  compareAndSet(key: string, token: string, value: unknown): Promise<boolean> {
    return this.values.compareAndSet(key, token, value);
  }

  setAdd(set: string, ...members: string[]): Promise<void> {
    return this.sets.setAdd(set, ...members);
  }

  setRemove(set: string, ...members: string[]): Promise<void> {
    return this.sets.setRemove(set, ...members);
  }

  setMembers(set: string): Promise<string[]> {
    return this.sets.setMembers(set);
  }

  setSize(set: string): Promise<number> {
    return this.sets.setSize(set);
  }

  zAdd(set: string, member: string, score: number): Promise<void> {
    return this.sets.zAdd(set, member, score);
  }

  zRemove(set: string, ...members: string[]): Promise<void> {
    return this.sets.zRemove(set, ...members);
  }

  zRangeByScore(set: string, min: number, max: number, limit?: number): Promise<Array<{ member: string; score: number }>> {
    return this.sets.zRangeByScore(set, min, max, limit);
  }

  zCard(set: string): Promise<number> {
    return this.sets.zCard(set);
  }

  hIncr(hash: string, field: string, by?: number): Promise<number> {
    return this.counters.hIncr(hash, field, by);
  }

  hIncrMany(ops: ReadonlyArray<HIncrOp>): Promise<number[]> {
    return this.counters.hIncrMany(ops);
  }

  hGetAll(hash: string): Promise<Record<string, number>> {
    return this.counters.hGetAll(hash);
  }

  incr(key: string): Promise<number> {
    return this.counters.incr(key);
  }

  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.leases.acquireLease(name, holder, ttlMs);
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return this.leases.releaseLease(name, holder);
  }

  reservePace(name: string, intervalMs: number): Promise<number> {
    return this.limits.reservePace(name, intervalMs);
  }

  holdPace(name: string, ms: number): Promise<void> {
    return this.limits.holdPace(name, ms);
  }

  takeFromWindow(name: string, limit: number, windowMs: number, count?: number): Promise<WindowTake> {
    return this.limits.takeFromWindow(name, limit, windowMs, count);
  }

  async ping(): Promise<boolean> {
    if (this.closed || !this.client.isReady) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<false>((done) => {
        timer = setTimeout(() => done(false), PING_TIMEOUT_MS);
      });
      const probe = this.client.ping().then(
        (reply) => reply === 'PONG',
        () => false,
      );
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Keyv's disconnect closes the client gracefully (QUIT after pending replies).
    await this.kv.disconnect();
  }
}
