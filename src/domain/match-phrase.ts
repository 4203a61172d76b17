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
const anyCache = new WeakMap<readonly string[], RegExp | null>();

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');

const WORD = /[\p{L}\p{N}_]/u;

/** Regex source for one phrase, with word edges only where the phrase begins/ends with a word character. */
function phraseSource(phrase: string): string {
  const trimmed = phrase.trim();
  const body = trimmed.split(/\s+/u).map(escapeRegExp).join('[\\s\\p{P}]+');
  const before = WORD.test(trimmed.charAt(0)) ? '(?<![\\p{L}\\p{N}_])' : '';
  const after = WORD.test(trimmed.charAt(trimmed.length - 1)) ? '(?![\\p{L}\\p{N}_])' : '';
  return `${before}${body}${after}`;
}

function cached(key: string, build: () => RegExp): RegExp {
  const hit = cache.get(key);
  if (hit) return hit;
  const re = build();
  if (cache.size > 5_000) cache.clear();
  cache.set(key, re);
  return re;
}

/** The compiled pattern for one keyword or phrase (memoised: rules repeat per mention). */
export function phrasePattern(phrase: string): RegExp {
  return cached(phrase, () => new RegExp(phraseSource(phrase), 'iu'));
}

/**
 * The first of several words or phrases found in `text` (in text order), as written
 * there, or `undefined`. One combined pattern per list: a rule's keywords cost one scan.
 */
export function matchAnyPhrase(text: string, phrases: readonly string[]): string | undefined {
  // Config arrays live as long as the config: key the compiled pattern by the array itself.
  let re = anyCache.get(phrases);
  if (re === undefined) {
    const list = phrases.filter((p) => p.trim() !== '');
    re = list.length === 0 ? null : new RegExp(list.map((p) => `(?:${phraseSource(p)})`).join('|'), 'iu');
    anyCache.set(phrases, re);
  }
  if (re === null) return undefined;
  const m = re.exec(text);
  return m ? m[0] : undefined;
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
