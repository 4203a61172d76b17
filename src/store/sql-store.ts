import Keyv from 'keyv';
import { checkStoreInput } from './check-store-input.js';
import { keyvRecord, type KeyvRecordData } from './keyv-record.js';
import type { SqlColumn, SqlDialect } from './sql-dialect.js';
import { SqlLimits } from './sql-limits.js';
import { SqlMany } from './sql-many.js';
import { sqlTableDefinitions, sqlTables, valuesInOrder, type SqlTables } from './sql-tables.js';
import { StoreUnavailableError, type HIncrOp, type Store, type Versioned, type WindowTake, type ZEntry } from './store.js';

/** Rows of a set, and of the counters table, as sent in one parameter set. */
const SET_ROW: readonly SqlColumn[] = [{ name: 'k', type: 'text' }, { name: 'm', type: 'text' }];
const COUNTER_ROW: readonly SqlColumn[] = [
  { name: 'k', type: 'text' },
  { name: 'f', type: 'text' },
  { name: 'n', type: 'integer' },
];

interface LiveRecord {
  raw: string;
  data: KeyvRecordData;
}

/**
 * The Store on a SQL database (SQLite or PostgreSQL, through a {@link SqlDialect}).
 * Plain values are written through Keyv's adapter for that database (Keyv's table,
 * rows keyed `<namespace>:<key>`); the atomic operations are single statements
 * (`INSERT … ON CONFLICT … RETURNING`, conditional `UPDATE`) on the same connection(s),
 * so they are atomic across connections, processes and instances: SQLite serialises
 * writers (a busy timeout makes the others wait), PostgreSQL locks the rows. The
 * indexes, counters and leases live in tables named after the namespace.
 */
export class SqlStore implements Store {
  readonly kind: SqlDialect['kind'];
  private closed = false;
  private readonly limits: SqlLimits;
  private readonly many: SqlMany;

  private constructor(
    private readonly d: SqlDialect,
    private readonly kv: Keyv,
    private readonly namespace: string,
    private readonly t: SqlTables,
  ) {
    this.kind = d.kind;
    this.limits = new SqlLimits(d, t.limits);
    this.many = new SqlMany(d, t, (key) => this.rowKey(key));
  }

