import { join } from 'node:path';
import Keyv from 'keyv';
import KeyvPostgres from '@keyv/postgres';
import { createKeyv as createRedisKeyv } from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import {
  allBackends,
  postgresBackend,
  sleep,
  sqliteBackend,
  uniqueNamespace,
  type StoreBackend,
} from './store-backends.js';

/** A Keyv set up the way the platform notes recommend, with no knowledge of the Store. */
function plainKeyv(backend: StoreBackend, namespace: string): Keyv {
  switch (backend.name) {
    case 'sqlite':
      return new Keyv({ store: new KeyvSqlite({ uri: backend.url }), namespace, throwOnErrors: true });
    case 'redis':
      return createRedisKeyv(backend.url, { namespace, throwOnErrors: true });
    case 'postgres':
      return new Keyv({ store: new KeyvPostgres({ uri: backend.url }), namespace, throwOnErrors: true });
  }
}

describe.each(allBackends())('Store and a plain Keyv on $name share values', (backend: StoreBackend) => {
  let namespace: string;
  let store: Store;
  let kv: Keyv;

  beforeAll(async () => {
    await backend.assertReachable();
  });

  afterAll(async () => {
    await backend.dispose();
  });

  beforeEach(async () => {
    namespace = uniqueNamespace();
    store = await openStore(backend.url, { namespace });
    kv = plainKeyv(backend, namespace);
  });

  afterEach(async () => {
    await kv.disconnect();
    await store.close();
    await backend.dropNamespace(namespace);
  });

  it('Keyv reads what insertIfAbsent and compareAndSet wrote', async () => {
    expect(await store.insertIfAbsent('case:1', { status: 'open', by: ':alice' })).toBe(true);
    expect(await kv.get('case:1')).toEqual({ status: 'open', by: ':alice' });
    const v = await store.getVersioned('case:1');
    expect(await store.compareAndSet('case:1', v!.token, { status: 'claimed', by: ':alice' })).toBe(true);
    expect(await kv.get('case:1')).toEqual({ status: 'claimed', by: ':alice' });
  });

  it('Keyv sees the expiry insertIfAbsent wrote', async () => {
    const before = Date.now();
    expect(await store.insertIfAbsent('seen:1', true, 60_000)).toBe(true);
    const raw = (await kv.get('seen:1', { raw: true })) as { value: unknown; expires?: number } | undefined;
    expect(raw?.value).toBe(true);
    expect(raw?.expires).toBeGreaterThanOrEqual(before + 60_000);
    expect(raw?.expires).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('the Store reads, versions and replaces what Keyv wrote', async () => {
    await kv.set('cursor:x', { sinceId: '1900' });
    expect(await store.get('cursor:x')).toEqual({ sinceId: '1900' });
    const v = await store.getVersioned<{ sinceId: string }>('cursor:x');
    expect(v?.value).toEqual({ sinceId: '1900' });
    expect(await store.compareAndSet('cursor:x', v!.token, { sinceId: '1950' })).toBe(true);
    expect(await kv.get('cursor:x')).toEqual({ sinceId: '1950' });
  });

  it('insertIfAbsent respects a live Keyv value and replaces an expired one', async () => {
    await kv.set('live', 'keyv');
    await kv.set('dying', 'keyv', 50);
    expect(await store.insertIfAbsent('live', 'store')).toBe(false);
    await sleep(120);
    expect(await store.insertIfAbsent('dying', 'store')).toBe(true);
    expect(await kv.get('live')).toBe('keyv');
    expect(await kv.get('dying')).toBe('store');
  });

  it('a delete on either side is seen by the other', async () => {
    await store.set('a', 1);
    await kv.set('b', 2);
    await kv.delete('a');
    await store.delete('b');
    expect(await store.get('a')).toBeUndefined();
    expect(await kv.get('b')).toBeUndefined();
  });

  it('Keyv.clear() for the namespace leaves the Store’s sets, counters and leases alone', async () => {
    await store.set('v', 1);
    await store.setAdd('open', 'c1');
    await store.incr('seq');
    await store.acquireLease('job', 'me', 60_000);
    await kv.clear();
    expect(await store.get('v')).toBeUndefined();
    expect(await store.setMembers('open')).toEqual(['c1']);
    expect(await store.incr('seq')).toBe(2);
    expect(await store.acquireLease('job', 'other', 60_000)).toBe(false);
  });
});

describe('PostgreSQL pools', () => {
  it('closing a plain Keyv (its module-global pool) does not close a Store on the same URL', async () => {
    const backend = postgresBackend();
    const namespace = uniqueNamespace();
    const store = await openStore(backend.url, { namespace });
    try {
      const kv = plainKeyv(backend, namespace);
      await kv.set('k', 'v');
      await kv.disconnect();
      expect(await store.get('k')).toBe('v');
      expect(await store.ping()).toBe(true);
    } finally {
      await store.close();
      await backend.dropNamespace(namespace);
      await backend.dispose();
    }
  });

  it('two Stores on one URL close independently', async () => {
    const backend = postgresBackend();
    const namespace = uniqueNamespace();
    const a = await openStore(backend.url, { namespace });
    const b = await openStore(backend.url, { namespace });
    try {
      await a.close();
      await b.set('still', 'open');
      expect(await b.get('still')).toBe('open');
    } finally {
      await b.close();
      await backend.dropNamespace(namespace);
      await backend.dispose();
    }
  });
});

describe('SQLite file layout', () => {
  it('creates the parent directory of a relative path, uses Keyv’s table and WAL mode', async () => {
    const backend = sqliteBackend();
    const dir = backend.url.slice('sqlite://'.length, -'/store.sqlite'.length);
    const relative = join(dir, 'nested', 'deeper', 'db.sqlite').replace(`${process.cwd()}/`, '');
    expect(relative.startsWith('/')).toBe(false);
    const store = await openStore(`sqlite://${relative}`, { namespace: 'layout' });
    try {
      await store.set('k', 'v');
      const adapter = new KeyvSqlite({ uri: `sqlite://${relative}`, table: 'keyv' });
      const kv = new Keyv({ store: adapter, namespace: 'layout' });
      expect(await kv.get('k')).toBe('v');
      // WAL is a property of the file, so a fresh connection reports it.
      expect(await adapter.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      await kv.disconnect();
    } finally {
      await store.close();
      await backend.dispose();
    }
  });
});
