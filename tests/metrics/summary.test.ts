import { describe, expect, it } from 'vitest';
import { COARSE, FINE } from '../../src/metrics/histogram.js';
import { lastDays, rangePeriod, todayPeriod } from '../../src/metrics/period.js';
import { summarize } from '../../src/metrics/summary.js';
import { sentimentShiftUpdates, type Increment, type RollupOptions } from '../../src/metrics/rollup.js';
import { applyIncrements, metricsFor } from '../../src/metrics-store/rollup-store.js';
import { alice, answer, bob, MemoryCounters, newCase, play, type NewCase, type Step } from './case-history.js';

/** First-response times are kept fine (±4.4%), resolution and approval times coarse (±9.1%). */
const within = (got: number | undefined, want: number, error = FINE.relativeError) => {
  expect(got).toBeDefined();
  expect(Math.abs(got! - want) / want).toBeLessThanOrEqual(error);
};

async function storeWith(histories: Array<[NewCase, Step[]]>, opts: RollupOptions = {}) {
  const store = new MemoryCounters();
  const all: Increment[] = [];
  for (const [c, steps] of histories) all.push(...play(newCase(c), steps, opts).increments);
  await applyIncrements(store, all);
  return store;
}

const at = (day: string, hh: number, mm = 0) => `${day}T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:00Z`;

