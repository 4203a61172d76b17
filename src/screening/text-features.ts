import type { TokenInfo } from './token-info.js';
import type { PostTokens } from './tokenize-post.js';

/**
 * Hashed sparse features of a post for the text classifier.
 *
 * Features are hashed into a fixed space (the "hashing trick") rather than kept in a
 * vocabulary: the model file then holds numbers only (no words, no handles), its size
 * does not grow with every new word staff teach it, and online learning can add
 * features without a vocabulary to manage.
 *
 * Feature families:
 * - words (negated words are distinct: "!happy");
 * - handles mentioned (several brands in one feed differ a lot in tone);
 * - AFINN lexicon valences of the words (flipped under negation) and their sum, so words
 *   the team's data never showed still count;
 * - the first three and last two words by position, and the post's length;
 * - optionally character 4-grams inside words, which catch inflections and misspellings
 *   ("cancelled", "canceled", "cancelation"): they help topics, not sentiment.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** murmur3's finaliser: spreads the bits so `& mask` is uniform. */
function mix(h: number, salt: number): number {
  let x = (h ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

const enum Family { Word = 1, Handle = 3, Lexicon = 4, LexiconSum = 5, CharGram = 6, Shout = 7, Start = 8, End = 9, Length = 10 }

/** How many words from a post's start, and from its end, are features by their position too. */
const START_WORDS = 3;
const END_WORDS = 2;

const sumBucket = (s: number): number => (s <= -5 ? 0 : s <= -2 ? 1 : s < 0 ? 2 : s === 0 ? 3 : s <= 1 ? 4 : s <= 4 ? 5 : 6);

/**
 * The features of one token: its word and, for a word in the AFINN lexicon, its
 * valence (sign flipped under negation). The same token always gives the same ids, so
 * prediction can cache what they add up to.
 */
export function tokenWordIds(info: TokenInfo, mask: number): number[] {
  const word = mix(info.hash, Family.Word) & mask;
  return info.valence === undefined ? [word] : [word, mix(info.valence + 16, Family.Lexicon) & mask];
}

/**
 * The features that belong to the post rather than to one token: the handles it
 * mentions, the sum of its lexicon valences, writing in capitals, its first and last
 * words by position, and its length. (Word pairs were tried: they scored no better on
 * the airline benchmark and cost a look-up each.)
 */
export function postLevelIds(post: PostTokens, bits: number): number[] {
  const mask = (1 << bits) - 1;
  const ids: number[] = [];
  let lexSum = 0;
  let lexHits = 0;
  for (const info of post.infos) {
    if (info.valence !== undefined) {
      lexSum += info.valence;
      lexHits++;
    }
  }
  for (const handle of post.handles) ids.push(mix(fnv(handle), Family.Handle) & mask);
  ids.push(mix(lexHits === 0 ? 99 : sumBucket(lexSum), Family.LexiconSum) & mask);
  if (post.shouted > 0) ids.push(mix(1, Family.Shout) & mask);
  // Where a word stands says something its presence alone does not: a post that opens
  // with "thanks" or "why", or ends on "?" or "again". The first words after the handles
  // and the last ones before any links, by position, and the post's length in five steps.
  for (let i = 0, at = 0; i < post.infos.length && at < START_WORDS; i++) {
    const info = post.infos[i]!;
    if (info.token === 'zzuser') continue;
    ids.push(mix((info.hash ^ Math.imul(at + 1, 0x27d4eb2d)) >>> 0, Family.Start) & mask);
    at++;
  }
  for (let i = post.infos.length - 1, at = 0; i >= 0 && at < END_WORDS; i--) {
    const info = post.infos[i]!;
    if (info.token === 'zzuser' || info.token === 'zzurl') continue;
    ids.push(mix((info.hash ^ Math.imul(at + 1, 0x165667b1)) >>> 0, Family.End) & mask);
    at++;
  }
  const n = post.tokens.length;
  ids.push(mix(n <= 5 ? 0 : n <= 10 ? 1 : n <= 16 ? 2 : n <= 22 ? 3 : 4, Family.Length) & mask);
  return ids;
}

/**
 * Character 4-grams of one token ("<cancelled>" → "<can", "canc", …). They catch
 * inflections and misspellings a team's labels never showed. (3–5-grams scored no
 * better on the airline benchmark's topics and cost three times as many look-ups.)
 */
export function tokenGramIds(token: string, bits: number): number[] {
  const mask = (1 << bits) - 1;
  const ids: number[] = [];
  const start = token.charCodeAt(0) === 33 ? 1 : 0;
  if (token.length - start < 4 || token.startsWith('zz', start)) return ids;
  // Grams of "<word>": the brackets mark where a word starts and ends.
  let c0 = 60;
  let c1 = token.charCodeAt(start);
  let c2 = token.charCodeAt(start + 1);
  for (let i = start + 2; i <= token.length; i++) {
    const c3 = i === token.length ? 62 : token.charCodeAt(i);
    let g = Math.imul(FNV_OFFSET ^ c0, FNV_PRIME);
    g = Math.imul(g ^ c1, FNV_PRIME);
    g = Math.imul(g ^ c2, FNV_PRIME);
    g = Math.imul(g ^ c3, FNV_PRIME);
    ids.push(mix(g >>> 0, Family.CharGram) & mask);
    c0 = c1;
    c1 = c2;
    c2 = c3;
  }
  return ids;
}

/**
 * Word features of a post: one per token (a word used twice counts twice) and the
 * post-level ones. Every feature has the same value; the classifier divides by
 * √(number of features), so long and short posts weigh alike.
 */
export function wordFeatureIds(post: PostTokens, bits: number): Int32Array {
  const mask = (1 << bits) - 1;
  const ids = postLevelIds(post, bits);
  for (const info of post.infos) for (const id of tokenWordIds(info, mask)) ids.push(id);
  return Int32Array.from(ids);
}

/** All character 4-grams of a post's tokens. */
export function charGramIds(post: PostTokens, bits: number): Int32Array {
  const ids: number[] = [];
  for (const tok of post.tokens) for (const id of tokenGramIds(tok, bits)) ids.push(id);
  return Int32Array.from(ids);
}
