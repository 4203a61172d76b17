/**
 * Reading a period's counters: sealed values for days that are over (sealing them on first
 * read), live hashes for today. See rollup-store.ts for the layout and its costs.
 */
import type { Store } from '../store/store.js';
import { addDays, dayKey, daysIn, epochMs } from '../domain/days.js';
import { dayHash, sealedKey, tagRankSet, tagsHash, ALL, type Scope } from '../metrics/rollup-keys.js';
import {
  SEALED_TOP_HASHTAGS, pruneHashtags, sealCounters, splitCounters, sumCounters,
} from '../metrics/seal-counters.js';
import { dailyFigures, type DailyFigures } from '../metrics/daily-figures.js';
import { dayUnit, sealedUnits, wholeUnits, type SealedUnit } from '../metrics/sealed-units.js';
import type { CounterBlock } from '../metrics/metrics-summary.js';

/** The store methods reading (and sealing) the rollups uses. */
export type MetricsReadStore = Pick<Store, 'hGetAll' | 'zRangeByScore' | 'get' | 'set'>;

/** The two halves of a sealed unit: what comparisons need, and the rest. */
export type Part = 'volume' | 'work';

/** How a sealed unit is stored; `v` changes with the layout (older values are then sealed again). */
export interface SealedValue {
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

export async function readSealed(
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