  /**
   * Checks the namespace, connects (`connect` builds the dialect: its own errors name what
   * to check) and creates the namespace's tables if missing.
   */
  static async open(connect: () => SqlDialect | Promise<SqlDialect>, opts: { namespace: string }): Promise<SqlStore> {
    const namespace = checkStoreInput.namespace(opts.namespace);
    const d = await connect();
    const t = sqlTables(namespace, d.keyvTable);
    try {
      await d.createTables(sqlTableDefinitions(t, d));
    } catch (err) {
      await d.close().catch(() => undefined);
      throw new StoreUnavailableError(d.openFailure(err), { cause: err });
    }
    const kv = new Keyv({ store: d.keyvStore(), namespace, throwOnErrors: true });
    return new SqlStore(d, kv, namespace, t);
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
    const $ = this.d.param;
    const rowKey = this.rowKey(key);
    const rows = await this.d.query(`SELECT value FROM ${this.t.keyv} WHERE key = ${$(1)}`, [rowKey]);
    const raw = rows[0]?.value;
    if (typeof raw !== 'string') return undefined;
    const data = keyvRecord.decode(raw);
    if (keyvRecord.isExpired(data, Date.now())) {
      await this.d.query(`DELETE FROM ${this.t.keyv} WHERE key = ${$(1)} AND value = ${$(2)}`, [rowKey, raw]);
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
    const $ = this.d.param;
    const ttl = checkStoreInput.ttl(ttlMs);
    // Value expiry uses this host's clock on every database, as Keyv does when it reads the row back.
    const now = Date.now();
    const raw = keyvRecord.encode(checkStoreInput.value(value), ttl === undefined ? undefined : now + ttl);
    // An expired row still sits in the table (neither database has a TTL); it counts as absent.
    const rows = await this.d.query(
      `INSERT INTO ${this.t.keyv} AS t (key, value) VALUES (${$(1)}, ${$(2)})
       ON CONFLICT (key) DO UPDATE SET value = excluded.value
       WHERE ${this.d.jsonExpires('t.value')} < ${$(3)}
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
    const $ = this.d.param;
    checkStoreInput.value(value);
    const live = await this.readLive(key);
    if (!live || keyvRecord.token(live.raw) !== token) return false;
    // The UPDATE matches the exact text read, so a write that slipped in between wins
    // and this one reports false. The key keeps its expiry.
    const rows = await this.d.query(
      `UPDATE ${this.t.keyv} SET value = ${$(1)} WHERE key = ${$(2)} AND value = ${$(3)} RETURNING key`,
      [keyvRecord.encode(value, live.data.expires), this.rowKey(key), live.raw],
    );
    return rows.length === 1;
  }

  getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> { return this.many.getMany<T>(keys); }
  deleteMany(keys: readonly string[]): Promise<void> { return this.many.deleteMany(keys); }
  zAddMany(entries: ReadonlyArray<ZEntry>): Promise<void> { return this.many.zAddMany(entries); }
  zRangeByScoreMany(sets: readonly string[], min: number, max: number, limit?: number) { return this.many.zRangeByScoreMany(sets, min, max, limit); }

  async setAdd(set: string, ...members: string[]): Promise<void> {
    const k = checkStoreInput.name('Set name', set);
    // Sorted so concurrent multi-member inserts take row locks in one order (no deadlock
    // on PostgreSQL; SQLite locks the whole database, so the order does not matter there).
    const ms = checkStoreInput.members(members).sort();
    if (ms.length === 0) return;
    const rows = this.d.selectRows(SET_ROW, ms.map((m) => [k, m]), 1);
    await this.d.query(`INSERT INTO ${this.t.sets} (k, m) ${rows.sql} ON CONFLICT (k, m) DO NOTHING`, rows.params);
  }

  async setRemove(set: string, ...members: string[]): Promise<void> {
    await this.removeMembers(this.t.sets, checkStoreInput.name('Set name', set), members);
  }

  async setMembers(set: string): Promise<string[]> {
    const rows = await this.d.query(`SELECT m FROM ${this.t.sets} WHERE k = ${this.d.param(1)}`, [
      checkStoreInput.name('Set name', set),
    ]);
    return rows.map((r) => String(r.m));
  }

  async setSize(set: string): Promise<number> {
    return this.count(this.t.sets, checkStoreInput.name('Set name', set));
  }

  async zAdd(set: string, member: string, score: number): Promise<void> {
    const $ = this.d.param;
    const m = checkStoreInput.member(member);
    await this.d.query(
      `INSERT INTO ${this.t.zsets} (k, m, score) VALUES (${$(1)}, ${$(2)}, ${$(3)})
       ON CONFLICT (k, m) DO UPDATE SET score = excluded.score`,
      [checkStoreInput.name('Scored set name', set), m, checkStoreInput.score(score)],
    );
  }

  async zRemove(set: string, ...members: string[]): Promise<void> {
    await this.removeMembers(this.t.zsets, checkStoreInput.name('Scored set name', set), members);
  }

  async zRangeByScore(set: string, min: number, max: number, limit?: number): Promise<Array<{ member: string; score: number }>> {
    const d = this.d;
    const rows = await this.d.query(
      // Members with equal scores come in byte order of the member, as in Redis.
      `SELECT m, score FROM ${this.t.zsets}
       WHERE k = ${d.param(1)} AND score >= ${d.float(2)} AND score <= ${d.float(3)}
       ORDER BY score, ${d.byteOrder('m')} LIMIT ${d.param(4)}`,
      [
        checkStoreInput.name('Scored set name', set),
        checkStoreInput.bound(min),
        checkStoreInput.bound(max),
        checkStoreInput.limit(limit) ?? d.noLimit,
      ],
    );
    return rows.map((r) => ({ member: String(r.m), score: Number(r.score) }));
  }

  async zCard(set: string): Promise<number> {
    return this.count(this.t.zsets, checkStoreInput.name('Scored set name', set));
  }

  async hIncr(hash: string, field: string, by = 1): Promise<number> {
    const $ = this.d.param;
    const rows = await this.d.query(
      `INSERT INTO ${this.t.counters} AS c (k, f, n) VALUES (${$(1)}, ${$(2)}, ${$(3)})
       ON CONFLICT (k, f) DO UPDATE SET n = c.n + excluded.n
       RETURNING n`,
      [checkStoreInput.name('Hash name', hash), checkStoreInput.name('Hash field', field), checkStoreInput.step(by)],
    );
    // Number(): a BIGINT comes back from pg as a string.
    return Number(rows[0]?.n);
  }

  async hIncrMany(ops: ReadonlyArray<HIncrOp>): Promise<number[]> {
    const { merged, at } = checkStoreInput.incrOps(ops);
    if (merged.length === 0) return [];
    // One statement, so one transaction and one commit however many counters. Each
    // counter appears once (PostgreSQL refuses to update a row twice in one statement),
    // in the merged order, so concurrent batches lock their rows in the same order.
    const batch = this.d.selectRows(COUNTER_ROW, merged.map((o) => [o.hash, o.field, o.by]), 1);
    const rows = await this.d.query(
      `INSERT INTO ${this.t.counters} AS c (k, f, n) ${batch.sql}
       ON CONFLICT (k, f) DO UPDATE SET n = c.n + excluded.n
       RETURNING k, f, n`,
      batch.params,
    );
    return valuesInOrder(merged, at, rows);
  }

  async hGetAll(hash: string): Promise<Record<string, number>> {
    const rows = await this.d.query(`SELECT f, n FROM ${this.t.counters} WHERE k = ${this.d.param(1)}`, [
      checkStoreInput.name('Hash name', hash),
    ]);
    return Object.fromEntries(rows.map((r) => [String(r.f), Number(r.n)]));
  }

  async incr(key: string): Promise<number> {
    const rows = await this.d.query(
      `INSERT INTO ${this.t.seqs} AS s (k, n) VALUES (${this.d.param(1)}, 1)
       ON CONFLICT (k) DO UPDATE SET n = s.n + 1 RETURNING n`,
      [checkStoreInput.name('Counter name', key)],
    );
    return Number(rows[0]?.n);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const d = this.d;
    const params: unknown[] = [
      checkStoreInput.name('Lease name', name),
      checkStoreInput.name('Lease holder', holder),
      checkStoreInput.leaseTtl(ttlMs),
    ];
    // The server's clock where instances share one (PostgreSQL), so hosts whose clocks
    // drift apart still agree on who holds a lease; else this host's (SQLite: one host).
    const now = d.serverNowMs ?? d.param(params.push(Date.now()));
    const rows = await this.d.query(
      `INSERT INTO ${this.t.leases} AS l (name, holder, expires_at)
       VALUES (${d.param(1)}, ${d.param(2)}, ${now} + ${d.integer(3)})
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE l.expires_at <= ${now} OR l.holder = excluded.holder
       RETURNING name`,
      params,
    );
    return rows.length === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    const $ = this.d.param;
    await this.d.query(`DELETE FROM ${this.t.leases} WHERE name = ${$(1)} AND holder = ${$(2)}`, [
      checkStoreInput.name('Lease name', name),
      checkStoreInput.name('Lease holder', holder),
    ]);
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
    if (this.closed) return false;
    // An async query never throws synchronously; a failure is a false.
    const probe = this.d.query('SELECT 1 AS ok').then((rows) => Number(rows[0]?.ok) === 1, () => false);
    const waitMs = this.d.pingTimeoutMs;
    if (waitMs === undefined) return probe;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((done) => {
      timer = setTimeout(() => done(false), waitMs);
    });
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Keyv's adapter owns the connection(s): its disconnect closes them.
    await this.kv.disconnect();
  }

  private async removeMembers(table: string, k: string, members: string[]): Promise<void> {
    const ms = checkStoreInput.members(members);
    if (ms.length === 0) return;
    const among = this.d.inList('m', ms, 2);
    await this.d.query(`DELETE FROM ${table} WHERE k = ${this.d.param(1)} AND ${among.sql}`, [k, ...among.params]);
  }

  private async count(table: string, k: string): Promise<number> {
    const rows = await this.d.query(`SELECT count(*) AS n FROM ${table} WHERE k = ${this.d.param(1)}`, [k]);
    return Number(rows[0]?.n ?? 0);
  }
}
