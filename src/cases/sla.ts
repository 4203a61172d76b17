import type { DateTime } from 'luxon';
import type { BusinessHoursConfig, SlaConfig } from '../config/workflow-schema.js';
import { reachedCustomer, type Case, type CaseStatus } from '../domain/case.js';
import { businessDeadline, WEEKDAYS, type BusinessHours } from '../domain/business-deadline.js';
import { checkZone, instantIn } from '../domain/days.js';

/**
 * The SLA clock, derived from a case's audit trail, so every instance computes the
 * same answer from the same stored case and nothing extra has to be kept in step.
 *
 * - **First response** runs from the case's creation to the first message that reaches
 *   the customer (a public reply, a direct message, a public invitation to DM: see
 *   `reachedCustomer`), or to a decision that no answer is due (`ignored`, `closed`).
 *   Moving a case to private is not a response until its message is out.
 * - **Resolution** runs from creation to `closed` or `ignored`, and **pauses while
 *   waiting on the author**: from the moment our reply or private message is out (`sent`,
 *   `redirected`) until the author writes again or the case is closed. Snoozing does
 *   not pause it: a snooze is the team's own choice.
 *
 * Both count business time only: opening hours on working days in the hours' time
 * zone, minus holidays (luxon; a deadline across a daylight-saving change keeps local
 * opening times). Pure: `now` is passed in.
 */
export type SlaClockName = 'firstResponse' | 'resolution';
export const SLA_CLOCKS: readonly SlaClockName[] = ['firstResponse', 'resolution'];

export interface SlaClock {
  clock: SlaClockName;
  /** The target, in business milliseconds. */
  targetMs: number;
  /** Business time used so far (up to now, or up to when the clock stopped). */
  elapsedMs: number;
  /** Business time left; negative once breached. */
  remainingMs: number;
  state: 'running' | 'paused' | 'met' | 'missed';
  /** The deadline while the clock runs. */
  dueAt?: string | undefined;
  /** When the clock stopped (met or missed). */
  stoppedAt?: string | undefined;
  hours: BusinessHoursConfig;
}

export interface SlaTargets {
  firstResponseMs?: number | undefined;
  resolutionMs?: number | undefined;
  hours: BusinessHoursConfig;
}

/** The targets for a case: group and priority, then group, then priority, then the default row; per clock. */
export function slaTargets(sla: SlaConfig, c: Pick<Case, 'group' | 'screening'>): SlaTargets {
  const rank = (t: SlaConfig['targets'][number]): number => {
    if (t.group && t.group !== c.group) return -1;
    if (t.priority && t.priority !== c.screening.priority) return -1;
    return (t.group ? 2 : 0) + (t.priority ? 1 : 0);
  };
  const fitting = sla.targets.map((t) => ({ t, r: rank(t) })).filter((x) => x.r >= 0).sort((a, b) => b.r - a.r).map((x) => x.t);
  const first = fitting.find((t) => t.firstResponse !== undefined);
  const resolution = fitting.find((t) => t.resolution !== undefined);
  const hours = fitting.find((t) => t.hours)?.hours ?? sla.hours;
  return { firstResponseMs: first?.firstResponse, resolutionMs: resolution?.resolution, hours };
}

const toBusinessHours = (h: BusinessHoursConfig): BusinessHours => ({ timezone: h.timezone, days: h.days, from: h.from, to: h.to, holidays: h.holidays });

/** Business milliseconds between two instants (0 when `end` ≤ `start`). */
export function businessMsBetween(startISO: string, endISO: string, hours: BusinessHoursConfig): number {
  const zone = checkZone(hours.timezone);
  const start = instantIn(startISO, zone);
  const end = instantIn(endISO, zone);
  if (end <= start) return 0;
  const days = new Set(hours.days.map((d) => WEEKDAYS.indexOf(d) + 1));
  const holidays = new Set(hours.holidays);
  const at = (day: DateTime, hhmm: string): DateTime => {
    if (hhmm === '24:00') return day.startOf('day').plus({ days: 1 });
    const [h, m] = hhmm.split(':').map(Number);
    return day.set({ hour: h!, minute: m!, second: 0, millisecond: 0 });
  };
  let total = 0;
  let day = start.startOf('day');
  // Bounded: a case older than a few years has long been purged.
  for (let i = 0; i < 3000 && day < end; i++) {
    if (days.has(day.weekday) && !holidays.has(day.toISODate()!)) {
      const open = at(day, hours.from);
      const close = at(day, hours.to);
      const from = open > start ? open : start;
      const to = close < end ? close : end;
      if (to > from) total += to.toMillis() - from.toMillis();
    }
    day = day.plus({ days: 1 }).startOf('day');
  }
  return total;
}

