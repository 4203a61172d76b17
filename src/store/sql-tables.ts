import { checkStoreInput } from './check-store-input.js';
import type { SqlDialect } from './sql-dialect.js';

/** Quoted SQL identifiers of the tables one namespace uses next to Keyv's own table. */
export interface SqlTables {
  /** Keyv's table (shared by every namespace; rows are keyed `<namespace>:<key>`). */
  keyv: string;
  /** `(k, m)`: unordered sets. */
  sets: string;
  /** `(k, m, score)`: scored sets. */
  zsets: string;
  /** Index on `(k, score, m)` for range queries in score order. */
  zsetsByScore: string;
  /** `(k, f, n)`: counters in a hash. */
  counters: string;
  /** `(k, n)`: single counters (kept apart from hashes, as Redis keeps INCR keys apart from hashes). */
  seqs: string;
  /** `(name, holder, expires_at)`: job leases. */
  leases: string;
  /** `(k, at, n)`: shared API limits (a pace's next start, or a window's start and calls taken). */
  limits: string;
}

/**
 * Table names for a namespace. The namespace is validated (a-z, 0-9, `_`, `-`) and
 * every name is double-quoted, so it can be spliced into SQL safely: identifiers
 * cannot be bound as parameters.
 */
export function sqlTables(namespace: string, keyvTable: string): SqlTables {
  const ns = checkStoreInput.namespace(namespace);
  const q = (suffix: string) => `"${ns}_${suffix}"`;
  return {
    keyv: keyvTable,
    sets: q('sets'),
    zsets: q('zsets'),
    zsetsByScore: q('zsets_by_score'),
    counters: q('counters'),
    seqs: q('seqs'),
    leases: q('leases'),
    limits: q('limits'),
  };
}

/**
 * The statements creating a namespace's tables (Keyv's own table is its adapter's
 * business), in the dialect's types. The score index orders members by their bytes, as
 * range queries do, so it serves them.
 */
export function sqlTableDefinitions(t: SqlTables, d: SqlDialect): string[] {
  const { integer, float } = d.types;
  return [
    `CREATE TABLE IF NOT EXISTS ${t.sets} (k TEXT NOT NULL, m TEXT NOT NULL, PRIMARY KEY (k, m))`,
    `CREATE TABLE IF NOT EXISTS ${t.zsets} (k TEXT NOT NULL, m TEXT NOT NULL, score ${float} NOT NULL, PRIMARY KEY (k, m))`,
    `CREATE INDEX IF NOT EXISTS ${t.zsetsByScore} ON ${t.zsets} (k, score, ${d.byteOrder('m')})`,
    `CREATE TABLE IF NOT EXISTS ${t.counters} (k TEXT NOT NULL, f TEXT NOT NULL, n ${integer} NOT NULL, PRIMARY KEY (k, f))`,
    `CREATE TABLE IF NOT EXISTS ${t.seqs} (k TEXT PRIMARY KEY, n ${integer} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t.leases} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at ${integer} NOT NULL)`,
    `CREATE ${d.volatileTable} IF NOT EXISTS ${t.limits} (k TEXT PRIMARY KEY, at ${float} NOT NULL, n ${integer} NOT NULL)`,
  ];
}

