import type { Config } from '../config/schema.js';
import { budgetLeft } from '../jobs/poll-budget.js';
import type { Store } from '../store/store.js';
import type { CommandRouter } from './commands.js';

export interface BudgetDeps {
  store: Store;
  config: Config;
  /** Public replies left in the current window per account (`x.reply:<source>`), when known. */
  replyWindows?: () => Promise<Array<{ resource: string; remaining: number }>>;
}

const when = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;

/** Lines describing what is left of every source's request budget. */
export async function budgetLines(deps: BudgetDeps, now: Date): Promise<string[]> {
  const lines: string[] = [];
  for (const s of deps.config.sources.filter((x) => x.enabled)) {
    if (!s.budget) {
      lines.push(`${s.name} (${s.network}): no budget configured; polling every ${Math.round(s.interval / 1000)} s.`);
      continue;
    }
    const b = await budgetLeft(deps.store, s.name, s.budget, now.getTime());
    const parts = [`${b.window} of ${b.perWindow} requests left in this window (until ${when(b.windowEndsAt)})`];
    if (b.month !== undefined) parts.push(`${b.month} of ${b.perMonth} left this month`);
    if (b.apiRemaining !== undefined) parts.push(`${s.network} itself reports ${b.apiRemaining} left until ${when(b.apiResetAt!)}`);
    lines.push(`${s.name} (${s.network}): ${parts.join('; ')}.`);
  }
  for (const w of (await deps.replyWindows?.()) ?? []) lines.push(`Replies through ${w.resource.replace(/^[a-z]+\.reply:/, '')}: ${w.remaining} left in the current window.`);
  return lines;
}

/** `/earshot budget`: how much of each source's API budget is left. */
export function registerBudgetCommand(commands: CommandRouter, deps: BudgetDeps): void {
  commands.register({
    name: 'budget',
    usage: 'budget',
    permission: 'budget',
    description: "What is left of each source's API budget (window and month)",
    run: async (_args, ctx) => ({ title: 'API budget', lines: await budgetLines(deps, ctx.now) }),
  });
}
