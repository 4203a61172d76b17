import MiniSearch from 'minisearch';
import { fingerprintText, simhashDistance, NEAR_DUPLICATE_DISTANCE } from '../screening/fingerprint.js';

/** A reply the team approved and sent, with the post it answered (both masked when stored). */
export interface PastReply {
  caseId: string;
  post: string;
  reply: string;
  group: string;
}

/** A passage of the knowledge base: one section of one Markdown file. */
export interface KnowledgePassage {
  file: string;
  text: string;
}

interface PastDoc extends PastReply { id: string; key: string; simhash: string; terms: string[] }
interface KbDoc extends KnowledgePassage { id: string }

// Words that match everything; BM25 weighs them down anyway, but fewer terms is a faster search.
const STOP = new Set(['the', 'a', 'an', 'and', 'or', 'to', 'of', 'in', 'on', 'is', 'it', 'my', 'i', 'you', 'for', 'me', 'be', 'at', 'this', 'that', 'with', 'was', 'are']);
/** How many BM25 hits are re-ranked by the words left out of the search, the fingerprints and the group. */
const RERANK = 200;
/**
 * How many stored posts one query may touch. A post's words are searched rarest first, and
 * a word is left out of the search once the stored posts holding it would pass this many:
 * a word found in a large share of the posts has little BM25 weight (its IDF is low), yet
 * costs a pass over all of them. The words left out still count in the re-ranking of the
 * top hits. With fewer stored posts than this, every word is searched.
 */
export const QUERY_POSTINGS = 2000;
/** MiniSearch's BM25 defaults (k 1.2, b 0.7, d 0.5), for a left-out word found once in a post of average length. */
const BM25_ONCE = 0.5 + 1;

const processTerm = (t: string) => {
  const w = t.toLowerCase();
  return w.length < 2 || STOP.has(w) ? null : w;
};
const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];
/** A text's index terms, once each: what MiniSearch indexes it under. */
const termsOf = (text: string): string[] => [...new Set(tokenize(text).map(processTerm).filter((t): t is string => !!t))];

/**
 * What a suggestion is grounded on, retrieved the same way for both kinds: MiniSearch's
 * BM25 ranking over the words, and for past replies the screening fingerprints besides (an
 * exact duplicate of the post first, near-duplicates by SimHash before other BM25 hits).
 * Built once at start and kept warm: every sent reply is added as it is sent.
 */
export class AssistIndex {
  // Only the id is stored in MiniSearch: a search then builds no copy of each hit's texts.
  private readonly past = new MiniSearch<PastDoc>({ fields: ['post'], storeFields: [], processTerm });
  private readonly kb = new MiniSearch<KbDoc>({ fields: ['text'], storeFields: ['file', 'text'], processTerm });
  private readonly docs = new Map<string, PastDoc>();
  /** How many stored posts hold each term (document frequency). */
  private readonly df = new Map<string, number>();
  private readonly byKey = new Map<string, string[]>();
  private kbSeq = 0;

  /** Adds (or replaces) a past reply. */
  addPast(p: PastReply): void {
    const fp = fingerprintText(p.post);
    const old = this.docs.get(p.caseId);
    if (old) {
      this.past.discard(p.caseId);
      for (const t of old.terms) this.df.set(t, (this.df.get(t) ?? 1) - 1);
      const same = (this.byKey.get(old.key) ?? []).filter((id) => id !== p.caseId);
      if (same.length) this.byKey.set(old.key, same);
      else this.byKey.delete(old.key);
    }
    const doc: PastDoc = { caseId: p.caseId, post: p.post, reply: p.reply, group: p.group, id: p.caseId, key: fp.key, simhash: fp.simhash, terms: termsOf(p.post) };
    this.past.add(doc);
    this.docs.set(p.caseId, doc);
    for (const t of doc.terms) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    const same = this.byKey.get(fp.key) ?? [];
    same.push(p.caseId);
    this.byKey.set(fp.key, same);
  }

