import { DateTime } from 'luxon';

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/**
 * Whether `now` falls in a weekly window, in the window's own time zone. A window whose
 * `to` is before its `from` runs overnight (22:00–06:00); its early-morning part belongs
 * to the day it started on, so `fri 22:00–06:00` includes Saturday 02:00.
 */
export function inTimeWindow(
  window: { days?: string[] | undefined; from?: string | undefined; to?: string | undefined; timezone: string },
  now: string,
): { inside: boolean; local: DateTime } {
  const local = DateTime.fromISO(now, { zone: window.timezone });
  if (!local.isValid) return { inside: false, local };
  const t = local.hour * 60 + local.minute;
  const from = window.from ? minutes(window.from) : 0;
  const to = window.to ? minutes(window.to) : 24 * 60;
  let day = local.weekday - 1;
  let inside: boolean;
  if (from <= to) {
    inside = t >= from && t < to;
  } else if (t >= from) {
    inside = true;
  } else if (t < to) {
    inside = true;
    day = (day + 6) % 7;
  } else {
    inside = false;
  }
  if (inside && window.days && window.days.length > 0) inside = window.days.includes(DAY_NAMES[day]!);
  return { inside, local };
}
