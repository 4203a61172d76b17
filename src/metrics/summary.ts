import { dayKey, epochMs, localHour } from './days.js';
import {
  bucketBounds, durationStats, emptyHistogram, type DurationStats, type Histogram,
} from './histogram.js';
import { previousPeriod, type Period } from './period.js';
import {
  AGENT_COUNTERS, F, HISTOGRAMS, gaugeField, unKeyPart,
  type AgentCounter, type HistogramName, type Scope,
} from './rollup-keys.js';

/** The counters of one day hash, as read with hGetAll. */
export interface DayCounters {
  day: string;
  counters: Readonly<Record<string, number>>;
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
  /** Day hashes of the period, one per day (missing days count as empty). */
  current: readonly DayCounters[];
  /** Day hashes of the period of equal length just before. */
  previous: readonly DayCounters[];
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

export interface DailyFigures {
  day: string;
  cases: number;
  negative: number;
  neutral: number;
  positive: number;
  unknown: number;
  replies: number;
}

export interface Trend {
  kind: 'hashtag' | 'topic';
  key: string;
  count: number;
  previous: number;
  /** count − previous */
  growth: number;
}

export interface Spike {
  dimension: 'cases' | 'network' | 'source' | 'group' | 'sentiment' | 'intent' | 'priority' | 'hashtag' | 'topic';
  /** The value within the dimension ('' for total cases). */
  key: string;
  count: number;
  expected: number;
  /** count / max(expected, 1) */
  ratio: number;
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
  activity: { replies: number; closed: number; reopened: number; escalated: number; sendFailed: number };
  hashtags: Count[];
  campaigns: Count[];
  topics: Count[];
  trending: Trend[];
  spikes: Spike[];
}

/** Sums day hashes into one map. */
function sumDays(days: readonly DayCounters[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of days) {
    for (const [f, v] of Object.entries(d.counters)) {
      if (Number.isFinite(v)) out.set(f, (out.get(f) ?? 0) + v);
    }
  }
  return out;
}

const get = (m: ReadonlyMap<string, number>, f: string): number => m.get(f) ?? 0;

/** All fields under a prefix (`src:`), keyed by the decoded rest. */
function byPrefix(m: ReadonlyMap<string, number>, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [f, v] of m) {
    if (f.startsWith(prefix)) {
      const k = unKeyPart(f.slice(prefix.length));
      out.set(k, (out.get(k) ?? 0) + v);
    }
  }
  return out;
}

function counts(cur: ReadonlyMap<string, number>, prev: ReadonlyMap<string, number>, prefix: string, scale: number): Count[] {
  const a = byPrefix(cur, prefix);
  const b = byPrefix(prev, prefix);
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys]
    .map((key) => ({ key, count: a.get(key) ?? 0, previous: round1((b.get(key) ?? 0) * scale) }))
    .filter((c) => c.count > 0 || c.previous > 0)
    .sort((x, y) => y.count - x.count || y.previous - x.previous || x.key.localeCompare(y.key));
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

function histogramOf(m: ReadonlyMap<string, number>, name: HistogramName): Histogram {
  const h = emptyHistogram();
  const prefix = `${name}:b`;
  for (const [f, v] of m) {
    if (f.startsWith(prefix) && v > 0) {
      const k = Number(f.slice(prefix.length));
      if (Number.isInteger(k)) h.buckets.set(k, (h.buckets.get(k) ?? 0) + v);
    }
  }
  h.count = get(m, F.histCount(name));
  h.sum = get(m, F.histSum(name));
  return h;
}

/**
 * How much of the previous period is comparable with the current one. When the period
 * ends today, only the hours so far have happened; the previous period's last day is cut
 * at the same local hour (from its hourly counts) and every previous count is scaled by
 * the same fraction, so "today so far" is not compared with a whole day.
 */
function comparableFraction(input: SummaryInput, prevDays: readonly DayCounters[]): number {
  if (input.period.to !== dayKey(input.now, input.timezone)) return 1;
  const prevTotal = prevDays.reduce((a, d) => a + (d.counters[F.cases] ?? 0), 0);
  if (prevTotal <= 0) return 1;
  const sorted = [...prevDays].sort((a, b) => a.day.localeCompare(b.day));
  const last = sorted[sorted.length - 1]!;
  const hour = localHour(input.now, input.timezone);
  let comparable = prevTotal - (last.counters[F.cases] ?? 0);
  for (let h = 0; h <= hour; h++) comparable += last.counters[F.hour(h)] ?? 0;
  return Math.min(1, Math.max(0, comparable / prevTotal));
}

