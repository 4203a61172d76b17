import type Keyv from 'keyv';
import { checkStoreInput } from './check-store-input.js';
import { keyvRecord, type KeyvRecordData } from './keyv-record.js';
import type { SqlDialect } from './sql-dialect.js';
import type { Versioned } from './store.js';

interface LiveRecord {
  raw: string;
  data: KeyvRecordData;
}

/**
 * Plain values on a SQL database (the Store's `get`, `set`, `delete`, `insertIfAbsent`,
 * `getVersioned` and `compareAndSet`). Written through Keyv's adapter for that database
 * (Keyv's table, rows keyed `<namespace>:<key>`), so a plain Keyv reads them; the atomic
 * writes are single statements (`INSERT … ON CONFLICT … RETURNING`, conditional
 * `UPDATE`) on the same rows, which neither database lets two writers interleave.
 */
export class SqlValues {
  constructor(
    private readonly d: SqlDialect,
    private readonly kv: Keyv,
    private readonly namespace: string,
    /** Keyv's table. */
    private readonly table: string,
  ) {}

  /** The row key Keyv uses for `key` in this namespace (batches address the same rows). */
  rowKey(key: string): string {
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
    const rows = await this.d.query(`SELECT value FROM ${this.table} WHERE key = ${$(1)}`, [rowKey]);
    const raw = rows[0]?.value;
    if (typeof raw !== 'string') return undefined;
    const data = keyvRecord.decode(raw);
    if (keyvRecord.isExpired(data, Date.now())) {
      await this.d.query(`DELETE FROM ${this.table} WHERE key = ${$(1)} AND value = ${$(2)}`, [rowKey, raw]);
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
      `INSERT INTO ${this.table} AS t (key, value) VALUES (${$(1)}, ${$(2)})
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
      `UPDATE ${this.table} SET value = ${$(1)} WHERE key = ${$(2)} AND value = ${$(3)} RETURNING key`,
      [keyvRecord.encode(value, live.data.expires), this.rowKey(key), live.raw],
    );
    return rows.length === 1;
  }
}
