import { dayKey, daysIn, epochMs, localHour } from '../domain/days.js';
import { dailyFigures, emptyDay, type DailyFigures } from './daily-figures.js';
import {
  bucketBounds, durationStats, emptyHistogram, type DurationStats, type Histogram,
} from './histogram.js';
import { previousPeriod, type Period } from './period.js';
import { TAG_CUT } from './seal-counters.js';
import {
  AGENT_COUNTERS, F, HISTOGRAMS, HISTOGRAM_SCALES, gaugeField, unKeyPart,
  type AgentCounter, type HistogramName, type Scope,
} from './rollup-keys.js';

/**
 * Counters summed over `from`..`to`: one day, or a sealed week or month. Blocks are added
 * up, so one span may come as several blocks holding different fields.
 */
export interface CounterBlock {
  from: string;
  to: string;
  counters: Readonly<Record<string, number>>;
  /** The block's days for the charts; for a one-day block it is read from the counters when absent. */
  daily?: readonly DailyFigures[] | undefined;
}

/** One open case, from the open-case index, for the backlog's age. */
export interface OpenCase {
  createdAt: string;
  group?: string | undefined;
  /** The owner's agent key (`slack:U123`), when claimed. */
  owner?: string | undefined;
}

export interface SummaryInput {
  period: Period;
  scope: Scope;
  /** Counters covering the period (days not covered count as empty). */
  current: readonly CounterBlock[];
  /**
   * Counters of the period of equal length just before; only the volume fields are used.
   * Its last day should be a block of its own, for the "same hours" comparison.
   */
  previous: readonly CounterBlock[];
  /** The open-case gauges (`metrics:open`). */
  gauge: Readonly<Record<string, number>>;
  /** Open cases, for backlog age; filtered here by the scope's group or agent. */
  open?: readonly OpenCase[] | undefined;
  now: string;
  timezone: string;
  /** Campaign hashtags to report by name (lower case, without `#`). */
  campaigns?: readonly string[] | undefined;
  /** A spike: at least `factor` times the expected count and at least `minCount`. Defaults 2 and 10. */
  spike?: { factor?: number | undefined; minCount?: number | undefined } | undefined;
}

/** A count in the period beside the comparable count of the previous period. */
export interface Count {
  key: string;
  count: number;
  /** What the previous period had over the same elapsed time (scaled when today is partial). */
  previous: number;
}

export interface AgentFigures {
  /** Agent key `<platform>:<id>`; let the renderer turn it into a name or mention. */
  agent: string;
  claimed: number;
  drafted: number;
  sent: number;
  handled: number;
  approved: number;
  rejected: number;
}

export interface BucketCount {
  /** Lower and upper bound in seconds (upper Infinity for the last bucket). */
  lo: number;
  hi: number;
  count: number;
}

export interface Trend {
  kind: 'hashtag' | 'topic';
  key: string;
  count: number;
  /** The previous period's count; for a hashtag, at most this (rare ones are pruned). */
  previous: number;
  /** count − previous */
  growth: number;
}

export interface Spike {
  dimension: 'cases' | 'network' | 'source' | 'group' | 'sentiment' | 'intent' | 'priority' | 'hashtag' | 'topic';
  /** The value within the dimension ('' for total cases). */
  key: string;
  count: number;
  /** The previous period's comparable count; for a hashtag, an upper bound. */
  expected: number;
  /** count / max(expected, 1) */
  ratio: number;
}

export type { DailyFigures };

/** One local hour of a one-day answer, for the hourly chart. */
export interface HourlyFigures {
  /** 0–23, in the rollup zone. */
  hour: number;
  cases: number;
  replies: number;
}

