import Keyv from 'keyv';
import { checkStoreInput } from './check-store-input.js';
import { SqlCounters } from './sql-counters.js';
import type { SqlDialect } from './sql-dialect.js';
import { SqlLeases } from './sql-leases.js';
import { SqlLimits } from './sql-limits.js';
import { SqlMany } from './sql-many.js';
import { PartedStore, type StoreParts } from './parted-store.js';
import { SqlSets } from './sql-sets.js';
import { sqlTableDefinitions, sqlTables, type SqlTables } from './sql-tables.js';
import { SqlValues } from './sql-values.js';
import { StoreUnavailableError, type Store } from './store.js';

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
 * counters (sql-counters.ts), leases (sql-leases.ts), shared API limits (sql-limits.ts) and
 * batches (sql-many.ts); {@link PartedStore} hands each call to its part.
 */
export class SqlStore extends PartedStore implements Store {
  readonly kind: SqlDialect['kind'];
  private closed = false;

  private constructor(
    private readonly d: SqlDialect,
    private readonly kv: Keyv,
    namespace: string,
    t: SqlTables,
  ) {
    super(sqlParts(d, kv, namespace, t));
    this.kind = d.kind;
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

/** The SQL store's parts, one per data type, over one dialect and the namespace's tables. */
function sqlParts(d: SqlDialect, kv: Keyv, namespace: string, t: SqlTables): StoreParts {
  const values = new SqlValues(d, kv, namespace, t.keyv);
  return {
    values,
    sets: new SqlSets(d, t),
    counters: new SqlCounters(d, t),
    leases: new SqlLeases(d, t.leases),
    limits: new SqlLimits(d, t.limits),
    many: new SqlMany(d, t, (key) => values.rowKey(key)),
  };
}
