import { checkStoreInput } from './check-store-input.js';

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
  };
}
