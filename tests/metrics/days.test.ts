import { describe, expect, it } from 'vitest';
import { addDays, dayCount, dayKey, daysIn, epochMs, InstantInvalidError, localHour, TimeZoneInvalidError } from '../../src/domain/days.js';

describe('rollup days', () => {
  it.each([
    ['2024-05-06T23:59:59.999Z', 'UTC', '2024-05-06', 23],
    ['2024-05-06T23:30:00Z', 'Europe/Berlin', '2024-05-07', 1],
    ['2024-05-07T01:30:00+02:00', 'UTC', '2024-05-06', 23],
    ['2024-03-31T00:30:00Z', 'Europe/London', '2024-03-31', 0],
    ['2024-03-31T01:30:00Z', 'Europe/London', '2024-03-31', 2],
    ['2024-11-03T06:30:00Z', 'America/New_York', '2024-11-03', 1],
  ])('%s in %s is %s, hour %i', (iso, zone, day, hour) => {
    expect(dayKey(iso, zone)).toBe(day);
    expect(localHour(iso, zone)).toBe(hour);
  });

  it('gives the same instant on the fast path as luxon', () => {
    expect(epochMs('2024-05-06T10:00:00Z')).toBe(epochMs('2024-05-06T12:00:00+02:00'));
    expect(epochMs('2024-05-06T10:00:00.123456Z')).toBe(Date.UTC(2024, 4, 6, 10, 0, 0, 123));
  });

  it('refuses what is not an instant or a zone', () => {
    expect(() => epochMs('2024-02-30T10:00:00Z')).toThrow(InstantInvalidError);
    expect(() => dayKey('yesterday')).toThrow(InstantInvalidError);
    expect(() => dayKey('2024-05-06T10:00:00Z', 'Nowhere/City')).toThrow(TimeZoneInvalidError);
  });

  it('walks calendar days across month and leap-year ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(dayCount('2024-02-27', '2024-03-02')).toBe(5);
    expect(daysIn('2024-12-30', '2025-01-02')).toEqual(['2024-12-30', '2024-12-31', '2025-01-01', '2025-01-02']);
  });
});
