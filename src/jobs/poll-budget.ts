import type { SourceConfig } from '../config/schema.js';
import type { Store } from '../store/store.js';

/** A source's request budget (the team's API tier), as configured. */
export type Budget = NonNullable<SourceConfig['budget']>;

/** What has been spent, as kept in the store. */
export interface BudgetUsage {
  /** Requests in the current window, and when that window started (ms). */
  window: number;
  windowStart: number;
  /** Requests this calendar month (UTC). */
  month: number;
  /** The network's own word, from the last answer's x-rate-limit-remaining / reset. */
  rateLimit?: { remaining: number; resetAt: number } | undefined;
}

export type PollPlan =
  | { run: true }
  | { run: false; reason: string; retryAt: number };

const monthStart = (now: number) => { const d = new Date(now); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1); };
const monthEnd = (now: number) => { const d = new Date(now); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1); };
export const windowStartOf = (now: number, windowMs: number) => now - (now % windowMs);

/**
 * Decides whether a listening tick may poll now. Pure: `now` is given.
 *
 * - The network's own count comes first: with `x-rate-limit-remaining` at 0 (or at the
 *   requests one poll needs) nothing is asked before `x-rate-limit-reset`.
 * - The window budget is spread evenly: by any moment of the window the source may have
 *   spent its share so far plus one poll, so a burst of ticks cannot use the whole
 *   window in its first minute and then go deaf.
 * - The monthly cap is spread the same way over the month, with a day's share of slack.
 */
export function planPoll(budget: Budget, usage: BudgetUsage, needed: number, now: number): PollPlan {
  const rl = usage.rateLimit;
  if (rl && rl.resetAt > now && rl.remaining < needed) {
    return { run: false, reason: `the network allows ${rl.remaining} more request(s) until ${new Date(rl.resetAt).toISOString()}`, retryAt: rl.resetAt };
  }
  const ws = windowStartOf(now, budget.window);
  const spent = usage.windowStart === ws ? usage.window : 0;
  const elapsed = (now - ws) / budget.window;
  const allowed = Math.min(budget.perWindow, Math.ceil(budget.perWindow * elapsed) + needed);
  if (spent + needed > allowed) {
    const ahead = spent + needed - Math.ceil(budget.perWindow * elapsed);
    const wait = spent + needed > budget.perWindow ? ws + budget.window - now : Math.ceil((ahead / budget.perWindow) * budget.window);
    return { run: false, reason: `${spent} of ${budget.perWindow} requests spent in this window; keeping to an even pace`, retryAt: now + Math.max(1000, wait) };
  }
  if (budget.perMonth !== undefined) {
    const ms = monthStart(now);
    const span = monthEnd(now) - ms;
    const allowedMonth = Math.min(budget.perMonth, Math.ceil(budget.perMonth * ((now - ms + 86_400_000) / span)));
    if (usage.month + needed > allowedMonth) {
      const full = usage.month + needed > budget.perMonth;
      return {
        run: false,
        reason: full ? `the monthly budget of ${budget.perMonth} requests is spent` : `${usage.month} of ${budget.perMonth} monthly requests spent; keeping to an even pace`,
        retryAt: full ? monthEnd(now) : now + Math.ceil(span / budget.perMonth),
      };
    }
  }
  return { run: true };
}

const KEY = (source: string) => `budget:${source}`;
const monthKey = (now: number) => new Date(now).toISOString().slice(0, 7);

/** Reads what a source has spent (the store is shared by instances and listening workers). */
export async function readUsage(store: Store, source: string, budget: Budget, now: number): Promise<BudgetUsage> {
  const ws = windowStartOf(now, budget.window);
  const counts = await store.hGetAll(KEY(source));
  const rl = await store.get<{ remaining: number; resetAt: number }>(`${KEY(source)}:rl`);
  return { window: counts[`w:${ws}`] ?? 0, windowStart: ws, month: counts[`m:${monthKey(now)}`] ?? 0, rateLimit: rl };
}

/** Records what a poll spent, and the network's own count. */
export async function recordSpend(store: Store, source: string, budget: Budget, requests: number, rateLimit: BudgetUsage['rateLimit'], now: number): Promise<void> {
  if (requests > 0) {
    await store.hIncr(KEY(source), `w:${windowStartOf(now, budget.window)}`, requests);
    await store.hIncr(KEY(source), `m:${monthKey(now)}`, requests);
  }
  if (rateLimit) await store.set(`${KEY(source)}:rl`, rateLimit, Math.max(1000, rateLimit.resetAt - now + 60_000));
}

/** What is left, for `/earshot budget` and /metrics. */
export async function budgetLeft(store: Store, source: string, budget: Budget, now: number) {
  const u = await readUsage(store, source, budget, now);
  return {
    window: budget.perWindow - u.window,
    perWindow: budget.perWindow,
    windowEndsAt: u.windowStart + budget.window,
    month: budget.perMonth !== undefined ? budget.perMonth - u.month : undefined,
    perMonth: budget.perMonth,
    apiRemaining: u.rateLimit && u.rateLimit.resetAt > now ? u.rateLimit.remaining : undefined,
    apiResetAt: u.rateLimit?.resetAt,
  };
}
