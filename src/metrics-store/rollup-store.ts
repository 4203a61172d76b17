import type { Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import type { Store } from '../store/store.js';
import { daysIn } from '../metrics/days.js';
import { previousPeriod, type Period } from '../metrics/period.js';
import {
  rollupUpdates, sentimentShiftUpdates,
  type FollowUp, type Increment, type RollupOptions,
} from '../metrics/rollup.js';
import { ALL, OPEN_GAUGE_HASH, agentKey, dayHash, type Scope } from '../metrics/rollup-keys.js';
import { summarize, type DayCounters, type MetricsSummary, type OpenCase } from '../metrics/summary.js';

/**
 * Rollups through the Store port: writing counter increments as cases move, and reading
 * a period back with one hGetAll per day (so answering costs the same with a million
 * cases as with a thousand).
 */

/**
 * Applies increments with `hIncr`. Each counter is atomic; the set is not, so a crash
 * half-way leaves some counters of one transition written (off by one transition, never
 * corrupt). Call once per stored transition.
 */
export async function applyIncrements(store: Pick<Store, 'hIncr'>, increments: readonly Increment[]): Promise<void> {
  await Promise.all(increments.map((i) => store.hIncr(i.hash, i.field, i.by)));
}

/** Keeps the rollups current after `next` was stored in place of `prev` (undefined for a new case). */
export async function recordCaseChange(store: Pick<Store, 'hIncr'>, prev: Case | undefined, next: Case, opts?: RollupOptions): Promise<void> {
  await applyIncrements(store, rollupUpdates(prev, next, opts));
}

/** Counts the sentiment shift when the author of answered case `c` posts again. */
export async function recordSentimentShift(store: Pick<Store, 'hIncr'>, c: Case, followUp: FollowUp, opts?: Pick<RollupOptions, 'timezone'>): Promise<void> {
  await applyIncrements(store, sentimentShiftUpdates(c, followUp, opts));
}

/** A group or an agent (already resolved to a platform id), or everything. */
export interface MetricsFilter {
  group?: string | undefined;
  agent?: Pick<Actor, 'platform' | 'id'> | undefined;
}

export class MetricsFilterInvalidError extends Error {
  readonly code = 'METRICS_FILTER_INVALID';
  constructor() {
    super('filter by a group or by an agent, not both');
    this.name = 'MetricsFilterInvalidError';
  }
}

/** The rollup scope a filter reads. */
export function scopeOf(filter: MetricsFilter | undefined): Scope {
  if (filter?.group && filter.agent) throw new MetricsFilterInvalidError();
  if (filter?.group) return { kind: 'group', group: filter.group };
  if (filter?.agent) return { kind: 'agent', agent: agentKey(filter.agent) };
  return ALL;
}

/** The day hashes of `from`..`to` for one scope: one hGetAll per day, run together. */
export async function readDayCounters(store: Pick<Store, 'hGetAll'>, from: string, to: string, scope: Scope): Promise<DayCounters[]> {
  const days = daysIn(from, to);
  const hashes = await Promise.all(days.map((d) => store.hGetAll(dayHash(d, scope))));
  return days.map((day, i) => ({ day, counters: hashes[i]! }));
}

export interface MetricsForOptions {
  now: string;
  /** The zone the rollups were written in (the same as {@link RollupOptions.timezone}). */
  timezone?: string | undefined;
  /** Open cases from the open-case index, for the backlog's age. */
  open?: readonly OpenCase[] | undefined;
  campaigns?: readonly string[] | undefined;
  spike?: { factor?: number | undefined; minCount?: number | undefined } | undefined;
}

/**
 * The figures of the metrics command for a period and an optional group or agent:
 * reads the period's and the previous period's day hashes and the backlog gauges, then
 * computes the summary. Cost: 2 × days + 1 hash reads.
 */
export async function metricsFor(
  store: Pick<Store, 'hGetAll'>,
  period: Period,
  filter: MetricsFilter | undefined,
  opts: MetricsForOptions,
): Promise<MetricsSummary> {
  const scope = scopeOf(filter);
  const prev = previousPeriod(period);
  const [current, previous, gauge] = await Promise.all([
    readDayCounters(store, period.from, period.to, scope),
    readDayCounters(store, prev.from, prev.to, scope),
    store.hGetAll(OPEN_GAUGE_HASH),
  ]);
  return summarize({
    period, scope, current, previous, gauge,
    open: opts.open,
    now: opts.now,
    timezone: opts.timezone ?? 'UTC',
    campaigns: opts.campaigns,
    spike: opts.spike,
  });
}