function agentsOf(m: ReadonlyMap<string, number>): AgentFigures[] {
  const out = new Map<string, AgentFigures>();
  for (const [f, v] of m) {
    if (!f.startsWith('ag:')) continue;
    const rest = f.slice(3);
    const i = rest.lastIndexOf(':');
    const counter = rest.slice(i + 1) as AgentCounter;
    if (i < 0 || !AGENT_COUNTERS.includes(counter)) continue;
    const agent = rest.slice(0, i);
    const a = out.get(agent) ?? { agent, claimed: 0, drafted: 0, sent: 0, handled: 0, approved: 0, rejected: 0 };
    a[counter] += v;
    out.set(agent, a);
  }
  return [...out.values()].sort((x, y) => y.handled - x.handled || y.sent - x.sent || y.claimed - x.claimed || x.agent.localeCompare(y.agent));
}

function backlogOf(input: SummaryInput): MetricsSummary['backlog'] {
  const scope = input.scope;
  const open = (input.open ?? []).filter((c) =>
    scope.kind === 'all' || (scope.kind === 'group' ? c.group === scope.group : c.owner === scope.agent));
  const now = epochMs(input.now);
  const ages = open.map((c) => Math.max(0, (now - epochMs(c.createdAt)) / 1000)).sort((a, b) => a - b);
  const hour = 3600;
  return {
    open: Math.max(0, input.gauge[gaugeField(scope)] ?? 0),
    listed: open.length,
    oldestSeconds: ages.length ? ages[ages.length - 1] : undefined,
    medianAgeSeconds: ages.length ? ages[Math.ceil(ages.length / 2) - 1] : undefined,
    ages: {
      under1h: ages.filter((a) => a < hour).length,
      from1to4h: ages.filter((a) => a >= hour && a < 4 * hour).length,
      from4to24h: ages.filter((a) => a >= 4 * hour && a < 24 * hour).length,
      over24h: ages.filter((a) => a >= 24 * hour).length,
    },
  };
}

const SPIKE_DIMENSIONS: Array<[Spike['dimension'], string]> = [
  ['network', 'net:'], ['source', 'src:'], ['group', 'grp:'], ['sentiment', 'sentiment:'],
  ['intent', 'intent:'], ['priority', 'prio:'], ['hashtag', 'tag:'], ['topic', 'topic:'],
];

/**
 * Computes every figure of a metrics answer from the day hashes of a period and of the
 * period before it. Pure; the cost depends on the number of days and of distinct
 * counter names, not on the number of cases.
 */
