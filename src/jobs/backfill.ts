/**
 * `earshot backfill`: fetching a source's posts since a given time, on purpose.
 *
 * Listening reaches back only a short look-back on a first start; older history is
 * fetched here instead. The backfill polls through the source's own adapter, built with
 * its look-back reaching to `since`, and records what it hears through the same
 * `recordPoll` inbox as listening, so de-duplication, screening, routing and the cards
 * are the bot's usual ones. It never writes the source's live cursor: its own position
 * is kept under a key of its own, so a backfill stopped by the budget carries on from
 * there when run again with the same `since`.
 */
import { INBOX, MENTION_CASE, recordPoll } from '../app/pipeline.js';
import { parseDuration } from '../config/duration.js';
import { mentionKey } from '../domain/mention.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { Store } from '../store/store.js';
import { planPoll, readUsage, recordSpend, windowStartOf, type Budget } from './poll-budget.js';

/** X's recent search keeps seven days: an older start is refused by X itself. */
export const X_BACKFILL_MAX_MS = 7 * 86_400_000;

/** Where a backfill stopped, to carry on from (never the live cursor). */
export const BACKFILL_POSITION = (source: string) => `backfill:${source}`;
/** A stopped backfill's position is kept this long: past it, X no longer holds the posts anyway. */
const POSITION_TTL_MS = 8 * 86_400_000;

/** A `--since` that cannot be used; the message names the flag and what to give instead. */
export class BackfillArgumentError extends Error {
  readonly code = 'BACKFILL_ARGUMENT';
  constructor(message: string) {
    super(message);
    this.name = 'BackfillArgumentError';
  }
}

/**
 * Reads `--since`: an ISO date or time (`2026-12-01`, `2026-12-01T09:00Z`), or a duration
 * back from now (`6h`, `3d`). The result is in the past.
 */
export function parseSince(text: string, now: number): number {
  const t = text.trim();
  const hint = 'give an ISO date or time (2026-12-01, 2026-12-01T09:00:00Z) or a duration back from now (30m, 6h, 3d)';
  let at: number;
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    at = Date.parse(t);
    if (Number.isNaN(at)) throw new BackfillArgumentError(`--since "${text}" is not a date or time: ${hint}`);
  } else {
    const ms = parseDuration(t);
    if (ms === undefined) throw new BackfillArgumentError(`--since "${text}" is neither a date nor a duration: ${hint}`);
    at = now - ms;
  }
  if (at >= now) throw new BackfillArgumentError(`--since "${text}" is not in the past: ${hint}`);
  return at;
}

/** Refuses a start the network cannot reach back to (X recent search: seven days). */
export function checkReach(network: string, source: string, since: number, now: number): void {
  if (network === 'x' && now - since > X_BACKFILL_MAX_MS) {
    const days = ((now - since) / 86_400_000).toFixed(1);
    throw new BackfillArgumentError(
      `--since reaches ${days} days back, but X's recent search keeps only the last 7 days: source "${source}" can be backfilled from ${new Date(now - X_BACKFILL_MAX_MS + 60_000).toISOString()} at the earliest (--since 7d)`,
    );
  }
}

export interface BackfillProgress {
  /** Requests made so far (pages fetched). */
  pages: number;
  /** Posts the source returned (own posts and reposts are already left out). */
  heard: number;
  /** Posts new to the inbox: recorded, or with `dryRun` that would be. */
  recorded: number;
  /** The oldest post time reached (ms), once something was heard. */
  oldest?: number | undefined;
}

export interface BackfillReport extends BackfillProgress {
  /** Everything since `since` was read. */
  complete: boolean;
  /** Whether this run carried on from an earlier one stopped with the same `since`. */
  resumed: boolean;
  /** Why it stopped early (the budget), and when the budget allows more. */
  stopped?: { reason: string; retryAt: number } | undefined;
}

export interface BackfillOptions {
  store: Store;
  /** The source, built with its look-back reaching back to `since`. */
  source: MentionSource;
  since: number;
  budget?: Budget | undefined;
  /** Requests one poll needs at least (one per query), as for listening. */
  requestsPerPoll: number;
  /** Count what would be recorded, record nothing (requests are still spent and counted). */
  dryRun: boolean;
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  onProgress?: ((p: BackfillProgress) => void) | undefined;
  /** Told when the budget's even pace makes the backfill wait (ms). */
  onWait?: ((ms: number, reason: string) => void) | undefined;
}

interface Position { since: number; cursor: string }

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls the source until everything since `since` is read, or the budget for the window
 * is spent. Waits that keep to the budget's even pace within the current window are
 * waited out; a budget that allows nothing more before the window ends (or the month,
 * or the network's own limit) stops the backfill, with where it got to in the report.
 */
export async function backfill(opts: BackfillOptions): Promise<BackfillReport> {
  const { store, source, budget } = opts;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  const key = BACKFILL_POSITION(source.name);
  // A dry run neither continues a stopped backfill nor leaves a position: it would count
  // from a point whose posts it never recorded.
  const stored = opts.dryRun ? undefined : await store.get<Position>(key);
  const resumed = stored?.since === opts.since && typeof stored.cursor === 'string';
  let cursor = resumed ? stored.cursor : undefined;
  const progress: BackfillProgress = { pages: 0, heard: 0, recorded: 0 };
  const counted = new Set<string>();

  for (;;) {
    if (budget) {
      const at = now();
      const plan = planPoll(budget, await readUsage(store, source.name, budget, at), opts.requestsPerPoll, at);
      if (!plan.run) {
        const windowEnd = windowStartOf(at, budget.window) + budget.window;
        if (plan.retryAt >= windowEnd) return { ...progress, complete: false, resumed, stopped: { reason: plan.reason, retryAt: plan.retryAt } };
        opts.onWait?.(plan.retryAt - at, plan.reason);
        await sleep(Math.max(0, plan.retryAt - at));
        continue;
      }
    }
    const result = await source.poll(cursor);
    if (budget) await recordSpend(store, source.name, budget, result.requests, result.rateLimit, now());
    progress.pages += result.requests;
    progress.heard += result.mentions.length;
    for (const m of result.mentions) {
      const k = mentionKey(m);
      const at = Date.parse(m.createdAt);
      if (!Number.isNaN(at) && (progress.oldest === undefined || at < progress.oldest)) progress.oldest = at;
      // New means nothing of it is in the store yet: no case, and not waiting in the inbox.
      if (counted.has(k) || (await store.get(MENTION_CASE(k))) || (await store.get(INBOX(k)))) continue;
      counted.add(k);
      progress.recorded += 1;
    }
    // Recorded as listening records, minus the cursor: the live one is never moved.
    if (!opts.dryRun) await recordPoll(store, source.name, { ...result, cursor: undefined });
    opts.onProgress?.({ ...progress });
    cursor = result.cursor;
    if (!result.more || cursor === undefined) break;
    if (!opts.dryRun) await store.set(key, { since: opts.since, cursor } satisfies Position, POSITION_TTL_MS);
  }
  if (!opts.dryRun) await store.delete(key);
  return { ...progress, complete: true, resumed };
}
