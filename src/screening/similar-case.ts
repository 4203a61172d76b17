import { halvesDistance, simhashHalves, type TextFingerprint } from './fingerprint.js';

/**
 * Which open case a near-identical post folds into: a pure decision over the candidates
 * the store's index returned (src/app/similar-index.ts). The index finds candidates by
 * group (and author, in same-author mode) within the window; this decides which of them
 * are close enough, closest first.
 */

/** One indexed post of an open case: the case's own post or one folded into it. */
export interface SimilarCandidate {
  caseId: string;
  key: string;
  simhash: string;
  words: number;
  /** `<network>:<author id>` of the indexed post's author. */
  author: string;
  /** When the post was indexed (epoch ms). */
  at: number;
}

export interface SimilarSettings {
  /** Similarity from 0.5 to 1 (the config's `duplicates.threshold`). */
  threshold: number;
  sameAuthorOnly: boolean;
  windowMs: number;
}

/** The largest number of differing simhash bits (of 64) a similarity threshold allows. */
export const maxDistanceOf = (threshold: number): number => Math.floor((1 - threshold) * 64 + 1e-9);

/**
 * The case ids the post may fold into, closest first (each once). Posts under four words
 * fold only into a case with the same words: a short post's simhash says too little.
 */
export function rankSimilarCases(
  fp: TextFingerprint, author: string, candidates: readonly SimilarCandidate[], settings: SimilarSettings, now: number,
): string[] {
  if (fp.words === 0) return [];
  const max = maxDistanceOf(settings.threshold);
  const [h, l] = simhashHalves(fp.simhash);
  const best = new Map<string, number>();
  for (const c of candidates) {
    if (now - c.at > settings.windowMs || c.at > now + settings.windowMs) continue;
    if (settings.sameAuthorOnly && c.author !== author) continue;
    let d: number;
    if (c.key === fp.key) d = 0;
    else if (fp.words < 4 || c.words < 4) continue;
    else {
      const [ch, cl] = simhashHalves(c.simhash);
      d = halvesDistance(h, l, ch, cl);
      if (d > max) continue;
    }
    const seen = best.get(c.caseId);
    if (seen === undefined || d < seen) best.set(c.caseId, d);
  }
  return [...best.entries()].sort((a, b) => a[1] - b[1] || compareIds(a[0], b[0])).map(([id]) => id);
}

/** Older case first on a tie (case ids are decimal counters). */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
