import { addDays, dayCount, dayKey } from '../domain/days.js';

/** The days a metrics answer covers, inclusive, as calendar dates in the rollup zone. */
export interface Period {
  kind: 'today' | 'days' | 'range';
  from: string;
  to: string;
  /** Words for people: "today", "the last 7 days", "2024-05-01 to 2024-05-07". */
  label: string;
}

/** Today, in `zone`, as a one-day period. */
export function todayPeriod(now: string, zone: string): Period {
  const today = dayKey(now, zone);
  return { kind: 'today', from: today, to: today, label: 'today' };
}

/** The last `n` days including today. */
export function lastDays(n: number, now: string, zone: string): Period {
  if (n === 1) return todayPeriod(now, zone);
  const today = dayKey(now, zone);
  return { kind: 'days', from: addDays(today, -(n - 1)), to: today, label: `the last ${n} days` };
}

/** A fixed range of days (inclusive). */
export function rangePeriod(from: string, to: string): Period {
  return { kind: 'range', from, to, label: from === to ? from : `${from} to ${to}` };
}

/** How many days a period covers. */
export const periodDays = (p: Pick<Period, 'from' | 'to'>): number => dayCount(p.from, p.to);

/** The period of equal length just before `p`, for comparisons. */
export function previousPeriod(p: Pick<Period, 'from' | 'to'>): { from: string; to: string } {
  const n = periodDays(p);
  return { from: addDays(p.from, -n), to: addDays(p.from, -1) };
}
