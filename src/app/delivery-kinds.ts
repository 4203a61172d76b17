import * as z from 'zod';
import { ActorSchema } from '../domain/actor.js';
import { ALERT_KINDS } from '../cases/alerts.js';
import { CardViewSchema, viewTarget } from '../domain/case.js';
import { messageKind, MessageKinds, type KindHandler, type KindHandlers, type KindMessage, type PayloadIn, type PayloadOut } from '../outbox/message-kinds.js';
import type { CaseRepository } from './case-repository.js';

/** What the resource rules may look up: the case an item is about (its cards, its source). */
type ResourceContext = Pick<CaseRepository, 'get'>;

const kind = messageKind<ResourceContext>();
const platform = z.enum(['slack', 'teams']);
const caseLane = (p: { caseId: string }): string => `case:${p.caseId}`;
const postInto = (p: { platform: string; target: string }): string => `${p.platform}.post:${p.target}`;

/** A case change's durable work, retried by the outbox (see DurableListener in case-listeners.ts). */
const DurableWorkSchema = z.object({
  caseId: z.string(),
  /** `<version>:<audit length>`: the change the work belongs to. */
  change: z.string(),
  /** The listener's own, checked by the listener (it also runs on work that never left memory). */
  payload: z.record(z.string(), z.unknown()),
});
/** A lane per listener and case: a rollup that keeps failing holds back neither the case's cards nor other cases' rollups. */
const durable = <K extends string>(k: K) => kind({ payload: DurableWorkSchema, lane: (p) => `${k}:${p.caseId}` });

/**
 * Every kind of message the app puts in the outbox, in one place: the payload each
 * carries, the lane it is ordered on, the coalescing slot it takes and the rate-limited
 * resource it spends (named as rate-limits.ts names them, asked once per item before the
 * delivery starts, so items for a busy resource wait in the store). The handlers live with
 * the rooms whose services they need (deliveries.ts, storm-deliveries.ts, retention.ts,
 * the durable case listeners); {@link DeliveryHandlers} makes each one take its kind's
 * payload, and the start-up test checks that every kind has one.
 */
