import { simhashBands, type TextFingerprint } from '../screening/fingerprint.js';
import type { SimilarCandidate } from '../screening/similar-case.js';
import type { Store } from '../store/store.js';

/**
 * The store's index of recent posts of open cases, for near-duplicate folding: scored sets
 * per group, scored by −time (so a read returns the newest first), holding only the
 * window's worth (older entries are trimmed as new ones arrive). In "anyone" mode a post
 * is filed under each of its simhash's four 16-bit bands (posts within 3 bits share a band
 * for sure, most within 10 do) and in the group's recent set, whose newest
 * {@link RECENT_SCAN} entries are read as well; in same-author mode, under its author. A
 * look-up reads at most five sets of bounded length, however many cases are open.
 */
export const SIMILAR_BAND = (group: string, band: string) => `similar:${group}:band:${band}`;
export const SIMILAR_RECENT = (group: string) => `similar:${group}:recent`;
export const SIMILAR_AUTHOR = (group: string, author: string) => `similar:${group}:author:${author}`;

/** Entries read per band set, and from the recent set. */
const PER_SET = 64;
export const RECENT_SCAN = 64;
/**
 * Entries older than the window are trimmed on about one write in {@link TRIM_EVERY}, up to
 * {@link TRIM} a set: far more than that write adds, so the sets stay bounded by the window.
 */
const TRIM = 50;
const TRIM_EVERY = 8;
const trimsOn = (key: string): boolean => {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % TRIM_EVERY === 0;
};

export interface SimilarIndexOptions {
  sameAuthorOnly: boolean;
  windowMs: number;
}

const memberOf = (caseId: string, key: string, fp: TextFingerprint, author: string): string =>
  `${caseId} ${key} ${fp.simhash} ${fp.words} ${author}`;

function parseMember(member: string, score: number): SimilarCandidate | undefined {
  const [caseId, key, simhash, words, author] = member.split(' ');
  if (!caseId || !key || !simhash || simhash.length !== 16 || !author) return undefined;
  return { caseId, key, simhash, words: Number(words) || 0, author, at: -score };
}

export class SimilarIndex {
  constructor(private readonly store: Store, private readonly opts: SimilarIndexOptions) {}

  private sets(group: string, fp: TextFingerprint, author: string): string[] {
    if (this.opts.sameAuthorOnly) return [SIMILAR_AUTHOR(group, author)];
    return [...simhashBands(fp.simhash).map((b) => SIMILAR_BAND(group, b)), SIMILAR_RECENT(group)];
  }

  /** The indexed posts that may be close to `fp`, newest first per set, within the window. */
  async candidates(group: string, fp: TextFingerprint, author: string, now: number): Promise<SimilarCandidate[]> {
    const out: SimilarCandidate[] = [];
    const newest = -now - this.opts.windowMs;
    const oldest = -(now - this.opts.windowMs);
    const sets = this.sets(group, fp, author);
    // One read for every set, at the larger limit; the recent set is cut to its own.
    const answers = await this.store.zRangeByScoreMany(sets, newest, oldest, Math.max(PER_SET, RECENT_SCAN));
    for (const [i, rows] of answers.entries()) {
      const limit = sets[i]!.endsWith(':recent') ? RECENT_SCAN : PER_SET;
      for (const r of rows.slice(0, limit)) {
        const c = parseMember(r.member, r.score);
        if (c) out.push(c);
      }
    }
    return out;
  }

  /** Files a post of case `caseId` (its own, or one folded into it) and trims what the window left behind. */
  async add(group: string, caseId: string, key: string, fp: TextFingerprint, author: string, at: number, now: number): Promise<void> {
    if (fp.words === 0) return;
    const member = memberOf(caseId, key, fp, author);
    const sets = this.sets(group, fp, author);
    await this.store.zAddMany(sets.map((set) => ({ set, member, score: -at })));
    if (!trimsOn(key)) return;
    const stale = await this.store.zRangeByScoreMany(sets, -(now - this.opts.windowMs) + 1, Number.POSITIVE_INFINITY, TRIM);
    for (const [i, rows] of stale.entries()) {
      if (rows.length > 0) await this.store.zRemove(sets[i]!, ...rows.map((s) => s.member));
    }
  }
}
