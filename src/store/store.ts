/**
 * The storage port. Plain values go through keyv (SQLite by default, Redis or
 * PostgreSQL for several instances). What keyv lacks — set-if-absent, compare-and-set,
 * indexes, counters, scored sets, leases and shared API limits — is implemented with the backend's own
 * atomic primitives, on the same server and key space: once for SQL (`SqlStore`, with a
 * dialect each for SQLite and PostgreSQL holding only what their SQL does differently)
 * and once for Redis.
 *
 * Keys are plain strings chosen by the caller (`case:42`); each implementation adds
 * the deployment's namespace so several deployments can share one server.
 *
 * Open one with `openStore(url, { namespace })` (src/store/open-store.ts). Every
 * implementation passes the same contract suite (tests/store/store-contract.test.ts);
 * arguments one backend could not hold (an undefined value, a negative TTL, a
 * fractional counter step, a key longer than 255 characters with its namespace) are
 * refused on all of them with a `StoreInputError` before anything is written.
 */
export interface Store {
  readonly kind: 'sqlite' | 'redis' | 'postgres';

  /**
   * Values are stored as JSON (through Keyv's serializer): a `Date` comes back as its
   * ISO string, so store epoch numbers or ISO strings and parse them on the way out.
   */
  get<T>(key: string): Promise<T | undefined>;
  /** ttlMs 0 or undefined = keep forever; otherwise whole milliseconds. `value` must not be undefined. */
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;

  /**
   * Writes the value only if the key holds no live value (an expired one counts as
   * absent). True when this call wrote it; of any number of concurrent callers, on any
   * number of instances, exactly one gets true.
   */
  insertIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean>;
  /**
   * Reads a value with an opaque token for {@link compareAndSet}: a short digest of the
   * stored text, so two writes of identical text share a token.
   */
  getVersioned<T>(key: string): Promise<Versioned<T> | undefined>;
  /**
   * Replaces the value only if it is unchanged since `token` was read; false when it
   * changed, was deleted or expired. The key keeps its expiry, if it had one. Callers
   * doing read-modify-write retry from {@link getVersioned} on false.
   */
  compareAndSet(key: string, token: string, value: unknown): Promise<boolean>;

  /** Unordered sets of strings: indexes such as "open cases of group X". */
  setAdd(set: string, ...members: string[]): Promise<void>;
  setRemove(set: string, ...members: string[]): Promise<void>;
  /** In no particular order. */
  setMembers(set: string): Promise<string[]>;
  setSize(set: string): Promise<number>;

  /** Scored sets: members ordered by a number (a due time, a sequence). */
  /** Adds the member or moves it to `score` (a finite number). */
  zAdd(set: string, member: string, score: number): Promise<void>;
  zRemove(set: string, ...members: string[]): Promise<void>;
  /**
   * Members with min ≤ score ≤ max, lowest score first; equal scores in byte order of
   * the member (as Redis orders them). `min`/`max` may be ±Infinity; `limit` 0 gives [].
   */
  zRangeByScore(set: string, min: number, max: number, limit?: number): Promise<Array<{ member: string; score: number }>>;
  zCard(set: string): Promise<number>;

  /**
   * Batches for hot paths (the inbox), each one round trip instead of one per key. Not
   * atomic as a whole; each key behaves as its single-key operation would. Every argument
   * is checked before anything is written, as the single-key operations check theirs.
   */
  /** The live values of `keys`, in their order (undefined where absent or expired). */
  getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>>;
  /** Deletes every key of `keys` (absent ones are ignored). */
  deleteMany(keys: readonly string[]): Promise<void>;
  /** {@link zAdd} of every entry; an entry named twice (same set and member) takes the later score. */
  zAddMany(entries: ReadonlyArray<ZEntry>): Promise<void>;
  /** {@link zRangeByScore} of each set with the same bounds and limit, one answer per set in their order. */
  zRangeByScoreMany(sets: readonly string[], min: number, max: number, limit?: number): Promise<Array<Array<{ member: string; score: number }>>>;

  /** Atomic counters in a hash (metrics rollups): returns the new value. `by` is an integer (default 1). */
  hIncr(hash: string, field: string, by?: number): Promise<number>;
  /**
   * Applies several counter increments together: one statement on SQLite and PostgreSQL
   * (one commit, so recording a case change costs one write, not one per counter), one
   * MULTI/EXEC on Redis; no reader sees part of a batch. Returns each counter's value
   * after the batch, in the order of `ops`; a counter named twice moves by the sum of its
   * steps and both entries get its final value. Every op is checked (as {@link hIncr}
   * checks its arguments) before anything is written; an empty batch writes nothing.
   */
  hIncrMany(ops: ReadonlyArray<HIncrOp>): Promise<number[]>;
  hGetAll(hash: string): Promise<Record<string, number>>;
  /** A single atomic counter (sequences such as case numbers), starting at 1. Separate from hashes of the same name. */
  incr(key: string): Promise<number>;

  /**
   * Takes or renews a lease: true when `holder` holds `name` for the next `ttlMs`.
   * Used so each scheduled job runs once per tick across instances.
   *
   * Succeeds when the lease is free, expired, or already held by `holder` (which
   * renews it). Expiry is judged by the server's clock on Redis and PostgreSQL, so
   * instances on different hosts agree; SQLite (one host) uses that host's clock.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease if `holder` holds it; does nothing otherwise (a late release never frees someone else's lease). */
  releaseLease(name: string, holder: string): Promise<void>;

  /**
   * Shared paces (API limits every instance spends together, such as one Slack post per
   * second per channel): reserves the next start on `name`, at least `intervalMs` after
   * the start reserved before it, and returns how many milliseconds from now that start
   * is (0: go now). Atomic across instances; each call reserves one start, so a caller
   * that gets a wait must wait it out and then call (never call again first). Judged by
   * the server's clock where there is one (Redis, PostgreSQL), as leases are.
   */
  reservePace(name: string, intervalMs: number): Promise<number>;
  /** Holds a shared pace (the API answered 429): no start on `name` before `ms` from now. */
  holdPace(name: string, ms: number): Promise<void>;
  /**
   * Shared windows (100 replies per 15 minutes): takes `count` calls (0 only looks) from
   * the current window of `name` — windows are `windowMs` long, aligned to multiples of
   * it since the epoch — if that leaves at most `limit` taken; atomic across instances.
   */
  takeFromWindow(name: string, limit: number, windowMs: number, count?: number): Promise<WindowTake>;

  /** Is the backend reachable? Never throws; false after {@link close}. */
  ping(): Promise<boolean>;
  /** Releases this instance's connections only (others on the same URL stay open). Safe to call twice. */
  close(): Promise<void>;
}

/** One increment of a batch: `field` of `hash` moves by `by` (a safe integer). */
export interface HIncrOp {
  hash: string;
  field: string;
  by: number;
}

/** One member of a scored set and its score, for {@link Store.zAddMany}. */
export interface ZEntry {
  set: string;
  member: string;
  score: number;
}

/** What {@link Store.takeFromWindow} did. */
export interface WindowTake {
  /** True when the calls were taken (always true for a look, `count` 0). */
  taken: boolean;
  /** Calls left in the current window after this one. */
  remaining: number;
  /** Milliseconds until the next window starts. */
  resetInMs: number;
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
