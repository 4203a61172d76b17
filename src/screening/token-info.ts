import { afinnValue } from './afinn-lexicon.js';
import { languagesOf } from './function-words.js';

/**
 * What screening needs to know about one token, worked out once per distinct token and
 * cached: posts in a feed repeat the same few thousand words, so the look-ups of every
 * step (lexicon, language, phrase lists, feature hashing) become one map hit per token.
 */
export interface TokenInfo {
  /** The token itself, one shared string per distinct token (cheap to use as a map key). */
  token: string;
  /** The word without its negation mark. */
  bare: string;
  /** Inside a negation's scope ("not happy" → "!happy"). */
  negated: boolean;
  /** FNV-1a hash of the token as written (negation mark included). */
  hash: number;
  /** AFINN valence, with the sign flipped under negation; undefined when not in the lexicon. */
  valence: number | undefined;
  /** Languages whose function words include the word (see function-words.ts). */
  langs: readonly number[] | undefined;
  /** Bit c: the word is a one-word entry of phrase category c. */
  single: number;
  /** Bit c: an entry of two or more words of category c starts with this word. */
  starts: number;
  /**
   * What this token adds to a text model's scores, kept here so prediction needs no
   * look-up of its own; valid only for the packed weights named in `scoresFor`.
   */
  scoresFor?: object | undefined;
  scores?: { sums: Int32Array; words: number; gramCount: number } | undefined;
}

/** One registered phrase list: its multi-word entries by first word. */
interface Category {
  singles: ReadonlySet<string>;
  byFirst: ReadonlyMap<string, readonly (readonly string[])[]>;
}

const categories: Category[] = [];
/** Bumped whenever cached facts become stale (a phrase list was registered). */
let generation = 0;

/** Changes whenever earlier `TokenInfo`s may be stale; caches of them compare it. */
export const infoGeneration = (): number => generation;
const cache = new Map<string, TokenInfo>();
/** Words in a negation's scope, by their bare word: saves building "!word" for every post. */
const negatedCache = new Map<string, TokenInfo>();
const CACHE_LIMIT = 100_000;

export class PhraseCategoryLimitError extends Error {
  readonly code = 'PHRASE_CATEGORY_LIMIT';
  constructor() {
    super('at most 31 phrase lists can be registered');
    this.name = 'PhraseCategoryLimitError';
  }
}

/** Registers a phrase list; returns its category number. Lists are module constants. */
export function registerCategory(singles: ReadonlySet<string>, byFirst: ReadonlyMap<string, readonly (readonly string[])[]>): number {
  if (categories.length >= 31) throw new PhraseCategoryLimitError();
  categories.push({ singles, byFirst });
  generation++;
  cache.clear();
  negatedCache.clear();
  return categories.length - 1;
}

/** The multi-word entries of category `c` that start with `word`. */
export const phrasesStarting = (c: number, word: string): readonly (readonly string[])[] => categories[c]?.byFirst.get(word) ?? [];

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The facts about a token, from the cache or worked out now. */
export function tokenInfo(token: string): TokenInfo {
  const hit = cache.get(token);
  if (hit) return hit;
  const negated = token.charCodeAt(0) === 33 && token.length > 1;
  const bare = negated ? token.slice(1) : token;
  const v = afinnValue(bare);
  let single = 0;
  let starts = 0;
  categories.forEach((c, i) => {
    if (c.singles.has(bare)) single |= 1 << i;
    if (c.byFirst.has(bare)) starts |= 1 << i;
  });
  const info: TokenInfo = {
    token,
    bare,
    negated,
    hash: fnv(token),
    valence: v === undefined ? undefined : negated ? -v : v,
    langs: languagesOf(bare),
    single,
    starts,
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(token, info);
  return info;
}

/** The facts about a word as written (`negated`: inside a negation's scope, token "!word"). */
export function wordInfo(word: string, negated: boolean): TokenInfo {
  if (!negated) return tokenInfo(word);
  const hit = negatedCache.get(word);
  if (hit) return hit;
  const info = tokenInfo(`!${word}`);
  if (negatedCache.size >= CACHE_LIMIT) negatedCache.clear();
  negatedCache.set(word, info);
  return info;
}
