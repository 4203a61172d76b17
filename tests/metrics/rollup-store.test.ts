import { describe, expect, it } from 'vitest';
import { sealedUnits, wholeUnits } from '../../src/metrics/sealed-units.js';
import { rangePeriod } from '../../src/metrics/period.js';
import { pruneHashtags, sealCounters, splitCounters } from '../../src/metrics/seal-counters.js';
import type { Increment } from '../../src/metrics/rollup.js';
import { applyIncrements, lastSealableDay, metricsFor, readCounterBlocks, sealDays } from '../../src/metrics-store/rollup-store.js';
import { alice, answer, bob, MemoryCounters, newCase, play, type NewCase, type Step } from './case-history.js';

describe('sealed units', () => {
  it('covers a range with whole months, whole Monday weeks and days', () => {
    const ids = (from: string, to: string) => sealedUnits(from, to).map((u) => u.id);
    // 2025-06-01 is a Sunday; June has 30 days
    expect(ids('2025-06-01', '2025-06-30')).toEqual(['m2025-06']);
    expect(ids('2025-06-01', '2025-06-29')).toEqual(['d2025-06-01', 'w2025-06-02', 'w2025-06-09', 'w2025-06-16', 'w2025-06-23']);
    expect(ids('2025-05-02', '2025-05-31')).toEqual(['d2025-05-02', 'd2025-05-03', 'd2025-05-04', 'w2025-05-05', 'w2025-05-12', 'w2025-05-19', 'd2025-05-26', 'd2025-05-27', 'd2025-05-28', 'd2025-05-29', 'd2025-05-30', 'd2025-05-31']);
    // greedy from the start: a week that runs into a month keeps it from being whole
    expect(ids('2024-02-26', '2024-03-31')).toEqual(['w2024-02-26', 'w2024-03-04', 'w2024-03-11', 'w2024-03-18', 'w2024-03-25']);
    expect(ids('2024-02-29', '2024-04-01')).toEqual(['d2024-02-29', 'm2024-03', 'd2024-04-01']);
    expect(ids('2025-06-02', '2025-06-01')).toEqual([]);
    const units = sealedUnits('2024-01-01', '2024-12-31');
    expect(units.map((u) => u.kind)).toEqual(Array(12).fill('month'));
  });

  it('lists every whole week and month of a range, whatever tiling a period would pick', () => {
    const ids = (from: string, to: string) => wholeUnits(from, to).map((u) => u.id);
    // 2024-02-26 is a Monday: tiled greedily from there March is weeks, yet a period from 1 March reads the month
    expect(ids('2024-02-26', '2024-03-31')).toEqual(['w2024-02-26', 'w2024-03-04', 'w2024-03-11', 'w2024-03-18', 'w2024-03-25', 'm2024-03']);
    expect(ids('2025-06-03', '2025-06-29')).toEqual(['w2025-06-09', 'w2025-06-16', 'w2025-06-23']);
    expect(ids('2025-06-03', '2025-06-28')).toEqual(['w2025-06-09', 'w2025-06-16']);
    expect(ids('2025-06-02', '2025-06-01')).toEqual([]);
    // every unit any period inside the range reads is a day of it or one of these
    const whole = new Set(ids('2025-04-28', '2025-07-06'));
    for (const from of ['2025-04-28', '2025-05-01', '2025-05-02', '2025-05-05', '2025-06-01']) {
      for (const u of sealedUnits(from, '2025-07-06')) if (u.kind !== 'day') expect(whole.has(u.id), u.id).toBe(true);
    }
  });

  it('splits counters into what comparisons need and the rest', () => {
    const { volume, work } = splitCounters({ cases: 3, 'src:x': 3, 'tag:a': 1, 'camp:a': 1, 'hour:09': 3, 'frt:n': 2, 'ag:slack:U1:sent': 2, replies: 2 });
    expect(volume).toEqual({ cases: 3, 'src:x': 3, 'tag:a': 1, 'camp:a': 1, 'hour:09': 3 });
    expect(work).toEqual({ 'frt:n': 2, 'ag:slack:U1:sent': 2, replies: 2 });
  });

  it('keeps only the top hashtags, and how much any other may have had', () => {
    expect(sealCounters({ cases: 4 }, { a: 1, b: 5, c: 3, 'x%3Ay': 4 }, 2)).toEqual({ cases: 4, 'tag:b': 5, 'tag:x%3Ay': 4, tagcut: 3 });
    expect(sealCounters({ cases: 4 }, { a: 1, b: 5 }, 2)).toEqual({ cases: 4, 'tag:b': 5, 'tag:a': 1 });
    // read already cut from the rank set: the first dropped count is given
    expect(sealCounters({}, { b: 5 }, 1, 2)).toEqual({ 'tag:b': 5, tagcut: 2 });
    // summed units: their cuts add up, plus what this pruning drops
    expect(pruneHashtags({ cases: 1, 'tag:a': 1, 'tag:b': 2, 'tag:c': 3, tagcut: 4 }, 2)).toEqual({ cases: 1, 'tag:c': 3, 'tag:b': 2, tagcut: 5 });
  });
});

