import type { Card } from '../cards/card.js';
import type { Case } from '../domain/case.js';
import type { Store } from '../store/store.js';
import { shownFollowUps, threadSig, type CaseInsight } from './case-insights.js';

/** Where a case's AI-written summary, brief and translation are kept (removed with the case). */
export const insightKey = (caseId: string): string => `assist:insight:${caseId}`;

const DAY = 86_400_000;

/**
 * AI assist's writing about cases, beside them in the store: it never changes a case (no
 * version, no audit entry), and a card, a notice or an alert shows it when it is there.
 */
export class InsightStore {
  constructor(private readonly store: Store, private readonly retentionDays = 365) {}

  get(caseId: string): Promise<CaseInsight | undefined> {
    return this.store.get<CaseInsight>(insightKey(caseId));
  }

  set(caseId: string, insight: CaseInsight): Promise<void> {
    return this.store.set(insightKey(caseId), insight, this.retentionDays * DAY);
  }

  /** What the card shows of it, for the case as it is now (a summary of an older thread is not shown). */
  async forCard(c: Case): Promise<Card['ai']> {
    return cardInsight(c, await this.get(c.id));
  }

  /** The brief of the case's thread as it is now, if one was written. */
  async briefOf(c: Case): Promise<string | undefined> {
    const i = await this.get(c.id);
    return i?.brief && i.brief.sig === threadSig(c) ? i.brief.text : undefined;
  }
}

/** The card's AI-written part: the translation, the summary of the current thread, and notes on what is missing. */
export function cardInsight(c: Case, i: CaseInsight | undefined): Card['ai'] {
  if (!i) return undefined;
  const summary = i.summary && i.summary.sig === threadSig(c) ? i.summary.text : undefined;
  const post = i.translation && i.translation.from === c.screening.language ? i.translation : undefined;
  // The follow-ups the card shows, translated beneath the post's translation.
  const later = post ? shownFollowUps(c).flatMap((f) => (i.followUps?.[f.id] !== undefined ? [`Later: ${i.followUps[f.id]}`] : [])) : [];
  const translation = post && { ...post, text: [post.text, ...later].join('\n') };
  const notes = [i.notes?.translation, i.notes?.summary].filter((n): n is string => !!n);
  if (!summary && !translation && notes.length === 0) return undefined;
  return {
    ...(summary ? { summary } : {}),
    ...(translation ? { translation: { text: translation.text, from: translation.from } } : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
}