export const deliveryKinds = MessageKinds.of<ResourceContext>()({
  /** A case's card into one channel of its group. `resolved`: a Teams conversation the target was resolved to. */
  'card.post': kind({
    payload: z.object({ caseId: z.string(), platform, target: z.string(), resolved: z.string().optional() }),
    lane: caseLane,
    coalesce: (p) => `post:${p.caseId}:${p.platform}:${p.target}`,
    resource: postInto,
  }),
  /** Every card of a case, refreshed to show the case as it is when the delivery runs. */
  'card.update': kind({
    payload: z.object({ caseId: z.string() }),
    lane: caseLane,
    coalesce: (p) => `update:${p.caseId}`,
    // The workspace's chat.update budget of the case's first surface.
    resource: async (p, repo) => {
      const v = (await repo.get(p.caseId))?.views[0];
      return v ? `${v.platform}.update` : undefined;
    },
  }),
  /** The case moved to another group: retire its cards in the old group's channels, post it in the new one's. */
  'card.move': kind({
    payload: z.object({ caseId: z.string(), group: z.string(), from: z.string(), by: z.string().optional() }),
    lane: caseLane,
  }),
  /** A purged case's cards replaced by a notice that it was removed; the views travel, since the case is gone. */
  'card.redact': kind({
    payload: z.object({ caseId: z.string(), views: z.array(CardViewSchema), why: z.string().optional() }),
    lane: caseLane,
  }),
  /** A line in each card's thread. `done`: the surfaces it reached already, kept across retries. */
  'thread.note': kind({
    payload: z.object({ caseId: z.string(), text: z.string(), at: z.string(), note: z.string().nullable().optional(), done: z.array(z.string()).optional() }),
    lane: caseLane,
    resource: async (p, repo) => {
      const v = (await repo.get(p.caseId))?.views[0];
      return v ? `${v.platform}.post:${viewTarget(v)}` : undefined;
    },
  }),
  /** The public reply of a case in `sending`. `resumed`: an earlier life may have posted it, so look first. */
  'reply.send': kind({
    payload: z.object({ caseId: z.string(), version: z.number(), resumed: z.boolean().optional() }),
    // Its own lane: a slow chat API must not hold back the reply, nor the reverse.
    lane: (p) => `reply:${p.caseId}`,
    // The account's window on the network.
    resource: async (p, repo) => {
      const c = await repo.get(p.caseId);
      return c ? `${c.mention.network}.reply:${c.mention.source}` : undefined;
    },
  }),
  /** Plain text into a channel (SLA breaches to leads, the digest); the caller names the lane. */
  'notice.post': kind({
    payload: z.object({ platform, target: z.string(), text: z.string() }),
    lane: 'given',
    resource: postInto,
  }),
  /** A chart into a channel, after the digest's text on the same lane. */
  'image.post': kind({
    payload: z.object({ platform, target: z.string(), title: z.string(), filename: z.string(), png: z.string() }),
    lane: 'given',
    resource: postInto,
  }),
  /** A storm's card into one channel. */
  'storm.post': kind({
    payload: z.object({ stormId: z.string(), platform, target: z.string() }),
    lane: (p) => `storm:${p.stormId}`,
    coalesce: (p) => `storm-post:${p.stormId}:${p.platform}:${p.target}`,
    resource: postInto,
  }),
  /** A storm's cards refreshed, on the budget of the surface that paces them. */
  'storm.update': kind({
    payload: z.object({ stormId: z.string(), platform: platform.optional() }),
    lane: (p) => `storm:${p.stormId}`,
    coalesce: (p) => `storm-update:${p.stormId}`,
    resource: (p) => `${p.platform ?? 'slack'}.update`,
  }),
  /** A batch of a storm's send or close: the members with join numbers in (after, through]. */
  'storm.work': kind({
    payload: z.object({ stormId: z.string(), mode: z.enum(['reply', 'close']), after: z.number(), through: z.number(), by: ActorSchema.optional() }),
    lane: (p) => `storm-work:${p.stormId}`,
  }),
  /**
   * Personal alerts about one case: the DMs of one kind (an assignment offer, a draft
   * waiting for approval…) brought up to date with the case, or closed once it stopped
   * pending; `event`: a one-off alert (an SLA reminder, a lapsed claim) to given people.
   * Coalesced per case and kind, so many changes while one waits make one delivery; each
   * DM post spends that person's DM channel's pace (`slack.post:direct:<user>`), each
   * update the workspace's chat.update budget, both asked per call in alerts.ts.
   */
  'alert.direct': kind({
    payload: z.object({
      caseId: z.string(),
      kind: z.enum(ALERT_KINDS),
      event: z.object({ to: z.array(z.string()).max(100), note: z.string().max(2000) }).optional(),
    }),
    lane: (p) => `alert:${p.caseId}:${p.kind}`,
    coalesce: (p) => (p.event ? `alert:${p.caseId}:${p.kind}:${p.event.note.slice(0, 200)}` : `alert:${p.caseId}:${p.kind}`),
  }),
  /** What a case change asks of the personal alerts, planned with the change (durable). */
  'alert.plan': durable('alert.plan'),
  // --- The personal queue ---
  /** A person's App Home re-published: one per person at a time (coalesced), paced as views.publish (Tier 4). */
  'home.publish': kind({
    payload: z.object({ platform: z.literal('slack'), user: z.string() }),
    lane: (p) => `home:${p.user}`,
    coalesce: (p) => `home:${p.platform}:${p.user}`,
    resource: () => 'slack.home',
  }),
  // --- AI assist (only while assist: is configured) ---
  /** AI assist writes what the case lacks (translation, summary, brief), then refreshes its card; off the card's own lane. */
  'assist.insight': kind({
    payload: z.object({ caseId: z.string() }),
    lane: (p) => `assist:${p.caseId}`,
    coalesce: (p) => `assist:${p.caseId}`,
  }),
  /** An escalation's lead-channel notice, posted once AI assist's brief is written (or could not be). */
  'assist.lead-notice': kind({
    payload: z.object({ caseId: z.string(), lines: z.array(z.string().max(4000)).max(20) }),
    lane: (p) => `assist:${p.caseId}`,
  }),
  /** A case change's metrics rollup that failed at once and is retried. */
  'metrics.rollup': durable('metrics.rollup'),
  /** A staff decision's label that failed at once and is retried. */
  'learn.label': durable('learn.label'),
  /** A post split out of a case, back into the inbox to open a case of its own, retried. */
  'case.split': durable('case.split'),
});

type Table = typeof deliveryKinds.table;

export type DeliveryKind = keyof Table;
/** What enqueuing a kind takes. */
export type DeliveryPayload<K extends DeliveryKind> = PayloadIn<Table, K>;
/** What a kind's handler gets, as its schema read it. */
export type DeliveredPayload<K extends DeliveryKind> = PayloadOut<Table, K>;
/** Every message the outbox may hold, by kind. */
export type DeliveryMessage = KindMessage<Table>;
export type DeliveryHandler<K extends DeliveryKind> = KindHandler<Table, K>;
export type DeliveryHandlers = KindHandlers<Table>;

/** The kinds whose work is a case change's durable work (DurableListener). */
export type DurableKind = { [K in DeliveryKind]: Table[K]['payload'] extends typeof DurableWorkSchema ? K : never }[DeliveryKind];
export type DurableWorkPayload = z.output<typeof DurableWorkSchema>;

/** Is `kind` one whose work is a case change's durable work? */
export const isDurableKind = (k: string): k is DurableKind => deliveryKinds.has(k) && deliveryKinds.table[k]?.payload === DurableWorkSchema;

/** Typed enqueue: the payload must be its kind's, and the lane and coalescing slot come from the table. */
export const enqueueDelivery: typeof deliveryKinds.enqueue = (...args) => deliveryKinds.enqueue(...args);
