/** The nightly sealing of recent days for every scope, skipped when the last run covered the same. */
import { addDays, dayKey, daysIn } from '../domain/days.js';
import { ALL, type Scope } from '../metrics/rollup-keys.js';
import { dayUnit } from '../metrics/sealed-units.js';
import { lastSealableDay, readSealed, sealDays, type MetricsReadStore, type ReadOptions } from './read-counter-blocks.js';

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