/** Every figure of a metrics answer. Plain data: strings from posts are not escaped here. */
export interface MetricsSummary {
  period: Period;
  previousPeriod: { from: string; to: string };
  scope: Scope;
  now: string;
  volume: {
    total: number;
    previous: number;
    byNetwork: Count[];
    bySource: Count[];
    byGroup: Count[];
    bySentiment: Count[];
    byIntent: Count[];
    byPriority: Count[];
  };
  daily: DailyFigures[];
  /**
   * Hour by hour, when the period is one day (today: the hours so far); absent for
   * longer periods, whose charts go day by day.
   */
  hourly?: HourlyFigures[] | undefined;
  firstResponse: DurationStats;
  resolution: DurationStats;
  /** First-response time distribution over the period, non-empty buckets in order. */
  firstResponseBuckets: BucketCount[];
  sla: {
    met: number;
    breached: number;
    /** met / (met + breached), 0–1; undefined when nothing was due. */
    attainment: number | undefined;
    byPriority: Array<{ priority: string; met: number; breached: number; attainment: number | undefined }>;
  };
  backlog: {
    /** Open cases now (from the gauges). */
    open: number;
    /** How many open cases were listed for the age figures. */
    listed: number;
    oldestSeconds: number | undefined;
    medianAgeSeconds: number | undefined;
    ages: { under1h: number; from1to4h: number; from4to24h: number; over24h: number };
  };
  agents: AgentFigures[];
  approvals: {
    approved: number;
    rejected: number;
    /** rejected / (approved + rejected); undefined when no draft was decided. */
    rejectionRate: number | undefined;
    turnaround: DurationStats;
  };
  reach: { answered: number; followers: number };
  sentimentShift: {
    measured: number;
    improved: number;
    same: number;
    worsened: number;
    /** Mean shift on the scale negative −1, neutral 0, positive +1. */
    average: number | undefined;
    pairs: Array<{ from: string; to: string; count: number }>;
  };
  activity: { replies: number; redirected: number; closed: number; ignored: number; reopened: number; escalated: number; sendFailed: number };
  hashtags: Count[];
  campaigns: Count[];
  topics: Count[];
  trending: Trend[];
  spikes: Spike[];
}

/** Counters summed over blocks, indexed by the part of each field name before the first `:`. */
class Summed {
  readonly all = new Map<string, number>();
  private readonly index = new Map<string, Array<[rest: string, n: number]>>();

  constructor(blocks: readonly CounterBlock[]) {
    for (const b of blocks) {
      const c = b.counters;
      for (const f in c) {
        const v = c[f]!;
        if (Number.isFinite(v)) this.all.set(f, (this.all.get(f) ?? 0) + v);
      }
    }
    for (const [f, n] of this.all) {
      const i = f.indexOf(':');
      if (i < 0) continue;
      const head = f.slice(0, i);
      let list = this.index.get(head);
      if (!list) this.index.set(head, (list = []));
      list.push([f.slice(i + 1), n]);
    }
  }

  get(f: string): number {
    return this.all.get(f) ?? 0;
  }

  private readonly memo = new Map<string, Map<string, number>>();

  /** All fields under a prefix such as `src:` or `sla:met:`, keyed by the rest (decoded unless `raw`). */
  byPrefix(prefix: string, raw = false): Map<string, number> {
    const key = raw ? `raw\u0000${prefix}` : prefix;
    let out = this.memo.get(key);
    if (!out) this.memo.set(key, (out = this.collect(prefix, raw)));
    return out;
  }

  private collect(prefix: string, raw: boolean): Map<string, number> {
    const i = prefix.indexOf(':');
    const sub = prefix.slice(i + 1);
    const out = new Map<string, number>();
    for (const [rest, n] of this.index.get(prefix.slice(0, i)) ?? []) {
      if (!rest.startsWith(sub)) continue;
      const k = raw ? rest.slice(sub.length) : unKeyPart(rest.slice(sub.length));
      out.set(k, (out.get(k) ?? 0) + n);
    }
    return out;
  }
}

function counts(cur: Summed, prev: Summed, prefix: string, scale: number): Count[] {
  const a = cur.byPrefix(prefix);
  const b = prev.byPrefix(prefix);
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys]
    .map((key) => ({ key, count: a.get(key) ?? 0, previous: round1((b.get(key) ?? 0) * scale) }))
    .filter((c) => c.count > 0 || c.previous > 0)
    .sort((x, y) => y.count - x.count || y.previous - x.previous || byText(x.key, y.key));
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
/** Code-point order: stable across locales, and far cheaper than localeCompare in sorts. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function histogramOf(m: Summed, name: HistogramName): Histogram {
  const h = emptyHistogram(HISTOGRAM_SCALES[name]);
  for (const [rest, v] of m.byPrefix(`${name}:b`)) {
    const k = Number(rest);
    if (Number.isInteger(k) && v > 0) h.buckets.set(k, (h.buckets.get(k) ?? 0) + v);
  }
  h.count = m.get(F.histCount(name));
  h.sum = m.get(F.histSum(name));
  return h;
}

/**
 * How much of the previous period is comparable with the current one. When the period
 * ends today, only the hours so far have happened; the previous period's last day is cut
 * at the same local hour (from its hourly counts) and every previous count is scaled by
 * the same fraction, so "today so far" is not compared with a whole day.
 */
