import type { Actor } from '../domain/actor.js';
import type { CardView } from '../domain/case.js';
import type { ApplyResult, CaseService } from './case-service.js';

/** A reply someone wrote in a card's thread. */
export interface ThreadReply {
  /** The card the thread hangs under. */
  card: CardView;
  /** Where the reply itself is (`slack:<channel>:<ts>`), so a redelivered event is kept once. */
  id: string;
  text: string;
  by: Actor;
  at: string;
}

/**
 * Keeps a reply in a card's thread as an internal note on the case. Replies under
 * messages that are not case cards are not ours to keep (undefined). A redelivered
 * event finds its note already there and changes nothing.
 */
export async function keepThreadNote(cases: CaseService, reply: ThreadReply): Promise<ApplyResult | undefined> {
  const caseId = await cases.repo.caseForCard(reply.card);
  if (!caseId) return undefined;
  return cases.apply(caseId, { type: 'note', note: { id: reply.id, at: reply.at, by: reply.by, text: reply.text } }, reply.by);
}
