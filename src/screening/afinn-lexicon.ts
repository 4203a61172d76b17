import words from 'sentiment/languages/en/labels.json' with { type: 'json' };
import emoji from 'sentiment/build/emoji.json' with { type: 'json' };

import type { PostTokens } from './tokenize-post.js';

/**
 * The AFINN-165 word list and emoji valences shipped by the `sentiment` package,
 * looked up directly so screening scores a post from its one tokenisation instead of
 * letting the package tokenise it again.
 */
const LEXICON = new Map<string, number>([
  ...Object.entries(words as Record<string, number>),
  ...Object.entries(emoji as Record<string, number>),
]);

/** AFINN valence of one lower-case word or emoji (−5..5), or undefined. */
export const afinnValue = (token: string): number | undefined => LEXICON.get(token);

/** Tokens a negated word (`!word`) counts against, so "not good" scores as bad. */
export function afinnScore(post: PostTokens): { score: number; positive: number; negative: number } {
  let score = 0;
  let positive = 0;
  let negative = 0;
  for (const tok of post.tokens) {
    const negated = tok.charCodeAt(0) === 33 && tok.length > 1;
    const v = LEXICON.get(negated ? tok.slice(1) : tok);
    if (v === undefined) continue;
    const s = negated ? -v : v;
    score += s;
    if (s > 0) positive++;
    if (s < 0) negative++;
  }
  return { score, positive, negative };
}