function comparableFraction(input: SummaryInput, prevBlocks: readonly CounterBlock[]): number {
  if (input.period.to !== dayKey(input.now, input.timezone)) return 1;
  const prevTotal = prevBlocks.reduce((a, d) => a + (d.counters[F.cases] ?? 0), 0);
  const lastDay = previousPeriod(input.period).to;
  const last = prevBlocks.filter((b) => b.from === lastDay && b.to === lastDay);
  if (prevTotal <= 0 || last.length === 0) return 1;
  const hour = localHour(input.now, input.timezone);
  const of = (f: string) => last.reduce((a, b) => a + (b.counters[f] ?? 0), 0);
  let comparable = prevTotal - of(F.cases);
  for (let h = 0; h <= hour; h++) comparable += of(F.hour(h));
  return Math.min(1, Math.max(0, comparable / prevTotal));
}

/** One entry per day of the period, from the blocks' series (days without data are zeros). */
function dailySeries(period: Period, blocks: readonly CounterBlock[]): DailyFigures[] {
  const byDay = new Map<string, DailyFigures>();
  for (const b of blocks) {
    const days = b.daily ?? (b.from === b.to ? [dailyFigures(b.from, b.counters)] : []);
    for (const d of days) byDay.set(d.day, d);
  }
  return daysIn(period.from, period.to).map((day) => byDay.get(day) ?? emptyDay(day));
}

/** The hours of a one-day period from its counters: up to the current hour when it is today. */
function hourlySeries(input: SummaryInput, m: Summed): HourlyFigures[] | undefined {
  if (input.period.from !== input.period.to) return undefined;
  const last = input.period.to === dayKey(input.now, input.timezone) ? localHour(input.now, input.timezone) : 23;
  const out: HourlyFigures[] = [];
  for (let hour = 0; hour <= last; hour++) out.push({ hour, cases: m.get(F.hour(hour)), replies: m.get(F.replyHour(hour)) });
  return out;
}