  addKnowledge(passages: readonly KnowledgePassage[]): void {
    this.kb.addAll(passages.map((p) => ({ ...p, id: `kb${++this.kbSeq}` })));
  }

  get pastCount(): number {
    return this.past.documentCount;
  }

  /** The `k` past replies most like `post`, best first; a case never grounds itself. */
  similarPast(post: string, k: number, opts: { exclude?: string; group?: string } = {}): PastReply[] {
    if (k <= 0 || this.docs.size === 0) return [];
    const fp = fingerprintText(post);
    // BM25 first (MiniSearch returns hits best first) over the post's rarer words; only the
    // top of the list is re-ranked, so the cost does not grow with the number stored.
    const { searched, left } = this.queryTerms(post);
    const hits = searched.length ? this.past.search(searched.join(' '), { combineWith: 'OR' }).slice(0, RERANK) : [];
    const seen = new Set(hits.map((h) => String(h.id)));
    const exact = (this.byKey.get(fp.key) ?? []).filter((id) => !seen.has(id));
    const candidates = [...exact.map((id) => ({ id, score: Number.MAX_VALUE })), ...hits.map((h) => ({ id: String(h.id), score: this.withLeftOut(h.score, h.queryTerms.length, String(h.id), left) }))];
    const ranked = candidates
      .filter((h) => h.id !== opts.exclude)
      .map((h) => {
        const d = this.docs.get(h.id)!;
        const near = d.key === fp.key ? 2 : fp.words >= 4 && simhashDistance(d.simhash, fp.simhash) <= NEAR_DUPLICATE_DISTANCE ? 1 : 0;
        // Same group first among equals: its answers fit the case's kind of question.
        const boost = opts.group && d.group === opts.group ? 1.5 : 1;
        return { d, rank: near, score: h.score * boost };
      })
      .sort((a, b) => b.rank - a.rank || b.score - a.score)
      .slice(0, k);
    return ranked.map(({ d }) => ({ caseId: d.caseId, post: d.post, reply: d.reply, group: d.group }));
  }

  /** The post's terms that some stored post holds, rarest first: those searched (within QUERY_POSTINGS, the rarest always) and those left out. */
  private queryTerms(post: string): { searched: string[]; left: Array<{ t: string; idf: number }> } {
    const n = this.docs.size;
    const known = termsOf(post).map((t) => ({ t, df: this.df.get(t) ?? 0 })).filter((x) => x.df > 0).sort((a, b) => a.df - b.df);
    const searched: string[] = [];
    const left: Array<{ t: string; idf: number }> = [];
    let touched = 0;
    for (const { t, df } of known) {
      if (searched.length === 0 || touched + df <= QUERY_POSTINGS) {
        searched.push(t);
        touched += df;
      } else left.push({ t, idf: Math.log(1 + (n - df + 0.5) / (df + 0.5)) });
    }
    return { searched, left };
  }

  /**
   * A hit's BM25 score with the left-out words it holds added, as MiniSearch scores: the
   * sum over the words, times how many of the query's words matched.
   */
  private withLeftOut(score: number, matched: number, id: string, left: ReadonlyArray<{ t: string; idf: number }>): number {
    if (left.length === 0) return score;
    const terms = this.docs.get(id)!.terms;
    let sum = score / Math.max(1, matched);
    let count = matched;
    for (const { t, idf } of left) {
      if (!terms.includes(t)) continue;
      sum += idf * BM25_ONCE;
      count += 1;
    }
    return sum * count;
  }

  /** The `k` knowledge passages most like `text`, best first. */
  knowledge(text: string, k: number): KnowledgePassage[] {
    if (k <= 0 || this.kb.documentCount === 0) return [];
    return this.kb.search(text, { combineWith: 'OR' }).slice(0, k).map((h) => ({ file: String(h.file), text: String(h.text) }));
  }
}
