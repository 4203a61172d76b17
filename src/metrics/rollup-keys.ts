import type { Actor } from '../domain/actor.js';
import { COARSE, FINE, type HistogramScale } from './histogram.js';

/**
 * Names of the rollup hashes and of their fields, shared by the writer (rollup.ts) and
 * the reader (summary.ts) so the two cannot drift.
 *
 * Keys:
 * - `metrics:day:<YYYY-MM-DD>:<scope>` (hash): the counters of one day for one scope; scope
 *   is `all`, `group:<group>` or `agent:<platform>:<id>`. Their number is bounded by the
 *   configuration and the staff (sources, groups, agents, histogram buckets), not by traffic.
 * - `metrics:tags:<day>:<scope>` (hash) and `metrics:tagrank:<day>:<scope>` (scored set):
 *   hashtag counts, which grow with traffic, and their ranking, so a day's top hashtags
 *   are read without reading them all.
 * - `metrics:sealed:<unit>:<scope>:<volume|work>` (values): a day, week or month that is
 *   over, sealed with only its top hashtags (see sealed-units.ts and metrics-store), so a
 *   period of past days costs about one read per week.
 * - `metrics:open` (hash): backlog gauges (open cases) with fields `all`, `group:<g>`, `agent:<key>`.
 *
 * Variable parts (agent ids, hashtags, topics, source names) are percent-encoded where
 * they could contain the separators, so every field parses back unambiguously.
 */

/** Which slice of the numbers a day hash holds. */
export type Scope = { kind: 'all' } | { kind: 'group'; group: string } | { kind: 'agent'; agent: string };

export const ALL: Scope = { kind: 'all' };

const SEPARATORS = /[%:|\s\p{Cc}]/u;
const SEPARATORS_G = /[%:|\s\p{Cc}]/gu;

/** Encodes `%`, `:`, `|`, whitespace and control characters so they cannot split a key. */
export function keyPart(s: string): string {
  return SEPARATORS.test(s) ? s.replace(SEPARATORS_G, (c) => encodeURIComponent(c)) : s;
}

/** Reverses {@link keyPart}; returns the input unchanged when it is not valid percent-encoding. */
export function unKeyPart(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** An agent's stable key, `<platform>:<id>` (the same form policy lists use). */
export const agentKey = (a: Pick<Actor, 'platform' | 'id'>): string => `${a.platform}:${keyPart(a.id)}`;

/** Splits an agent key back into platform and id. */
export function parseAgentKey(key: string): { platform: string; id: string } {
  const i = key.indexOf(':');
  return i < 0 ? { platform: '', id: unKeyPart(key) } : { platform: key.slice(0, i), id: unKeyPart(key.slice(i + 1)) };
}

export function scopeId(scope: Scope): string {
  switch (scope.kind) {
    case 'all': return 'all';
    case 'group': return `group:${keyPart(scope.group)}`;
    case 'agent': return `agent:${scope.agent}`;
  }
}

export const dayHash = (day: string, scope: Scope): string => `metrics:day:${day}:${scopeId(scope)}`;
/** Hashtag counters of a day, apart from the rest: their number grows with traffic. */
export const tagsHash = (day: string, scope: Scope): string => `metrics:tags:${day}:${scopeId(scope)}`;
/** Scored set of a day's hashtags by −count, so the top ones are read without the rest. */
export const tagRankSet = (day: string, scope: Scope): string => `metrics:tagrank:${day}:${scopeId(scope)}`;
/** Prefix of a sealed unit's values (`d2025-06-01`, `w2025-06-02`, `m2025-06`); metrics-store adds the part. */
export const sealedKey = (unit: string, scope: Scope): string => `metrics:sealed:${unit}:${scopeId(scope)}`;
export const OPEN_GAUGE_HASH = 'metrics:open';

/** Field names inside a day hash. */
export const F = {
  /** Cases created. */
  cases: 'cases',
  /** Cases created in local hour HH (00–23), for "so far today" comparisons. */
  hour: (h: number) => `hour:${String(h).padStart(2, '0')}`,
  network: (n: string) => `net:${keyPart(n)}`,
  source: (s: string) => `src:${keyPart(s)}`,
  group: (g: string) => `grp:${keyPart(g)}`,
  sentiment: (s: string) => `sentiment:${keyPart(s)}`,
  intent: (i: string) => `intent:${keyPart(i)}`,
  priority: (p: string) => `prio:${keyPart(p)}`,
  /** A hashtag's count, as it appears in sealed days and summaries (tags hash fields are the bare tag). */
  hashtag: (t: string) => `tag:${keyPart(t)}`,
  /** A configured campaign hashtag: counted exactly in the day hash. */
  campaign: (t: string) => `camp:${keyPart(t)}`,
  topic: (t: string) => `topic:${keyPart(t)}`,
  /** Histogram fields: `<name>:n`, `<name>:sum` (seconds), `<name>:b<k>`. */
  histCount: (h: HistogramName) => `${h}:n`,
  histSum: (h: HistogramName) => `${h}:sum`,
  histBucket: (h: HistogramName, k: number) => `${h}:b${k}`,
  slaMet: (p: string) => `sla:met:${keyPart(p)}`,
  slaBreached: (p: string) => `sla:breached:${keyPart(p)}`,
  approved: 'appr:approved',
  rejected: 'appr:rejected',
  answered: 'reach:answered',
  followers: 'reach:followers',
  shiftCount: 'shift:n',
  shiftSum: 'shift:sum',
  shift: (dir: 'improved' | 'same' | 'worsened') => `shift:${dir}`,
  shiftPair: (from: string, to: string) => `shift:${keyPart(from)}>${keyPart(to)}`,
  closed: 'closed',
  ignored: 'ignored',
  redirected: 'redirected',
  /** Cases whose conversation went private (our DM or invitation reached the author, or the author wrote privately), once per case. */
  privateConversations: 'private',
  reopened: 'reopened',
  escalated: 'escalated',
  replies: 'replies',
  /** Replies sent in local hour HH (00–23), for the hourly chart of a one-day answer. */
  replyHour: (h: number) => `replies:hour:${String(h).padStart(2, '0')}`,
  sendFailed: 'send_failed',
  /** Near-identical posts folded into an existing case (no case of their own). */
  folded: 'folded',
  agent: (key: string, counter: AgentCounter) => `ag:${key}:${counter}`,
} as const;

/** The duration histograms: first response, resolution, approval turnaround. */
export const HISTOGRAMS = ['frt', 'res', 'apt'] as const;
export type HistogramName = (typeof HISTOGRAMS)[number];

/**
 * Bucket layout per histogram: the SLA figure (first response) gets the finest; the
 * others, whose values spread over days, a coarser one (see histogram.ts for the errors).
 * Changing a layout changes the meaning of stored buckets: give the histogram a new name.
 */
export const HISTOGRAM_SCALES: Record<HistogramName, HistogramScale> = { frt: FINE, res: COARSE, apt: COARSE };

export const AGENT_COUNTERS = ['claimed', 'drafted', 'sent', 'handled', 'approved', 'rejected'] as const;
export type AgentCounter = (typeof AGENT_COUNTERS)[number];

/** Gauge fields in {@link OPEN_GAUGE_HASH}. */
export const G = {
  all: 'all',
  group: (g: string) => `group:${keyPart(g)}`,
  agent: (key: string) => `agent:${key}`,
} as const;

/** The gauge field that counts the open cases of a scope. */
export function gaugeField(scope: Scope): string {
  switch (scope.kind) {
    case 'all': return G.all;
    case 'group': return G.group(scope.group);
    case 'agent': return G.agent(scope.agent);
  }
}
