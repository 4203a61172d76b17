import { DateTime, IANAZone } from 'luxon';

/**
 * Calendar days and local times, shared by the SLA clock, quiet hours, agent availability
 * and the rollups, so they live in the domain rather than in metrics. A rollup day is the
 * calendar date (YYYY-MM-DD) in the configured time zone (UTC unless configured), so that
 * "today" means the managers' today. Pure: every instant is passed in.
 */

export const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export class TimeZoneInvalidError extends Error {
  readonly code = 'TIMEZONE_INVALID';
  constructor(readonly zone: string) {
    super(`"${zone}" is not a known IANA time zone (like Europe/London or America/New_York)`);
    this.name = 'TimeZoneInvalidError';
  }
}

export class InstantInvalidError extends Error {
  readonly code = 'INSTANT_INVALID';
  constructor(readonly value: string) {
    super(`"${value}" is not an ISO 8601 date-time`);
    this.name = 'InstantInvalidError';
  }
}

/** Checks a zone name once, so callers fail early with a clear message. */
export function checkZone(zone: string): string {
  if (!IANAZone.isValidZone(zone)) throw new TimeZoneInvalidError(zone);
  return zone;
}

/** Parses an ISO instant into the given zone; throws {@link InstantInvalidError}. */
export function instantIn(iso: string, zone: string): DateTime<true> {
  const dt = DateTime.fromISO(iso, { setZone: false, zone: 'utc' }).setZone(zone);
  if (!dt.isValid) {
    if (!IANAZone.isValidZone(zone)) throw new TimeZoneInvalidError(zone);
    throw new InstantInvalidError(iso);
  }
  return dt;
}

// Rollups run on every transition: for UTC and the usual `…Z` timestamps, plain Date
// arithmetic gives the same answer as luxon at a fraction of the cost.
const UTC_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z$/;
const isUtc = (zone: string): boolean => zone === 'UTC' || zone === 'utc' || zone === 'Etc/UTC';

/** The rollup day of an instant: its calendar date in `zone`. */
export function dayKey(iso: string, zone = 'UTC'): string {
  // A valid `…Z` timestamp starts with its UTC date.
  if (isUtc(zone) && UTC_ISO.test(iso)) return (epochMs(iso), iso.slice(0, 10));
  return instantIn(iso, zone).toISODate();
}

/** The local hour (0–23) of an instant in `zone`. */
export function localHour(iso: string, zone = 'UTC'): number {
  if (isUtc(zone) && UTC_ISO.test(iso)) return (epochMs(iso), Number(iso.slice(11, 13)));
  return instantIn(iso, zone).hour;
}

/** Milliseconds since the epoch of an ISO instant; throws {@link InstantInvalidError}. */
export function epochMs(iso: string): number {
  if (UTC_ISO.test(iso)) {
    const ms = Date.parse(iso);
    // Date.parse rolls 30 February over into March; luxon (and ISO 8601) refuse it.
    if (Number.isFinite(ms) && new Date(ms).getUTCDate() === Number(iso.slice(8, 10))) return ms;
    throw new InstantInvalidError(iso);
  }
  const ms = DateTime.fromISO(iso, { zone: 'utc' }).toMillis();
  if (!Number.isFinite(ms)) throw new InstantInvalidError(iso);
  return ms;
}

const DAY_MS = 86_400_000;
// Calendar arithmetic on dates alone: midnight UTC of a date is exact, with no zone to mind.
const dayMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);

/** The day `n` days after `day` (n may be negative). Calendar arithmetic, no zone. */
export function addDays(day: string, n: number): string {
  return new Date(dayMs(day) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Number of days from `from` to `to` inclusive (1 for the same day; ≤ 0 if reversed). */
export function dayCount(from: string, to: string): number {
  return Math.round((dayMs(to) - dayMs(from)) / DAY_MS) + 1;
}

/** Every day from `from` to `to`, inclusive, in order. */
export function daysIn(from: string, to: string): string[] {
  const out: string[] = [];
  const start = dayMs(from);
  const n = dayCount(from, to);
  for (let i = 0; i < n; i++) out.push(new Date(start + i * DAY_MS).toISOString().slice(0, 10));
  return out;
}

/** ISO weekday of a date: 1 Monday … 7 Sunday. */
export function isoWeekday(day: string): number {
  return new Date(dayMs(day)).getUTCDay() || 7;
}

/** The last day of the date's month. */
export function monthEnd(day: string): string {
  const d = new Date(dayMs(day));
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
}

/** Is `day` a real calendar date written YYYY-MM-DD? */
export function isDay(day: string): boolean {
  return DAY_RE.test(day) && DateTime.fromISO(day, { zone: 'utc' }).isValid;
}
