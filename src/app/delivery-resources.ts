import type { OutboxItem } from '../outbox/outbox.js';
import type { CaseRepository } from './case-repository.js';
import { deliveryKinds } from './delivery-kinds.js';

/** What deliveries need from the rate limits: run a call when its resource allows it. */
export interface CallLimiter {
  schedule<T>(resource: string | undefined, fn: () => Promise<T>): Promise<T>;
}

/** A call through the limiter, or straight through when there is none. */
export function limitedCall(limits: CallLimiter | undefined) {
  return <T>(resource: string, fn: () => Promise<T>): Promise<T> => (limits ? limits.schedule(resource, fn) : fn());
}

/**
 * Which rate-limited resource an outbox item spends, by its kind's rule in the table
 * (delivery-kinds.ts): posting into a channel spends that channel's pace (`slack.post:C…`),
 * refreshing a card spends the workspace's chat.update budget, a public reply spends the
 * account's window on the network (`x.reply:<source>`). The outbox asks this once per
 * item, before it starts the delivery, so items for a busy resource wait without being
 * attempted.
 */
export function deliveryResource(item: OutboxItem, repo: Pick<CaseRepository, 'get'>): Promise<string | undefined> {
  return deliveryKinds.resourceOf(item, repo);
}
