import { PRIVATE_CURSOR, recordPrivatePoll } from '../app/private-inbox.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { Store } from '../store/store.js';

export interface PrivateListenOutcome {
  source: string;
  /** False when another instance holds this tick, or the account may not read private messages. */
  ran: boolean;
  heard: number;
  added: number;
  requests: number;
  /** Why nothing was read (the account's access says it may not). */
  skipped?: string | undefined;
}

/**
 * One private-message listening tick for one source: take the lease (one instance per
 * tick), read the private cursor, poll, record the customers' messages in the private
 * inbox and only then move the cursor (recordPrivatePoll).
 */
export async function runPrivateListen(opts: { store: Store; source: MentionSource; instanceId: string; intervalMs: number }): Promise<PrivateListenOutcome> {
  const { store, source } = opts;
  const pm = source.private;
  const none = { source: source.name, heard: 0, added: 0, requests: 0 };
  if (!pm) return { ...none, ran: false, skipped: `${source.network} has no private messages` };
  if (!(await store.acquireLease(`job:listen-private:${source.name}`, opts.instanceId, Math.max(1000, Math.floor(opts.intervalMs * 0.9))))) return { ...none, ran: false };
  const access = await pm.access();
  if (!access.canRead) return { ...none, ran: false, skipped: access.canStart ? 'the account may not read private messages' : access.reason };
  const cursor = await store.get<string>(PRIVATE_CURSOR(source.name));
  const result = await pm.pollPrivate(cursor);
  const added = await recordPrivatePoll(store, source, result);
  return { source: source.name, ran: true, heard: result.messages.length, added, requests: result.requests };
}