describe('metricsFor + summarize on hand-built histories', () => {
  it('first-response and resolution median and p90 of ten cases', async () => {
    // Case i is answered i minutes after it arrives (i = 1..10) and closed i hours after.
    const histories: Array<[NewCase, Step[]]> = [];
    for (let i = 1; i <= 10; i++) {
      const who = i % 2 ? alice : bob;
      histories.push([{ id: `c${i}`, at: at('2024-05-06', 8) }, [
        ...answer(who, at('2024-05-06', 8), at('2024-05-06', 8, i)),
        [at('2024-05-06', 8 + i), who, { type: 'close' }],
      ]]);
    }
    const store = await storeWith(histories);
    const s = await metricsFor(store, rangePeriod('2024-05-06', '2024-05-06'), undefined, { now: at('2024-05-07', 12) });
    expect(s.firstResponse.count).toBe(10);
    within(s.firstResponse.median, 5 * 60); // nearest rank 5 of 10
    within(s.firstResponse.p90, 9 * 60); // nearest rank 9 of 10
    expect(s.firstResponse.mean).toBe(330);
    within(s.resolution.median, 5 * 3600, COARSE.relativeError);
    within(s.resolution.p90, 9 * 3600, COARSE.relativeError);
    expect(s.volume.total).toBe(10);
    expect(s.activity.replies).toBe(10);
    expect(s.agents.map((a) => [a.agent, a.handled, a.claimed, a.sent, a.approved])).toEqual([
      ['slack:UALICE', 5, 5, 5, 0], ['slack:UBOB', 5, 5, 5, 0], ['slack:ULEAD', 0, 0, 0, 10],
    ]);
    expect(s.reach).toEqual({ answered: 10, followers: 1000 });
    expect(s.firstResponseBuckets.reduce((a, b) => a + b.count, 0)).toBe(10);
    // The day is over, so the first answer sealed it and the day before: each a miss, then day hash + tags hash.
    expect(store.reads).toBe(8);
    expect(store.values.has('metrics:sealed:d2024-05-06:all:volume')).toBe(true);
    expect(store.values.has('metrics:sealed:d2024-05-06:all:work')).toBe(true);
    // From then on: volume and work of the day, volume of the day before, the gauges.
    store.reads = 0;
    const again = await metricsFor(store, rangePeriod('2024-05-06', '2024-05-06'), undefined, { now: at('2024-05-07', 12) });
    expect(store.reads).toBe(4);
    expect(again).toEqual(s);
  });

  it('filters by agent and by group from their own hashes', async () => {
    const store = await storeWith([
      [{ id: 'a', at: at('2024-05-06', 9), group: 'billing' }, answer(alice, at('2024-05-06', 9), at('2024-05-06', 9, 2))],
      [{ id: 'b', at: at('2024-05-06', 9), group: 'care' }, answer(bob, at('2024-05-06', 9), at('2024-05-06', 9, 40))],
    ]);
    const p = rangePeriod('2024-05-06', '2024-05-06');
    const now = at('2024-05-07', 0);
    const billing = await metricsFor(store, p, { group: 'billing' }, { now });
    expect(billing.volume.total).toBe(1);
    within(billing.firstResponse.median, 120);
    const bobs = await metricsFor(store, p, { agent: { platform: 'slack', id: 'UBOB' } }, { now });
    within(bobs.firstResponse.median, 40 * 60);
    expect(bobs.agents.map((a) => a.agent)).toEqual(['slack:UBOB']);
  });

  it('SLA attainment across business hours', async () => {
    const hours = { timezone: 'Europe/London', from: '09:00', to: '17:00' };
    const opts: RollupOptions = { sla: { targetMinutes: 60, businessHours: hours } };
    // Friday 16:30: one business hour runs out Monday 09:30.
    const store = await storeWith([
      [{ id: 'fri-met', at: '2024-03-08T16:30:00Z' }, answer(alice, '2024-03-11T09:00:00Z', '2024-03-11T09:20:00Z')],
      [{ id: 'fri-late', at: '2024-03-08T16:30:00Z' }, answer(alice, '2024-03-11T09:00:00Z', '2024-03-11T09:45:00Z')],
      [{ id: 'wed-met', at: '2024-03-06T10:00:00Z', priority: 'high' }, answer(bob, '2024-03-06T10:10:00Z', '2024-03-06T10:30:00Z')],
      [{ id: 'wed-late', at: '2024-03-06T10:00:00Z', priority: 'high' }, answer(bob, '2024-03-06T10:10:00Z', '2024-03-06T11:30:00Z')],
      // Answered within 60 wall-clock minutes of the evening post, and so well within business time.
      [{ id: 'eve', at: '2024-03-06T20:00:00Z' }, answer(bob, '2024-03-06T20:30:00Z', '2024-03-06T20:40:00Z')],
    ], opts);
    const s = await metricsFor(store, rangePeriod('2024-03-04', '2024-03-11'), undefined, { now: '2024-03-12T12:00:00Z' });
    expect(s.sla.met).toBe(3);
    expect(s.sla.breached).toBe(2);
    expect(s.sla.attainment).toBeCloseTo(0.6, 10);
    expect(s.sla.byPriority).toEqual([
      { priority: 'high', met: 1, breached: 1, attainment: 0.5 },
      { priority: 'normal', met: 2, breached: 1, attainment: 2 / 3 },
    ]);
  });

  it('spikes and trends against the previous period, and campaign volume', async () => {
    const histories: Array<[NewCase, Step[]]> = [];
    // previous day: 10 cases from x-main, 2 with #outage
    for (let i = 0; i < 10; i++) histories.push([{ id: `p${i}`, at: at('2024-05-05', 10), text: i < 2 ? 'down? #outage' : 'hi' }, []]);
    // this day: 12 from x-main (no spike), 15 with #outage from rss (spike), 3 #summer24
    for (let i = 0; i < 12; i++) histories.push([{ id: `x${i}`, at: at('2024-05-06', 10), text: 'hi' }, []]);
    for (let i = 0; i < 15; i++) histories.push([{ id: `o${i}`, at: at('2024-05-06', 11), source: 'rss-status', network: 'rss', text: 'still down #Outage', sentiment: 'negative', topic: 'outage' }, []]);
    for (let i = 0; i < 3; i++) histories.push([{ id: `s${i}`, at: at('2024-05-06', 12), text: 'love #summer24' }, []]);
    const store = await storeWith(histories, { campaigns: ['summer24', 'winter'] });
    const s = await metricsFor(store, rangePeriod('2024-05-06', '2024-05-06'), undefined, { now: at('2024-05-08', 0), campaigns: ['#Summer24', 'winter'] });
    expect(s.volume.total).toBe(30);
    expect(s.volume.previous).toBe(10);
    const spikeKeys = s.spikes.map((x) => `${x.dimension}:${x.key}`);
    expect(spikeKeys).toContain('hashtag:outage');
    expect(spikeKeys).toContain('source:rss-status');
    expect(spikeKeys[0]).toBe('cases:');
    expect(spikeKeys).not.toContain('source:x-main');
    const outage = s.spikes.find((x) => x.key === 'outage' && x.dimension === 'hashtag')!;
    expect(outage).toMatchObject({ count: 15, expected: 2, ratio: 7.5 });
    // the topic grew from nothing (+15), the hashtag from 2 (+13): biggest growth first
    expect(s.trending.slice(0, 2)).toEqual([
      { kind: 'topic', key: 'outage', count: 15, previous: 0, growth: 15 },
      { kind: 'hashtag', key: 'outage', count: 15, previous: 2, growth: 13 },
    ]);
    expect(s.trending.map((t) => t.key)).toContain('summer24');
    expect(s.campaigns).toEqual([{ key: 'summer24', count: 3, previous: 0 }, { key: 'winter', count: 0, previous: 0 }]);
    expect(s.volume.bySource).toEqual([
      { key: 'x-main', count: 15, previous: 10 },
      { key: 'rss-status', count: 15, previous: 0 },
    ]);
  });

  it('compares "today so far" with the same hours of yesterday', async () => {
    const histories: Array<[NewCase, Step[]]> = [];
    for (let i = 0; i < 10; i++) histories.push([{ id: `y-am${i}`, at: at('2024-05-05', 8) }, []]);
    for (let i = 0; i < 30; i++) histories.push([{ id: `y-pm${i}`, at: at('2024-05-05', 20) }, []]);
    for (let i = 0; i < 10; i++) histories.push([{ id: `t${i}`, at: at('2024-05-06', 9) }, []]);
    const store = await storeWith(histories);
    const now = at('2024-05-06', 12);
    const s = await metricsFor(store, todayPeriod(now, 'UTC'), undefined, { now });
    expect(s.volume.total).toBe(10);
    expect(s.volume.previous).toBe(10);
    expect(s.spikes).toEqual([]);
  });

  it('backlog from the gauges, ages from the open-case list', async () => {
    const store = await storeWith([
      [{ id: 'a', at: at('2024-05-06', 8), group: 'billing' }, [[at('2024-05-06', 8, 5), alice, { type: 'claim' }]]],
      [{ id: 'b', at: at('2024-05-06', 11), group: 'billing' }, []],
      [{ id: 'c', at: at('2024-05-04', 11), group: 'care' }, []],
      [{ id: 'd', at: at('2024-05-06', 11), group: 'care' }, answer(bob, at('2024-05-06', 11), at('2024-05-06', 11, 30))],
    ]);
    const now = at('2024-05-06', 12);
    const open = [
      { createdAt: at('2024-05-06', 8), group: 'billing', owner: 'slack:UALICE' },
      { createdAt: at('2024-05-06', 11, 30), group: 'billing' },
      { createdAt: at('2024-05-04', 11), group: 'care' },
    ];
    const all = await metricsFor(store, lastDays(7, now, 'UTC'), undefined, { now, open });
    expect(all.backlog).toEqual({
      open: 3, listed: 3, oldestSeconds: 49 * 3600, medianAgeSeconds: 4 * 3600,
      ages: { under1h: 1, from1to4h: 0, from4to24h: 1, over24h: 1 },
    });
    const billing = await metricsFor(store, lastDays(7, now, 'UTC'), { group: 'billing' }, { now, open });
    expect(billing.backlog.open).toBe(2);
    expect(billing.backlog.oldestSeconds).toBe(4 * 3600);
    const alices = await metricsFor(store, lastDays(7, now, 'UTC'), { agent: alice }, { now, open });
    expect(alices.backlog.open).toBe(1);
    expect(alices.backlog.listed).toBe(1);
  });

  it('approval turnaround, rejection rate and sentiment shift', async () => {
    const store = await storeWith([
      [{ id: 'a', at: at('2024-05-06', 9), sentiment: 'negative' }, answer(alice, at('2024-05-06', 9), at('2024-05-06', 9, 30))],
      [{ id: 'b', at: at('2024-05-06', 9) }, [
        [at('2024-05-06', 9), bob, { type: 'claim' }],
        [at('2024-05-06', 9), bob, { type: 'draft', text: 'x' }],
        [at('2024-05-06', 9, 20), { platform: 'slack', id: 'ULEAD' }, { type: 'reject', note: 'no' }],
        [at('2024-05-06', 9, 25), bob, { type: 'draft', text: 'y' }],
        [at('2024-05-06', 9, 35), { platform: 'slack', id: 'ULEAD' }, { type: 'approve' }],
      ]],
    ]);
    const { case: answered } = play(newCase({ id: 'a', at: at('2024-05-06', 9), sentiment: 'negative' }), answer(alice, at('2024-05-06', 9), at('2024-05-06', 9, 30)));
    await applyIncrements(store, sentimentShiftUpdates(answered, { sentiment: 'neutral', at: at('2024-05-06', 15) }));
    const s = await metricsFor(store, rangePeriod('2024-05-06', '2024-05-06'), undefined, { now: at('2024-05-07', 0) });
    expect(s.approvals.approved).toBe(2);
    expect(s.approvals.rejected).toBe(1);
    expect(s.approvals.rejectionRate).toBeCloseTo(1 / 3, 10);
    // turnarounds: 0 s (same instant), 20 min, 10 min → nearest-rank median is 10 min
    within(s.approvals.turnaround.median, 600, COARSE.relativeError);
    expect(s.sentimentShift).toEqual({ measured: 1, improved: 1, same: 0, worsened: 0, average: 1, pairs: [{ from: 'negative', to: 'neutral', count: 1 }] });
  });

  it('an empty store gives an empty, well-formed summary', async () => {
    const now = at('2024-05-06', 12);
    const s = await metricsFor(new MemoryCounters(), lastDays(30, now, 'UTC'), undefined, { now });
    expect(s.volume.total).toBe(0);
    expect(s.daily).toHaveLength(30);
    expect(s.firstResponse.median).toBeUndefined();
    expect(s.sla.attainment).toBeUndefined();
    expect(s.spikes).toEqual([]);
    expect(s.backlog.open).toBe(0);
  });
});

