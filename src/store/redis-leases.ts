import { checkStoreInput } from './check-store-input.js';
import { structKey, type RedisClient } from './redis-client.js';

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

/**
 * Job leases on Redis (the Store's `acquireLease` and `releaseLease`): a key
 * `<namespace>:lease:<name>` holding the holder, expired by Redis (`PX`), so judged by
 * the server's clock; each change is a Lua script, so it runs atomically.
 */
export class RedisLeases {
  constructor(
    private readonly client: RedisClient,
    private readonly namespace: string,
  ) {}

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const reply = await this.client.eval(ACQUIRE_LEASE, {
      keys: [structKey(this.namespace, 'lease', checkStoreInput.name('Lease name', name))],
      arguments: [checkStoreInput.name('Lease holder', holder), String(checkStoreInput.leaseTtl(ttlMs))],
    });
    return reply === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.client.eval(RELEASE_LEASE, {
      keys: [structKey(this.namespace, 'lease', checkStoreInput.name('Lease name', name))],
      arguments: [checkStoreInput.name('Lease holder', holder)],
    });
  }
}
