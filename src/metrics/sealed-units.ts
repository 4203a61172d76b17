import { addDays, dayCount, daysIn, isoWeekday, monthEnd } from '../domain/days.js';

/**
 * Days that are over are read from sealed values, and whole calendar weeks (Monday to
 * Sunday) and months inside a period from one value each, so a 30-day answer reads
 * about ten values instead of thirty.
 */
export interface SealedUnit {
  kind: 'day' | 'week' | 'month';
  /** `d2025-06-01`, `w2025-06-02` (its Monday), `m2025-06`. */
  id: string;
  from: string;
  to: string;
}

export const dayUnit = (day: string): SealedUnit => ({ kind: 'day', id: `d${day}`, from: day, to: day });

/**
 * Covers `from`..`to` (inclusive) with the fewest units, greedily from the start: a whole
 * month where one starts and fits, else a whole week where one starts and fits, else a
 * day. Empty when `to` is before `from`.
 */
export function sealedUnits(from: string, to: string): SealedUnit[] {
  const out: SealedUnit[] = [];
  let d = from;
  while (dayCount(d, to) >= 1) {
    if (d.endsWith('-01') && monthEnd(d) <= to) {
      const end = monthEnd(d);
      out.push({ kind: 'month', id: `m${d.slice(0, 7)}`, from: d, to: end });
      d = addDays(end, 1);
    } else if (isoWeekday(d) === 1 && addDays(d, 6) <= to) {
      out.push({ kind: 'week', id: `w${d}`, from: d, to: addDays(d, 6) });
      d = addDays(d, 7);
    } else {
      out.push(dayUnit(d));
      d = addDays(d, 1);
    }
  }
  return out;
}

/**
 * Every whole week (Monday to Sunday) and every whole month inside `from`..`to`. With the
 * days, these are all the units {@link sealedUnits} can give for a period inside the
 * range, whatever day the period starts on (one tiling of the range would miss the
 * weeks and months another start day uses).
 */
export function wholeUnits(from: string, to: string): SealedUnit[] {
  const days = daysIn(from, to);
  const weeks = days.filter((d) => isoWeekday(d) === 1 && addDays(d, 6) <= to)
    .map((d): SealedUnit => ({ kind: 'week', id: `w${d}`, from: d, to: addDays(d, 6) }));
  const months = days.filter((d) => d.endsWith('-01') && monthEnd(d) <= to)
    .map((d): SealedUnit => ({ kind: 'month', id: `m${d.slice(0, 7)}`, from: d, to: monthEnd(d) }));
  return [...weeks, ...months];
}
