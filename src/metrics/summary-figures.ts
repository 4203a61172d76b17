/** The period's own figures: distributions, series, agents, backlog, service levels, sentiment shift. */
import { dayKey, daysIn, epochMs, localHour } from '../domain/days.js';
import { dailyFigures, emptyDay, type DailyFigures } from './daily-figures.js';
import { emptyHistogram, type Histogram } from './histogram.js';
import type { AgentFigures, CounterBlock, HourlyFigures, MetricsSummary, SummaryInput } from './metrics-summary.js';
import type { Period } from './period.js';
import { AGENT_COUNTERS, F, HISTOGRAM_SCALES, gaugeField, type AgentCounter, type HistogramName } from './rollup-keys.js';
import { byText, type Summed } from './summed-counters.js';

/** One histogram summed over the period, from its bucket, count and sum fields. */
export function histogramOf(m: Summed, name: HistogramName): Histogram {
  const h = emptyHistogram(HISTOGRAM_SCALES[name]);
  for (const [rest, v] of m.byPrefix(`${name}:b`)) {
    const k = Number(rest);
    if (Number.isInteger(k) && v > 0) h.buckets.set(k, (h.buckets.get(k) ?? 0) + v);
  }
  h.count = m.get(F.histCount(name));
  h.sum = m.get(F.histSum(name));
  return h;
}

/** One entry per day of the period, from the blocks' series (days without data are zeros). */
export function dailySeries(period: Period, blocks: readonly CounterBlock[]): DailyFigures[] {
  const byDay = new Map<string, DailyFigures>();
  for (const b of blocks) {
    const days = b.daily ?? (b.from === b.to ? [dailyFigures(b.from, b.counters)] : []);
    for (const d of days) byDay.set(d.day, d);
  }
  return daysIn(period.from, period.to).map((day) => byDay.get(day) ?? emptyDay(day));
}

/** The hours of a one-day period from its counters: up to the current hour when it is today. */
export function hourlySeries(input: SummaryInput, m: Summed): HourlyFigures[] | undefined {
  if (input.period.from !== input.period.to) return undefined;
  const last = input.period.to === dayKey(input.now, input.timezone) ? localHour(input.now, input.timezone) : 23;
  const out: HourlyFigures[] = [];
  for (let hour = 0; hour <= last; hour++) out.push({ hour, cases: m.get(F.hour(hour)), replies: m.get(F.replyHour(hour)) });
  return out;
}

/** Per agent, what they did, busiest first. */
export function agentsOf(m: Summed): AgentFigures[] {
  const out = new Map<string, AgentFigures>();
  // Agent keys stay encoded: they are identifiers, decoded by parseAgentKey where shown.
  for (const [rest, v] of m.byPrefix('ag:', true)) {
    const i = rest.lastIndexOf(':');
    const counter = rest.slice(i + 1) as AgentCounter;
    if (i < 0 || !AGENT_COUNTERS.includes(counter)) continue;
    const agent = rest.slice(0, i);
    const a = out.get(agent) ?? { agent, claimed: 0, drafted: 0, sent: 0, handled: 0, approved: 0, rejected: 0 };
    a[counter] += v;
    out.set(agent, a);
  }
  return [...out.values()].sort((x, y) => y.handled - x.handled || y.sent - x.sent || y.claimed - x.claimed || byText(x.agent, y.agent));
}

/** The open cases in scope now, and how old they are. */
export function backlogOf(input: SummaryInput): MetricsSummary['backlog'] {
  const scope = input.scope;
  const now = epochMs(input.now);
  const hour = 3600;
  const ages: number[] = [];
  const bands = { under1h: 0, from1to4h: 0, from4to24h: 0, over24h: 0 };
  // One pass: the open list can hold thousands of cases in a storm.
  for (const c of input.open ?? []) {
    if (scope.kind === 'group' ? c.group !== scope.group : scope.kind === 'agent' && c.owner !== scope.agent) continue;
    const created = Date.parse(c.createdAt);
    const age = Math.max(0, (now - (Number.isFinite(created) ? created : epochMs(c.createdAt))) / 1000);
    ages.push(age);
    if (age < hour) bands.under1h++;
    else if (age < 4 * hour) bands.from1to4h++;
    else if (age < 24 * hour) bands.from4to24h++;
    else bands.over24h++;
  }
  const sorted = Float64Array.from(ages).sort();
  return {
    open: Math.max(0, input.gauge[gaugeField(scope)] ?? 0),
    listed: sorted.length,
    oldestSeconds: sorted.length ? sorted[sorted.length - 1] : undefined,
    medianAgeSeconds: sorted.length ? sorted[Math.ceil(sorted.length / 2) - 1] : undefined,
    ages: bands,
  };
}

/** Service levels met and breached, by priority (most urgent first) and in all. */
export function slaOf(cur: Summed): MetricsSummary['sla'] {
  const metBy = cur.byPrefix('sla:met:');
  const breachedBy = cur.byPrefix('sla:breached:');
  const slaPriorities = new Set([...metBy.keys(), ...breachedBy.keys()]);
  const rank = (p: string): number => {
    const i = ['urgent', 'high', 'normal', 'low'].indexOf(p);
    return i < 0 ? 99 : i;
  };
  const byPriority = [...slaPriorities]
    .sort((a, b) => rank(a) - rank(b) || byText(a, b))
    .map((priority) => {
      const met = metBy.get(priority) ?? 0;
      const breached = breachedBy.get(priority) ?? 0;
      return { priority, met, breached, attainment: ratio(met, breached) };
    });
  const met = byPriority.reduce((a, p) => a + p.met, 0);
  const breached = byPriority.reduce((a, p) => a + p.breached, 0);
  return { met, breached, attainment: ratio(met, breached), byPriority };
}

/** a / (a + b), undefined when both are zero. */
export const ratio = (a: number, b: number): number | undefined => (a + b > 0 ? a / (a + b) : undefined);

/** How the customers' sentiment moved between their first post and the case's end. */
export function sentimentShiftOf(cur: Summed): MetricsSummary['sentimentShift'] {
  const shiftN = cur.get(F.shiftCount);
  return {
    measured: shiftN,
    improved: cur.get(F.shift('improved')),
    same: cur.get(F.shift('same')),
    worsened: cur.get(F.shift('worsened')),
    average: shiftN > 0 ? cur.get(F.shiftSum) / shiftN : undefined,
    pairs: [...cur.byPrefix('shift:').entries()]
      .filter(([k]) => k.includes('>'))
      .map(([k, count]) => {
        const [from, to] = k.split('>');
        return { from: from!, to: to!, count };
      })
      .sort((a, b) => b.count - a.count),
  };
}

/** What staff did in the period. */
export function activityOf(cur: Summed): MetricsSummary['activity'] {
  return {
    replies: cur.get(F.replies),
    redirected: cur.get(F.redirected),
    privateConversations: cur.get(F.privateConversations),
    closed: cur.get(F.closed),
    ignored: cur.get(F.ignored),
    reopened: cur.get(F.reopened),
    escalated: cur.get(F.escalated),
    sendFailed: cur.get(F.sendFailed),
    folded: cur.get(F.folded),
  };
}