/** The case's status over time, from its audit trail: [status, since, until?]. */
function statusTimeline(c: Case, now: string): Array<{ status: CaseStatus; from: string; to: string }> {
  const out: Array<{ status: CaseStatus; from: string; to: string }> = [];
  let status: CaseStatus = 'new';
  let since = c.createdAt;
  for (const e of c.audit) {
    if (e.to === status) continue;
    out.push({ status, from: since, to: e.at });
    status = e.to;
    since = e.at;
  }
  out.push({ status, from: since, to: now });
  return out;
}

/** Closing or ignoring decides that no answer is due. */
const NO_RESPONSE_DUE: readonly CaseStatus[] = ['ignored', 'closed'];
const RESOLVED: readonly CaseStatus[] = ['closed', 'ignored'];
/** Our answer is out (in public or in private): the author's turn. */
const WAITING_ON_AUTHOR: readonly CaseStatus[] = ['sent', 'redirected'];

/**
 * One clock's state. `running` is where the current running stretch began and the
 * business time already used before it, from which the deadline follows.
 */
function clockState(clock: SlaClockName, targetMs: number, hours: BusinessHoursConfig, elapsedMs: number, running: { since: string; usedBefore: number } | undefined, stoppedAt: string | undefined): SlaClock {
  const remainingMs = targetMs - elapsedMs;
  if (stoppedAt) return { clock, targetMs, elapsedMs, remainingMs, state: remainingMs >= 0 ? 'met' : 'missed', stoppedAt, hours };
  if (!running) return { clock, targetMs, elapsedMs, remainingMs, state: 'paused', hours };
  const dueAt = businessDeadline(running.since, Math.max(0, targetMs - running.usedBefore) / 60_000, toBusinessHours(hours));
  return { clock, targetMs, elapsedMs, remainingMs, state: 'running', dueAt, hours };
}

/** Where a case's SLA clocks stand at `now`. Clocks without a target are left out. */
export function slaStatus(c: Case, sla: SlaConfig | undefined, now: string): Partial<Record<SlaClockName, SlaClock>> {
  if (!sla) return {};
  const targets = slaTargets(sla, c);
  const out: Partial<Record<SlaClockName, SlaClock>> = {};
  const timeline = statusTimeline(c, now);
  if (targets.firstResponseMs !== undefined) {
    const done = c.audit.find((e) => reachedCustomer(e) || NO_RESPONSE_DUE.includes(e.to));
    const end = done?.at ?? now;
    const elapsed = businessMsBetween(c.createdAt, end, targets.hours);
    // Nothing pauses this clock: while it runs, the deadline counts from creation.
    out.firstResponse = clockState('firstResponse', targets.firstResponseMs, targets.hours, elapsed, done ? undefined : { since: c.createdAt, usedBefore: 0 }, done?.at);
  }
  if (targets.resolutionMs !== undefined) {
    let elapsed = 0;
    for (const seg of timeline) {
      if (RESOLVED.includes(seg.status) || WAITING_ON_AUTHOR.includes(seg.status)) continue;
      elapsed += businessMsBetween(seg.from, seg.to, targets.hours);
    }
    const last = timeline[timeline.length - 1]!;
    const stopped = RESOLVED.includes(last.status) ? last.from : undefined;
    const paused = WAITING_ON_AUTHOR.includes(last.status);
    const running = stopped || paused ? undefined : { since: last.from, usedBefore: elapsed - businessMsBetween(last.from, now, targets.hours) };
    out.resolution = clockState('resolution', targets.resolutionMs, targets.hours, elapsed, running, stopped);
  }
  return out;
}

/** "2h 05m" for a number of milliseconds (business time). */
export function formatBusinessTime(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m`;
}
