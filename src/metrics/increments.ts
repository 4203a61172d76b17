import { bucketOf } from './histogram.js';
import { F, HISTOGRAM_SCALES, dayHash, type HistogramName, type Scope } from './rollup-keys.js';

/**
 * One counter change: apply a transition's changes together with `store.hIncrMany`. When
 * `rank` is set, also record the counter's new value in that scored set (`zAdd(rank,
 * field, -value)`), so the largest counters can be read first; `applyIncrements` in
 * metrics-store does both.
 */
export interface Increment {
  hash: string;
  field: string;
  by: number;
  rank?: string | undefined;
}

/** The first-response target. The deadline function, when given, wins. */
/** Collects increments, merging repeats of the same counter. */
export class Increments {
  private readonly map = new Map<string, Increment>();
  add(hash: string, field: string, by = 1, rank?: string): void {
    if (by === 0) return;
    const k = `${hash}\u0000${field}`;
    const cur = this.map.get(k);
    if (cur) cur.by += by;
    else this.map.set(k, rank ? { hash, field, by, rank } : { hash, field, by });
  }
  /** The same field in the day hash of every scope. */
  each(day: string, scopes: readonly Scope[], field: string, by = 1): void {
    for (const s of scopes) this.add(dayHash(day, s), field, by);
  }
  histogram(day: string, scopes: readonly Scope[], name: HistogramName, seconds: number): void {
    const s = Math.max(0, seconds);
    this.each(day, scopes, F.histCount(name));
    this.each(day, scopes, F.histSum(name), Math.round(s));
    this.each(day, scopes, F.histBucket(name, bucketOf(s, HISTOGRAM_SCALES[name])));
  }
  list(): Increment[] {
    return [...this.map.values()].filter((i) => i.by !== 0);
  }
}
