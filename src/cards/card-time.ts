import { DateTime } from 'luxon';
import { formatBusinessTime, type SlaClock, type SlaClockName } from '../cases/sla.js';

/** Times on cards: `Mon 14:30 UTC`, in the zone given. */
export function cardTime(iso: string, zone = 'UTC'): string {
  const dt = DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
  return dt.isValid ? `${dt.toFormat('ccc d LLL HH:mm')} ${zone === 'UTC' ? 'UTC' : dt.toFormat('ZZZZ')}` : iso;
}

/** The SLA clocks as a card names them. */
export const CLOCK_LABEL: Record<SlaClockName, string> = { firstResponse: 'First response', resolution: 'Resolution' };

/** "due Mon 09:30 GMT · 1h 20m left", "paused (waiting on the author)", "missed by 25m"… */
export function slaFact(clock: SlaClock): string {
  switch (clock.state) {
    case 'running':
      return clock.remainingMs > 0
        ? `due ${clock.dueAt ? cardTime(clock.dueAt, clock.hours.timezone) : 'soon'} · ${formatBusinessTime(clock.remainingMs)} left`
        : `overdue by ${formatBusinessTime(clock.remainingMs)}`;
    case 'paused': return `paused, waiting on the author · ${formatBusinessTime(clock.remainingMs)} left`;
    case 'met': return 'met';
    case 'missed': return `missed by ${formatBusinessTime(clock.remainingMs)}`;
  }
}
