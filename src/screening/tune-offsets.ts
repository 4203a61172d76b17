/** Per-label decision offsets tuned for macro-F1, so rare labels are not drowned by the common one. */
/** Macro-F1 of predicted vs true label indices over k labels (labels absent from both are skipped). */
export function macroF1(gold: number[], pred: number[], k: number): number {
  let sum = 0;
  let n = 0;
  for (let j = 0; j < k; j++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < gold.length; i++) {
      if (pred[i] === j && gold[i] === j) tp++;
      else if (pred[i] === j) fp++;
      else if (gold[i] === j) fn++;
    }
    if (tp + fp + fn === 0) continue;
    sum += (2 * tp) / (2 * tp + fp + fn);
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

/** Coordinate ascent on per-label offsets, maximising macro-F1 on held-out scores. */
export function tuneOffsets(scores: Float64Array[], gold: number[], k: number): Float32Array {
  const off = new Float32Array(k);
  const predict = (): number[] => scores.map((s) => {
    let b = 0;
    for (let j = 1; j < k; j++) if (s[j]! + off[j]! > s[b]! + off[b]!) b = j;
    return b;
  });
  let best = macroF1(gold, predict(), k);
  const steps = [-1, -0.5, -0.25, -0.1, 0.1, 0.25, 0.5, 1];
  for (let round = 0; round < 3; round++) {
    let improved = false;
    for (let j = 0; j < k; j++) {
      for (const d of steps) {
        const old = off[j]!;
        off[j] = Math.max(-2, Math.min(2, old + d));
        const f = macroF1(gold, predict(), k);
        // Demand a real gain: a held-out fifth is small, and offsets fitted to noise hurt.
        if (f > best + 0.002) { best = f; improved = true; } else off[j] = old;
      }
    }
    if (!improved) break;
  }
  return off;
}
