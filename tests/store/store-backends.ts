import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createClient } from '@keyv/redis';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import { redactUrl } from '../../src/store/redact-url.js';
import type { Store } from '../../src/store/store.js';

/** One backend the Store contract runs against. CI starts Redis and PostgreSQL on 127.0.0.1. */
export interface StoreBackend {
  name: Store['kind'];
  url: string;
  /** Fails with a message saying which server to start (or which variable to set). */
  assertReachable(): Promise<void>;
  /** Removes every key and table a namespace left behind. */
  dropNamespace(namespace: string): Promise<void>;
  /** Called once when the test file is done. */
  dispose(): Promise<void>;
}

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PG_URL = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A namespace no other test, test file or earlier run uses. */
export function uniqueNamespace(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

const TABLE_SUFFIXES = ['sets', 'zsets', 'counters', 'seqs', 'leases', 'limits'];

async function assertOpens(url: string, namespace: string, what: string, hint: string): Promise<void> {
  let store: Store;
  try {
    store = await openStore(url, { namespace });
  } catch (err) {
    throw new Error(
      `${what} is required by the store tests and is not usable at ${redactUrl(url)}: ${hint}. ` +
        `(${(err as Error).message})`,
      { cause: err },
    );
  }
  await store.close();
}

export function sqliteBackend(): StoreBackend {
  const dir = resolve('tests/.tmp', `store-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  return {
    name: 'sqlite',
    url: `sqlite://${join(dir, 'store.sqlite')}`,
    assertReachable: () =>
      assertOpens(`sqlite://${join(dir, 'store.sqlite')}`, uniqueNamespace(), 'SQLite', 'check that tests/.tmp is writable'),
    // Every namespace of this file lives in one database file, removed by dispose().
    dropNamespace: async () => undefined,
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function redisBackend(): StoreBackend {
  return {
    name: 'redis',
    url: REDIS_URL,
    async assertReachable() {
      const namespace = uniqueNamespace();
      await assertOpens(REDIS_URL, namespace, 'Redis', 'start redis-server on 127.0.0.1:6379 or set REDIS_URL');
      await this.dropNamespace(namespace);
    },
    async dropNamespace(namespace) {
      const client = createClient({ url: REDIS_URL });
      await client.connect();
      try {
        // Keyv's values are `<ns>::key`, the port's own keys `<ns>:<kind>:name`.
        for await (const keys of client.scanIterator({ MATCH: `${namespace}:*`, COUNT: 500 })) {
          if (keys.length > 0) await client.del(keys);
        }
      } finally {
        client.destroy();
      }
    },
    dispose: async () => undefined,
  };
}

export function postgresBackend(): StoreBackend {
  let pool: pg.Pool | undefined;
  const admin = () => (pool ??= new pg.Pool({ connectionString: PG_URL, max: 2 }));
  return {
    name: 'postgres',
    url: PG_URL,
    async assertReachable() {
      const namespace = uniqueNamespace();
      await assertOpens(PG_URL, namespace, 'PostgreSQL', 'start PostgreSQL on 127.0.0.1:5432 (user postgres, trust) or set PG_URL');
      await this.dropNamespace(namespace);
    },
    async dropNamespace(namespace) {
      const db = admin();
      for (const suffix of TABLE_SUFFIXES) await db.query(`DROP TABLE IF EXISTS "${namespace}_${suffix}"`);
      await db.query('DELETE FROM public.keyv WHERE left(key, $1) = $2', [namespace.length + 1, `${namespace}:`]);
    },
    dispose: async () => {
      await pool?.end();
    },
  };
}

export function allBackends(): StoreBackend[] {
  return [sqliteBackend(), redisBackend(), postgresBackend()];
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Increments `{ n }` under `key` by read, modify, compare-and-set, retrying on conflict. Returns the retries. */
export async function casIncrement(store: Store, key: string): Promise<number> {
  for (let retries = 0; ; retries++) {
    const current = await store.getVersioned<{ n: number }>(key);
    if (current === undefined) {
      if (await store.insertIfAbsent(key, { n: 1 })) return retries;
      continue;
    }
    if (await store.compareAndSet(key, current.token, { n: current.value.n + 1 })) return retries;
  }
}
