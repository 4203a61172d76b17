import type Keyv from 'keyv';
import type KeyvRedis from '@keyv/redis';
import { checkStoreInput } from './check-store-input.js';
import { keyvRecord } from './keyv-record.js';
import type { RedisClient } from './redis-client.js';
import type { Versioned } from './store.js';

/** Replaces the value only if it still holds the text read, keeping the key's TTL (Redis 7 has no SET IFEQ). */
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
end
return false`;

/**
 * Plain values on Redis (the Store's `get`, `set`, `delete`, `insertIfAbsent`,
 * `getVersioned` and `compareAndSet`). Written through Keyv (`<namespace>::<key>`, TTL
 * as `PX`); set-if-absent is `SET NX PX` and compare-and-set a Lua script on the same
 * keys, so Keyv reads what they wrote.
 */
export class RedisValues {
  constructor(
    private readonly client: RedisClient,
    private readonly kv: Keyv,
    private readonly adapter: KeyvRedis<unknown>,
    private readonly namespace: string,
  ) {}

  /** The Redis key Keyv uses for `key` (`<namespace>::<key>`), taken from the adapter itself; batches address the same keys. */
  valueKey(key: string): string {
    return this.adapter.createKeyPrefix(checkStoreInput.key(this.namespace, key), this.namespace);
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
}
