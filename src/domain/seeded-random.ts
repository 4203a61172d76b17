/**
 * Mulberry32: a tiny, well-distributed seeded 32-bit PRNG returning floats in [0, 1).
 * The one source of reproducible chance: model training, the fakes' misbehaviour and the
 * benchmarks all take it, so the same seed gives the same run.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
