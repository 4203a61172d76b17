import Keyv from 'keyv';
import KeyvPostgres, { type KeyvPostgresOptions } from '@keyv/postgres';
import pg from 'pg';
import { checkStoreInput } from './check-store-input.js';
import { keyvRecord, type KeyvRecordData } from './keyv-record.js';
import { redactUrl } from './redact-url.js';
import { sqlTables, valuesInOrder, type SqlTables } from './sql-tables.js';
import { StoreUnavailableError, type HIncrOp, type Store, type Versioned } from './store.js';

/** Keyv's default schema and table, so a plain `new KeyvPostgres({ uri })` sees the same rows. */
const KEYV_SCHEMA = 'public';
const KEYV_TABLE = 'keyv';
const CONNECT_TIMEOUT_MS = 5_000;
const PING_TIMEOUT_MS = 2_000;

/**
 * Milliseconds since the epoch on the database server. Leases use the server's clock
 * so instances on hosts whose clocks drift apart still agree on who holds a lease.
 */
const SERVER_NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

/** Serialises schema changes of every Earshot instance on the server (CREATE TABLE IF NOT EXISTS races otherwise). */
const SCHEMA_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('earshot.store.schema'))";

export interface PostgresStoreOptions {
  namespace: string;
}

type Row = Record<string, unknown>;

interface LiveRecord {
  raw: string;
  data: KeyvRecordData;
}

/**
 * @keyv/postgres keeps one module-global pg.Pool (for the last URI it saw) and ends it
 * on any adapter's `disconnect()`, which would close every other store in the process.
 * This adapter runs Keyv's queries on a pool the store owns instead, and ends only that.
 */
function keyvPostgresOnPool(pool: pg.Pool, options: KeyvPostgresOptions): KeyvPostgres {
  class OwnPoolKeyvPostgres extends KeyvPostgres {
    override async connect(): Promise<(sql: string, values?: unknown[]) => Promise<Row[]>> {
      return async (sql, values) => (await pool.query(sql, values)).rows as Row[];
    }

    override async disconnect(): Promise<void> {
      await pool.end();
    }
  }
  return new OwnPoolKeyvPostgres(options);
}

/**
 * Creates Keyv's table and the namespace's own tables if missing. Concurrent
 * `CREATE TABLE IF NOT EXISTS` can still fail with a unique violation in PostgreSQL,
 * so creation runs under an advisory lock; a violation from an unlocked creator
 * (another process's Keyv adapter) means the table now exists, and one retry settles it.
 */
async function createTables(pool: pg.Pool, t: SqlTables): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await createTablesOnce(pool, t);
      return;
    } catch (err) {
      if ((err as { code?: unknown }).code !== '23505' || attempt >= 3) throw err;
    }
  }
}

