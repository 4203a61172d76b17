import { checkStoreInput } from './check-store-input.js';
import { keyvRecord } from './keyv-record.js';
import type { SqlColumn, SqlDialect } from './sql-dialect.js';
import type { SqlTables } from './sql-tables.js';
import type { ZEntry } from './store.js';

const ZSET_ROW: readonly SqlColumn[] = [
  { name: 'k', type: 'text' },
  { name: 'm', type: 'text' },
  { name: 'score', type: 'float' },
];

type Scored = { member: string; score: number };

/**
 * The SQL store's batches (getMany, deleteMany, zAddMany, zRangeByScoreMany): one
 * statement each, so one round trip and at most one commit however many keys.
 * `rowKey` is the store's own: Keyv's `<namespace>:<key>`, checked.
 */
export class SqlMany {
  constructor(
    private readonly d: SqlDialect,
    private readonly t: SqlTables,
    private readonly rowKey: (key: string) => string,
  ) {}

  async getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    const rowKeys = keys.map(this.rowKey);
    if (rowKeys.length === 0) return [];
    const among = this.d.inList('key', rowKeys, 1);
    const rows = await this.d.query(`SELECT key, value FROM ${this.t.keyv} WHERE ${among.sql}`, among.params);
    const byKey = new Map(rows.map((r) => [String(r.key), r.value]));
    const now = Date.now();
    return rowKeys.map((k) => {
      const raw = byKey.get(k);
      if (typeof raw !== 'string') return undefined;
      // An expired row counts as absent; it is left for a single-key read to purge.
      const data = keyvRecord.decode(raw);
      return keyvRecord.isExpired(data, now) ? undefined : (data.value as T);
    });
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const rowKeys = [...new Set(keys.map(this.rowKey))];
    if (rowKeys.length === 0) return;
    const among = this.d.inList('key', rowKeys, 1);
    await this.d.query(`DELETE FROM ${this.t.keyv} WHERE ${among.sql}`, among.params);
  }

  async zAddMany(entries: ReadonlyArray<ZEntry>): Promise<void> {
    // The later entry of a (set, member) wins, as with zAdd one after the other (PostgreSQL
    // refuses to update one row twice in a statement); sorted so concurrent batches lock
    // their rows in one order.
    const last = new Map<string, [string, string, number]>();
    for (const e of entries) {
      const k = checkStoreInput.name('Scored set name', e.set);
      const m = checkStoreInput.member(e.member);
      last.set(JSON.stringify([k, m]), [k, m, checkStoreInput.score(e.score)]);
    }
    if (last.size === 0) return;
    const rows = [...last.values()].sort((a, b) => (a[0] === b[0] ? cmp(a[1], b[1]) : cmp(a[0], b[0])));
    const batch = this.d.selectRows(ZSET_ROW, rows, 1);
    await this.d.query(
      `INSERT INTO ${this.t.zsets} (k, m, score) ${batch.sql}
       ON CONFLICT (k, m) DO UPDATE SET score = excluded.score`,
      batch.params,
    );
  }

  async zRangeByScoreMany(sets: readonly string[], min: number, max: number, limit?: number): Promise<Scored[][]> {
    const d = this.d;
    const names = sets.map((s) => checkStoreInput.name('Scored set name', s));
    const params: unknown[] = [checkStoreInput.bound(min), checkStoreInput.bound(max), checkStoreInput.limit(limit) ?? d.noLimit];
    if (names.length === 0 || limit === 0) return names.map(() => []);
    // One ranged, limited read per set (each walks the score index and stops at its
    // limit), tagged with the set's position, glued into one statement.
    const parts = names.map((name, i) => {
      const k = d.param(params.push(name));
      return `SELECT * FROM (SELECT ${i} AS i, m, score FROM ${this.t.zsets}
         WHERE k = ${k} AND score >= ${d.float(1)} AND score <= ${d.float(2)}
         ORDER BY score, ${d.byteOrder('m')} LIMIT ${d.param(3)}) AS s${i}`;
    });
    const rows = await d.query(parts.join(' UNION ALL '), params);
    const out: Scored[][] = names.map(() => []);
    for (const r of rows) out[Number(r.i)]!.push({ member: String(r.m), score: Number(r.score) });
    // UNION ALL keeps no order: each set's rows are put back in score, then byte, order.
    for (const list of out) list.sort((a, b) => a.score - b.score || cmp(a.member, b.member));
    return out;
  }
}

/** Byte order of the UTF-8 text, as the store orders members. */
function cmp(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