/** Two months of cases, every day, with a few hashtags. */
async function twoMonths(): Promise<MemoryCounters> {
  const store = new MemoryCounters();
  const incs: Increment[] = [];
  for (let d = 0; d < 61; d++) {
    const day = new Date(Date.UTC(2025, 4, 1 + d)).toISOString().slice(0, 10);
    for (let i = 0; i < 1 + (d % 4); i++) {
      const c: NewCase = { id: `c${d}-${i}`, at: `${day}T0${1 + i}:00:00Z`, group: i % 2 ? 'billing' : 'care', sentiment: i % 3 ? 'negative' : 'positive', text: `hi #tag${(d + i) % 7} #all` };
      const steps: Step[] = d % 5 === 0 ? [] : answer(i % 2 ? bob : alice, `${day}T0${1 + i}:10:00Z`, `${day}T0${1 + i}:${20 + d % 30}:00Z`);
      incs.push(...play(newCase(c), steps, { sla: { targetMinutes: 40 }, campaigns: ['all'] }).increments);
    }
  }
  await applyIncrements(store, incs);
  return store;
}

describe('reading rollups through sealed units', () => {
  it('gives the same answer sealed as live', async () => {
    const now = '2025-06-30T15:00:00Z';
    const period = rangePeriod('2025-05-27', '2025-06-30');
    const sealedStore = await twoMonths();
    const liveStore = await twoMonths();
    // A seal delay longer than the data makes every day live: the reference answer.
    const live = await metricsFor(liveStore, period, undefined, { now, sealAfterMs: 400 * 86_400_000 });
    const sealed = await metricsFor(sealedStore, period, undefined, { now });
    expect(sealed).toEqual(live);
    expect(liveStore.values.size).toBe(0);
    // sealed: the days, the weeks inside both periods; June is not whole (today is live)
    const units = [...sealedStore.values.keys()].filter((k) => k.endsWith(':all:volume')).map((k) => k.split(':')[2]!);
    expect(units.filter((u) => !u.startsWith('d')).sort()).toEqual(['w2025-04-28', 'w2025-05-05', 'w2025-05-12', 'w2025-05-19', 'w2025-06-02', 'w2025-06-09', 'w2025-06-16', 'w2025-06-23']);
    expect(units).not.toContain('d2025-06-30');
    expect(units).not.toContain('m2025-06');
    expect(sealed.volume.total).toBeGreaterThan(0);
    expect(sealed.daily).toHaveLength(35);
    expect(sealed.daily.map((d) => d.cases)).toEqual(live.daily.map((d) => d.cases));
    // and for a group, a second time (now from the sealed values only)
    const liveGroup = await metricsFor(liveStore, period, { group: 'billing' }, { now, sealAfterMs: 400 * 86_400_000 });
    await metricsFor(sealedStore, period, { group: 'billing' }, { now });
    sealedStore.reads = 0;
    expect(await metricsFor(sealedStore, period, { group: 'billing' }, { now })).toEqual(liveGroup);
    // period: 6 days + 4 weeks, two parts each (20), today live: hash and rank (2);
    // previous period, volume only: 6 days + 4 weeks + its last day apart (11); gauges (1)
    expect(sealedStore.reads).toBe(34);
  });

  it('seals nothing that is not over, and the nightly job seals ahead of the first answer', async () => {
    const store = await twoMonths();
    expect(lastSealableDay({ now: '2025-06-30T01:00:00Z' })).toBe('2025-06-28');
    expect(lastSealableDay({ now: '2025-06-30T03:00:00Z' })).toBe('2025-06-29');
    expect(lastSealableDay({ now: '2025-06-30T03:00:00+05:00', timezone: 'Asia/Karachi' })).toBe('2025-06-29');
    const n = await sealDays(store, { from: '2025-06-01', to: '2025-06-30' }, { now: '2025-06-30T03:00:00Z', scopes: [{ kind: 'all' }, { kind: 'group', group: 'care' }] });
    // 29 days and 4 weeks, for two scopes
    expect(n).toBe(2 * (29 + 4));
    expect(store.values.has('metrics:sealed:d2025-06-30:all:volume')).toBe(false);
    expect(await sealDays(store, { from: '2025-06-01', to: '2025-06-30' }, { now: '2025-06-30T03:00:00Z' })).toBe(0);
    store.reads = 0;
    await readCounterBlocks(store, '2025-06-01', '2025-06-29', { kind: 'all' }, { now: '2025-06-30T03:00:00Z' });
    // 1 day + 4 weeks, two parts each, and no counter hash read
    expect(store.reads).toBe(10);
  });

  it('reads a live day\'s hashtags from the rank, not the whole hashtag hash', async () => {
    const store = new MemoryCounters();
    const incs: Increment[] = [];
    for (let i = 0; i < 30; i++) incs.push(...play(newCase({ id: `c${i}`, at: '2025-06-30T10:00:00Z', text: `#t${i % 10} #t${i % 3}` }), []).increments);
    await applyIncrements(store, incs);
    const blocks = await readCounterBlocks(store, '2025-06-30', '2025-06-30', { kind: 'all' }, { now: '2025-06-30T12:00:00Z', topTags: 3 });
    const counters = Object.assign({}, ...blocks.map((b) => b.counters)) as Record<string, number>;
    // t0, t1 and t2 are in 12 posts each, t3…t9 in 3: those are cut, and the cut says so
    expect(Object.entries(counters).filter(([k]) => k.startsWith('tag')).sort()).toEqual([['tag:t0', 12], ['tag:t1', 12], ['tag:t2', 12], ['tagcut', 3]]);
    expect(counters.cases).toBe(30);
    expect(store.hashes.get('metrics:tags:2025-06-30:all')).toBeDefined();
    expect(store.readHashes).toEqual(['metrics:day:2025-06-30:all']);
  });
});
