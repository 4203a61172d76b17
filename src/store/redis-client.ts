import { createClient } from '@keyv/redis';
import { redactUrl } from './redact-url.js';
import { StoreUnavailableError } from './store.js';

const CONNECT_TIMEOUT_MS = 5_000;
const MAX_RECONNECT_DELAY_MS = 2_000;

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

export type RedisClient = ReturnType<typeof newRedisClient>;

/** Connects a {@link newRedisClient}; a first connection that fails names the URL (password hidden) and what to check. */
export async function connectRedis(url: string): Promise<RedisClient> {
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
  return client;
}

/**
 * The key of a native Redis structure the Store keeps beside Keyv's values:
 * `<namespace>:<kind>:<name>`, which Keyv's `clear()` (it scans `<namespace>::*`) does not touch.
 */
export function structKey(namespace: string, kind: 'set' | 'zset' | 'hash' | 'counter' | 'lease', name: string): string {
  return `${namespace}:${kind}:${name}`;
}
