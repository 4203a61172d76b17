import { describe, expect, it } from 'vitest';
import {
  COARSE, FINE, HISTOGRAM_MAX_SECONDS,
  addToHistogram, bucketBounds, bucketOf, durationStats, emptyHistogram, quantile,
} from '../../src/metrics/histogram.js';

/** Nearest-rank quantile of raw values: the reference the histogram estimates. */
function exact(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(q * s.length)) - 1]!;
}

function lcg(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('duration histogram', () => {
  it('states its relative error bounds: ±4.4% fine, ±9.1% coarse', () => {
    expect(FINE.relativeError).toBeCloseTo(2 ** (1 / 16) - 1, 12);
    expect(FINE.relativeError).toBeLessThan(0.045);
    expect(COARSE.relativeError).toBeCloseTo(2 ** (1 / 8) - 1, 12);
    expect(COARSE.relativeError).toBeLessThan(0.091);
  });

  it.each([['fine', FINE], ['coarse', COARSE]] as const)('puts every duration inside its %s bucket', (_n, scale) => {
    for (const s of [0, 0.4, 1, 1.05, 59.9, 60, 3600, 86_399, 1e6]) {
      const { lo, hi } = bucketBounds(bucketOf(s, scale), scale);
      expect(s).toBeGreaterThanOrEqual(lo * (1 - 1e-12));
      expect(s).toBeLessThan(hi * (1 + 1e-12));
    }
    expect(bucketOf(HISTOGRAM_MAX_SECONDS * 10, scale)).toBe(scale.lastBucket);
    expect(bucketOf(-5, scale)).toBe(0);
  });

  it('reads median and p90 of 1..10 minutes within the stated error', () => {
    const h = emptyHistogram();
    const minutes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((m) => m * 60);
    minutes.forEach((s) => addToHistogram(h, s));
    const st = durationStats(h);
    expect(st.count).toBe(10);
    expect(st.mean).toBe(330);
    expect(Math.abs(st.median! - 300) / 300).toBeLessThanOrEqual(FINE.relativeError);
    expect(Math.abs(st.p90! - 540) / 540).toBeLessThanOrEqual(FINE.relativeError);
    expect(st.relativeError).toBe(FINE.relativeError);
  });

  it.each([['fine', FINE], ['coarse', COARSE]] as const)('keeps every quantile of skewed random durations within the %s bound', (_n, scale) => {
    const rnd = lcg(42);
    for (let trial = 0; trial < 20; trial++) {
      const values = Array.from({ length: 1 + Math.floor(rnd() * 500) }, () => Math.exp(rnd() * 12));
      const h = emptyHistogram(scale);
      values.forEach((v) => addToHistogram(h, v));
      for (const q of [0.1, 0.5, 0.9, 0.99, 1]) {
        const want = exact(values, q);
        const got = quantile(h, q)!;
        expect(Math.abs(got - want) / want).toBeLessThanOrEqual(scale.relativeError + 1e-12);
      }
    }
  });

  it('has no quantile when empty', () => {
    expect(quantile(emptyHistogram(), 0.5)).toBeUndefined();
    expect(durationStats(emptyHistogram())).toEqual({ count: 0, median: undefined, p90: undefined, mean: undefined, relativeError: FINE.relativeError });
  });
});
