import { describe, expect, it } from 'vitest';
import { BusinessHoursInvalidError, businessDeadline } from '../../src/domain/business-deadline.js';
import { TimeZoneInvalidError } from '../../src/domain/days.js';

const london = { timezone: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, from: '09:00', to: '17:00' };

describe('businessDeadline', () => {
  it.each([
    ['within one day', '2024-03-06T10:00:00Z', 60, '2024-03-06T11:00:00.000Z'],
    ['before opening counts from opening', '2024-03-06T07:15:00Z', 30, '2024-03-06T09:30:00.000Z'],
    ['after closing counts from the next opening', '2024-03-06T18:00:00Z', 30, '2024-03-07T09:30:00.000Z'],
    ['ends exactly at closing', '2024-03-06T16:00:00Z', 60, '2024-03-06T17:00:00.000Z'],
    ['across a weekend', '2024-03-08T16:30:00Z', 60, '2024-03-11T09:30:00.000Z'],
    ['posted on a Saturday', '2024-03-09T12:00:00Z', 90, '2024-03-11T10:30:00.000Z'],
    ['more than a full day', '2024-03-06T09:00:00Z', 8 * 60 + 30, '2024-03-07T09:30:00.000Z'],
    // Clocks go forward on Sunday 31 March 2024: Monday opens at 09:00 BST = 08:00Z.
    ['across the spring DST change', '2024-03-29T16:00:00Z', 120, '2024-04-01T09:00:00.000Z'],
    // Clocks go back on Sunday 27 October 2024: Friday is BST (15:30Z = 16:30 local), Monday GMT.
    ['across the autumn DST change', '2024-10-25T15:30:00Z', 60, '2024-10-28T09:30:00.000Z'],
  ])('%s', (_name, start, minutes, want) => {
    expect(businessDeadline(start, minutes, london)).toBe(want);
  });

  it('skips holidays', () => {
    expect(businessDeadline('2024-03-29T16:00:00Z', 120, { ...london, holidays: ['2024-04-01'] })).toBe('2024-04-02T09:00:00.000Z');
  });

  it('handles the US DST change in New York', () => {
    // Friday 8 March 16:00 EST (21:00Z) + 2h → Monday 11 March 10:00 EDT = 14:00Z
    expect(businessDeadline('2024-03-08T21:00:00Z', 120, { timezone: 'America/New_York' })).toBe('2024-03-11T14:00:00.000Z');
  });

  it('works for weekend-only teams and a zero target', () => {
    expect(businessDeadline('2024-03-06T10:00:00Z', 60, { timezone: 'UTC', days: ['sat', 'sun'], from: '10:00', to: '14:00' })).toBe('2024-03-09T11:00:00.000Z');
    expect(businessDeadline('2024-03-09T08:00:00Z', 0, { timezone: 'UTC', days: ['sat'], from: '10:00', to: '14:00' })).toBe('2024-03-09T10:00:00.000Z');
  });

  it('refuses impossible hours with a coded error', () => {
    expect(() => businessDeadline('2024-03-06T10:00:00Z', 60, { timezone: 'Mars/Base' })).toThrow(TimeZoneInvalidError);
    expect(() => businessDeadline('2024-03-06T10:00:00Z', 60, { timezone: 'UTC', from: '17:00', to: '09:00' })).toThrow(BusinessHoursInvalidError);
    expect(() => businessDeadline('2024-03-06T10:00:00Z', 60, { timezone: 'UTC', days: [] })).toThrow(BusinessHoursInvalidError);
    expect(() => businessDeadline('2024-03-06T10:00:00Z', -1, { timezone: 'UTC' })).toThrow(BusinessHoursInvalidError);
  });
});