function agentsOf(m: Summed): AgentFigures[] {
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

function backlogOf(input: SummaryInput): MetricsSummary['backlog'] {
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

const SPIKE_DIMENSIONS: Array<[Spike['dimension'], string]> = [
  ['network', 'net:'], ['source', 'src:'], ['group', 'grp:'], ['sentiment', 'sentiment:'],
  ['intent', 'intent:'], ['priority', 'prio:'], ['hashtag', 'tag:'], ['topic', 'topic:'],
];

/**
 * Computes every figure of a metrics answer from the counters of a period and of the
 * period before it. Pure; the cost depends on the number of blocks and of distinct
 * counter names, not on the number of cases.
 */
export function summarize(input: SummaryInput): MetricsSummary {
  const cur = new Summed(input.current);
  const prevRaw = new Summed(input.previous);
  const scale = comparableFraction(input, input.previous);
  const prevTotal = round1(prevRaw.get(F.cases) * scale);

  const hist = Object.fromEntries(HISTOGRAMS.map((h) => [h, histogramOf(cur, h)])) as Record<HistogramName, Histogram>;

  const slaPriorities = new Set([...cur.byPrefix('sla:met:').keys(), ...cur.byPrefix('sla:breached:').keys()]);
  const metBy = cur.byPrefix('sla:met:');
  const breachedBy = cur.byPrefix('sla:breached:');
  const ratio = (a: number, b: number): number | undefined => (a + b > 0 ? a / (a + b) : undefined);
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

  const approved = cur.get(F.approved);
  const rejected = cur.get(F.rejected);
  const shiftN = cur.get(F.shiftCount);

  const hashtagCounts = counts(cur, prevRaw, 'tag:', scale);
  const topicCounts = counts(cur, prevRaw, 'topic:', scale);
  // Campaigns are counted exactly (camp: fields); configured ones are listed even at zero.
  const campaignCounts = counts(cur, prevRaw, 'camp:', scale);
  const configured = (input.campaigns ?? []).map((c) => c.replace(/^#/, '').toLowerCase());
  const campaigns = [
    ...configured.map((key) => campaignCounts.find((c) => c.key === key) ?? { key, count: 0, previous: 0 }),
    ...campaignCounts.filter((c) => !configured.includes(c.key)),
  ];

  // Rare hashtags are pruned from sealed units: their earlier count is known only up to
  // the period's cut, so trends and spikes compare against that upper bound, never
  // mistaking a pruned hashtag for a new one.
  const tagSlack = prevRaw.get(TAG_CUT) * scale;
  const hashtagBaseline = hashtagCounts.map((c) => ({ ...c, previous: round1(c.previous + tagSlack) }));
  const trending: Trend[] = [
    ...hashtagBaseline.map((c) => ({ kind: 'hashtag' as const, ...c })),
    ...topicCounts.map((c) => ({ kind: 'topic' as const, ...c })),
  ]
    .map((t) => ({ ...t, growth: round1(t.count - t.previous) }))
    .filter((t) => t.count >= 3 && t.growth > 0)
    .sort((a, b) => b.growth - a.growth || b.count - a.count || byText(a.key, b.key))
    .slice(0, 10);

  const factor = input.spike?.factor ?? 2;
  const minCount = input.spike?.minCount ?? 10;
  const spikes: Spike[] = [];
  const consider = (dimension: Spike['dimension'], key: string, count: number, expected: number) => {
    if (count >= minCount && count >= factor * expected) {
      spikes.push({ dimension, key, count, expected: round1(expected), ratio: round1(count / Math.max(expected, 1)) });
    }
  };
  consider('cases', '', cur.get(F.cases), prevRaw.get(F.cases) * scale);
  for (const [dimension, prefix] of SPIKE_DIMENSIONS) {
    const a = cur.byPrefix(prefix);
    const b = prevRaw.byPrefix(prefix);
    const slack = dimension === 'hashtag' ? tagSlack : 0;
    for (const [key, count] of a) consider(dimension, key, count, (b.get(key) ?? 0) * scale + slack);
  }
  // The total comes first: it is the headline; then the largest jumps.
  spikes.sort((a, b) => +(b.dimension === 'cases') - +(a.dimension === 'cases') || b.ratio - a.ratio || b.count - a.count);

  const daily = dailySeries(input.period, input.current);
  const hourly = hourlySeries(input, cur);

  return {
    period: input.period,
    previousPeriod: previousPeriod(input.period),
    scope: input.scope,
    now: input.now,
    volume: {
      total: cur.get(F.cases),
      previous: prevTotal,
      byNetwork: counts(cur, prevRaw, 'net:', scale),
      bySource: counts(cur, prevRaw, 'src:', scale),
      byGroup: counts(cur, prevRaw, 'grp:', scale),
      bySentiment: counts(cur, prevRaw, 'sentiment:', scale),
      byIntent: counts(cur, prevRaw, 'intent:', scale),
      byPriority: counts(cur, prevRaw, 'prio:', scale),
    },
    daily,
    ...(hourly ? { hourly } : {}),
    firstResponse: durationStats(hist.frt),
    resolution: durationStats(hist.res),
    firstResponseBuckets: [...hist.frt.buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([k, count]) => ({ ...bucketBounds(k, hist.frt.scale), count })),
    sla: { met, breached, attainment: ratio(met, breached), byPriority },
    backlog: backlogOf(input),
    agents: agentsOf(cur),
    approvals: { approved, rejected, rejectionRate: ratio(rejected, approved), turnaround: durationStats(hist.apt) },
    reach: { answered: cur.get(F.answered), followers: cur.get(F.followers) },
    sentimentShift: {
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
    },
    activity: {
      replies: cur.get(F.replies),
      redirected: cur.get(F.redirected),
      closed: cur.get(F.closed),
      ignored: cur.get(F.ignored),
      reopened: cur.get(F.reopened),
      escalated: cur.get(F.escalated),
      sendFailed: cur.get(F.sendFailed),
    },
    hashtags: hashtagCounts.slice(0, 10),
    campaigns,
    topics: topicCounts.slice(0, 10),
    trending,
    spikes,
  };
}
