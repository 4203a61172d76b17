import * as z from 'zod';
import { PRIORITIES } from '../domain/screening.js';
import { durationField } from './duration.js';

/**
 * Storm mode (docs/operations.md): when a group's mentions arrive faster than its channel
 * can show cards, one live storm card per topic stands for them. The channel's capacity
 * comes from the rate limits (about one post per second on Slack); these settings say
 * when to switch and how the storm card behaves.
 */
export const StormConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Switch to storm mode when arrivals over `window` exceed this share of what the channel can show. */
  enterRatio: z.number().positive().max(10).default(0.5),
  /** Switch back once arrivals stay under this share for `calm`. */
  exitRatio: z.number().nonnegative().max(10).default(0.2),
  window: durationField(100).default(60_000),
  calm: durationField(100).default(120_000),
  /** The storm card is refreshed at most this often (and less often when many storms share the chat.update budget). */
  updateEvery: durationField(100).default(10_000),
  /** Mentions that keep their own card during a storm. */
  ownCards: z.strictObject({
    priorities: z.array(z.enum(PRIORITIES)).default(['high', 'urgent']),
    /** Authors with this many followers or more. */
    minFollowers: z.number().int().nonnegative().default(100_000),
    /** At most this many own cards per minute during a storm (urgent and personal-data mentions always get one). */
    perMinute: z.number().int().nonnegative().default(15),
  }).default({ priorities: ['high', 'urgent'], minFollowers: 100_000, perMinute: 15 }),
  /** Topics per group with a card of their own; further topics share an "other" card. */
  maxTopics: z.number().int().min(1).max(20).default(4),
});
export type StormConfig = z.output<typeof StormConfigSchema>;
export const DEFAULT_STORM_CONFIG: StormConfig = StormConfigSchema.parse({});

/**
 * The APIs' rate limits as Earshot paces itself (docs/operations.md). The defaults are the
 * documented ones; change them only when the platform tells you yours differ (an Enterprise
 * Grid workspace, a higher X tier) or to run a local sandbox faster.
 */
export const LimitsConfigSchema = z.strictObject({
  slack: z.strictObject({
    /** chat.postMessage per channel: about 1 per second. */
    postsPerSecond: z.number().positive().max(100).default(1),
    /** chat.update (Tier 3): 50 per minute per workspace. */
    updatesPerMinute: z.number().positive().max(6000).default(50),
  }).default({ postsPerSecond: 1, updatesPerMinute: 50 }),
  /** Public replies per account and window (X: 100 per 15 minutes). */
  replies: z.strictObject({
    perWindow: z.number().int().positive().default(100),
    window: durationField(100).default(900_000),
  }).default({ perWindow: 100, window: 900_000 }),
});
export type LimitsConfig = z.output<typeof LimitsConfigSchema>;
export const DEFAULT_LIMITS_CONFIG: LimitsConfig = LimitsConfigSchema.parse({});
