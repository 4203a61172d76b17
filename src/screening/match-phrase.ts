/**
 * Whole-word, case-insensitive matching of words and phrases, the primitive under
 * keyword rules and boolean queries.
 *
 * "bag" must match "my bag!" but not "baggage"; "lost bag" must match "lost   bag"
 * and "Lost Bag". Word edges are Unicode-aware so "café" and "naïve" work, and a
 * keyword that itself starts or ends with a symbol (`#fail`, `@brand`, `c++`) still
 * matches where that symbol stands next to a space or punctuation.
 */

const cache = new Map<string, RegExp>();

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');

const WORD = /[\p{L}\p{N}_]/u;

/** The compiled pattern for one keyword or phrase (memoised: rules repeat per mention). */
export function phrasePattern(phrase: string): RegExp {
  const key = phrase;
  const hit = cache.get(key);
  if (hit) return hit;
  const trimmed = phrase.trim();
  const body = trimmed.split(/\s+/u).map(escapeRegExp).join('[\\s\\p{P}]+');
  // Only demand a word edge where the phrase itself begins/ends with a word character.
  const before = WORD.test(trimmed.charAt(0)) ? '(?<![\\p{L}\\p{N}_])' : '';
  const after = WORD.test(trimmed.charAt(trimmed.length - 1)) ? '(?![\\p{L}\\p{N}_])' : '';
  const re = new RegExp(`${before}${body}${after}`, 'iu');
  if (cache.size > 5_000) cache.clear();
  cache.set(key, re);
  return re;
}

/**
 * Where `phrase` occurs in `text` as whole words, or `undefined`.
 * @returns the matched text as written in the post (for the "why" of a rule).
 */
export function matchPhrase(text: string, phrase: string): string | undefined {
  if (phrase.trim() === '') return undefined;
  const m = phrasePattern(phrase).exec(text);
  return m ? m[0] : undefined;
}
