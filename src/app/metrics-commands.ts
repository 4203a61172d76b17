import type { Config } from '../config/schema.js';
import { authorize, type Permission } from '../cases/permissions.js';
import type { Refusal } from '../cases/policy.js';
import type { Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import { layoutLines } from '../metrics/format-summary.js';
import { summaryLayout } from '../metrics/summary-layout.js';
import { MetricsArgsInvalidError, parseMetricsArgs } from '../metrics/parse-metrics-args.js';
import { applyIncrementsOnce, metricsFor } from '../metrics-store/rollup-store.js';
import { rollupUpdates, type Increment } from '../metrics/rollup.js';
import { RemoteRefusedError } from '../domain/remote-errors.js';
import type { OpenCase } from '../metrics/summary.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import { OPEN_INDEX, type CaseRepository } from './case-repository.js';
import { formatBusinessTime, slaStatus } from '../cases/sla.js';
import type { CaseService } from './case-service.js';
import type { CommandContext, CommandReply, CommandRouter } from './commands.js';
import type { PeopleNames } from './people-directory.js';
import { agentKey, parseAgentKey } from '../metrics/rollup-keys.js';
import type { MetricsSummary } from '../metrics/summary.js';

export interface MetricsCommandDeps {
  store: Store;
  repo: CaseRepository;
  config: Config;
  log: Logger;
  /** Renders the charts (PNG); left out where no charts are wanted (tests of the text). */
  charts?: (summary: Awaited<ReturnType<typeof metricsFor>>) => Promise<Array<{ filename: string; title: string; png: Buffer; empty?: boolean }>>;
  /** Display names for the people an answer mentions; without it they show as ids. */
  names?: PeopleNames | undefined;
}

/**
 * The summary as this person may see it: every agent's line for those the table allows
 * (metrics.agents), else only their own line when the answer is private, else none; and
 * a note saying where the rest is, when something was left out.
 */
export function agentsFor(summary: MetricsSummary, ctx: Pick<CommandContext, 'actor' | 'audience'>, may: (p: Permission) => Refusal | undefined): { summary: MetricsSummary; note?: string } {
  const allowed = (p: Permission) => may(p) === undefined;
  if (summary.scope.kind === 'agent' || allowed('metrics.agents')) return { summary };
  const working = (a: MetricsSummary['agents'][number]) => a.claimed + a.drafted + a.sent + a.handled > 0;
  const mine = agentKey(ctx.actor);
  const agents = allowed('metrics.own') ? summary.agents.filter((a) => a.agent === mine) : [];
  const hidden = summary.agents.filter((a) => working(a) && !agents.includes(a)).length;
  if (hidden === 0) return { summary: { ...summary, agents } };
  const note = ctx.audience === 'shared'
    ? 'Per-agent figures are not shown in a shared channel: message Earshot 1:1 for your own.'
    : `Other agents' figures are for policy.approvers and metrics.viewers${summary.scope.kind === 'group' ? ` and policy.groups.${summary.scope.group}.approve` : ''}.`;
  return { summary: { ...summary, agents }, note };
}

/** Display names for the agent keys an answer shows (the scope's agent and the per-agent line). */
export async function agentLabels(summary: MetricsSummary, names: PeopleNames | undefined): Promise<Map<string, string>> {
  const keys = new Set(summary.agents.map((a) => a.agent));
  if (summary.scope.kind === 'agent') keys.add(summary.scope.agent);
  const out = new Map<string, string>();
  for (const key of keys) {
    const { platform, id } = parseAgentKey(key);
    const name = names && (platform === 'slack' || platform === 'teams') ? await names.nameOf({ platform, id }) : undefined;
    // Unknown people keep their id (without the encoding of the key).
    out.set(key, name ?? `${platform}:${id}`);
  }
  return out;
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

/** Outbox kind of a case change's rollup that must be retried. */
export const ROLLUP_KIND = 'metrics.rollup';

/**
 * Keeps the rollups current as cases move: a durable listener on the case service, so a
 * change is counted once, even when the rollup fails or a crash cuts it off. The
 * increments are worked out when the change is made, from the case before and after it
 * (what `rollupUpdates` needs, and what is gone later), and travel with the retry.
 */
export function trackMetrics(cases: CaseService, store: Store, config: Config): void {
  // The first-response deadline comes from the SLA clock (business hours, holidays).
  const sla = { deadline: (c: Case) => slaStatus(c, config.sla, c.createdAt).firstResponse?.dueAt };
  const opts = { timezone: config.metrics.timezone, campaigns: config.metrics.campaigns, sla };
  cases.onChangeDurably({
    kind: ROLLUP_KIND,
    plan: (prev, next) => {
      const increments = rollupUpdates(prev, next, opts);
      return increments.length > 0 ? { increments } : undefined;
    },
    run: async ({ caseId, change, payload }) => {
      await applyIncrementsOnce(store, caseId, change, incrementsOf(payload));
    },
  });
}

/** The increments a rollup item carries; a malformed one is never retried. */
function incrementsOf(payload: Record<string, unknown>): Increment[] {
  const list = payload.increments;
  const ok = Array.isArray(list) && list.every((i: unknown) => {
    const x = i as Partial<Increment> | null;
    return typeof x === 'object' && x !== null && typeof x.hash === 'string' && typeof x.field === 'string' &&
      Number.isSafeInteger(x.by) && (x.rank === undefined || typeof x.rank === 'string');
  });
  if (!ok) throw new RemoteRefusedError('a rollup item without valid increments');
  return list as Increment[];
}

/** `metrics`, `queue` and `sla`, for Slack's /earshot and the Teams bot alike. */
export function registerMetricsCommands(router: CommandRouter, deps: MetricsCommandDeps): void {
  router.register({
    name: 'metrics',
    usage: 'metrics [today|yesterday|7d|30d|YYYY-MM-DD..YYYY-MM-DD] [group|@agent] [details]',
    // The team's figures; who else appears in the answer is checked against the table inside.
    permission: 'metrics.team',
    description: 'new cases, answered, median first response, SLA met, open now; then groups, sources, hashtags, agents ("details" for the rest); with charts',
    run: (args, ctx) => metricsAnswer(deps, args, ctx),
  });

  router.register({
    name: 'queue',
    usage: 'queue [group]',
    permission: 'queue',
    description: 'open cases by group and age',
    run: (args, ctx) => queueAnswer(deps, args, ctx),
  });

  router.register({
    name: 'sla',
    usage: 'sla [group]',
    permission: 'sla',
    description: 'open cases past their SLA, and those about to be',
    run: (args, ctx) => slaAnswer(deps, args, ctx),
  });
}

/** The figures of a period, for everyone or a group or an agent, with charts. */
async function metricsAnswer(deps: MetricsCommandDeps, args: string[], ctx: CommandContext): Promise<CommandReply> {
  const { config } = deps;
  const now = ctx.now.toISOString();
  let parsed;
  try {
    parsed = parseMetricsArgs(args.join(' '), now, config.metrics.timezone, { groups: config.groups.map((g) => g.id) });
  } catch (e) {
    if (e instanceof MetricsArgsInvalidError) return { lines: e.message.split('\n') };
    throw e;
  }
  const may = (permission: Permission, group?: string) =>
    authorize(config, permission, { actor: ctx.actor, audience: ctx.audience, group, memberOf: ctx.memberOf });
  let filter: { group?: string; agent?: Pick<Actor, 'platform' | 'id'> } | undefined;
  if (parsed.filter?.kind === 'group') filter = { group: parsed.filter.group };
  if (parsed.filter?.kind === 'agent') {
    const who = parsed.filter;
    if (!who.id) return { lines: [`Name the agent with a mention (@name from the list) so I know which account "${who.name ?? ''}" is.`] };
    const agent = { platform: (who.platform ?? ctx.actor.platform) as Actor['platform'], id: who.id };
    const self = agent.platform === ctx.actor.platform && agent.id === ctx.actor.id;
    const refusal = may(self ? 'metrics.own' : 'metrics.other-agent');
    if (refusal) return { lines: [refusal.message, ...(self ? [] : ['You can ask for your own: metrics 7d @yourself.'])] };
    filter = { agent };
  }
  const open: OpenCase[] = (await openCases(deps, filter?.group)).map((c) => ({ id: c.id, group: c.group, createdAt: c.createdAt }));
  const full = await metricsFor(deps.store, parsed.period, filter, { now, timezone: config.metrics.timezone, open, campaigns: config.metrics.campaigns });
  const { summary, note } = agentsFor(full, ctx, (p) => may(p, filter?.group));
  const labels = await agentLabels(summary, deps.names);
  const layout = summaryLayout(summary, { details: parsed.details, agentLabel: (k) => labels.get(k) ?? k });
  let charts: Awaited<ReturnType<NonNullable<MetricsCommandDeps['charts']>>> = [];
  if (deps.charts) {
    try { charts = await deps.charts(summary); } catch (e) { deps.log.warn({ err: e }, 'charts could not be drawn; sending the text alone'); }
  }
  // A chart that would only say "No data for this period" is left out and said in words.
  const images = charts.filter((c) => !c.empty).map(({ filename, title, png }) => ({ filename, title, png }));
  const blank = charts.filter((c) => c.empty).map((c) => c.title);
  const footer = [...(note ? [note] : []), ...(blank.length ? [`No data to chart for this period: ${blank.join(', ')}.`] : [])];
  return { lines: [...layoutLines(layout), ...footer], summary: { layout, footer }, images };
}

/** The open cases by group, oldest first. */
async function queueAnswer(deps: MetricsCommandDeps, args: string[], ctx: CommandContext): Promise<CommandReply> {
  const { config } = deps;
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
}

/** Open cases past their SLA, and those about to be. */
async function slaAnswer(deps: MetricsCommandDeps, args: string[], ctx: CommandContext): Promise<CommandReply> {
  const { config } = deps;
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
}
