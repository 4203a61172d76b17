import type { Actor } from '../domain/actor.js';

/**
 * Names of the rollup hashes and of their fields, shared by the writer (rollup.ts) and
 * the reader (summary.ts) so the two cannot drift.
 *
 * Hashes:
 * - `metrics:day:<YYYY-MM-DD>:<scope>`: the counters of one day for one scope; scope is
 *   `all`, `group:<group>` or `agent:<platform>:<id>`. Reading a period costs one
 *   hGetAll per day, whatever the number of cases.
 * - `metrics:open`: backlog gauges (open cases) with fields `all`, `group:<g>`, `agent:<key>`.
 *
 * Variable parts (agent ids, hashtags, topics, source names) are percent-encoded where
 * they could contain the separators, so every field parses back unambiguously.
 */

/** Which slice of the numbers a day hash holds. */
export type Scope = { kind: 'all' } | { kind: 'group'; group: string } | { kind: 'agent'; agent: string };

export const ALL: Scope = { kind: 'all' };

/** Encodes `%`, `:`, `|`, whitespace and control characters so they cannot split a key. */
export function keyPart(s: string): string {
  return s.replace(/[%:|\s\p{Cc}]/gu, (c) => encodeURIComponent(c));
}

/** Reverses {@link keyPart}; returns the input unchanged when it is not valid percent-encoding. */
export function unKeyPart(s: string): string {
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
  hashtag: (t: string) => `tag:${keyPart(t)}`,
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
  reopened: 'reopened',
  escalated: 'escalated',
  replies: 'replies',
  sendFailed: 'send_failed',
  agent: (key: string, counter: AgentCounter) => `ag:${key}:${counter}`,
} as const;

/** The duration histograms: first response, resolution, approval turnaround. */
export const HISTOGRAMS = ['frt', 'res', 'apt'] as const;
export type HistogramName = (typeof HISTOGRAMS)[number];

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
