import languageProcessor from 'sentiment/lib/language-processor.js';

/**
 * The AFINN-165 word list and emoji valences shipped by the `sentiment` package,
 * looked up directly so screening scores a post from its one tokenisation instead of
 * letting the package tokenise it again.
 */
const LEXICON = new Map<string, number>(Object.entries(languageProcessor.getLabels('en')));

/** AFINN valence of one lower-case word or emoji (−5..5), or undefined. */
export const afinnValue = (token: string): number | undefined => LEXICON.get(token);

/**
 * AFINN score of a tokenised post: the sum of its words' valences, where a word in a
 * negation's scope (`!word`) counts with the opposite sign, so "not good" scores as bad.
 * Takes the token facts (`PostTokens.infos`), whose valences carry that sign already.
 */
export function afinnScore(post: { infos: ReadonlyArray<{ valence: number | undefined }> }): { score: number; positive: number; negative: number } {
  let score = 0;
  let positive = 0;
  let negative = 0;
  for (const info of post.infos) {
    const s = info.valence;
    if (s === undefined) continue;
    score += s;
    if (s > 0) positive++;
    if (s < 0) negative++;
  }
  return { score, positive, negative };
}
