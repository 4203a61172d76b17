import type { Config } from '../config/schema.js';
import { actorRef, isApprover } from '../cases/policy.js';
import type { Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import { formatSummary } from '../metrics/format-summary.js';
import { MetricsArgsInvalidError, parseMetricsArgs } from '../metrics/parse-metrics-args.js';
import { metricsFor, recordCaseChange } from '../metrics-store/rollup-store.js';
import type { OpenCase } from '../metrics/summary.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import { OPEN_INDEX, type CaseRepository } from './case-repository.js';
import { formatBusinessTime, slaStatus } from '../cases/sla.js';
import type { CaseService } from './case-service.js';
import type { CommandReply, CommandRouter } from './commands.js';

export interface MetricsCommandDeps {
  store: Store;
  repo: CaseRepository;
  config: Config;
  log: Logger;
  /** Renders the charts (PNG); left out where no charts are wanted (tests of the text). */
  charts?: (summary: Awaited<ReturnType<typeof metricsFor>>) => Promise<Array<{ filename: string; title: string; png: Buffer }>>;
}

/** May this person see other agents' numbers? Approvers and `metrics.viewers` may. */
export function canSeeOthers(config: Config, actor: Actor): boolean {
  return isApprover(config.policy, actor) || config.metrics.viewers.includes(actorRef(actor));
}

/** Open cases of every group (or one), from the open-case index: what the backlog is now. */
export async function openCases(deps: Pick<MetricsCommandDeps, 'store' | 'repo' | 'config'>, group?: string): Promise<Case[]> {
  const groups = group ? [group] : deps.config.groups.map((g) => g.id);
  const ids = (await Promise.all(groups.map((g) => deps.store.setMembers(OPEN_INDEX(g))))).flat();
  const cases = await Promise.all(ids.map((id) => deps.repo.get(id)));
  return cases.filter((c): c is Case => !!c);
}

const age = (fromIso: string, now: Date): string => {
  const min = Math.max(0, Math.round((now.getTime() - Date.parse(fromIso)) / 60_000));
  return min < 60 ? `${min} min` : min < 48 * 60 ? `${Math.round(min / 60)} h` : `${Math.round(min / 1440)} d`;
};

/** Keeps the rollups current as cases move: one listener on the case service. */
export function trackMetrics(cases: CaseService, store: Store, config: Config): void {
  // The first-response deadline comes from the SLA clock (business hours, holidays).
  const sla = { deadline: (c: Case) => slaStatus(c, config.sla, c.createdAt).firstResponse?.dueAt };
  cases.onChange((prev, next) => recordCaseChange(store, prev, next, { timezone: config.metrics.timezone, campaigns: config.metrics.campaigns, sla }));
}

/** `metrics` and `queue`, for Slack's /earshot and the Teams bot alike. */
export function registerMetricsCommands(router: CommandRouter, deps: MetricsCommandDeps): void {
  const { config } = deps;
  router.register({
    name: 'metrics',
    usage: 'metrics [today|7d|30d|YYYY-MM-DD..YYYY-MM-DD] [group|@agent]',
    description: 'volume, response times, SLA, backlog, agents, approvals, reach, trends; with charts',
    run: async (args, ctx): Promise<CommandReply> => {
      const now = ctx.now.toISOString();
      let parsed;
      try {
        parsed = parseMetricsArgs(args.join(' '), now, config.metrics.timezone, { groups: config.groups.map((g) => g.id) });
      } catch (e) {
        if (e instanceof MetricsArgsInvalidError) return { lines: e.message.split('\n') };
        throw e;
      }
      let filter: { group?: string; agent?: Pick<Actor, 'platform' | 'id'> } | undefined;
      if (parsed.filter?.kind === 'group') filter = { group: parsed.filter.group };
      if (parsed.filter?.kind === 'agent') {
        const who = parsed.filter;
        if (!who.id) return { lines: [`Name the agent with a mention (@name from the list) so I know which account "${who.name ?? ''}" is.`] };
        const agent = { platform: (who.platform ?? ctx.actor.platform) as Actor['platform'], id: who.id };
        const self = agent.platform === ctx.actor.platform && agent.id === ctx.actor.id;
        if (!self && !canSeeOthers(config, ctx.actor)) {
          return { lines: ["Only approvers and the people in metrics.viewers may see another agent's numbers; you can ask for your own."] };
        }
        filter = { agent };
      }
      const open: OpenCase[] = (await openCases(deps, filter?.group)).map((c) => ({ id: c.id, group: c.group, createdAt: c.createdAt }));
      const summary = await metricsFor(deps.store, parsed.period, filter, { now, timezone: config.metrics.timezone, open, campaigns: config.metrics.campaigns });
      const text = formatSummary(summary, { style: 'plain' });
      let images: CommandReply['images'] = [];
      if (deps.charts) {
        try { images = await deps.charts(summary); } catch (e) { deps.log.warn({ err: e }, 'charts could not be drawn; sending the text alone'); }
      }
      return { lines: text.split('\n'), images };
    },
  });

  router.register({
    name: 'queue',
    usage: 'queue [group]',
    description: 'open cases by group and age',
    run: async (args, ctx): Promise<CommandReply> => {
      const group = args[0];
      if (group && !config.groups.some((g) => g.id === group)) {
        return { lines: [`There is no group "${group.slice(0, 40)}". Groups: ${config.groups.map((g) => g.id).join(', ')}.`] };
      }
      const open = await openCases(deps, group);
      if (open.length === 0) return { title: 'Queue', lines: ['No open cases. 🎉'] };
      const lines: string[] = [];
      for (const g of config.groups) {
        const mine = open.filter((c) => c.group === g.id).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
        if (mine.length === 0) continue;
        const unclaimed = mine.filter((c) => !c.owner).length;
        lines.push(`${g.name ?? g.id}: ${mine.length} open, ${unclaimed} unclaimed, oldest ${age(mine[0]!.createdAt, ctx.now)}`);
        for (const c of mine.slice(0, 5)) {
          lines.push(`   · case ${c.id} · ${c.status}${c.owner ? ` (${c.owner.name ?? c.owner.id})` : ''} · ${c.screening.priority} · ${age(c.createdAt, ctx.now)} old`);
        }
        if (mine.length > 5) lines.push(`   · … and ${mine.length - 5} more`);
      }
      return { title: `Queue: ${open.length} open case${open.length === 1 ? '' : 's'}`, lines };
    },
  });

  router.register({
    name: 'sla',
    usage: 'sla [group]',
    description: 'open cases past their SLA, and those about to be',
    run: async (args, ctx): Promise<CommandReply> => {
      if (!config.sla) return { lines: ['No SLA is configured (the sla section of earshot.yaml).'] };
      const group = args[0];
      if (group && !config.groups.some((g) => g.id === group)) {
        return { lines: [`There is no group "${group.slice(0, 40)}". Groups: ${config.groups.map((g) => g.id).join(', ')}.`] };
      }
      const now = ctx.now.toISOString();
      const breached: string[] = [];
      const atRisk: string[] = [];
      for (const c of await openCases(deps, group)) {
        for (const clock of Object.values(slaStatus(c, config.sla, now))) {
          if (!clock || clock.state !== 'running') continue;
          const label = clock.clock === 'firstResponse' ? 'first response' : 'resolution';
          const line = `case ${c.id} · ${c.group} · ${c.screening.priority} · ${label}`;
          if (clock.remainingMs < 0) breached.push(`${line} overdue by ${formatBusinessTime(-clock.remainingMs)}`);
          // At risk: less than a quarter of the target left.
          else if (clock.remainingMs < clock.targetMs / 4) atRisk.push(`${line} due in ${formatBusinessTime(clock.remainingMs)}`);
        }
      }
      return {
        title: `SLA: ${breached.length} breached, ${atRisk.length} at risk`,
        lines: [...(breached.length ? ['Breached:', ...breached.map((l) => `   · ${l}`)] : []), ...(atRisk.length ? ['At risk:', ...atRisk.map((l) => `   · ${l}`)] : []), ...(breached.length + atRisk.length === 0 ? ['Every open case is within its SLA.'] : [])],
      };
    },
  });
}
