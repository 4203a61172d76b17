/**
 * The storage port. Plain values go through keyv (SQLite by default, Redis or
 * PostgreSQL for several instances). What keyv lacks — set-if-absent, compare-and-set,
 * indexes, counters, scored sets and leases — is implemented once per backend with
 * that backend's own atomic primitives, on the same server and key space.
 *
 * Keys are plain strings chosen by the caller (`case:42`); each implementation adds
 * the deployment's namespace so several deployments can share one server.
 */
export interface Store {
  readonly kind: 'sqlite' | 'redis' | 'postgres';

  get<T>(key: string): Promise<T | undefined>;
  /** ttlMs 0 or undefined = keep forever. */
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;

  /** Writes the value only if the key holds no live value. True when this call wrote it. */
  insertIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean>;
  /** Reads a value with an opaque token for {@link compareAndSet}. */
  getVersioned<T>(key: string): Promise<Versioned<T> | undefined>;
  /** Replaces the value only if it is unchanged since `token` was read. */
  compareAndSet(key: string, token: string, value: unknown): Promise<boolean>;

  /** Unordered sets of strings: indexes such as "open cases of group X". */
  setAdd(set: string, ...members: string[]): Promise<void>;
  setRemove(set: string, ...members: string[]): Promise<void>;
  setMembers(set: string): Promise<string[]>;
  setSize(set: string): Promise<number>;

  /** Scored sets: members ordered by a number (a due time, a sequence). */
  zAdd(set: string, member: string, score: number): Promise<void>;
  zRemove(set: string, ...members: string[]): Promise<void>;
  /** Members with min ≤ score ≤ max, lowest score first. */
  zRangeByScore(set: string, min: number, max: number, limit?: number): Promise<Array<{ member: string; score: number }>>;
  zCard(set: string): Promise<number>;

  /** Atomic counters in a hash (metrics rollups): returns the new value. */
  hIncr(hash: string, field: string, by?: number): Promise<number>;
  hGetAll(hash: string): Promise<Record<string, number>>;
  /** A single atomic counter (sequences such as case numbers). */
  incr(key: string): Promise<number>;

  /**
   * Takes or renews a lease: true when `holder` holds `name` for the next `ttlMs`.
   * Used so each scheduled job runs once per tick across instances.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;

  /** Is the backend reachable? */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface Versioned<T> {
  value: T;
  token: string;
}

export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
