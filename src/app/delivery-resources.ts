import { viewTarget } from '../domain/case.js';
import type { OutboxItem } from '../outbox/outbox.js';
import type { CaseRepository } from './case-repository.js';

/** What deliveries need from the rate limits: run a call when its resource allows it. */
export interface CallLimiter {
  schedule<T>(resource: string | undefined, fn: () => Promise<T>): Promise<T>;
}

/** A call through the limiter, or straight through when there is none. */
export function limitedCall(limits: CallLimiter | undefined) {
  return <T>(resource: string, fn: () => Promise<T>): Promise<T> => (limits ? limits.schedule(resource, fn) : fn());
}

/**
 * Which rate-limited resource an outbox item spends, named as rate-limits.ts names them:
 * posting into a channel spends that channel's pace (`slack.post:C…`), refreshing a card
 * spends the workspace's chat.update budget, a public reply spends the account's window
 * on the network (`x.reply:<source>`). The outbox asks this once per item, before it
 * starts the delivery, so items for a busy resource wait without being attempted.
 */
export async function deliveryResource(item: OutboxItem, repo: Pick<CaseRepository, 'get'>): Promise<string | undefined> {
  const p = item.payload;
  switch (item.kind) {
    case 'card.post':
    case 'notice.post':
    case 'image.post':
    case 'storm.post':
      return `${String(p.platform)}.post:${String(p.target)}`;
    case 'card.update':
    case 'storm.update': {
      if (item.kind === 'storm.update') return `${String(p.platform ?? 'slack')}.update`;
      const c = await repo.get(String(p.caseId));
      const v = c?.views[0];
      return v ? `${v.platform}.update` : undefined;
    }
    case 'thread.note': {
      const c = await repo.get(String(p.caseId));
      const v = c?.views[0];
      return v ? `${v.platform}.post:${viewTarget(v)}` : undefined;
    }
    case 'reply.send': {
      const c = await repo.get(String(p.caseId));
      return c ? `${c.mention.network}.reply:${c.mention.source}` : undefined;
    }
    default:
      return undefined;
  }
}
