import { checkStoreInput } from './check-store-input.js';
import type { SqlColumn, SqlDialect } from './sql-dialect.js';
import type { SqlTables } from './sql-tables.js';

/** Rows of a set as sent in one parameter set. */
const SET_ROW: readonly SqlColumn[] = [{ name: 'k', type: 'text' }, { name: 'm', type: 'text' }];

/**
 * Sets and scored sets on a SQL database (the Store's `set…` and `z…` methods): one row
 * per member, `(k, m)` in the namespace's sets table and `(k, m, score)` in its scored
 * sets table, so both remove and count members the same way.
 */
export class SqlSets {
  constructor(
    private readonly d: SqlDialect,
    private readonly t: Pick<SqlTables, 'sets' | 'zsets'>,
  ) {}

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
