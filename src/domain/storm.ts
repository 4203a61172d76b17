import * as z from 'zod';
import { ActorSchema } from './actor.js';
import { CardViewSchema } from './case.js';

/**
 * Storm mode. When a group's mentions arrive faster than its channel can show cards, the
 * group switches to one live storm card per topic: the mentions still become cases (none
 * is lost), but they are counted on the storm card instead of each getting a card, and
 * staff can answer them all with one approved template reply.
 */
export const STORM_ACTIONS = ['storm.draft', 'storm.approve', 'storm.discard', 'storm.send', 'storm.close'] as const;
export type StormActionId = (typeof STORM_ACTIONS)[number];
export const isStormActionId = (s: string): s is StormActionId => (STORM_ACTIONS as readonly string[]).includes(s);

export const STORM_STATUSES = ['live', 'calm', 'closed'] as const;
export type StormStatus = (typeof STORM_STATUSES)[number];

/** The template reply staff prepared for everyone in the storm. */
export const StormReplySchema = z.object({
  templateId: z.string(),
  by: ActorSchema,
  at: z.string(),
  approvals: z.array(ActorSchema).default([]),
  status: z.enum(['drafted', 'approved', 'sending', 'queued']),
  sender: ActorSchema.optional(),
  /** Members up to this join number are answered by this send. */
  through: z.number().int().nonnegative().default(0),
});
export type StormReply = z.infer<typeof StormReplySchema>;

export const StormSchema = z.object({
  id: z.string(),
  version: z.number().int().nonnegative(),
  group: z.string(),
  topic: z.string(),
  status: z.enum(STORM_STATUSES),
  startedAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.string().optional(),
  reply: StormReplySchema.optional(),
  views: z.array(CardViewSchema).default([]),
  /**
   * The channels the card was posted for, as the group binds them (`teams:Care - Billing`):
   * a view says where the card is (on Teams, its thread), which need not name the binding.
   */
  posted: z.array(z.string()).optional(),
});
export type Storm = z.infer<typeof StormSchema>;
