import type { HIncrOp, Store, Versioned, WindowTake, ZEntry } from './store.js';

/**
 * The parts a store hands its data types to, named alike for every backend: each has the
 * Store port's own methods for its type (`sql-values.ts` and `redis-values.ts`, …).
 */
export interface StoreParts {
  values: Pick<Store, 'get' | 'set' | 'delete' | 'insertIfAbsent' | 'getVersioned' | 'compareAndSet'>;
  sets: Pick<Store, 'setAdd' | 'setRemove' | 'setMembers' | 'setSize' | 'zAdd' | 'zRemove' | 'zRangeByScore' | 'zCard'>;
  counters: Pick<Store, 'hIncr' | 'hIncrMany' | 'hGetAll' | 'incr'>;
  leases: Pick<Store, 'acquireLease' | 'releaseLease'>;
  limits: Pick<Store, 'reservePace' | 'holdPace' | 'takeFromWindow'>;
  /** Batches for hot paths, one round trip each. */
  many: Pick<Store, 'getMany' | 'deleteMany' | 'zAddMany' | 'zRangeByScoreMany'>;
}

/**
 * The Store port over its parts: every data operation is handed to the part that owns its
 * type, written once here for the SQL store and the Redis store. A backend adds what is
 * its own: its kind, opening, `ping` and `close`.
 */
export abstract class PartedStore implements Omit<Store, 'kind' | 'ping' | 'close'> {
  protected constructor(private readonly parts: StoreParts) {}

  get<T>(key: string): Promise<T | undefined> { return this.parts.values.get<T>(key); }
  set(key: string, value: unknown, ttlMs?: number): Promise<void> { return this.parts.values.set(key, value, ttlMs); }
  delete(key: string): Promise<void> { return this.parts.values.delete(key); }
  insertIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> { return this.parts.values.insertIfAbsent(key, value, ttlMs); }
  getVersioned<T>(key: string): Promise<Versioned<T> | undefined> { return this.parts.values.getVersioned<T>(key); }
  compareAndSet(key: string, token: string, value: unknown): Promise<boolean> { return this.parts.values.compareAndSet(key, token, value); }

  setAdd(set: string, ...members: string[]): Promise<void> { return this.parts.sets.setAdd(set, ...members); }
  setRemove(set: string, ...members: string[]): Promise<void> { return this.parts.sets.setRemove(set, ...members); }
  setMembers(set: string): Promise<string[]> { return this.parts.sets.setMembers(set); }
  setSize(set: string): Promise<number> { return this.parts.sets.setSize(set); }
  zAdd(set: string, member: string, score: number): Promise<void> { return this.parts.sets.zAdd(set, member, score); }
  zRemove(set: string, ...members: string[]): Promise<void> { return this.parts.sets.zRemove(set, ...members); }
  zRangeByScore(set: string, min: number, max: number, limit?: number): Promise<Array<{ member: string; score: number }>> { return this.parts.sets.zRangeByScore(set, min, max, limit); }
  zCard(set: string): Promise<number> { return this.parts.sets.zCard(set); }

  getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> { return this.parts.many.getMany<T>(keys); }
  deleteMany(keys: readonly string[]): Promise<void> { return this.parts.many.deleteMany(keys); }
  zAddMany(entries: ReadonlyArray<ZEntry>): Promise<void> { return this.parts.many.zAddMany(entries); }
  zRangeByScoreMany(sets: readonly string[], min: number, max: number, limit?: number): Promise<Array<Array<{ member: string; score: number }>>> {
    return this.parts.many.zRangeByScoreMany(sets, min, max, limit);
  }

  hIncr(hash: string, field: string, by?: number): Promise<number> { return this.parts.counters.hIncr(hash, field, by); }
  hIncrMany(ops: ReadonlyArray<HIncrOp>): Promise<number[]> { return this.parts.counters.hIncrMany(ops); }
  hGetAll(hash: string): Promise<Record<string, number>> { return this.parts.counters.hGetAll(hash); }
  incr(key: string): Promise<number> { return this.parts.counters.incr(key); }

  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> { return this.parts.leases.acquireLease(name, holder, ttlMs); }
  releaseLease(name: string, holder: string): Promise<void> { return this.parts.leases.releaseLease(name, holder); }

  reservePace(name: string, intervalMs: number): Promise<number> { return this.parts.limits.reservePace(name, intervalMs); }
  holdPace(name: string, ms: number): Promise<void> { return this.parts.limits.holdPace(name, ms); }
  takeFromWindow(name: string, limit: number, windowMs: number, count?: number): Promise<WindowTake> { return this.parts.limits.takeFromWindow(name, limit, windowMs, count); }
}
