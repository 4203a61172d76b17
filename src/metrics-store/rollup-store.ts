import type { Actor } from '../domain/actor.js';
import { previousPeriod, type Period } from '../metrics/period.js';
import { ALL, OPEN_GAUGE_HASH, agentKey, type Scope } from '../metrics/rollup-keys.js';
import { summarize, type MetricsSummary, type OpenCase } from '../metrics/summary.js';
import { readCounterBlocks, type MetricsReadStore, type ReadOptions } from './read-counter-blocks.js';

/**
 * Rollups through the Store port: writing counter increments as cases move, and reading
 * a period back at a cost that depends on the number of days, not of cases:
 *
 * - days that are over (and a grace period after them) are read from sealed values: whole
 *   months and weeks inside the period one value each, the remaining days one each. The
 *   first read seals them, or the 'metrics-seal' job does first ({@link sealRecent}). A sealed
 *   value is split in two: volume (all a comparison with the previous period reads) and
 *   work (durations, SLA, agents…), so the previous period costs little;
 * - today (and yesterday during the grace period) is read live: one `hGetAll` of the day
 *   hash, whose size is bounded by configuration and staff, and the top hashtags from the
 *   rank set (`zRangeByScore` with a limit), never the whole hashtag hash.
 */
// Writing, reading and sealing live in their own modules; every name stays importable from here.
export {
  ROLLUP_APPLIED, applyIncrements, applyIncrementsOnce, recordCaseChange, recordSentimentShift, type RollupStore,
} from './rollup-writes.js';
export { lastSealableDay, readCounterBlocks, sealDays, type MetricsReadStore, type ReadOptions } from './read-counter-blocks.js';
export { SEAL_MARK_KEY, sealRecent, type SealRecentOptions, type SealRecentReport } from './seal-recent.js';

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

export interface MetricsForOptions extends ReadOptions {
  /** Open cases from the open-case index, for the backlog's age. */
  open?: readonly OpenCase[] | undefined;
  campaigns?: readonly string[] | undefined;
  spike?: { factor?: number | undefined; minCount?: number | undefined } | undefined;
}

/**
 * The figures of the metrics command for a period and an optional group or agent:
 * reads the period (volume and work) and the previous period (volume only) as sealed
 * units and live days, and the backlog gauges, then computes the summary. Cost: two
 * reads per sealed unit of the period (a 30-day period is about ten units), one per
 * unit of the previous period, two per live day, one for the gauges.
 */
export async function metricsFor(
  store: MetricsReadStore,
  period: Period,
  filter: MetricsFilter | undefined,
  opts: MetricsForOptions,
): Promise<MetricsSummary> {
  const scope = scopeOf(filter);
  const prev = previousPeriod(period);
  const [current, previous, gauge] = await Promise.all([
    readCounterBlocks(store, period.from, period.to, scope, opts),
    readCounterBlocks(store, prev.from, prev.to, scope, { ...opts, volumeOnly: true, splitLastDay: true }),
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
