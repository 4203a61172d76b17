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
 * - words and word pairs (negated words are distinct: "!happy");
 * - handles mentioned (several brands in one feed differ a lot in tone);
 * - AFINN lexicon valences of the words (flipped under negation) and their sum, so words
 *   the team's data never showed still count;
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

const enum Family { Word = 1, Pair = 2, Handle = 3, Lexicon = 4, LexiconSum = 5, CharGram = 6, Shout = 7, Start = 8 }

const sumBucket = (s: number): number => (s <= -5 ? 0 : s <= -2 ? 1 : s < 0 ? 2 : s === 0 ? 3 : s <= 1 ? 4 : s <= 4 ? 5 : 6);

/** Ids gathered for one post; reused between posts (screening is synchronous). */
let scratch = new Int32Array(1024);

function push(n: number, id: number): number {
  if (n === scratch.length) {
    const bigger = new Int32Array(scratch.length * 2);
    bigger.set(scratch);
    scratch = bigger;
  }
  scratch[n] = id;
  return n + 1;
}

/** Sorted, de-duplicated copy of the first n gathered ids. */
function take(n: number): Int32Array {
  const view = scratch.subarray(0, n).sort();
  let w = 0;
  for (let r = 0; r < n; r++) if (r === 0 || view[r] !== view[r - 1]) view[w++] = view[r]!;
  return view.slice(0, w);
}

/**
 * Word features of a tokenised post (words, word pairs, handles, lexicon), as sorted
 * unique ids in [0, 2^bits). Every present feature has the same value; the classifier
 * divides by √(number of features), so long and short posts weigh alike.
 */
export function wordFeatureIds(post: PostTokens, bits: number): Int32Array {
  const mask = (1 << bits) - 1;
  let n = 0;
  let prev: number = Family.Start;
  let lexSum = 0;
  let lexHits = 0;
  for (const info of post.infos) {
    const h = info.hash;
    n = push(n, mix(h, Family.Word) & mask);
    n = push(n, mix((Math.imul(prev, 0x27d4eb2d) ^ h) >>> 0, Family.Pair) & mask);
    prev = h;
    const signed = info.valence;
    if (signed !== undefined) {
      lexSum += signed;
      lexHits++;
      n = push(n, mix(signed + 16, Family.Lexicon) & mask);
    }
  }
  n = push(n, mix((Math.imul(prev, 0x27d4eb2d) ^ 0x5bd1e995) >>> 0, Family.Pair) & mask);
  for (const handle of post.handles) n = push(n, mix(fnv(handle), Family.Handle) & mask);
  n = push(n, mix(lexHits === 0 ? 99 : sumBucket(lexSum), Family.LexiconSum) & mask);
  if (post.shouted > 0) n = push(n, mix(1, Family.Shout) & mask);
  return take(n);
}

/**
 * Character 4-grams of the post's words ("<cancelled>" → "<can", "canc", …), as sorted
 * unique ids. They catch inflections and misspellings a team's labels never showed.
 * (3–5-grams scored no better on the airline benchmark's topics and cost three times
 * as many look-ups.)
 */
export function charGramIds(post: PostTokens, bits: number): Int32Array {
  const mask = (1 << bits) - 1;
  let n = 0;
  for (const tok of post.tokens) {
    const start = tok.charCodeAt(0) === 33 ? 1 : 0;
    if (tok.length - start < 4 || tok.startsWith('zz', start)) continue;
    // Grams of "<word>": the brackets mark where a word starts and ends.
    let c0 = 60;
    let c1 = tok.charCodeAt(start);
    let c2 = tok.charCodeAt(start + 1);
    for (let i = start + 2; i <= tok.length; i++) {
      const c3 = i === tok.length ? 62 : tok.charCodeAt(i);
      let g = Math.imul(FNV_OFFSET ^ c0, FNV_PRIME);
      g = Math.imul(g ^ c1, FNV_PRIME);
      g = Math.imul(g ^ c2, FNV_PRIME);
      g = Math.imul(g ^ c3, FNV_PRIME);
      n = push(n, mix(g >>> 0, Family.CharGram) & mask);
      c0 = c1;
      c1 = c2;
      c2 = c3;
    }
  }
  return take(n);
}
