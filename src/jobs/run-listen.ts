import { CURSOR, recordPoll } from '../app/pipeline.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { CursorReport } from '../sources/source-cursor.js';
import type { Store } from '../store/store.js';
import { planPoll, readUsage, recordSpend, type Budget } from './poll-budget.js';
import { STREAM_LIVE } from './stream-job.js';

export interface ListenOutcome {
  source: string;
  /** False when another instance holds this tick. */
  ran: boolean;
  heard: number;
  added: number;
  requests: number;
  rateLimit?: { remaining: number; resetAt: number } | undefined;
  /** Why the tick did not poll (the request budget), and when it may. */
  skipped?: { reason: string; retryAt: number } | undefined;
  /** Parts of the source that failed while the rest was heard (see PollResult.problems). */
  problems?: string[] | undefined;
  /** The stored cursor could not be read: this tick listened from the look-back and stored a fresh one. */
  cursorUnreadable?: CursorReport | undefined;
  /** The tick did not poll: the source's stream is connected (stream mode). */
  streaming?: boolean | undefined;
}

/**
 * One listening tick for one source: take the job lease (one instance per tick), read
 * the cursor, poll, record what was heard, move the cursor (an unreadable one is replaced
 * here, by the cursor of a poll that listened from the look-back). The lease is kept until it
 * expires, so another instance's tick within the same interval finds it taken; if
 * this instance dies the lease lapses and another takes over within one interval.
 */
export async function runListen(opts: {
  store: Store; source: MentionSource; instanceId: string; intervalMs: number;
  /** The source's request budget; ticks that would overspend it are skipped. */
  budget?: Budget | undefined;
  /** Requests one poll needs at least (one per query). */
  requestsPerPoll?: number;
  now?: () => number;
}): Promise<ListenOutcome> {
  const { store, source } = opts;
  const lease = `job:listen:${source.name}`;
  if (!(await store.acquireLease(lease, opts.instanceId, Math.max(1000, Math.floor(opts.intervalMs * 0.9))))) {
    return { source: source.name, ran: false, heard: 0, added: 0, requests: 0 };
  }
  const now = opts.now ?? Date.now;
  // A source in stream mode whose stream is connected (on any instance) is heard there;
  // polling is its fallback while the stream is down, and fills the gap when it is back.
  if (await store.get(STREAM_LIVE(source.name))) {
    return { source: source.name, ran: false, heard: 0, added: 0, requests: 0, streaming: true };
  }
  if (opts.budget) {
    const plan = planPoll(opts.budget, await readUsage(store, source.name, opts.budget, now()), opts.requestsPerPoll ?? 1, now());
    if (!plan.run) return { source: source.name, ran: false, heard: 0, added: 0, requests: 0, skipped: { reason: plan.reason, retryAt: plan.retryAt } };
  }
  const cursor = await store.get<string>(CURSOR(source.name));
  const result = await source.poll(cursor);
  if (opts.budget) await recordSpend(store, source.name, opts.budget, result.requests, result.rateLimit, now());
  const added = await recordPoll(store, source.name, result);
  return {
    source: source.name, ran: true, heard: result.mentions.length, added, requests: result.requests, rateLimit: result.rateLimit, ...(result.problems?.length ? { problems: result.problems } : {}),
    ...(result.cursorUnreadable ? { cursorUnreadable: result.cursorUnreadable } : {}),
  };
}
