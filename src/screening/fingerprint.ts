import { bareToken, tokenizePost, type PostTokens } from './tokenize-post.js';

/**
 * Fingerprints for folding duplicates and near-duplicates into one case.
 *
 * - `key` is exact after normalisation: case, punctuation, handles, links, "RT" and
 *   elongations do not count, so "@brand my bag is LOST!!" and "my bag is lost
 *   @brand https://t.co/x" share a key.
 * - `simhash` is a 64-bit SimHash (Charikar 2002) over character 4-grams of the
 *   normalised words: posts that differ by a word or a typo differ in a few bits
 *   (a one-word change in a tweet moves about 9 of 64; unrelated tweets from one feed
 *   are 13 or more apart, measured on real airline tweets). Compare with
 *   `isNearDuplicate`. To look candidates up in a store, `simhashBands` gives four
 *   16-bit bands: hashes within 3 bits share a band for sure, farther ones only often,
 *   so an index by band finds most near-duplicates and a scan of recent open cases
 *   finds the rest.
 */
export interface TextFingerprint {
  /** Hex of a 64-bit hash of the normalised words. Equal keys = duplicates. */
  key: string;
  /** 16 hex digits. */
  simhash: string;
  /** Number of normalised words; very short posts are not folded by similarity alone. */
  words: number;
}

/** The words that carry a post's content, for duplicate detection. */
function contentWords(post: PostTokens): string[] {
  const out: string[] = [];
  for (const t of post.tokens) {
    const w = bareToken(t);
    if (w === 'zzuser' || w === 'zzurl' || w === 'rt' || w === '!' || w === '?') continue;
    out.push(w);
  }
  return out;
}

/** Two independent 32-bit FNV-1a variants make one 64-bit hash. */
function hash64(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return [a >>> 0, b >>> 0];
}

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/** Fingerprint of a text (or of its tokens, when the caller already has them). */
export function fingerprintText(text: string, tokens?: PostTokens): TextFingerprint {
  const words = contentWords(tokens ?? tokenizePost(text));
  const line = words.join(' ');
  const [k1, k2] = hash64(line);
  const v = new Int32Array(64);
  const padded = ` ${line} `;
  const n = 4;
  if (padded.length < n) {
    const [h1, h2] = hash64(padded);
    for (let bit = 0; bit < 32; bit++) { v[bit]! += (h1 >>> bit) & 1 ? 1 : -1; v[bit + 32]! += (h2 >>> bit) & 1 ? 1 : -1; }
  }
  for (let i = 0; i + n <= padded.length; i++) {
    const [h1, h2] = hash64(padded.slice(i, i + n));
    for (let bit = 0; bit < 32; bit++) {
      v[bit]! += (h1 >>> bit) & 1 ? 1 : -1;
      v[bit + 32]! += (h2 >>> bit) & 1 ? 1 : -1;
    }
  }
  let hi = 0;
  let lo = 0;
  for (let bit = 0; bit < 32; bit++) {
    if (v[bit]! > 0) lo |= 1 << bit;
    if (v[bit + 32]! > 0) hi |= 1 << bit;
  }
  return { key: hex8(k1) + hex8(k2), simhash: hex8(hi) + hex8(lo), words: words.length };
}

const popcount = (x: number): number => {
  let n = x - ((x >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (Math.imul((n + (n >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
};

/** A simhash as its two 32-bit halves (high, low), for comparing many without parsing each time. */
export function simhashHalves(simhash: string): [number, number] {
  return [parseInt(simhash.slice(0, 8), 16) >>> 0, parseInt(simhash.slice(8, 16), 16) >>> 0];
}

/** Hamming distance (0–64) between two simhashes given as halves. */
export function halvesDistance(ah: number, al: number, bh: number, bl: number): number {
  return popcount((ah ^ bh) >>> 0) + popcount((al ^ bl) >>> 0);
}

/** Hamming distance (0–64) between two simhashes. */
export function simhashDistance(a: string, b: string): number {
  const [ah, al] = simhashHalves(a);
  const [bh, bl] = simhashHalves(b);
  return halvesDistance(ah, al, bh, bl);
}

/** Four 16-bit bands of a simhash, each tagged with its position, for index look-ups. */
export function simhashBands(simhash: string): string[] {
  return [0, 1, 2, 3].map((i) => `${i}:${simhash.slice(i * 4, i * 4 + 4)}`);
}

/** Default largest simhash distance still called a near-duplicate (of 64 bits). */
export const NEAR_DUPLICATE_DISTANCE = 10;

/**
 * Whether two posts are the same complaint: equal keys, or (for posts of at least
 * four words) simhashes within `maxDistance` bits.
 */
export function isNearDuplicate(a: TextFingerprint, b: TextFingerprint, maxDistance = NEAR_DUPLICATE_DISTANCE): boolean {
  if (a.key === b.key) return a.words > 0;
  if (a.words < 4 || b.words < 4) return false;
  return simhashDistance(a.simhash, b.simhash) <= maxDistance;
}
