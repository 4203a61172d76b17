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

export interface KeepNoteOptions {
  /**
   * How long to wait for the card to be known, when the reply is surely under one of ours
   * (its parent was posted by the bot): a card is recorded on its case a moment after the
   * chat shows it, and a reply written at once can arrive first. Default 0: no wait.
   */
  waitForCardMs?: number | undefined;
  /** How long one wait between looks lasts (tests shorten it). */
  stepMs?: number | undefined;
}

/**
 * Keeps a reply in a card's thread as an internal note on the case. Replies under
 * messages that are not case cards are not ours to keep (undefined). A redelivered
 * event finds its note already there and changes nothing.
 */
export async function keepThreadNote(cases: Pick<CaseService, 'caseForCard' | 'apply'>, reply: ThreadReply, opts: KeepNoteOptions = {}): Promise<ApplyResult | undefined> {
  const step = opts.stepMs ?? 250;
  let caseId = await cases.caseForCard(reply.card);
  for (let waited = 0; !caseId && waited < (opts.waitForCardMs ?? 0); waited += step) {
    await new Promise((r) => setTimeout(r, step));
    caseId = await cases.caseForCard(reply.card);
  }
  if (!caseId) return undefined;
  return cases.apply(caseId, { type: 'note', note: { id: reply.id, at: reply.at, by: reply.by, text: reply.text } }, reply.by);
}
