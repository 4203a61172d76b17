import { afinnValue } from './afinn-lexicon.js';
import { bareToken, type PostTokens } from './tokenize-post.js';

/**
 * Hashed sparse features of a post for the text classifier.
 *
 * Features are hashed into a fixed space (the "hashing trick") rather than kept in a
 * vocabulary: the model file then holds numbers only (no words, no handles), its size
 * does not grow with every new word staff teach it, and online learning can add
 * features without a vocabulary to manage.
 *
 * Feature families:
 * - words and word pairs (negated words are distinct: "!happy");
 * - handles mentioned (several brands in one feed differ a lot in tone);
 * - AFINN lexicon valences of the words (flipped under negation) and their sum, so words
 *   the team's data never showed still count;
 * - optionally character 3–5-grams inside words, which catch inflections and misspellings
 *   ("cancelled", "canceled", "cancelation"): they help topics, not sentiment.
 */
export interface FeatureOptions {
  /** Hash space is 2^bits. */
  bits: number;
  charGrams: boolean;
}

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

const enum Family { Word = 1, Pair = 2, Handle = 3, Lexicon = 4, LexiconSum = 5, CharGram = 6, Shout = 7, Start = 8 }

const sumBucket = (s: number): number => (s <= -5 ? 0 : s <= -2 ? 1 : s < 0 ? 2 : s === 0 ? 3 : s <= 1 ? 4 : s <= 4 ? 5 : 6);

/**
 * The feature ids of a tokenised post, sorted and unique. Values are implicit: every
 * present feature has the value 1/√(number of features), so long and short posts weigh alike.
 */
export function featureIds(post: PostTokens, opts: FeatureOptions): Int32Array {
  const mask = (1 << opts.bits) - 1;
  const ids: number[] = [];
  let prev = Family.Start;
  let lexSum = 0;
  let lexHits = 0;
  for (const tok of post.tokens) {
    const h = fnv(tok);
    ids.push(mix(h, Family.Word) & mask);
    ids.push(mix((Math.imul(prev, 0x27d4eb2d) ^ h) >>> 0, Family.Pair) & mask);
    prev = h;
    const bare = bareToken(tok);
    const v = afinnValue(bare);
    if (v !== undefined) {
      const signed = bare === tok ? v : -v;
      lexSum += signed;
      lexHits++;
      ids.push(mix(signed + 16, Family.Lexicon) & mask);
    }
    if (opts.charGrams && bare.length >= 4 && !bare.startsWith('zz')) {
      const padded = `<${bare}>`;
      for (let i = 0; i + 3 <= padded.length; i++) {
        let g = FNV_OFFSET;
        for (let n = 0; n < 5 && i + n < padded.length; n++) {
          g ^= padded.charCodeAt(i + n);
          g = Math.imul(g, FNV_PRIME);
          if (n >= 2) ids.push(mix(g >>> 0, Family.CharGram) & mask);
        }
      }
    }
  }
  ids.push(mix((Math.imul(prev, 0x27d4eb2d) ^ 0x5bd1e995) >>> 0, Family.Pair) & mask);
  for (const handle of post.handles) ids.push(mix(fnv(handle), Family.Handle) & mask);
  ids.push(mix(lexHits === 0 ? 99 : sumBucket(lexSum), Family.LexiconSum) & mask);
  if (post.shouted > 0) ids.push(mix(1, Family.Shout) & mask);
  const arr = Int32Array.from(ids).sort();
  let w = 0;
  for (let r = 0; r < arr.length; r++) if (r === 0 || arr[r] !== arr[r - 1]) arr[w++] = arr[r]!;
  return arr.subarray(0, w);
}
