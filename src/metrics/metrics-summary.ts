import type { DailyFigures } from './daily-figures.js';
import type { DurationStats } from './histogram.js';
import type { Period } from './period.js';
import type { Scope } from './rollup-keys.js';

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
  activity: { replies: number; redirected: number; privateConversations: number; closed: number; ignored: number; reopened: number; escalated: number; sendFailed: number; folded: number };
  hashtags: Count[];
  campaigns: Count[];
  topics: Count[];
  trending: Trend[];
  spikes: Spike[];
}
