import { describe, expect, it } from 'vitest';
import { MetricsArgsInvalidError, parseMetricsArgs } from '../../src/metrics/parse-metrics-args.js';

const now = '2024-05-06T23:30:00Z';

describe('parseMetricsArgs', () => {
  it.each([
    ['', 'today', '2024-05-06', '2024-05-06'],
    ['today', 'today', '2024-05-06', '2024-05-06'],
    ['TODAY', 'today', '2024-05-06', '2024-05-06'],
    ['yesterday', 'range', '2024-05-05', '2024-05-05'],
    ['7d', 'days', '2024-04-30', '2024-05-06'],
    ['30d', 'days', '2024-04-07', '2024-05-06'],
    ['2024-04-01..2024-04-30', 'range', '2024-04-01', '2024-04-30'],
    ['2024-05-01..2024-05-31', 'range', '2024-05-01', '2024-05-06'],
    ['2024-04-02', 'range', '2024-04-02', '2024-04-02'],
  ])('%j → %s %s..%s', (text, kind, from, to) => {
    const { period, filter } = parseMetricsArgs(text, now, 'UTC');
    expect(period).toMatchObject({ kind, from, to });
    expect(filter).toBeUndefined();
  });

  it('uses the time zone for today', () => {
    expect(parseMetricsArgs('today', now, 'Europe/Berlin').period).toMatchObject({ from: '2024-05-07', to: '2024-05-07' });
    expect(parseMetricsArgs('7d', now, 'America/Los_Angeles').period).toMatchObject({ from: '2024-04-30', to: '2024-05-06' });
  });

  it('reads a group or an agent, in either order', () => {
    expect(parseMetricsArgs('billing 7d', now, 'UTC', { groups: ['billing', 'care'] })).toMatchObject({ period: { kind: 'days' }, filter: { kind: 'group', group: 'billing' } });
    expect(parseMetricsArgs('7d <@U0123ABC|alice>', now, 'UTC').filter).toEqual({ kind: 'agent', platform: 'slack', id: 'U0123ABC', name: 'alice' });
    expect(parseMetricsArgs('<@W0123ABC>', now, 'UTC').filter).toEqual({ kind: 'agent', platform: 'slack', id: 'W0123ABC' });
    expect(parseMetricsArgs('@alice.b 30d', now, 'UTC').filter).toEqual({ kind: 'agent', name: 'alice.b' });
    expect(parseMetricsArgs('30d <at>Ana Lima</at>', now, 'UTC').filter).toEqual({ kind: 'agent', name: 'Ana Lima' });
  });

  it.each([
    ['7d 30d', /one period/],
    ['billing care', /one group or one agent/],
    ['2024-02-30', /not a date/],
    ['2024-05-01..2024-04-01', /ends before it starts/],
    ['2024-06-01..2024-06-02', /in the future/],
    ['2022-01-01..2024-05-01', /the longest is 366/],
    ['0d', /between 1 and 366/],
    ['sales', /There is no group "sales"\. Groups: billing, care/],
    ['<script>', /I don't understand "<script>"/],
  ])('refuses %j clearly', (text, message) => {
    try {
      parseMetricsArgs(text, now, 'UTC', { groups: ['billing', 'care'] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MetricsArgsInvalidError);
      expect((e as MetricsArgsInvalidError).code).toBe('METRICS_ARGS_INVALID');
      expect((e as Error).message).toMatch(message);
      expect((e as Error).message).toContain('Usage: /earshot metrics');
    }
  });

  it('cuts long input in its error message', () => {
    expect(() => parseMetricsArgs(`x${'y'.repeat(500)}!`, now, 'UTC')).toThrow(/"xy{39}…"/);
  });

  it('takes "details" anywhere, before any group of that name', () => {
    expect(parseMetricsArgs('today details', now, 'UTC', { groups: ['care'] })).toMatchObject({ period: { kind: 'today' }, details: true });
    expect(parseMetricsArgs('DETAILS 7d care', now, 'UTC', { groups: ['care'] })).toMatchObject({ period: { kind: 'days' }, filter: { group: 'care' }, details: true });
    expect(parseMetricsArgs('7d', now, 'UTC').details).toBeUndefined();
  });
});
