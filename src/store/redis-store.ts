import type Keyv from 'keyv';
import KeyvRedis, { createClient, createKeyv } from '@keyv/redis';
import { checkStoreInput } from './check-store-input.js';
import { keyvRecord } from './keyv-record.js';
import { redactUrl } from './redact-url.js';
import { RedisLimits } from './redis-limits.js';
import { RedisMany, type RedisManyClient } from './redis-many.js';
import { StoreUnavailableError, type HIncrOp, type Store, type Versioned, type WindowTake, type ZEntry } from './store.js';

const CONNECT_TIMEOUT_MS = 5_000;
const PING_TIMEOUT_MS = 2_000;
const MAX_RECONNECT_DELAY_MS = 2_000;

/** Replaces the value only if it still holds the text read, keeping the key's TTL (Redis 7 has no SET IFEQ). */
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
end
return false`;

/**
 * Takes a free lease or renews one held by the same holder, in one step: a separate
 * `SET NX` followed by a renew would report "taken" for a lease that expired between
 * the two calls.
 */
const ACQUIRE_LEASE = `
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

/** Deletes the lease only if `holder` holds it, so a late release never frees someone else's lease. */
const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export interface RedisStoreOptions {
  namespace: string;
}

/**
 * A client that gives up at once on its first connection (a wrong URL should stop
 * start-up with a clear message) and, once connected, reconnects with backoff
 * through outages.
 */
function newRedisClient(url: string, connectedOnce: () => boolean) {
  return createClient({
    url,
    // While disconnected, commands fail at once instead of queueing until Redis is
    // back: callers (and ping) see the outage, jobs do not pile up behind it.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number, cause: Error) =>
        connectedOnce() ? Math.min(2 ** retries * 100, MAX_RECONNECT_DELAY_MS) : cause,
    },
  });
}

type RedisClient = ReturnType<typeof newRedisClient>;

/** Redis spells unbounded score ranges `-inf` / `+inf`. */
function scoreBound(bound: number): string | number {
  if (bound === Infinity) return '+inf';
  if (bound === -Infinity) return '-inf';
  return bound;
}

/**
 * The Store on Redis, for several instances sharing one server. Plain values are
 * written through Keyv (`<namespace>::<key>`, TTL as `PX`); set-if-absent is `SET NX PX` and
 * compare-and-set a Lua script on the same keys, so Keyv reads what they wrote.
 * Indexes, counters and leases are native Redis types under `<namespace>:<kind>:<name>`,
 * which Keyv's `clear()` (it scans `<namespace>::*`) does not touch.
 */
