/**
 * Durations (first response, resolution, approval turnaround) are kept as histograms
 * with fixed, log-spaced buckets, so that they can be summed across days, groups and
 * agents by plain counter increments and a quantile can still be read back.
 *
 * Bucket 0 holds [0, 1 s). Bucket k ≥ 1 holds [R^(k-1), R^k) seconds with R = 2^(1/8)
 * (eight buckets per doubling). The last bucket also takes everything longer than
 * {@link HISTOGRAM_MAX_SECONDS} (about 90 days).
 *
 * Error bound: a quantile is reported as the geometric middle of the bucket that holds
 * the true nearest-rank quantile, so for durations of 1 s or more the estimate is within
 * a factor R^(1/2) = 2^(1/16) of the true value: at most
 * {@link HISTOGRAM_RELATIVE_ERROR} (≈ 4.4 %) too high or too low. Below 1 s the error is
 * at most 0.5 s. Beyond the top bucket only a lower bound is known.
 */

/** Ratio between consecutive bucket bounds. */
export const HISTOGRAM_RATIO = 2 ** (1 / 8);
/** The largest relative error of a quantile read from the histogram (≈ 0.0443). */
export const HISTOGRAM_RELATIVE_ERROR = Math.sqrt(HISTOGRAM_RATIO) - 1;
/** Durations at or above this land in the last bucket (90 days). */
export const HISTOGRAM_MAX_SECONDS = 90 * 86_400;
/** Index of the last bucket. */
export const HISTOGRAM_LAST_BUCKET = Math.ceil(Math.log(HISTOGRAM_MAX_SECONDS) / Math.log(HISTOGRAM_RATIO));

const LOG_R = Math.log(HISTOGRAM_RATIO);

/** The bucket a duration in seconds falls into. Negative or non-finite durations go to bucket 0. */
export function bucketOf(seconds: number): number {
  if (!(seconds >= 1)) return 0;
  const k = Math.floor(Math.log(seconds) / LOG_R) + 1;
  return Math.min(k, HISTOGRAM_LAST_BUCKET);
}

/** Lower and upper bound (seconds) of bucket k; the last bucket's upper bound is Infinity. */
export function bucketBounds(k: number): { lo: number; hi: number } {
  if (k <= 0) return { lo: 0, hi: 1 };
  return { lo: HISTOGRAM_RATIO ** (k - 1), hi: k >= HISTOGRAM_LAST_BUCKET ? Infinity : HISTOGRAM_RATIO ** k };
}

/** The value reported for bucket k: its geometric middle (0.5 s for bucket 0, the lower bound for the last). */
export function bucketValue(k: number): number {
  if (k <= 0) return 0.5;
  if (k >= HISTOGRAM_LAST_BUCKET) return HISTOGRAM_RATIO ** (k - 1);
  return HISTOGRAM_RATIO ** (k - 0.5);
}

/** A histogram as sparse bucket counts plus the exact count and sum (for the mean). */
export interface Histogram {
  /** bucket index → count; missing buckets are 0. */
  buckets: Map<number, number>;
  count: number;
  /** Sum of the durations in seconds (exact). */
  sum: number;
}

export const emptyHistogram = (): Histogram => ({ buckets: new Map(), count: 0, sum: 0 });

/** Adds one duration; used by tests and by callers that build histograms in memory. */
export function addToHistogram(h: Histogram, seconds: number): void {
  const k = bucketOf(seconds);
  h.buckets.set(k, (h.buckets.get(k) ?? 0) + 1);
  h.count += 1;
  h.sum += Math.max(0, seconds);
}

/**
 * The nearest-rank q-quantile (0 < q ≤ 1): the value at rank ⌈q·n⌉ of the sorted
 * durations, estimated within {@link HISTOGRAM_RELATIVE_ERROR}. Undefined when empty.
 */
export function quantile(h: Histogram, q: number): number | undefined {
  return quantiles(h, [q])[0];
}

/** Several nearest-rank quantiles in one pass over the sorted buckets. */
export function quantiles(h: Histogram, qs: readonly number[]): Array<number | undefined> {
  const keys = Int32Array.from(h.buckets.keys()).sort();
  let n = 0;
  for (const k of keys) n += Math.max(0, h.buckets.get(k)!);
  if (n <= 0) return qs.map(() => undefined);
  return qs.map((q) => {
    const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
    let seen = 0;
    for (const k of keys) {
      seen += Math.max(0, h.buckets.get(k)!);
      if (seen >= rank) return bucketValue(k);
    }
    return undefined;
  });
}

/** Median, p90 and mean of a histogram, in seconds; undefined figures when it is empty. */
export interface DurationStats {
  count: number;
  median: number | undefined;
  p90: number | undefined;
  mean: number | undefined;
}

export function durationStats(h: Histogram): DurationStats {
  const [median, p90] = quantiles(h, [0.5, 0.9]);
  return {
    count: h.count,
    median,
    p90,
    mean: h.count > 0 ? h.sum / h.count : undefined,
  };
}