describe('summarize on hand-built counters', () => {
  it('does not take a hashtag pruned from the previous period for a new one', () => {
    const period = rangePeriod('2024-05-06', '2024-05-06');
    const input = {
      period, scope: { kind: 'all' as const }, gauge: {}, now: '2024-05-08T00:00:00Z', timezone: 'UTC',
      // the day before kept only its top hashtags; any other had at most 6
      previous: [{ from: '2024-05-05', to: '2024-05-05', counters: { cases: 40, 'tag:a': 10, tagcut: 6 } }],
    };
    const quiet = summarize({ ...input, current: [{ from: '2024-05-06', to: '2024-05-06', counters: { cases: 40, 'tag:a': 10, 'tag:rare': 11 } }] });
    expect(quiet.spikes.map((s) => s.key)).not.toContain('rare');
    expect(quiet.trending.find((t) => t.key === 'rare')).toMatchObject({ count: 11, previous: 6, growth: 5 });
    const loud = summarize({ ...input, current: [{ from: '2024-05-06', to: '2024-05-06', counters: { cases: 40, 'tag:a': 10, 'tag:rare': 30 } }] });
    expect(loud.spikes.find((s) => s.key === 'rare')).toMatchObject({ dimension: 'hashtag', count: 30, expected: 6, ratio: 5 });
  });
});
