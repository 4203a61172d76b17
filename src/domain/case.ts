import * as z from 'zod';
import { ActorSchema } from './actor.js';
import { MentionSchema } from './mention.js';
import { ScreeningSchema } from './screening.js';

export const CASE_STATUSES = [
  'new', 'claimed', 'drafted', 'rejected', 'approved', 'sending', 'sent',
  'escalated', 'snoozed', 'closed', 'ignored', 'redirected',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/**
 * A draft that started from an AI assist suggestion: what the model suggested, what it was
 * grounded on, and how much the agent changed it (0 = sent as suggested, 1 = rewritten).
 */
export const DraftAssistSchema = z.object({
  suggestion: z.string(),
  sources: z.object({ templates: z.array(z.string()), cases: z.array(z.string()), knowledge: z.array(z.string()) }),
  changed: z.number().min(0).max(1),
});
export type DraftAssist = z.infer<typeof DraftAssistSchema>;

/**
 * A draft translated by AI assist into the author's language: `text` (what is sent) is the
 * translation; the agent wrote `original`, in `from`. The approver sees both.
 */
export const DraftTranslationSchema = z.object({ original: z.string(), from: z.string().optional(), to: z.string() });
export type DraftTranslation = z.infer<typeof DraftTranslationSchema>;

export const DraftSchema = z.object({
  text: z.string(),
  by: ActorSchema,
  at: z.string(),
  templateId: z.string().optional(),
  /** `private`: a message to the author alone (Move to DM, a private reply); absent: the public reply. */
  channel: z.enum(['public', 'private']).optional(),
  assist: DraftAssistSchema.optional(),
  translation: DraftTranslationSchema.optional(),
});
export type Draft = z.infer<typeof DraftSchema>;

export const AuditEntrySchema = z.object({
  at: z.string(),
  actor: ActorSchema,
  action: z.string(),
  from: z.enum(CASE_STATUSES),
  to: z.enum(CASE_STATUSES),
  note: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** Where a case's card is shown; one case may have several views (Slack and Teams). */
export const CardViewSchema = z.discriminatedUnion('platform', [
  z.object({ platform: z.literal('slack'), channel: z.string(), ts: z.string() }),
  z.object({ platform: z.literal('teams'), conversationId: z.string(), activityId: z.string() }),
]);
export type CardView = z.infer<typeof CardViewSchema>;

/** The channel (Slack) or conversation (Teams) a card is shown in: what a channel binding names. */
export const viewTarget = (v: CardView): string => (v.platform === 'slack' ? v.channel : v.conversationId);

/** The same card: same surface, same channel, same message. */
export const sameView = (a: CardView, b: CardView): boolean =>
  a.platform === b.platform && viewTarget(a) === viewTarget(b) && (a.platform === 'slack' ? a.ts === (b as typeof a).ts : a.activityId === (b as typeof a).activityId);

export const ReplySchema = z.object({ id: z.string(), url: z.string(), at: z.string(), text: z.string() });
export type Reply = z.infer<typeof ReplySchema>;

/**
 * An internal note, kept on the case (never sent publicly): a reply in the card's thread,
 * or the note written for the receiving group when the case was moved.
 */
export const CaseNoteSchema = z.object({
  /** Where it came from (`slack:<channel>:<ts>`; `move:<version>` for a move), so a redelivered event is kept once. */
  id: z.string(),
  at: z.string(),
  by: ActorSchema,
  text: z.string(),
  /** A move's note: the group the case was moved out of. */
  movedFrom: z.string().optional(),
});
export type CaseNote = z.infer<typeof CaseNoteSchema>;

/** A later post by the same author in the same conversation, folded into the case. */
export const FollowUpSchema = z.object({ id: z.string(), text: z.string(), at: z.string(), url: z.string() });
export type FollowUp = z.infer<typeof FollowUpSchema>;

/**
 * One message of the private conversation with the author, in either direction: what the
 * customer wrote (`in`) or what reached them from us (`out`). Untrusted text like a mention.
 */
export const PrivateEntrySchema = z.object({
  /** The network's message id (for a public invitation: the reply's id). */
  id: z.string(),
  direction: z.enum(['in', 'out']),
  text: z.string(),
  at: z.string(),
  /** Who sent ours (the person who pressed Send). */
  by: ActorSchema.optional(),
  /** Ours, but sent from the network's own app, not through Earshot (heard by the private poll). */
  outside: z.boolean().optional(),
});
export type PrivateEntry = z.infer<typeof PrivateEntrySchema>;

/**
 * The private conversation of a case. `via` says how Move to DM reached the author: a
 * first direct message (`dm`), or a public reply inviting them to write one
 * (`invitation`, where the network or the account's access cannot start a DM).
 */
export const PrivateConversationSchema = z.object({
  via: z.enum(['dm', 'invitation']),
  to: z.object({ id: z.string(), handle: z.string() }),
  /** When the conversation moved to private (the first message reached the author, or theirs came in). */
  at: z.string(),
  messages: z.array(PrivateEntrySchema).default([]),
  /** The case was opened by a private message (no public post before it). */
  opened: z.boolean().optional(),
});
export type PrivateConversation = z.infer<typeof PrivateConversationSchema>;

/** Routing to people: the agent a case is offered to now, and since when. */
export const AssignmentSchema = z.object({
  to: ActorSchema,
  mode: z.enum(['assign', 'suggest']),
  at: z.string(),
});
export type Assignment = z.infer<typeof AssignmentSchema>;

/**
 * A case: one mention worked by staff. `version` grows by one on every change and is
 * what compare-and-set and stale-click detection compare.
 */
export const CaseSchema = z.object({
  id: z.string(),
  version: z.number().int().nonnegative(),
  mention: MentionSchema,
  screening: ScreeningSchema,
  group: z.string(),
  status: z.enum(CASE_STATUSES),
  owner: ActorSchema.optional(),
  draft: DraftSchema.optional(),
  approvals: z.array(ActorSchema).default([]),
  rejection: z.object({ by: ActorSchema, note: z.string(), at: z.string() }).optional(),
  reply: ReplySchema.optional(),
  /** The status before escalation, so de-escalation can return to it. */
  escalatedFrom: z.enum(CASE_STATUSES).optional(),
  /**
   * The current escalation: who raised it and why, and the leads it is for (principal refs
   * as in the policy, e.g. `slack:U0123ABCD`, `teams:<AAD id>`), fixed when it was raised.
   * Cleared on de-escalation (the audit keeps it).
   */
  escalation: z.object({
    at: z.string(),
    by: ActorSchema,
    reason: z.string().optional(),
    leads: z.array(z.string()).default([]),
  }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  views: z.array(CardViewSchema).default([]),
  audit: z.array(AuditEntrySchema).default([]),
  /** How many near-identical posts were folded into this case. */
  duplicates: z.number().int().nonnegative().default(0),
  /**
   * The folded posts kept as samples (the newest few; the card shows them, Split works on
   * them), and the keys of the latest folds, so a post processed twice counts once.
   */
  similar: z.object({
    samples: z.array(z.object({ key: z.string(), mention: MentionSchema, at: z.string() })).default([]),
    recent: z.array(z.string()).default([]),
  }).optional(),
  /** When the current owner claimed it, and when they last did something (the claim lease runs from there). */
  claimedAt: z.string().optional(),
  activeAt: z.string().optional(),
  assignment: AssignmentSchema.optional(),
  /** Every agent the case has been offered to, in order (the current one last); cleared when it is reopened. */
  offered: z.array(ActorSchema).optional(),
  /** Agents who turned the case down (Decline on an offer), in order; cleared with `offered`. */
  declined: z.array(ActorSchema).optional(),
  snooze: z.object({ until: z.string(), from: z.enum(CASE_STATUSES), by: ActorSchema }).optional(),
  ignored: z.object({ reason: z.string(), by: ActorSchema, at: z.string() }).optional(),
  /** Moved to a private channel with this (private) template; no public reply is posted. */
  redirect: z.object({ templateId: z.string(), by: ActorSchema, at: z.string() }).optional(),
  /** The private conversation with the author, once there is one (see {@link PrivateConversationSchema}). */
  private: PrivateConversationSchema.optional(),
  notes: z.array(CaseNoteSchema).optional(),
  followUps: z.array(FollowUpSchema).optional(),
  /** SLA reminders and escalations already done, by `<clock>.<event>` (e.g. `firstResponse.breach`), with when. */
  slaMarks: z.record(z.string(), z.string()).optional(),
});
export type Case = z.infer<typeof CaseSchema>;

export const OPEN_STATUSES: readonly CaseStatus[] = ['new', 'claimed', 'drafted', 'rejected', 'approved', 'sending', 'escalated', 'snoozed'];
export const isOpen = (s: CaseStatus): boolean => OPEN_STATUSES.includes(s);

/**
 * Did this audit entry put a message in front of the customer? A public reply (`sent`), a
 * private message or public invitation (`private_sent`), or a private message the brand
 * sent from the network's own app (`private_outside`, heard by the private poll). Moving a case to private without
 * sending anything (`redirect`) is not a response.
 */
export const reachedCustomer = (e: Pick<AuditEntry, 'action'>): boolean => e.action === 'sent' || e.action === 'private_sent' || e.action === 'private_outside';

/** When the first message reached the customer (the first response), if one has. */
export const firstResponseAt = (c: Pick<Case, 'audit'>): string | undefined => c.audit.find(reachedCustomer)?.at;
