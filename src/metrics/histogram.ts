/**
 * Durations (first response, resolution, approval turnaround) are kept as histograms
 * with fixed, log-spaced buckets, so they can be summed across days, groups and agents
 * by plain counter increments and a quantile can still be read back.
 *
 * With `d` buckets per doubling, bucket 0 holds [0, 1 s) and bucket k ≥ 1 holds
 * [R^(k-1), R^k) seconds with R = 2^(1/d). The last bucket also takes everything longer
 * than {@link HISTOGRAM_MAX_SECONDS} (90 days).
 *
 * Error bound: a quantile is reported as the geometric middle of the bucket that holds
 * the true nearest-rank quantile, so for durations of 1 s or more the estimate is within
 * a factor R^(1/2) of the true value, a relative error of at most 2^(1/(2d)) − 1:
 * - {@link FINE} (8 per doubling), for first-response time: ±4.4 %;
 * - {@link COARSE} (4 per doubling), for resolution time and approval turnaround: ±9.1 %.
 * Below 1 s the error is at most 0.5 s; beyond the top bucket only a lower bound is known.
 *
 * Finer buckets cost more counters on busy days (every bucket used is one), which is why
 * only the SLA figure gets the finest.
 */

/** Durations at or above this land in the last bucket (90 days). */
export const HISTOGRAM_MAX_SECONDS = 90 * 86_400;

/** A bucket layout. */
export interface HistogramScale {
  /** Buckets per doubling. */
  perDoubling: number;
  /** Ratio between consecutive bucket bounds, 2^(1/perDoubling). */
  ratio: number;
  /** The largest relative error of a quantile read back, √ratio − 1. */
  relativeError: number;
  /** Index of the last bucket. */
  lastBucket: number;
}

export function histogramScale(perDoubling: number): HistogramScale {
  const ratio = 2 ** (1 / perDoubling);
  return {
    perDoubling,
    ratio,
    relativeError: Math.sqrt(ratio) - 1,
    lastBucket: Math.ceil(Math.log(HISTOGRAM_MAX_SECONDS) / Math.log(ratio)),
  };
}

/** 8 buckets per doubling: quantiles within ±4.4 %. */
export const FINE = histogramScale(8);
/** 4 buckets per doubling: quantiles within ±9.1 %. */
export const COARSE = histogramScale(4);

/** The bucket a duration in seconds falls into. Negative or non-finite durations go to bucket 0. */
export function bucketOf(seconds: number, scale: HistogramScale = FINE): number {
  if (!(seconds >= 1)) return 0;
  const k = Math.floor(Math.log(seconds) / Math.log(scale.ratio)) + 1;
  return Math.min(k, scale.lastBucket);
}

/** Lower and upper bound (seconds) of bucket k; the last bucket's upper bound is Infinity. */
export function bucketBounds(k: number, scale: HistogramScale = FINE): { lo: number; hi: number } {
  if (k <= 0) return { lo: 0, hi: 1 };
  return { lo: scale.ratio ** (k - 1), hi: k >= scale.lastBucket ? Infinity : scale.ratio ** k };
}

/** The value reported for bucket k: its geometric middle (0.5 s for bucket 0, the lower bound for the last). */
export function bucketValue(k: number, scale: HistogramScale = FINE): number {
  if (k <= 0) return 0.5;
  if (k >= scale.lastBucket) return scale.ratio ** (k - 1);
  return scale.ratio ** (k - 0.5);
}

/** A histogram as sparse bucket counts plus the exact count and sum (for the mean). */
export interface Histogram {
  scale: HistogramScale;
  /** bucket index → count; missing buckets are 0. */
  buckets: Map<number, number>;
  count: number;
  /** Sum of the durations in seconds (exact). */
  sum: number;
}

export const emptyHistogram = (scale: HistogramScale = FINE): Histogram => ({ scale, buckets: new Map(), count: 0, sum: 0 });

/** Adds one duration; used by tests and by callers that build histograms in memory. */
export function addToHistogram(h: Histogram, seconds: number): void {
  const k = bucketOf(seconds, h.scale);
  h.buckets.set(k, (h.buckets.get(k) ?? 0) + 1);
  h.count += 1;
  h.sum += Math.max(0, seconds);
}

/**
 * The nearest-rank q-quantile (0 < q ≤ 1): the value at rank ⌈q·n⌉ of the sorted
 * durations, estimated within the scale's relative error. Undefined when empty.
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
      if (seen >= rank) return bucketValue(k, h.scale);
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
  /** How far median and p90 may be from the true values (relative). */
  relativeError: number;
}

export function durationStats(h: Histogram): DurationStats {
  const [median, p90] = quantiles(h, [0.5, 0.9]);
  return {
    count: h.count,
    median,
    p90,
    mean: h.count > 0 ? h.sum / h.count : undefined,
    relativeError: h.scale.relativeError,
  };
}
