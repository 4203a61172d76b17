import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import { checkStoreInput } from './check-store-input.js';
import { keyvRecord, type KeyvRecordData } from './keyv-record.js';
import { sqlTables, valuesInOrder, type SqlTables } from './sql-tables.js';
import { StoreUnavailableError, type HIncrOp, type Store, type Versioned } from './store.js';

/** Keyv's default table name, so a plain `new KeyvSqlite(uri)` sees the same rows. */
const KEYV_TABLE = 'keyv';
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface SqliteStoreOptions {
  namespace: string;
  /** How long a writer waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

type Row = Record<string, unknown>;

interface LiveRecord {
  raw: string;
  data: KeyvRecordData;
}

/**
 * The embedded Store: one SQLite file. Plain values are written through Keyv's SQLite adapter;
 * the atomic operations are single SQL statements on the adapter's own connection, so
 * they are atomic across connections and processes (SQLite serialises writers, and the
 * busy timeout makes the others wait instead of failing).
 *
 * Several processes may open the same file: the database runs in WAL mode so readers
 * do not block the writer. Times (TTL, leases) come from this host's clock, which is
 * the only clock a single-file database can have.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private closed = false;

  private constructor(
    private readonly adapter: KeyvSqlite,
    private readonly kv: Keyv,
    private readonly namespace: string,
    private readonly t: SqlTables,
  ) {}

  /**
   * Opens (creating if needed) the database file at `path` — relative to the working
   * directory, or `:memory:` — and the namespace's tables.
   */
  static async open(path: string, opts: SqliteStoreOptions): Promise<SqliteStore> {
    const namespace = checkStoreInput.namespace(opts.namespace);
    const inMemory = path === ':memory:';
    const where = inMemory ? 'an in-memory SQLite database' : `the SQLite database at ${resolve(path)}`;
    if (path.length === 0) {
      throw new StoreUnavailableError('STORE_URL sqlite:// needs a file path, e.g. sqlite://./data/earshot.sqlite');
    }
    if (!inMemory) {
      try {
        await mkdir(dirname(resolve(path)), { recursive: true });
      } catch (err) {
        throw new StoreUnavailableError(
          `Cannot create the directory for ${where}: check that the path is right and writable (${(err as Error).message})`,
          { cause: err },
        );
      }
    }
    const adapter = new KeyvSqlite({
      uri: `sqlite://${path}`,
      table: KEYV_TABLE,
      busyTimeout: opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    });
    const kv = new Keyv({ store: adapter, namespace, throwOnErrors: true });
    const store = new SqliteStore(adapter, kv, namespace, sqlTables(namespace, KEYV_TABLE));
    try {
      await store.prepare(inMemory);
    } catch (err) {
      await adapter.disconnect().catch(() => undefined);
      throw new StoreUnavailableError(
        `Cannot open ${where}: check that the file is a SQLite database and that its directory is writable (${(err as Error).message})`,
        { cause: err },
      );
    }
    return store;
  }

  private async prepare(inMemory: boolean): Promise<void> {
    if (!inMemory) {
      // WAL lets readers in other processes go on while one writes; the setting is
      // stored in the file, so every later connection uses it too.
      await this.query('PRAGMA journal_mode = WAL');
      // With WAL, NORMAL syncs at checkpoints instead of on every commit: a killed process
      // loses nothing (commits are in the WAL), only a power cut may lose the last ones.
      // FULL made every small write wait for the disk (milliseconds each; the outbox and the
      // metrics rollups write many), which capped ingest at a few mentions per second.
      await this.query('PRAGMA synchronous = NORMAL');
    }
    const { sets, zsets, zsetsByScore, counters, seqs, leases } = this.t;
    await this.query(`CREATE TABLE IF NOT EXISTS ${sets} (k TEXT NOT NULL, m TEXT NOT NULL, PRIMARY KEY (k, m))`);
    await this.query(
      `CREATE TABLE IF NOT EXISTS ${zsets} (k TEXT NOT NULL, m TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (k, m))`,
    );
    await this.query(`CREATE INDEX IF NOT EXISTS ${zsetsByScore} ON ${zsets} (k, score, m)`);
    await this.query(
      `CREATE TABLE IF NOT EXISTS ${counters} (k TEXT NOT NULL, f TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (k, f))`,
    );
    await this.query(`CREATE TABLE IF NOT EXISTS ${seqs} (k TEXT PRIMARY KEY, n INTEGER NOT NULL)`);
    await this.query(
      `CREATE TABLE IF NOT EXISTS ${leases} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
    );
  }

  private async query(sql: string, ...params: unknown[]): Promise<Row[]> {
    return (await this.adapter.query(sql, ...params)) as Row[];
  }

  /** The row key Keyv uses for `key` in this namespace. */
  private rowKey(key: string): string {
    return `${this.namespace}:${checkStoreInput.key(this.namespace, key)}`;
  }

  /**
   * Reads a key's stored text. An expired row is purged — only if it still holds the
   * text that was read, so a value written meanwhile by insertIfAbsent survives
   * (Keyv's own get deletes unconditionally, which is why reads do not go through it).
   */
  private async readLive(key: string): Promise<LiveRecord | undefined> {
    const rowKey = this.rowKey(key);
    const rows = await this.query(`SELECT value FROM ${this.t.keyv} WHERE key = ?`, rowKey);
    const raw = rows[0]?.value;
    if (typeof raw !== 'string') return undefined;
    const data = keyvRecord.decode(raw);
    if (keyvRecord.isExpired(data, Date.now())) {
      await this.query(`DELETE FROM ${this.t.keyv} WHERE key = ? AND value = ?`, rowKey, raw);
      return undefined;
    }
    return { raw, data };
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.readLive(key))?.data.value as T | undefined;
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
    const now = Date.now();
    const raw = keyvRecord.encode(checkStoreInput.value(value), ttl === undefined ? undefined : now + ttl);
    // An expired row still sits in the table (SQLite has no TTL); it counts as absent.
    const rows = await this.query(
      `INSERT INTO ${this.t.keyv} (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value
       WHERE json_extract(${this.t.keyv}.value, '$.expires') < ?
       RETURNING key`,
      this.rowKey(key),
      raw,
      now,
    );
    return rows.length === 1;
  }

  async getVersioned<T>(key: string): Promise<Versioned<T> | undefined> {
    const live = await this.readLive(key);
    return live && { value: live.data.value as T, token: keyvRecord.token(live.raw) };
  }

  async compareAndSet(key: string, token: string, value: unknown): Promise<boolean> {
    checkStoreInput.value(value);
    const live = await this.readLive(key);
    if (!live || keyvRecord.token(live.raw) !== token) return false;
    // The UPDATE matches the exact text read, so a write that slipped in between wins
    // and this one reports false. The key keeps its expiry.
    const rows = await this.query(
      `UPDATE ${this.t.keyv} SET value = ? WHERE key = ? AND value = ? RETURNING key`,
      keyvRecord.encode(value, live.data.expires),
      this.rowKey(key),
      live.raw,
    );
    return rows.length === 1;
  }

  async setAdd(set: string, ...members: string[]): Promise<void> {
    const k = checkStoreInput.name('Set name', set);
    const ms = checkStoreInput.members(members);
    if (ms.length === 0) return;
    // "WHERE true" resolves SQLite's parsing ambiguity between INSERT…SELECT and ON CONFLICT.
    await this.query(
      `INSERT INTO ${this.t.sets} (k, m) SELECT ?, value FROM json_each(?) WHERE true ON CONFLICT (k, m) DO NOTHING`,
      k,
      JSON.stringify(ms),
    );
  }

  async setRemove(set: string, ...members: string[]): Promise<void> {
    const k = checkStoreInput.name('Set name', set);
    const ms = checkStoreInput.members(members);
    if (ms.length === 0) return;
    await this.query(
      `DELETE FROM ${this.t.sets} WHERE k = ? AND m IN (SELECT value FROM json_each(?))`,
      k,
      JSON.stringify(ms),
    );
  }

  async setMembers(set: string): Promise<string[]> {
    const rows = await this.query(`SELECT m FROM ${this.t.sets} WHERE k = ?`, checkStoreInput.name('Set name', set));
    return rows.map((r) => String(r.m));
  }

  async setSize(set: string): Promise<number> {
    const rows = await this.query(
      `SELECT count(*) AS n FROM ${this.t.sets} WHERE k = ?`,
      checkStoreInput.name('Set name', set),
    );
    return Number(rows[0]?.n ?? 0);
  }

  async zAdd(set: string, member: string, score: number): Promise<void> {
    const m = checkStoreInput.member(member);
    await this.query(
      `INSERT INTO ${this.t.zsets} (k, m, score) VALUES (?, ?, ?) ON CONFLICT (k, m) DO UPDATE SET score = excluded.score`,
      checkStoreInput.name('Scored set name', set),
      m,
      checkStoreInput.score(score),
    );
  }

  async zRemove(set: string, ...members: string[]): Promise<void> {
    const k = checkStoreInput.name('Scored set name', set);
    const ms = checkStoreInput.members(members);
    if (ms.length === 0) return;
    await this.query(
      `DELETE FROM ${this.t.zsets} WHERE k = ? AND m IN (SELECT value FROM json_each(?))`,
      k,
      JSON.stringify(ms),
    );
  }

  async zRangeByScore(
    set: string,
    min: number,
    max: number,
    limit?: number,
  ): Promise<Array<{ member: string; score: number }>> {
    const rows = await this.query(
      // Members with equal scores come in byte order of the member, as in Redis.
      `SELECT m, score FROM ${this.t.zsets} WHERE k = ? AND score >= ? AND score <= ? ORDER BY score, m LIMIT ?`,
      checkStoreInput.name('Scored set name', set),
      checkStoreInput.bound(min),
      checkStoreInput.bound(max),
      checkStoreInput.limit(limit) ?? -1,
    );
    return rows.map((r) => ({ member: String(r.m), score: Number(r.score) }));
  }

  async zCard(set: string): Promise<number> {
    const rows = await this.query(
      `SELECT count(*) AS n FROM ${this.t.zsets} WHERE k = ?`,
      checkStoreInput.name('Scored set name', set),
    );
    return Number(rows[0]?.n ?? 0);
  }

  async hIncr(hash: string, field: string, by = 1): Promise<number> {
    const rows = await this.query(
      `INSERT INTO ${this.t.counters} (k, f, n) VALUES (?, ?, ?)
       ON CONFLICT (k, f) DO UPDATE SET n = n + excluded.n
       RETURNING n`,
      checkStoreInput.name('Hash name', hash),
      checkStoreInput.name('Hash field', field),
      checkStoreInput.step(by),
    );
    return Number(rows[0]?.n);
  }

  async hIncrMany(ops: ReadonlyArray<HIncrOp>): Promise<number[]> {
    const { merged, at } = checkStoreInput.incrOps(ops);
    if (merged.length === 0) return [];
    // One statement, so one transaction and one commit however many counters: the batch
    // travels as one JSON parameter (no limit on bound variables). "WHERE true" resolves
    // SQLite's parsing ambiguity between INSERT…SELECT and ON CONFLICT.
    const rows = await this.query(
      `INSERT INTO ${this.t.counters} (k, f, n)
       SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?) WHERE true
       ON CONFLICT (k, f) DO UPDATE SET n = n + excluded.n
       RETURNING k, f, n`,
      JSON.stringify(merged.map((o) => [o.hash, o.field, o.by])),
    );
    return valuesInOrder(merged, at, rows);
  }

  async hGetAll(hash: string): Promise<Record<string, number>> {
    const rows = await this.query(
      `SELECT f, n FROM ${this.t.counters} WHERE k = ?`,
      checkStoreInput.name('Hash name', hash),
    );
    return Object.fromEntries(rows.map((r) => [String(r.f), Number(r.n)]));
  }

  async incr(key: string): Promise<number> {
    const rows = await this.query(
      `INSERT INTO ${this.t.seqs} (k, n) VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = n + 1 RETURNING n`,
      checkStoreInput.name('Counter name', key),
    );
    return Number(rows[0]?.n);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const rows = await this.query(
      `INSERT INTO ${this.t.leases} (name, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE ${this.t.leases}.expires_at <= ? OR ${this.t.leases}.holder = excluded.holder
       RETURNING name`,
      checkStoreInput.name('Lease name', name),
      checkStoreInput.name('Lease holder', holder),
      now + checkStoreInput.leaseTtl(ttlMs),
      now,
    );
    return rows.length === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.query(
      `DELETE FROM ${this.t.leases} WHERE name = ? AND holder = ?`,
      checkStoreInput.name('Lease name', name),
      checkStoreInput.name('Lease holder', holder),
    );
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      const rows = await this.query('SELECT 1 AS ok');
      return Number(rows[0]?.ok) === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.kv.disconnect();
  }
}
