import { checkStoreInput } from './check-store-input.js';
import type { SqlDialect } from './sql-dialect.js';

/**
 * Job leases on a SQL database (the Store's `acquireLease` and `releaseLease`): one
 * `(name, holder, expires_at)` row per lease in the namespace's leases table, taken or
 * renewed by one upsert and freed by a delete that names the holder.
 */
export class SqlLeases {
  constructor(
    private readonly d: SqlDialect,
    private readonly table: string,
  ) {}

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
      `INSERT INTO ${this.table} AS l (name, holder, expires_at)
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
    await this.d.query(`DELETE FROM ${this.table} WHERE name = ${$(1)} AND holder = ${$(2)}`, [
      checkStoreInput.name('Lease name', name),
      checkStoreInput.name('Lease holder', holder),
    ]);
  }
}
