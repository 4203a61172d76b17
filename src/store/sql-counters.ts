import { checkStoreInput } from './check-store-input.js';
import type { SqlColumn, SqlDialect, SqlRow } from './sql-dialect.js';
import type { SqlTables } from './sql-tables.js';
import type { HIncrOp } from './store.js';

/** Rows of the counters table as sent in one parameter set. */
const COUNTER_ROW: readonly SqlColumn[] = [
  { name: 'k', type: 'text' },
  { name: 'f', type: 'text' },
  { name: 'n', type: 'integer' },
];

/**
 * Counters on a SQL database (the Store's `hIncr`, `hIncrMany`, `hGetAll` and `incr`):
 * `(k, f, n)` rows in the namespace's counters table for hashes, `(k, n)` in its
 * sequences table for single counters, each moved by an upsert that returns the new value.
 */
export class SqlCounters {
  constructor(
    private readonly d: SqlDialect,
    private readonly t: Pick<SqlTables, 'counters' | 'seqs'>,
  ) {}

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
}

/**
 * The new values an `INSERT … RETURNING k, f, n` of merged counter increments gave back
 * (in no guaranteed order), in the order of the caller's ops: `at[i]` is the merged
 * increment of op i (see `checkStoreInput.incrOps`).
 */
function valuesInOrder(merged: readonly HIncrOp[], at: readonly number[], rows: readonly SqlRow[]): number[] {
  const byCounter = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const k = String(r.k);
    let fields = byCounter.get(k);
    if (!fields) byCounter.set(k, (fields = new Map()));
    // BIGINT comes back from pg as a string.
    fields.set(String(r.f), Number(r.n));
  }
  const values = merged.map((o) => byCounter.get(o.hash)?.get(o.field));
  if (values.some((v) => v === undefined)) throw new Error(`a batch of ${merged.length} counter increments returned ${rows.length} rows`);
  return at.map((i) => values[i]!);
}