export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  private closed = false;
  private readonly limits: RedisLimits;
  private readonly many: RedisMany;

  private constructor(
    private readonly client: RedisClient,
    private readonly kv: Keyv,
    private readonly adapter: KeyvRedis<unknown>,
    private readonly namespace: string,
  ) {
    this.limits = new RedisLimits((script, opts) => this.client.eval(script, opts), namespace);
    this.many = new RedisMany(client as unknown as RedisManyClient, (k) => this.valueKey(k), (n) => this.structKey('zset', n));
  }

  static async open(url: string, opts: RedisStoreOptions): Promise<RedisStore> {
    const namespace = checkStoreInput.namespace(opts.namespace);
    let connectedOnce = false;
    const client = newRedisClient(url, () => connectedOnce);
    // node-redis emits every failed (re)connection attempt as 'error'; commands in
    // flight still reject with it. Without a listener Node would exit on the first one.
    client.on('error', () => undefined);
    client.on('ready', () => {
      connectedOnce = true;
    });
    try {
      await client.connect();
    } catch (err) {
      // The failed first attempt already closed the client; destroy only if it did not.
      if (client.isOpen) client.destroy();
      throw new StoreUnavailableError(
        `Cannot connect to Redis at ${redactUrl(url)}: check that the server is running and reachable, ` +
          `and the password/TLS settings in STORE_URL (${(err as Error).message})`,
        { cause: err },
      );
    }
    // createKeyv, not `new Keyv(new KeyvRedis())`: the latter prefixes keys twice. The
    // cast only widens the client's generic parameters (modules, RESP version) to the
    // defaults the adapter is declared with; it is the same client object.
    const kv = createKeyv(client as unknown as Parameters<typeof createKeyv>[0], { namespace, throwOnErrors: true });
    return new RedisStore(client, kv, kv.store as KeyvRedis<unknown>, namespace);
  }

  /** The Redis key Keyv uses for `key` (`<namespace>::<key>`), taken from the adapter itself. */
  private valueKey(key: string): string {
    return this.adapter.createKeyPrefix(checkStoreInput.key(this.namespace, key), this.namespace);
  }

  private structKey(kind: 'set' | 'zset' | 'hash' | 'counter' | 'lease', name: string): string {
    return `${this.namespace}:${kind}:${name}`;
  }

  /**
   * Reads the key Keyv wrote, decoded as Keyv decodes it. Not through `Keyv.get`: it
   * deletes a value whose embedded expiry has passed, and in the few ms before Redis
   * drops the key itself that delete could remove a value insertIfAbsent just wrote.
   */
  async get<T>(key: string): Promise<T | undefined> {
    return (await this.readLive(key))?.value as T | undefined;
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    checkStoreInput.key(this.namespace, key);
    await this.kv.set(key, checkStoreInput.value(value), checkStoreInput.ttl(ttlMs));
  }

  async delete(key: string): Promise<void> {
    checkStoreInput.key(this.namespace, key);
    await this.kv.delete(key);
  }

  async insertIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    const ttl = checkStoreInput.ttl(ttlMs);
    const raw = keyvRecord.encode(checkStoreInput.value(value), ttl === undefined ? undefined : Date.now() + ttl);
    // Redis drops expired keys itself, so NX already treats them as absent.
    const reply = await this.client.set(
      this.valueKey(key),
      raw,
      ttl === undefined ? { condition: 'NX' } : { condition: 'NX', expiration: { type: 'PX', value: ttl } },
    );
    return reply === 'OK';
  }

  private async readLive(key: string): Promise<{ raw: string; expires: number | undefined; value: unknown } | undefined> {
    const raw = await this.client.get(this.valueKey(key));
    if (raw === null) return undefined;
    const data = keyvRecord.decode(raw);
    // The embedded expiry can pass a few ms before Redis drops the key (PX counts from
    // when the server got the command); Keyv already treats the value as gone then.
    if (keyvRecord.isExpired(data, Date.now())) return undefined;
    return { raw, expires: data.expires, value: data.value };
  }

  async getVersioned<T>(key: string): Promise<Versioned<T> | undefined> {
    const live = await this.readLive(key);
    return live && { value: live.value as T, token: keyvRecord.token(live.raw) };
  }

  async compareAndSet(key: string, token: string, value: unknown): Promise<boolean> {
    checkStoreInput.value(value);
    const live = await this.readLive(key);
    if (!live || keyvRecord.token(live.raw) !== token) return false;
    const reply = await this.client.eval(COMPARE_AND_SET, {
      keys: [this.valueKey(key)],
      arguments: [live.raw, keyvRecord.encode(value, live.expires)],
    });
    return reply === 'OK';
  }

  getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> { return this.many.getMany<T>(keys); }
  deleteMany(keys: readonly string[]): Promise<void> { return this.many.deleteMany(keys); }
  zAddMany(entries: ReadonlyArray<ZEntry>): Promise<void> { return this.many.zAddMany(entries); }
  zRangeByScoreMany(sets: readonly string[], min: number, max: number, limit?: number) { return this.many.zRangeByScoreMany(sets, min, max, limit); }

  async setAdd(set: string, ...members: string[]): Promise<void> {
    const ms = checkStoreInput.members(members);
    if (ms.length === 0) return;
    await this.client.sAdd(this.structKey('set', checkStoreInput.name('Set name', set)), ms);
  }

  async setRemove(set: string, ...members: string[]): Promise<void> {
    const ms = checkStoreInput.members(members);
    if (ms.length === 0) return;
    await this.client.sRem(this.structKey('set', checkStoreInput.name('Set name', set)), ms);
  }

  async setMembers(set: string): Promise<string[]> {
    return this.client.sMembers(this.structKey('set', checkStoreInput.name('Set name', set)));
  }

  async setSize(set: string): Promise<number> {
    return this.client.sCard(this.structKey('set', checkStoreInput.name('Set name', set)));
  }

  async zAdd(set: string, member: string, score: number): Promise<void> {
    const m = checkStoreInput.member(member);
    await this.client.zAdd(this.structKey('zset', checkStoreInput.name('Scored set name', set)), {
      score: checkStoreInput.score(score),
      value: m,
    });
  }

  async zRemove(set: string, ...members: string[]): Promise<void> {
    const ms = checkStoreInput.members(members);
    if (ms.length === 0) return;
    await this.client.zRem(this.structKey('zset', checkStoreInput.name('Scored set name', set)), ms);
  }

  async zRangeByScore(
    set: string,
    min: number,
    max: number,
    limit?: number,
  ): Promise<Array<{ member: string; score: number }>> {
    const key = this.structKey('zset', checkStoreInput.name('Scored set name', set));
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
    return this.client.zCard(this.structKey('zset', checkStoreInput.name('Scored set name', set)));
  }

  async hIncr(hash: string, field: string, by = 1): Promise<number> {
    return this.client.hIncrBy(
      this.structKey('hash', checkStoreInput.name('Hash name', hash)),
      checkStoreInput.name('Hash field', field),
      checkStoreInput.step(by),
    );
  }

  async hIncrMany(ops: ReadonlyArray<HIncrOp>): Promise<number[]> {
    const { merged, at } = checkStoreInput.incrOps(ops);
    if (merged.length === 0) return [];
    // MULTI/EXEC: one round trip, and no other client runs a command in between.
    const multi = this.client.multi();
    for (const o of merged) multi.hIncrBy(this.structKey('hash', o.hash), o.field, o.by);
    const replies = await multi.exec();
    return at.map((i) => Number(replies[i]));
  }

  async hGetAll(hash: string): Promise<Record<string, number>> {
    const all = await this.client.hGetAll(this.structKey('hash', checkStoreInput.name('Hash name', hash)));
    return Object.fromEntries(Object.entries(all).map(([f, n]) => [f, Number(n)]));
  }

  async incr(key: string): Promise<number> {
    return this.client.incr(this.structKey('counter', checkStoreInput.name('Counter name', key)));
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const reply = await this.client.eval(ACQUIRE_LEASE, {
      keys: [this.structKey('lease', checkStoreInput.name('Lease name', name))],
      arguments: [checkStoreInput.name('Lease holder', holder), String(checkStoreInput.leaseTtl(ttlMs))],
    });
    return reply === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.client.eval(RELEASE_LEASE, {
      keys: [this.structKey('lease', checkStoreInput.name('Lease name', name))],
      arguments: [checkStoreInput.name('Lease holder', holder)],
    });
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
