import { DateTime } from 'luxon';
import { checkZone, instantIn } from './days.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** When the team works: local opening hours on given weekdays, minus holidays. */
export interface BusinessHours {
  /** IANA zone the hours are written in, e.g. `Europe/London`. */
  timezone: string;
  /** Working weekdays; default Monday to Friday. */
  days?: readonly Weekday[] | undefined;
  /** Opening time `HH:MM`, local; default 09:00. */
  from?: string | undefined;
  /** Closing time `HH:MM`, local, after `from`; default 17:00. `24:00` means midnight. */
  to?: string | undefined;
  /** Local dates (YYYY-MM-DD) on which nobody works. */
  holidays?: readonly string[] | undefined;
}

export class BusinessHoursInvalidError extends Error {
  readonly code = 'BUSINESS_HOURS_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'BusinessHoursInvalidError';
  }
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

function minutesOf(hhmm: string, what: string): number {
  if (!HHMM.test(hhmm)) throw new BusinessHoursInvalidError(`${what} "${hhmm}" is not a time like 09:00`);
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * The instant by which `targetMinutes` of business time have passed since `startISO`.
 *
 * Time only runs during opening hours on working days that are not holidays; a start
 * outside hours counts from the next opening. Opening and closing times are local
 * wall-clock times, so a deadline that spans a daylight-saving change still opens at
 * 09:00 local on each side of it. Within a day the minutes are real elapsed minutes.
 * Returns an ISO instant in UTC. Pure: no clock is read.
 */
export function businessDeadline(startISO: string, targetMinutes: number, hours: BusinessHours): string {
  const zone = checkZone(hours.timezone);
  const days = new Set<number>((hours.days ?? ['mon', 'tue', 'wed', 'thu', 'fri']).map((d) => WEEKDAYS.indexOf(d) + 1));
  if ([...days].some((d) => d < 1)) throw new BusinessHoursInvalidError(`days must be among ${WEEKDAYS.join(', ')}`);
  if (days.size === 0) throw new BusinessHoursInvalidError('list at least one working day');
  const open = minutesOf(hours.from ?? '09:00', 'from');
  const close = minutesOf(hours.to ?? '17:00', 'to');
  if (close <= open) throw new BusinessHoursInvalidError(`to (${hours.to}) must be after from (${hours.from})`);
  if (!(targetMinutes >= 0) || !Number.isFinite(targetMinutes)) throw new BusinessHoursInvalidError(`the target must be a non-negative number of minutes, got ${targetMinutes}`);
  const holidays = new Set(hours.holidays ?? []);

  // Wall-clock `set` keeps local times right across DST (plus() on hours would shift them).
  const local = (day: DateTime, minutes: number): DateTime =>
    minutes >= 1440 ? day.startOf('day').plus({ days: 1 }) : day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });

  let remainingMs = targetMinutes * 60_000;
  let cursor = instantIn(startISO, zone) as DateTime;
  // A year of closed days in a row means the configuration can never be met.
  for (let guard = 0; guard < 800; guard++) {
    const isWorkday = days.has(cursor.weekday) && !holidays.has(cursor.toISODate()!);
    const opening = local(cursor, open);
    const closing = local(cursor, close);
    if (!isWorkday || cursor >= closing) {
      cursor = local(cursor.startOf('day').plus({ days: 1 }), 0);
      continue;
    }
    if (cursor < opening) cursor = opening;
    const available = closing.toMillis() - cursor.toMillis();
    if (remainingMs <= available) return cursor.plus({ milliseconds: remainingMs }).toUTC().toISO()!;
    remainingMs -= available;
    cursor = local(cursor.startOf('day').plus({ days: 1 }), 0);
  }
  throw new BusinessHoursInvalidError('no working time found within 800 days: check days and holidays');
}