async function createTablesOnce(pool: pg.Pool, t: SqlTables): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(SCHEMA_LOCK_SQL);
    // Same definition as @keyv/postgres creates.
    await client.query(`CREATE TABLE IF NOT EXISTS ${t.keyv} (key VARCHAR(255) PRIMARY KEY, value TEXT)`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${t.sets} (k TEXT NOT NULL, m TEXT NOT NULL, PRIMARY KEY (k, m))`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.zsets} (k TEXT NOT NULL, m TEXT NOT NULL, score DOUBLE PRECISION NOT NULL, PRIMARY KEY (k, m))`,
    );
    await client.query(`CREATE INDEX IF NOT EXISTS ${t.zsetsByScore} ON ${t.zsets} (k, score, m COLLATE "C")`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.counters} (k TEXT NOT NULL, f TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (k, f))`,
    );
    await client.query(`CREATE TABLE IF NOT EXISTS ${t.seqs} (k TEXT PRIMARY KEY, n BIGINT NOT NULL)`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.leases} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL)`,
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * The Store on PostgreSQL, for several instances sharing one database. Plain values are
 * written through Keyv's PostgreSQL adapter (table `public.keyv`); the atomic operations are
 * single statements (`INSERT … ON CONFLICT … RETURNING`, conditional `UPDATE`) on the
 * same pool, and the indexes, counters and leases live in tables named after the
 * namespace.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly kv: Keyv,
    private readonly namespace: string,
    private readonly t: SqlTables,
  ) {}

  static async open(url: string, opts: PostgresStoreOptions): Promise<PostgresStore> {
    const namespace = checkStoreInput.namespace(opts.namespace);
    const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // An idle pooled connection that breaks (server restart) is reported here and
    // replaced on the next query; queries in flight still reject. Without a listener
    // Node would treat the event as an uncaught exception and exit.
    pool.on('error', () => undefined);
    const tables = sqlTables(namespace, `${KEYV_SCHEMA}.${KEYV_TABLE}`);
    try {
      await createTables(pool, tables);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StoreUnavailableError(
        `Cannot use PostgreSQL at ${redactUrl(url)}: check that the server is running and reachable, ` +
          `and that the user, password and database in STORE_URL are right (${(err as Error).message})`,
        { cause: err },
      );
    }
    // Built after the tables exist: the adapter issues its own CREATE TABLE when constructed.
    const adapter = keyvPostgresOnPool(pool, { uri: url, schema: KEYV_SCHEMA, table: KEYV_TABLE });
    const kv = new Keyv({ store: adapter, namespace, throwOnErrors: true });
    const store = new PostgresStore(pool, kv, namespace, tables);
    return store;
  }

  private async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params)).rows as Row[];
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
    const rows = await this.query(`SELECT value FROM ${this.t.keyv} WHERE key = $1`, [rowKey]);
    const raw = rows[0]?.value;
    if (typeof raw !== 'string') return undefined;
    const data = keyvRecord.decode(raw);
    if (keyvRecord.isExpired(data, Date.now())) {
      await this.query(`DELETE FROM ${this.t.keyv} WHERE key = $1 AND value = $2`, [rowKey, raw]);
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
    // Value expiry uses this host's clock, as Keyv does when it reads the row back.
    const now = Date.now();
    const raw = keyvRecord.encode(checkStoreInput.value(value), ttl === undefined ? undefined : now + ttl);
    // An expired row still sits in the table (no TTL in PostgreSQL); it counts as absent.
    const rows = await this.query(
      `INSERT INTO ${this.t.keyv} AS t (key, value) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value
       WHERE (t.value::json ->> 'expires')::double precision < $3
       RETURNING key`,
      [this.rowKey(key), raw, now],
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
      `UPDATE ${this.t.keyv} SET value = $1 WHERE key = $2 AND value = $3 RETURNING key`,
      [keyvRecord.encode(value, live.data.expires), this.rowKey(key), live.raw],
    );
    return rows.length === 1;
  }

  async setAdd(set: string, ...members: string[]): Promise<void> {
    const k = checkStoreInput.name('Set name', set);
    // Sorted so concurrent multi-member inserts take row locks in one order (no deadlock).
    const ms = checkStoreInput.members(members).sort();
    if (ms.length === 0) return;
    await this.query(`INSERT INTO ${this.t.sets} (k, m) SELECT $1, unnest($2::text[]) ON CONFLICT (k, m) DO NOTHING`, [
      k,
      ms,
    ]);
  }

  async setRemove(set: string, ...members: string[]): Promise<void> {
    const k = checkStoreInput.name('Set name', set);
    const ms = checkStoreInput.members(members);
    if (ms.length === 0) return;
    await this.query(`DELETE FROM ${this.t.sets} WHERE k = $1 AND m = ANY($2::text[])`, [k, ms]);
  }

  async setMembers(set: string): Promise<string[]> {
    const rows = await this.query(`SELECT m FROM ${this.t.sets} WHERE k = $1`, [checkStoreInput.name('Set name', set)]);
    return rows.map((r) => String(r.m));
  }

  async setSize(set: string): Promise<number> {
    const rows = await this.query(`SELECT count(*) AS n FROM ${this.t.sets} WHERE k = $1`, [
      checkStoreInput.name('Set name', set),
    ]);
    return Number(rows[0]?.n ?? 0);
  }

  async zAdd(set: string, member: string, score: number): Promise<void> {
    const m = checkStoreInput.member(member);
    await this.query(
      `INSERT INTO ${this.t.zsets} (k, m, score) VALUES ($1, $2, $3) ON CONFLICT (k, m) DO UPDATE SET score = excluded.score`,
      [checkStoreInput.name('Scored set name', set), m, checkStoreInput.score(score)],
    );
  }

  async zRemove(set: string, ...members: string[]): Promise<void> {
    const k = checkStoreInput.name('Scored set name', set);
    const ms = checkStoreInput.members(members);
    if (ms.length === 0) return;
    await this.query(`DELETE FROM ${this.t.zsets} WHERE k = $1 AND m = ANY($2::text[])`, [k, ms]);
  }

  async zRangeByScore(
    set: string,
    min: number,
    max: number,
    limit?: number,
  ): Promise<Array<{ member: string; score: number }>> {
    const rows = await this.query(
      // COLLATE "C": equal scores come in byte order of the member, as in Redis and SQLite.
      // LIMIT NULL means no limit.
      `SELECT m, score FROM ${this.t.zsets}
       WHERE k = $1 AND score >= $2::double precision AND score <= $3::double precision
       ORDER BY score, m COLLATE "C" LIMIT $4`,
      [
        checkStoreInput.name('Scored set name', set),
        checkStoreInput.bound(min),
        checkStoreInput.bound(max),
        checkStoreInput.limit(limit) ?? null,
      ],
    );
    return rows.map((r) => ({ member: String(r.m), score: Number(r.score) }));
  }

  async zCard(set: string): Promise<number> {
    const rows = await this.query(`SELECT count(*) AS n FROM ${this.t.zsets} WHERE k = $1`, [
      checkStoreInput.name('Scored set name', set),
    ]);
    return Number(rows[0]?.n ?? 0);
  }

  async hIncr(hash: string, field: string, by = 1): Promise<number> {
    const rows = await this.query(
      `INSERT INTO ${this.t.counters} AS c (k, f, n) VALUES ($1, $2, $3)
       ON CONFLICT (k, f) DO UPDATE SET n = c.n + excluded.n
       RETURNING n`,
      [checkStoreInput.name('Hash name', hash), checkStoreInput.name('Hash field', field), checkStoreInput.step(by)],
    );
    // BIGINT comes back from pg as a string.
    return Number(rows[0]?.n);
  }

  async hIncrMany(ops: ReadonlyArray<HIncrOp>): Promise<number[]> {
    const { merged, at } = checkStoreInput.incrOps(ops);
    if (merged.length === 0) return [];
    // One statement (one transaction). Each counter appears once (PostgreSQL refuses to
    // update a row twice in one statement), in the merged order, so concurrent batches
    // lock their rows in the same order.
    const rows = await this.query(
      `INSERT INTO ${this.t.counters} AS c (k, f, n)
       SELECT k, f, n FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS u(k, f, n, i) ORDER BY i
       ON CONFLICT (k, f) DO UPDATE SET n = c.n + excluded.n
       RETURNING k, f, n`,
      [merged.map((o) => o.hash), merged.map((o) => o.field), merged.map((o) => o.by)],
    );
    return valuesInOrder(merged, at, rows);
  }

  async hGetAll(hash: string): Promise<Record<string, number>> {
    const rows = await this.query(`SELECT f, n FROM ${this.t.counters} WHERE k = $1`, [
      checkStoreInput.name('Hash name', hash),
    ]);
    return Object.fromEntries(rows.map((r) => [String(r.f), Number(r.n)]));
  }

  async incr(key: string): Promise<number> {
    const rows = await this.query(
      `INSERT INTO ${this.t.seqs} AS s (k, n) VALUES ($1, 1) ON CONFLICT (k) DO UPDATE SET n = s.n + 1 RETURNING n`,
      [checkStoreInput.name('Counter name', key)],
    );
    return Number(rows[0]?.n);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const rows = await this.query(
      `INSERT INTO ${this.t.leases} AS l (name, holder, expires_at) VALUES ($1, $2, ${SERVER_NOW_MS} + $3::bigint)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE l.expires_at <= ${SERVER_NOW_MS} OR l.holder = excluded.holder
       RETURNING name`,
      [checkStoreInput.name('Lease name', name), checkStoreInput.name('Lease holder', holder), checkStoreInput.leaseTtl(ttlMs)],
    );
    return rows.length === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.query(`DELETE FROM ${this.t.leases} WHERE name = $1 AND holder = $2`, [
      checkStoreInput.name('Lease name', name),
      checkStoreInput.name('Lease holder', holder),
    ]);
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<false>((done) => {
        timer = setTimeout(() => done(false), PING_TIMEOUT_MS);
      });
      const probe = this.query('SELECT 1 AS ok').then(
        (rows) => Number(rows[0]?.ok) === 1,
        () => false,
      );
      return await Promise.race([probe, timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.kv.disconnect();
  }
}
