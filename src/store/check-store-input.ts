import { StoreInputError } from './store-input-error.js';
import type { HIncrOp } from './store.js';

/** Same rule as STORE_NAMESPACE in the environment schema; table names are built from it. */
const NAMESPACE = /^[a-z0-9_-]{1,32}$/;

/**
 * Keyv's SQL adapters declare `key VARCHAR(255)` (PostgreSQL enforces it, SQLite does
 * not), so the prefixed key is limited to 255 characters on every backend to keep the
 * backends interchangeable.
 */
const MAX_PREFIXED_KEY = 255;

/**
 * Argument checks shared by the three Store implementations, so that a call that is
 * refused on one backend is refused on all of them.
 */
export const checkStoreInput = {
  namespace(namespace: string): string {
    if (!NAMESPACE.test(namespace)) {
      throw new StoreInputError(
        `Store namespace ${JSON.stringify(namespace)} is invalid: use 1–32 characters from a-z, 0-9, "_" and "-"`,
      );
    }
    return namespace;
  },

  key(namespace: string, key: string): string {
    if (typeof key !== 'string' || key.length === 0) {
      throw new StoreInputError('Store key must be a non-empty string');
    }
    if (namespace.length + 1 + key.length > MAX_PREFIXED_KEY) {
      throw new StoreInputError(
        `Store key is too long (${key.length} characters): namespace + ":" + key must fit in ${MAX_PREFIXED_KEY}`,
      );
    }
    return key;
  },

  /** A name of a set, hash, counter or lease; stored in a TEXT column or a Redis key. */
  name(what: string, name: string): string {
    if (typeof name !== 'string' || name.length === 0) {
      throw new StoreInputError(`${what} must be a non-empty string`);
    }
    return name;
  },

  value(value: unknown): unknown {
    if (value === undefined) {
      throw new StoreInputError('Store value must not be undefined (use delete to remove a key)');
    }
    return value;
  },

  /** Returns the TTL in whole milliseconds, or undefined for "keep forever" (0 or undefined). */
  ttl(ttlMs: number | undefined): number | undefined {
    if (ttlMs === undefined || ttlMs === 0) return undefined;
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 0) {
      throw new StoreInputError(`TTL must be a whole number of milliseconds ≥ 0, got ${ttlMs}`);
    }
    return ttlMs;
  },

  leaseTtl(ttlMs: number): number {
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
      throw new StoreInputError(`Lease TTL must be a whole number of milliseconds > 0, got ${ttlMs}`);
    }
    return ttlMs;
  },

  score(score: number): number {
    if (!Number.isFinite(score)) {
      throw new StoreInputError(`Score must be a finite number, got ${score}`);
    }
    return score;
  },

  /** Range bounds may be ±Infinity ("everything below now"), never NaN. */
  bound(bound: number): number {
    if (typeof bound !== 'number' || Number.isNaN(bound)) {
      throw new StoreInputError(`Score bound must be a number, got ${bound}`);
    }
    return bound;
  },

  limit(limit: number | undefined): number | undefined {
    if (limit === undefined) return undefined;
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new StoreInputError(`Limit must be a whole number ≥ 0, got ${limit}`);
    }
    return limit;
  },

  /** Redis HINCRBY/INCR take integers only, so every backend does. */
  step(by: number): number {
    if (!Number.isSafeInteger(by)) {
      throw new StoreInputError(`Counter step must be a safe integer, got ${by}`);
    }
    return by;
  },

  /**
   * Checks a batch of counter increments (see `Store.hIncrMany`) and merges repeats of a
   * counter, so each backend applies one increment per counter: PostgreSQL cannot update
   * a row twice in one statement. The merged increments are in one order (hash, then
   * field) whatever the caller's, so concurrent batches take row locks in the same order
   * (no deadlock); `at[i]` is where `ops[i]` went.
   */
  incrOps(ops: ReadonlyArray<HIncrOp>): { merged: HIncrOp[]; at: number[] } {
    if (!Array.isArray(ops)) throw new StoreInputError('hIncrMany takes an array of { hash, field, by }');
    const byCounter = new Map<string, Map<string, number>>();
    for (const op of ops as ReadonlyArray<HIncrOp | null | undefined>) {
      if (typeof op !== 'object' || op === null) throw new StoreInputError('hIncrMany takes an array of { hash, field, by }');
      const hash = checkStoreInput.name('Hash name', op.hash);
      const field = checkStoreInput.name('Hash field', op.field);
      const by = checkStoreInput.step(op.by);
      let fields = byCounter.get(hash);
      if (!fields) byCounter.set(hash, (fields = new Map()));
      const sum = (fields.get(field) ?? 0) + by;
      if (!Number.isSafeInteger(sum)) throw new StoreInputError(`Counter steps of ${hash} ${field} add up to ${sum}, beyond a safe integer`);
      fields.set(field, sum);
    }
    const merged: HIncrOp[] = [];
    const index = new Map<string, Map<string, number>>();
    for (const hash of [...byCounter.keys()].sort()) {
      const fields = byCounter.get(hash)!;
      const positions = new Map<string, number>();
      index.set(hash, positions);
      for (const field of [...fields.keys()].sort()) {
        positions.set(field, merged.length);
        merged.push({ hash, field, by: fields.get(field)! });
      }
    }
    return { merged, at: ops.map((op) => index.get(op.hash)!.get(op.field)!) };
  },

  /** A shared pace's spacing: a positive number of milliseconds (fractions allowed). */
  interval(ms: number): number {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > 2 ** 40) {
      throw new StoreInputError(`Pace interval must be a number of milliseconds > 0, got ${ms}`);
    }
    return ms;
  },

  /** How long a pace is held: milliseconds ≥ 0. */
  hold(ms: number): number {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 2 ** 40) {
      throw new StoreInputError(`Pace hold must be a number of milliseconds ≥ 0, got ${ms}`);
    }
    return ms;
  },

  /** A window's length, its limit and the calls to take, as whole numbers (the count at most the limit). */
  window(limit: number, windowMs: number, count: number): { limit: number; windowMs: number; count: number } {
    if (!Number.isSafeInteger(windowMs) || windowMs <= 0) {
      throw new StoreInputError(`Window length must be a whole number of milliseconds > 0, got ${windowMs}`);
    }
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new StoreInputError(`Window limit must be a whole number ≥ 1, got ${limit}`);
    }
    if (!Number.isSafeInteger(count) || count < 0 || count > limit) {
      throw new StoreInputError(`Calls to take from a window must be a whole number from 0 to its limit (${limit}), got ${count}`);
    }
    return { limit, windowMs, count };
  },

  member(member: string): string {
    if (typeof member !== 'string') throw new StoreInputError('Set members must be strings');
    return member;
  },

  /** Checks members and drops duplicates (SQL inserts them in one statement). */
  members(members: string[]): string[] {
    for (const m of members) {
      if (typeof m !== 'string') throw new StoreInputError('Set members must be strings');
    }
    return [...new Set(members)];
  },
};
