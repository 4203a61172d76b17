import { describe, expect, it } from 'vitest';
import { budgetLeft, planPoll, recordSpend, windowStartOf, type BudgetUsage } from '../../src/jobs/poll-budget.js';
import { runListen } from '../../src/jobs/run-listen.js';
import type { MentionSource } from '../../src/sources/mention-source.js';
import { openStore } from '../../src/store/open-store.js';

const W = 900_000;
const budget = { perWindow: 60, window: W, perMonth: 10_000 };
const T = Date.UTC(2026, 0, 15, 12, 0, 0);
const ws = windowStartOf(T, W);
const usage = (window: number, month = 0, extra: Partial<BudgetUsage> = {}): BudgetUsage => ({ window, windowStart: ws, month, ...extra });

describe('planPoll (pure)', () => {
  it('lets a poll through at the start of a window', () => {
    expect(planPoll(budget, usage(0), 1, ws)).toEqual({ run: true });
  });

  it('spreads the window: ahead of an even pace, the tick is skipped until the pace catches up', () => {
    // A third of the window gone: 20 of 60 allowed, plus one poll.
    const third = ws + W / 3;
    expect(planPoll(budget, usage(20), 1, third).run).toBe(true);
    const ahead = planPoll(budget, usage(30), 1, third);
    expect(ahead.run).toBe(false);
    if (!ahead.run) {
      expect(ahead.reason).toMatch(/30 of 60 requests spent/);
      expect(ahead.retryAt).toBeGreaterThan(third);
      expect(ahead.retryAt).toBeLessThanOrEqual(ws + W);
    }
  });

  it('never spends more than the window allows, and waits for the next window', () => {
    const late = ws + W - 1000;
    const p = planPoll(budget, usage(60), 1, late);
    expect(p).toMatchObject({ run: false, retryAt: ws + W });
  });

  it('counts a new window from zero', () => {
    expect(planPoll(budget, { window: 60, windowStart: ws - W, month: 0 }, 1, ws + 1).run).toBe(true);
  });

  it("obeys the network's own x-rate-limit-remaining until the reset", () => {
    const p = planPoll(budget, usage(0, 0, { rateLimit: { remaining: 0, resetAt: T + 60_000 } }), 1, T);
    expect(p).toMatchObject({ run: false, retryAt: T + 60_000 });
    expect(planPoll(budget, usage(0, 0, { rateLimit: { remaining: 0, resetAt: T - 1 } }), 1, T).run).toBe(true);
  });

  it('spreads the monthly cap and stops when it is spent', () => {
    // Mid-January: about half the month's budget (plus a day) may be spent.
    expect(planPoll(budget, usage(0, 4000), 1, T).run).toBe(true);
    expect(planPoll(budget, usage(0, 7000), 1, T)).toMatchObject({ run: false });
    const spent = planPoll(budget, usage(0, 10_000), 1, Date.UTC(2026, 0, 31, 23));
    expect(spent).toMatchObject({ run: false, retryAt: Date.UTC(2026, 1, 1) });
    if (!spent.run) expect(spent.reason).toMatch(/monthly budget of 10000 requests is spent/);
  });
});

describe('runListen with a budget', () => {
  it('skips a tick that would overspend, and records what polls spend', async () => {
    const store = await openStore('sqlite://:memory:', { namespace: 'budget_test' });
    let polls = 0;
    const source: MentionSource = {
      name: 'x', network: 'x', canReply: false,
      poll: async () => { polls += 1; return { mentions: [], cursor: 'c', requests: 2, rateLimit: { remaining: 57, resetAt: T + W } }; },
      reply: async () => { throw new Error('no'); },
      findReply: async () => undefined,
      checkReply: () => undefined,
    };
    const small = { perWindow: 4, window: W };
    let now = ws + W - 1;
    const tick = (_i: number) => runListen({ store, source, instanceId: 'same-instance', intervalMs: 0, budget: small, requestsPerPoll: 2, now: () => now });
    expect((await tick(1)).ran).toBe(true);
    expect((await tick(2)).ran).toBe(true);
    const third = await tick(3);
    expect(third.ran).toBe(false);
    expect(third.skipped?.reason).toMatch(/4 of 4 requests spent/);
    expect(polls).toBe(2);
    expect(await budgetLeft(store, 'x', small, now)).toMatchObject({ window: 0, perWindow: 4, apiRemaining: 57 });
    now += 2;
    expect((await tick(4)).ran).toBe(true);
    await recordSpend(store, 'x', small, 1, undefined, now);
    expect((await budgetLeft(store, 'x', small, now)).window).toBe(1);
    await store.close();
  });
});
