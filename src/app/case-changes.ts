import { actorLabel } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import type { Refusal } from '../cases/policy.js';
import type { Outbox } from '../outbox/outbox.js';
import type { ChangeWork } from './case-repository.js';
import { enqueueDelivery } from './delivery-kinds.js';

// The bookkeeping of a case change, for the case service (case-service.ts): what a change
// answers, how it is named, and what it leaves for the outbox to do.

/** What `CaseService.apply` and `probe` answer: the changed case and a summary of the change, or the refusal. */
export type ApplyResult =
  | { ok: true; case: Case; summary: string }
  | { ok: false; refusal: Refusal; case?: Case | undefined };

/** Outbox kinds a case change causes (see delivery-kinds.ts); handlers are in card-deliveries.ts, note-deliveries.ts and reply-delivery.ts. */
export const DELIVERY = {
  postCard: 'card.post',
  updateCard: 'card.update',
  note: 'thread.note',
  sendReply: 'reply.send',
  /** The case moved to another group: retire its cards in the old group's channels, post it in the new one's. */
  moveCard: 'card.move',
} as const;

/** How long a change may take before its unfinished follow-ups are taken for a crash's. */
export const FOLLOW_UP_GRACE_MS = 10_000;

/** The group a change moved the case out of, and who moved it (undefined: no move). */
export function moveOf(prev: Case | undefined, next: Case): { group: string; by: string } | undefined {
  if (!prev || prev.group === next.group) return undefined;
  const last = next.audit[next.audit.length - 1];
  return { group: prev.group, by: last ? actorLabel(last.actor) : '' };
}

/** Names a change within its case: see `DurableWork.change` (case-listeners.ts). */
export const changeKey = (c: Case): string => `${c.version}:${c.audit.length}`;

/**
 * Is the change that stored `w` in case `c`? Its audit entry is where it would be: the
 * audit only grows, and an attempt that lost its compare-and-set left a different entry
 * there (or none). Two racers writing entries equal to the millisecond cannot be told
 * apart; then one of them counts, once.
 */
export function made(c: Case, w: ChangeWork): boolean {
  const e = c.audit[w.auditLength - 1];
  const l = w.last;
  return c.version >= w.version && !!e && e.at === l.at && e.action === l.action && e.from === l.from && e.to === l.to &&
    e.actor.platform === l.actor.platform && e.actor.id === l.actor.id && (e.note ?? null) === (l.note ?? null);
}

/** What a change leaves for the outbox to carry out, beside the card refresh every change gets. */
export interface FollowUps {
  note?: { text: string; at: string; note: string | null } | undefined;
  movedFrom?: { group: string; by: string } | undefined;
  /** `resumed`: an earlier life may have posted it, so the delivery looks for it first. */
  reply?: 'new' | 'resumed' | undefined;
}

/** The outbox items that carry a change out: card refresh, thread note, card move, reply. */
export async function queueFollowUps(outbox: Outbox, next: Case, f: FollowUps): Promise<void> {
  // On the case's lane, in this order; the reply on its own (see delivery-kinds.ts).
  await enqueueDelivery(outbox, DELIVERY.updateCard, { caseId: next.id });
  if (f.note) await enqueueDelivery(outbox, DELIVERY.note, { caseId: next.id, ...f.note });
  // After the note, so the old card's thread says where the case went.
  if (f.movedFrom) await enqueueDelivery(outbox, DELIVERY.moveCard, { caseId: next.id, group: next.group, from: f.movedFrom.group, by: f.movedFrom.by });
  if (f.reply) {
    await enqueueDelivery(outbox, DELIVERY.sendReply, { caseId: next.id, version: next.version, ...(f.reply === 'resumed' ? { resumed: true } : {}) });
  }
}
