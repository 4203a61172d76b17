import type Keyv from 'keyv';
import KeyvRedis, { createKeyv } from '@keyv/redis';
import { checkStoreInput } from './check-store-input.js';
import { connectRedis, structKey, type RedisClient } from './redis-client.js';
import { RedisCounters } from './redis-counters.js';
import { RedisLeases } from './redis-leases.js';
import { RedisLimits } from './redis-limits.js';
import { RedisMany, type RedisManyClient } from './redis-many.js';
import { PartedStore, type StoreParts } from './parted-store.js';
import { RedisSets } from './redis-sets.js';
import { RedisValues } from './redis-values.js';
import type { Store } from './store.js';

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
 * (redis-counters.ts), leases (redis-leases.ts), shared API limits (redis-limits.ts) and batches
 * (redis-many.ts); {@link PartedStore} hands each call to its part.
 */
export class RedisStore extends PartedStore implements Store {
  readonly kind = 'redis' as const;
  private closed = false;

  private constructor(
    private readonly client: RedisClient,
    private readonly kv: Keyv,
    adapter: KeyvRedis<unknown>,
    namespace: string,
  ) {
    super(redisParts(client, kv, adapter, namespace));
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

/** The Redis store's parts, one per data type, over one client and the namespace. */
function redisParts(client: RedisClient, kv: Keyv, adapter: KeyvRedis<unknown>, namespace: string): StoreParts {
  const values = new RedisValues(client, kv, adapter, namespace);
  return {
    values,
    sets: new RedisSets(client, namespace),
    counters: new RedisCounters(client, namespace),
    leases: new RedisLeases(client, namespace),
    limits: new RedisLimits((script, opts) => client.eval(script, opts), namespace),
    many: new RedisMany(client as unknown as RedisManyClient, (k) => values.valueKey(k), (n) => structKey(namespace, 'zset', n)),
  };
}
