import Keyv from 'keyv';
import { checkStoreInput } from './check-store-input.js';
import { SqlCounters } from './sql-counters.js';
import type { SqlDialect } from './sql-dialect.js';
import { SqlLeases } from './sql-leases.js';
import { SqlLimits } from './sql-limits.js';
import { SqlSets } from './sql-sets.js';
import { sqlTableDefinitions, sqlTables, type SqlTables } from './sql-tables.js';
import { SqlValues } from './sql-values.js';
import { StoreUnavailableError, type HIncrOp, type Store, type Versioned, type WindowTake } from './store.js';

/**
 * The Store on a SQL database (SQLite or PostgreSQL, through a {@link SqlDialect}).
 * Plain values are written through Keyv's adapter for that database (Keyv's table,
 * rows keyed `<namespace>:<key>`); the atomic operations are single statements
 * (`INSERT … ON CONFLICT … RETURNING`, conditional `UPDATE`) on the same connection(s),
 * so they are atomic across connections, processes and instances: SQLite serialises
 * writers (a busy timeout makes the others wait), PostgreSQL locks the rows. The
 * indexes, counters and leases live in tables named after the namespace.
 *
 * This class opens and closes the connection; each data type's statements are in a
 * part of their own: values (sql-values.ts), sets and scored sets (sql-sets.ts),
 * counters (sql-counters.ts), leases (sql-leases.ts) and shared API limits (sql-limits.ts).
 */
export class SqlStore implements Store {
  readonly kind: SqlDialect['kind'];
  private closed = false;
  private readonly values: SqlValues;
  private readonly sets: SqlSets;
  private readonly counters: SqlCounters;
  private readonly leases: SqlLeases;
  private readonly limits: SqlLimits;

  private constructor(
    private readonly d: SqlDialect,
    private readonly kv: Keyv,
    namespace: string,
    t: SqlTables,
  ) {
    this.kind = d.kind;
    this.values = new SqlValues(d, kv, namespace, t.keyv);
    this.sets = new SqlSets(d, t);
    this.counters = new SqlCounters(d, t);
    this.leases = new SqlLeases(d, t.leases);
    this.limits = new SqlLimits(d, t.limits);
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

  get<T>(key: string): Promise<T | undefined> {
    return this.values.get<T>(key);
  }

  set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    return this.values.set(key, value, ttlMs);
  }

  delete(key: string): Promise<void> {
    return this.values.delete(key);
  }

  insertIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    return this.values.insertIfAbsent(key, value, ttlMs);
  }

  getVersioned<T>(key: string): Promise<Versioned<T> | undefined> {
    return this.values.getVersioned<T>(key);
  }

  compareAndSet(key: string, token: string, value: unknown): Promise<boolean> {
    return this.values.compareAndSet(key, token, value);
  }

  setAdd(set: string, ...members: string[]): Promise<void> {
    return this.sets.setAdd(set, ...members);
  }

  setRemove(set: string, ...members: string[]): Promise<void> {
    return this.sets.setRemove(set, ...members);
  }

  setMembers(set: string): Promise<string[]> {
    return this.sets.setMembers(set);
  }

  setSize(set: string): Promise<number> {
    return this.sets.setSize(set);
  }

  zAdd(set: string, member: string, score: number): Promise<void> {
    return this.sets.zAdd(set, member, score);
  }

  zRemove(set: string, ...members: string[]): Promise<void> {
    return this.sets.zRemove(set, ...members);
  }

  zRangeByScore(set: string, min: number, max: number, limit?: number): Promise<Array<{ member: string; score: number }>> {
    return this.sets.zRangeByScore(set, min, max, limit);
  }

  zCard(set: string): Promise<number> {
    return this.sets.zCard(set);
  }

  hIncr(hash: string, field: string, by?: number): Promise<number> {
    return this.counters.hIncr(hash, field, by);
  }

  hIncrMany(ops: ReadonlyArray<HIncrOp>): Promise<number[]> {
    return this.counters.hIncrMany(ops);
  }

  hGetAll(hash: string): Promise<Record<string, number>> {
    return this.counters.hGetAll(hash);
  }

  incr(key: string): Promise<number> {
    return this.counters.incr(key);
  }

  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.leases.acquireLease(name, holder, ttlMs);
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return this.leases.releaseLease(name, holder);
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
}