export function summarize(input: SummaryInput): MetricsSummary {
  const cur = sumDays(input.current);
  const prevRaw = sumDays(input.previous);
  const scale = comparableFraction(input, input.previous);
  const prevTotal = round1(get(prevRaw, F.cases) * scale);

  const hist = Object.fromEntries(HISTOGRAMS.map((h) => [h, histogramOf(cur, h)])) as Record<HistogramName, Histogram>;

  const slaPriorities = new Set([...byPrefix(cur, 'sla:met:').keys(), ...byPrefix(cur, 'sla:breached:').keys()]);
  const metBy = byPrefix(cur, 'sla:met:');
  const breachedBy = byPrefix(cur, 'sla:breached:');
  const ratio = (a: number, b: number): number | undefined => (a + b > 0 ? a / (a + b) : undefined);
  const rank = (p: string): number => {
    const i = ['urgent', 'high', 'normal', 'low'].indexOf(p);
    return i < 0 ? 99 : i;
  };
  const byPriority = [...slaPriorities]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((priority) => {
      const met = metBy.get(priority) ?? 0;
      const breached = breachedBy.get(priority) ?? 0;
      return { priority, met, breached, attainment: ratio(met, breached) };
    });
  const met = byPriority.reduce((a, p) => a + p.met, 0);
  const breached = byPriority.reduce((a, p) => a + p.breached, 0);

  const approved = get(cur, F.approved);
  const rejected = get(cur, F.rejected);
  const shiftN = get(cur, F.shiftCount);

  const hashtagCounts = counts(cur, prevRaw, 'tag:', scale);
  const topicCounts = counts(cur, prevRaw, 'topic:', scale);
  const campaigns = (input.campaigns ?? []).map((c) => c.replace(/^#/, '').toLowerCase()).map((key) => {
    const found = hashtagCounts.find((h) => h.key === key);
    return { key, count: found?.count ?? 0, previous: found?.previous ?? 0 };
  });

  const trending: Trend[] = [
    ...hashtagCounts.map((c) => ({ kind: 'hashtag' as const, ...c })),
    ...topicCounts.map((c) => ({ kind: 'topic' as const, ...c })),
  ]
    .map((t) => ({ ...t, growth: round1(t.count - t.previous) }))
    .filter((t) => t.count >= 3 && t.growth > 0)
    .sort((a, b) => b.growth - a.growth || b.count - a.count || a.key.localeCompare(b.key))
    .slice(0, 10);

  const factor = input.spike?.factor ?? 2;
  const minCount = input.spike?.minCount ?? 10;
  const spikes: Spike[] = [];
  const consider = (dimension: Spike['dimension'], key: string, count: number, expected: number) => {
    if (count >= minCount && count >= factor * expected) {
      spikes.push({ dimension, key, count, expected: round1(expected), ratio: round1(count / Math.max(expected, 1)) });
    }
  };
  consider('cases', '', get(cur, F.cases), get(prevRaw, F.cases) * scale);
  for (const [dimension, prefix] of SPIKE_DIMENSIONS) {
    const a = byPrefix(cur, prefix);
    const b = byPrefix(prevRaw, prefix);
    for (const [key, count] of a) consider(dimension, key, count, (b.get(key) ?? 0) * scale);
  }
  // The total comes first: it is the headline; then the largest jumps.
  spikes.sort((a, b) => +(b.dimension === 'cases') - +(a.dimension === 'cases') || b.ratio - a.ratio || b.count - a.count);

  const daily = [...input.current]
    .sort((a, b) => a.day.localeCompare(b.day))
    .map((d): DailyFigures => {
      const c = d.counters;
      const s = (x: string) => c[F.sentiment(x)] ?? 0;
      return { day: d.day, cases: c[F.cases] ?? 0, negative: s('negative'), neutral: s('neutral'), positive: s('positive'), unknown: s('unknown'), replies: c[F.replies] ?? 0 };
    });

  return {
    period: input.period,
    previousPeriod: previousPeriod(input.period),
    scope: input.scope,
    now: input.now,
    volume: {
      total: get(cur, F.cases),
      previous: prevTotal,
      byNetwork: counts(cur, prevRaw, 'net:', scale),
      bySource: counts(cur, prevRaw, 'src:', scale),
      byGroup: counts(cur, prevRaw, 'grp:', scale),
      bySentiment: counts(cur, prevRaw, 'sentiment:', scale),
      byIntent: counts(cur, prevRaw, 'intent:', scale),
      byPriority: counts(cur, prevRaw, 'prio:', scale),
    },
    daily,
    firstResponse: durationStats(hist.frt),
    resolution: durationStats(hist.res),
    firstResponseBuckets: [...hist.frt.buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([k, count]) => ({ ...bucketBounds(k), count })),
    sla: { met, breached, attainment: ratio(met, breached), byPriority },
    backlog: backlogOf(input),
    agents: agentsOf(cur),
    approvals: { approved, rejected, rejectionRate: ratio(rejected, approved), turnaround: durationStats(hist.apt) },
    reach: { answered: get(cur, F.answered), followers: get(cur, F.followers) },
    sentimentShift: {
      measured: shiftN,
      improved: get(cur, F.shift('improved')),
      same: get(cur, F.shift('same')),
      worsened: get(cur, F.shift('worsened')),
      average: shiftN > 0 ? get(cur, F.shiftSum) / shiftN : undefined,
      pairs: [...byPrefix(cur, 'shift:').entries()]
        .filter(([k]) => k.includes('>'))
        .map(([k, count]) => {
          const [from, to] = k.split('>');
          return { from: from!, to: to!, count };
        })
        .sort((a, b) => b.count - a.count),
    },
    activity: {
      replies: get(cur, F.replies),
      closed: get(cur, F.closed),
      reopened: get(cur, F.reopened),
      escalated: get(cur, F.escalated),
      sendFailed: get(cur, F.sendFailed),
    },
    hashtags: hashtagCounts.slice(0, 10),
    campaigns,
    topics: topicCounts.slice(0, 10),
    trending,
    spikes,
  };
}
