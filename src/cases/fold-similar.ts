import type { Case } from '../domain/case.js';
import type { Mention } from '../domain/mention.js';

/** Keys of the latest folds a case remembers, so a post processed twice (a crash, a redelivery) counts once. */
export const RECENT_FOLDS = 64;

/**
 * The case with one more near-identical post folded in: the count grows by one, the post
 * becomes the newest sample (the oldest beyond `maxSamples` goes). Undefined when the post
 * is already counted (its key among the recent folds) or is the case's own post. Not a
 * workflow step: the version stays, so a click on a card shown before the fold still
 * counts, and the audit does not grow with every copy of a viral post.
 */
export function foldSimilar(c: Case, key: string, mention: Mention, at: string, maxSamples: number): Case | undefined {
  if (c.mention.network === mention.network && c.mention.id === mention.id) return undefined;
  const similar = c.similar ?? { samples: [], recent: [] };
  if (similar.recent.includes(key)) return undefined;
  return {
    ...c,
    duplicates: c.duplicates + 1,
    similar: {
      samples: [...similar.samples.filter((s) => s.key !== key), { key, mention, at }].slice(-maxSamples),
      recent: [...similar.recent, key].slice(-RECENT_FOLDS),
    },
  };
}
