import type { Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import type { Store } from '../store/store.js';
import { addDays, dayKey, daysIn, epochMs } from '../domain/days.js';
import { previousPeriod, type Period } from '../metrics/period.js';
import {
  rollupUpdates, sentimentShiftUpdates,
  type FollowUp, type Increment, type RollupOptions,
} from '../metrics/rollup.js';
import {
  ALL, OPEN_GAUGE_HASH, agentKey, dayHash, sealedKey, tagRankSet, tagsHash, type Scope,
} from '../metrics/rollup-keys.js';
import {
  SEALED_TOP_HASHTAGS, pruneHashtags, sealCounters, splitCounters, sumCounters,
} from '../metrics/seal-counters.js';
import { dailyFigures, type DailyFigures } from '../metrics/daily-figures.js';
import { dayUnit, sealedUnits, wholeUnits, type SealedUnit } from '../metrics/sealed-units.js';
import { summarize, type CounterBlock, type MetricsSummary, type OpenCase } from '../metrics/summary.js';

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

/** The counters store methods the rollups use. */
export type RollupStore = Pick<Store, 'hIncrMany' | 'zAdd'>;
export type MetricsReadStore = Pick<Store, 'hGetAll' | 'zRangeByScore' | 'get' | 'set'>;

/**
 * Applies increments with one `hIncrMany` (one commit on SQL stores, one MULTI on Redis,
 * so a transition's counters are written together), then, for ranked counters, records
 * the new value in the rank set. A crash between the two leaves a rank behind its
 * counter until the next increment of that hashtag (the top list may be off by one
 * transition, never corrupt); under concurrent writers a rank may lag its counter by
 * one increment the same way. Call once per stored transition.
 */
export async function applyIncrements(store: RollupStore, increments: readonly Increment[]): Promise<void> {
  if (increments.length === 0) return;
  const values = await store.hIncrMany(increments);
  await Promise.all(increments.map(async (i, k) => {
    if (i.rank) await store.zAdd(i.rank, i.field, -values[k]!);
  }));
}

/** Keeps the rollups current after `next` was stored in place of `prev` (undefined for a new case). */
export async function recordCaseChange(store: RollupStore, prev: Case | undefined, next: Case, opts?: RollupOptions): Promise<void> {
  await applyIncrements(store, rollupUpdates(prev, next, opts));
}

/** The hash that records which changes of a case the rollups counted, by change. */
export const ROLLUP_APPLIED = (caseId: string) => `metrics:applied:${caseId}`;

/**
 * {@link applyIncrements} once per change of a case, however often it is called for it
 * (a retry after a failure, or after a crash that came before the caller heard the
 * answer). The mark of the change is a counter in the same `hIncrMany` as the
 * increments, so the counters and the mark are written together on every store (one
 * statement on SQLite and PostgreSQL, one MULTI on Redis): a mark never says counted
 * what was not, nor the reverse. The mark is read first, so a repeat writes nothing.
 * Two calls at once (which the outbox's lane lease makes rare) may both pass the read:
 * the one whose mark comes back above 1 takes its increments back, mark included, in
 * one batch; a crash between the two is repaired by the next call, which finds the
 * mark above 1. Returns whether this call counted the change.
 *
 * The marks stay after the case is purged (the Store has no way to delete a counter):
 * one small counter per change, naming only the case number and the change.
 */
export async function applyIncrementsOnce(
  store: RollupStore & Pick<Store, 'hGetAll'>, caseId: string, change: string, increments: readonly Increment[],
): Promise<boolean> {
  const hash = ROLLUP_APPLIED(caseId);
  const undo = async (times: number) => {
    await applyIncrements(store, [...increments.map((i) => ({ ...i, by: -i.by * times })), { hash, field: change, by: -times }]);
  };
  const seen = (await store.hGetAll(hash))[change] ?? 0;
  if (seen > 0) {
    if (seen > 1) await undo(seen - 1);
    return false;
  }
  const marked: Increment = { hash, field: change, by: 1 };
  const values = await store.hIncrMany([...increments, marked]);
  const times = values[values.length - 1]!;
  await Promise.all(increments.map(async (i, k) => {
    if (i.rank) await store.zAdd(i.rank, i.field, -values[k]!);
  }));
  if (times > 1) await undo(times - 1);
  return times === 1;
}

/** Counts the sentiment shift when the author of answered case `c` posts again. */
export async function recordSentimentShift(store: RollupStore, c: Case, followUp: FollowUp, opts?: Pick<RollupOptions, 'timezone'>): Promise<void> {
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

/** The two halves of a sealed unit: what comparisons need, and the rest. */
type Part = 'volume' | 'work';

/** How a sealed unit is stored; `v` changes with the layout (older values are then sealed again). */
interface SealedValue {
  v: 2;
  unit: string;
  sealedAt: string;
  counters: Record<string, number>;
  /** Volume part only: the unit's days, for the charts. */
  daily?: DailyFigures[];
}

const isSealed = (x: unknown): x is SealedValue =>
  typeof x === 'object' && x !== null && (x as SealedValue).v === 2 && typeof (x as SealedValue).counters === 'object';

/**
 * Sealed values are stored as JSON text: the Store's serializer revives every value of an
 * object it reads (to restore binary data), which for hundreds of counters costs more
 * than the read itself; a single string is revived once and parsed natively here.
 */
const encodeSealed = (v: SealedValue): string => JSON.stringify(v);
function decodeSealed(raw: unknown): SealedValue | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    return isSealed(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export interface ReadOptions {
  now: string;
  /** The zone the rollups were written in (the same as {@link RollupOptions.timezone}). */
  timezone?: string | undefined;
  /**
   * A day is sealed once it has been over this long (default 2 h), so that writes stamped
   * a little late (clock skew between instances) still land before it is sealed.
   */
  sealAfterMs?: number | undefined;
  /** Hashtags kept per sealed unit and read per live day (default {@link SEALED_TOP_HASHTAGS}). */
  topTags?: number | undefined;
}

/** Days up to and including this one may be sealed. */
export function lastSealableDay(opts: ReadOptions): string {
  const at = new Date(epochMs(opts.now) - (opts.sealAfterMs ?? 2 * 3_600_000)).toISOString();
  return addDays(dayKey(at, opts.timezone ?? 'UTC'), -1);
}

const partKey = (unit: SealedUnit, scope: Scope, part: Part): string => `${sealedKey(unit.id, scope)}:${part}`;

/** Seals one unit from its sources (a day from its hashes, a week or month from its days) and stores both parts. */
async function seal(store: MetricsReadStore, unit: SealedUnit, scope: Scope, opts: ReadOptions): Promise<Record<Part, SealedValue>> {
  let counters: Record<string, number>;
  let daily: DailyFigures[];
  if (unit.kind === 'day') {
    const [main, tags] = await Promise.all([store.hGetAll(dayHash(unit.from, scope)), store.hGetAll(tagsHash(unit.from, scope))]);
    counters = sealCounters(main, tags, opts.topTags);
    daily = [dailyFigures(unit.from, counters)];
  } else {
    const days = await Promise.all(daysIn(unit.from, unit.to).map((d) => readSealed(store, dayUnit(d), scope, ['volume', 'work'], opts)));
    counters = pruneHashtags(sumCounters(days.flatMap((d) => [d.volume!.counters, d.work!.counters])), opts.topTags);
    daily = days.flatMap((d) => d.volume!.daily ?? []);
  }
  const { volume, work } = splitCounters(counters);
  const values: Record<Part, SealedValue> = {
    volume: { v: 2, unit: unit.id, sealedAt: opts.now, counters: volume, daily },
    work: { v: 2, unit: unit.id, sealedAt: opts.now, counters: work },
  };
  await Promise.all((['volume', 'work'] as const).map((p) => store.set(partKey(unit, scope, p), encodeSealed(values[p]))));
  return values;
}

async function readSealed(
  store: MetricsReadStore, unit: SealedUnit, scope: Scope, parts: readonly Part[], opts: ReadOptions,
): Promise<Partial<Record<Part, SealedValue>>> {
  const got = (await Promise.all(parts.map((p) => store.get<unknown>(partKey(unit, scope, p))))).map(decodeSealed);
  if (got.every((v) => v !== undefined)) return Object.fromEntries(parts.map((p, i) => [p, got[i]!]));
  return seal(store, unit, scope, opts);
}

async function readLive(store: MetricsReadStore, day: string, scope: Scope, opts: ReadOptions): Promise<CounterBlock[]> {
  const k = opts.topTags ?? SEALED_TOP_HASHTAGS;
  const [main, top] = await Promise.all([
    store.hGetAll(dayHash(day, scope)),
    // Ranks are −count: the lowest scores are the most used hashtags. One more than kept
    // tells how large the dropped ones are.
    store.zRangeByScore(tagRankSet(day, scope), -Infinity, Infinity, k + 1),
  ]);
  const kept = top.slice(0, k);
  const tags = sealCounters({}, Object.fromEntries(kept.map((t) => [t.member, -t.score])), k, top[k] ? -top[k].score : 0);
  // Two blocks with different fields: they add up, and the day hash is not copied.
  return [{ from: day, to: day, counters: main }, { from: day, to: day, counters: tags, daily: [] }];
}

/**
 * The counters of `from`..`to` for one scope as blocks: days that are over from sealed
 * weeks, months and days (sealing them on first read), the last day or two live.
 * `volumeOnly` reads only what comparisons need; `splitLastDay` keeps the last day a
 * block of its own (for the "same hours" comparison).
 */
export async function readCounterBlocks(
  store: MetricsReadStore, from: string, to: string, scope: Scope,
  opts: ReadOptions & { volumeOnly?: boolean | undefined; splitLastDay?: boolean | undefined },
): Promise<CounterBlock[]> {
  const lastSealed = lastSealableDay(opts);
  const sealedTo = to < lastSealed ? to : lastSealed;
  const units = opts.splitLastDay && sealedTo === to && from <= to
    ? [...sealedUnits(from, addDays(to, -1)), dayUnit(to)]
    : sealedUnits(from, sealedTo);
  const live = daysIn(from > sealedTo ? from : addDays(sealedTo, 1), to);
  const parts: Part[] = opts.volumeOnly ? ['volume'] : ['volume', 'work'];
  const blocks = await Promise.all([
    // A unit comes back as one block per part: their fields differ, so they simply add up.
    ...units.map(async (u): Promise<CounterBlock[]> => {
      const v = await readSealed(store, u, scope, parts, opts);
      return [
        { from: u.from, to: u.to, counters: v.volume!.counters, daily: v.volume!.daily },
        ...(v.work ? [{ from: u.from, to: u.to, counters: v.work.counters, daily: [] }] : []),
      ];
    }),
    ...live.map((d) => readLive(store, d, scope, opts)),
  ]);
  return blocks.flat();
}

/**
 * Seals what periods inside `range` will read, for the given scopes (default: all): its
 * days that are over, and every whole week and month among them, so that the first
 * answer after midnight does not pay for it; for the nightly job ({@link sealRecent}).
 * `force` seals again units already sealed (after a repair of their counters). Returns
 * how many units were sealed.
 */
export async function sealDays(
  store: MetricsReadStore,
  range: { from: string; to: string },
  opts: ReadOptions & { scopes?: readonly Scope[] | undefined; force?: boolean | undefined },
): Promise<number> {
  const last = lastSealableDay(opts);
  const to = range.to < last ? range.to : last;
  let sealed = 0;
  for (const scope of opts.scopes ?? [ALL]) {
    // Days first (weeks and months are built from them), then the larger units.
    const units = [...daysIn(range.from, to).map(dayUnit), ...wholeUnits(range.from, to)];
    for (const unit of units) {
      const existing = await Promise.all((['volume', 'work'] as const).map((p) => store.get<unknown>(partKey(unit, scope, p))));
      if (!opts.force && existing.every((v) => decodeSealed(v) !== undefined)) continue;
      await seal(store, unit, scope, opts);
      sealed++;
    }
  }
  return sealed;
}

/** Agents with a counter on the days `from`..`to` (over), from the all scope's sealed days. */
async function agentsIn(store: MetricsReadStore, from: string, to: string, opts: ReadOptions): Promise<string[]> {
  const agents = new Set<string>();
  for (const day of daysIn(from, to)) {
    const { work } = await readSealed(store, dayUnit(day), ALL, ['work'], opts);
    // Fields `ag:<platform>:<id>:<counter>`; the id is key-encoded, so the last ":" ends the key.
    for (const f in work!.counters) if (f.startsWith('ag:')) agents.add(f.slice(3, f.lastIndexOf(':')));
  }
  return [...agents].sort();
}

/** What the last {@link sealRecent} that did its work covered. */
interface SealMark {
  through: string;
  timezone: string;
  groups: string[];
}
export const SEAL_MARK_KEY = 'metrics:seal-mark';

const isSealMark = (x: unknown): x is SealMark =>
  typeof x === 'object' && x !== null && typeof (x as SealMark).through === 'string' &&
  typeof (x as SealMark).timezone === 'string' && Array.isArray((x as SealMark).groups);

export interface SealRecentOptions extends ReadOptions {
  /** The configured skill groups; each one's scope is sealed. */
  groups: readonly string[];
  /** How many days back from today (default 62: a 30-day answer and the 30 days before it). */
  days?: number | undefined;
}

export interface SealRecentReport {
  /** Units sealed by this run. */
  sealed: number;
  /** Scopes looked at: all, each group, each agent with counters in the range (0 when skipped). */
  scopes: number;
  /** The last day that may be sealed now. */
  through: string;
  /** The previous run already covered the same days, groups and zone: nothing was read but the mark. */
  skipped: boolean;
}

/**
 * The metrics-seal job's work: seals the last `days` days (those that are over) and every
 * whole week and month among them, for the all scope, each group, and each agent with
 * counters in those days (agents found in the all scope's sealed days), so that metrics
 * answers about them, and the comparison with the period before, read sealed values only.
 *
 * A day can be sealed once a day, so a run that finds the mark of a run that covered the
 * same last day, groups and zone costs one read; a run that stops half-way leaves no mark
 * and the next one resumes (units already sealed are skipped with two reads each).
 */
export async function sealRecent(store: MetricsReadStore, opts: SealRecentOptions): Promise<SealRecentReport> {
  const { groups: configured, days = 62, ...read } = opts;
  const timezone = read.timezone ?? 'UTC';
  const through = lastSealableDay(read);
  const groups = [...new Set(configured)].sort();
  const mark = await store.get<unknown>(SEAL_MARK_KEY);
  if (isSealMark(mark) && mark.through === through && mark.timezone === timezone && mark.groups.join('\n') === groups.join('\n')) {
    return { sealed: 0, scopes: 0, through, skipped: true };
  }
  const today = dayKey(read.now, timezone);
  const range = { from: addDays(today, -(days - 1)), to: today };
  // The all scope first: the agents are read from its sealed days.
  let sealed = await sealDays(store, range, { ...read, scopes: [ALL] });
  const agents = await agentsIn(store, range.from, through, read);
  const scopes: Scope[] = [
    ...groups.map((group): Scope => ({ kind: 'group', group })),
    ...agents.map((agent): Scope => ({ kind: 'agent', agent })),
  ];
  sealed += await sealDays(store, range, { ...read, scopes });
  await store.set(SEAL_MARK_KEY, { through, timezone, groups } satisfies SealMark);
  return { sealed, scopes: 1 + scopes.length, through, skipped: false };
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
