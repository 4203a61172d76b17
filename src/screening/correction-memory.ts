import { fingerprintText, halvesDistance, NEAR_DUPLICATE_DISTANCE, simhashHalves, type TextFingerprint } from './fingerprint.js';
import type { TextLabels } from './text-model.js';
import type { PostTokens } from './tokenize-post.js';

/** What staff said about a post, found for a near-identical one. */
export interface RememberedCorrection {
  labels: TextLabels;
  /** Where it came from (a case id), to say so on the card. */
  ref: string;
  /** Simhash bits between the two posts (0: the same words). */
  distance: number;
}

/** Corrections kept (the oldest go first): a feed's corrections are far fewer. */
export const MEMORY_LIMIT = 20_000;

/**
 * Staff corrections remembered by post: a post near-identical to one staff corrected (the
 * same words, or a simhash within {@link NEAR_DUPLICATE_DISTANCE} bits for posts of four
 * words or more, as duplicate folding decides) gets the corrected labels outright. The
 * text model learns from the same corrections, gently, for everything else; this makes
 * the next near-identical post come out the way staff said, every time.
 *
 * Pure and in memory: the learner fills it from the stored labels (and again at start).
 */
export class CorrectionMemory {
  private readonly byKey = new Map<string, number>();
  private hi = new Uint32Array(256);
  private lo = new Uint32Array(256);
  private words: number[] = [];
  private entries: Array<{ key: string; labels: TextLabels; ref: string } | undefined> = [];
  private start = 0;

  get size(): number {
    return this.byKey.size;
  }

  /** Remembers what staff said about `text`; a later correction of the same post adds to it (and wins per task). */
  add(text: string, labels: TextLabels, ref: string, tokens?: PostTokens): void {
    const fp = fingerprintText(text, tokens);
    if (fp.words === 0) return;
    const known = this.byKey.get(fp.key);
    if (known !== undefined) {
      const e = this.entries[known]!;
      e.labels = { ...e.labels, ...labels };
      e.ref = ref;
      return;
    }
    if (this.byKey.size >= MEMORY_LIMIT) this.evictOldest();
    const i = this.entries.length;
    if (i >= this.hi.length) {
      const grow = (a: Uint32Array) => { const b = new Uint32Array(a.length * 2); b.set(a); return b; };
      this.hi = grow(this.hi);
      this.lo = grow(this.lo);
    }
    [this.hi[i], this.lo[i]] = simhashHalves(fp.simhash);
    this.words.push(fp.words);
    this.entries.push({ key: fp.key, labels: { ...labels }, ref });
    this.byKey.set(fp.key, i);
  }

  /** The correction of the nearest remembered post near-identical to this one, if any. */
  find(text: string, tokens?: PostTokens): RememberedCorrection | undefined {
    if (this.byKey.size === 0) return undefined;
    return this.findFingerprint(fingerprintText(text, tokens));
  }

  findFingerprint(fp: TextFingerprint): RememberedCorrection | undefined {
    if (fp.words === 0) return undefined;
    const exact = this.byKey.get(fp.key);
    if (exact !== undefined) {
      const e = this.entries[exact]!;
      return { labels: e.labels, ref: e.ref, distance: 0 };
    }
    if (fp.words < 4) return undefined;
    const [h, l] = simhashHalves(fp.simhash);
    let best = -1;
    let bestDistance = NEAR_DUPLICATE_DISTANCE + 1;
    // Newest first: of equally near posts, the latest correction wins.
    for (let i = this.entries.length - 1; i >= this.start; i--) {
      if (this.words[i]! < 4 || this.entries[i] === undefined) continue;
      const d = halvesDistance(this.hi[i]!, this.lo[i]!, h, l);
      if (d < bestDistance) { bestDistance = d; best = i; }
    }
    if (best < 0) return undefined;
    const e = this.entries[best]!;
    return { labels: e.labels, ref: e.ref, distance: bestDistance };
  }

  private evictOldest(): void {
    while (this.start < this.entries.length && this.entries[this.start] === undefined) this.start++;
    const e = this.entries[this.start];
    if (!e) return;
    this.byKey.delete(e.key);
    this.entries[this.start] = undefined;
    this.start++;
    // Drop the evicted slots once they are as many as the kept ones.
    if (this.start >= MEMORY_LIMIT) this.compact();
  }

  private compact(): void {
    const from = this.start;
    const n = this.entries.length - from;
    this.hi = Uint32Array.from(this.hi.subarray(from, from + n));
    this.lo = Uint32Array.from(this.lo.subarray(from, from + n));
    this.words = this.words.slice(from);
    this.entries = this.entries.slice(from);
    this.start = 0;
    this.byKey.clear();
    this.entries.forEach((e, i) => { if (e) this.byKey.set(e.key, i); });
  }
}
