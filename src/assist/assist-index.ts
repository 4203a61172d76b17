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

interface PastDoc extends PastReply { id: string; key: string; simhash: string }
interface KbDoc extends KnowledgePassage { id: string }

// Words that match everything; BM25 weighs them down anyway, but fewer terms is a faster search.
const STOP = new Set(['the', 'a', 'an', 'and', 'or', 'to', 'of', 'in', 'on', 'is', 'it', 'my', 'i', 'you', 'for', 'me', 'be', 'at', 'this', 'that', 'with', 'was', 'are']);
/** How many BM25 hits are re-ranked by the fingerprints and the group. */
const RERANK = 50;

const processTerm = (t: string) => {
  const w = t.toLowerCase();
  return w.length < 2 || STOP.has(w) ? null : w;
};

/**
 * What a suggestion is grounded on, retrieved the same way for both kinds: MiniSearch's
 * BM25 ranking over the words, and for past replies the screening fingerprints besides (an
 * exact duplicate of the post first, near-duplicates by SimHash before other BM25 hits).
 */
export class AssistIndex {
  private readonly past = new MiniSearch<PastDoc>({ fields: ['post'], storeFields: ['caseId', 'post', 'reply', 'group', 'key', 'simhash'], processTerm });
  private readonly kb = new MiniSearch<KbDoc>({ fields: ['text'], storeFields: ['file', 'text'], processTerm });
  private readonly byKey = new Map<string, string[]>();
  private kbSeq = 0;

  /** Adds (or replaces) a past reply. */
  addPast(p: PastReply): void {
    const fp = fingerprintText(p.post);
    if (this.past.has(p.caseId)) this.past.discard(p.caseId);
    this.past.add({ ...p, id: p.caseId, key: fp.key, simhash: fp.simhash });
    const same = this.byKey.get(fp.key) ?? [];
    if (!same.includes(p.caseId)) same.push(p.caseId);
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
    if (k <= 0 || this.past.documentCount === 0) return [];
    const fp = fingerprintText(post);
    // BM25 first (MiniSearch returns hits best first); only the top of the list is re-ranked,
    // so the cost does not grow with how many stored posts share a common word.
    const hits = this.past.search(post, { combineWith: 'OR' }).slice(0, RERANK);
    const exact = (this.byKey.get(fp.key) ?? []).filter((id) => id !== opts.exclude && !hits.some((h) => h.id === id));
    type Hit = Record<string, unknown> & { id: unknown; score: number };
    const candidates: Hit[] = [...exact.map((id) => ({ ...this.past.getStoredFields(id), id, score: Number.MAX_VALUE })), ...hits];
    const ranked = candidates
      .filter((h) => h.id !== opts.exclude)
      .map((h) => {
        const near = h.key === fp.key ? 2 : fp.words >= 4 && simhashDistance(String(h.simhash), fp.simhash) <= NEAR_DUPLICATE_DISTANCE ? 1 : 0;
        // Same group first among equals: its answers fit the case's kind of question.
        const boost = opts.group && h.group === opts.group ? 1.5 : 1;
        return { h, rank: near, score: h.score * boost };
      })
      .sort((a, b) => b.rank - a.rank || b.score - a.score)
      .slice(0, k);
    return ranked.map(({ h }) => ({ caseId: String(h.caseId), post: String(h.post), reply: String(h.reply), group: String(h.group) }));
  }

  /** The `k` knowledge passages most like `text`, best first. */
  knowledge(text: string, k: number): KnowledgePassage[] {
    if (k <= 0 || this.kb.documentCount === 0) return [];
    return this.kb.search(text, { combineWith: 'OR' }).slice(0, k).map((h) => ({ file: String(h.file), text: String(h.text) }));
  }
}
