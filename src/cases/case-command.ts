import type { Actor } from '../domain/actor.js';
import type { CaseNote, DraftAssist, DraftTranslation, FollowUp, PrivateEntry, Reply } from '../domain/case.js';
import type { Intent, Sentiment } from '../domain/screening.js';

/** Everything a person (or the system) can ask of a case. */
export type CaseCommand =
  | { type: 'claim' }
  | { type: 'release' }
  /** Hand the case to another agent (the owner, a lead, or anyone while nobody owns it). */
  | { type: 'reassign'; to: Actor }
  /** Routing to people (system): offer the case to an agent, or give it back to the channel (no `to`). */
  | { type: 'assign'; to?: Actor | undefined; mode?: 'assign' | 'suggest' | undefined }
  /** The agent a case is offered to turns it down: routing offers it to the next agent, or it stays in the channel. */
  | { type: 'decline' }
  /** `channel: 'private'`: a message to the author alone (Move to DM, a private reply). */
  | { type: 'draft'; text: string; templateId?: string | undefined; channel?: 'private' | undefined; assist?: DraftAssist | undefined; translation?: DraftTranslation | undefined }
  | { type: 'approve' }
  | { type: 'reject'; note: string }
  | { type: 'send' }
  | { type: 'sent'; reply: Reply }
  | { type: 'send_failed'; error: string }
  /**
   * A private draft reached the author (system): as a direct message (`dm`), or as a public
   * reply inviting one (`invitation`, with the reply).
   */
  | { type: 'private_sent'; via: 'dm' | 'invitation'; message: PrivateEntry; reply?: Reply | undefined }
  /** The author wrote to us privately about this case (system). */
  | { type: 'private_in'; message: PrivateEntry }
  /**
   * The brand wrote to the author privately from the network's own app, outside Earshot
   * (system, heard by the private poll): kept on the case as ours; not the customer's.
   */
  | { type: 'private_outside'; message: PrivateEntry }
  /**
   * Raise the case to the group's leads: why (`reason`), and the leads it is for (principal
   * refs, resolved to people by the caller: the one picked, or every lead of the group).
   */
  | { type: 'escalate'; note?: string | undefined; reason?: string | undefined; leads?: string[] | undefined }
  /** Take the escalation back: the case returns to where it was before it. */
  | { type: 'deescalate' }
  | { type: 'snooze'; until: string }
  | { type: 'wake' }
  | { type: 'ignore'; reason: string }
  /** Move the case to another skill group: its card leaves this group's channel for the other's. */
  | { type: 'reroute'; to: string; note?: string | undefined }
  /** Correct what screening said about the post (staff know better; the model learns from it). */
  | { type: 'retag'; sentiment?: Sentiment | undefined; intent?: Intent | undefined }
  /** Move the conversation to a private channel with a private template; nothing is posted publicly. */
  | { type: 'redirect'; templateId: string }
  | { type: 'close'; note?: string | undefined }
  | { type: 'reopen'; note?: string | undefined }
  /** The author wrote again in the same conversation (system). */
  | { type: 'follow_up'; post: FollowUp }
  /** Take a folded near-duplicate (a sample, by its mention key) out of the case: it becomes a case of its own. */
  | { type: 'split'; key: string }
  /** The claim lease ran out (system). */
  | { type: 'expire_claim' }
  /** An internal note from the card's thread: kept on the case, does not change its version. */
  | { type: 'note'; note: CaseNote }
  /** An SLA reminder or escalation done (system): recorded once, does not change the version. */
  | { type: 'sla_mark'; key: string; note: string };

export type CommandType = CaseCommand['type'];

/** Commands that annotate a case without changing what a click on its card means: the version stays. */
export const ANNOTATIONS: readonly CommandType[] = ['note', 'sla_mark'];

