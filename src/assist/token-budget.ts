import type { Store } from '../store/store.js';

const KEY = 'assist:tokens';

/**
 * AI assist's daily token budget (`assist.dailyTokens`), counted per UTC day in the store,
 * so every instance spends from one budget.
 */
export class TokenBudget {
  constructor(private readonly store: Store, readonly perDay: number) {}

  /** Tokens spent on the day of `now` (an ISO instant). */
  async spent(now: string): Promise<number> {
    return (await this.store.hGetAll(KEY))[now.slice(0, 10)] ?? 0;
  }

  async exhausted(now: string): Promise<boolean> {
    return (await this.spent(now)) >= this.perDay;
  }

  async spend(tokens: number, now: string): Promise<void> {
    if (tokens > 0) await this.store.hIncr(KEY, now.slice(0, 10), Math.ceil(tokens));
  }
}
