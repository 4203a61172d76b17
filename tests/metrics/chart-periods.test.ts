import { compile, type TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { responseTimeChartSpec, sentimentChartSpec, volumeChartSpec } from '../../src/charts/render-metrics-charts.js';
import { lastDays, rangePeriod, todayPeriod } from '../../src/metrics/period.js';
import type { MetricsSummary } from '../../src/metrics/summary.js';
import { applyIncrements, metricsFor } from '../../src/metrics-store/rollup-store.js';
import { alice, answer, MemoryCounters, newCase, play } from './case-history.js';

const NOW = '2024-05-06T15:30:00Z';

/** Cases at 08:xx (3), 09:xx (1) and 13:xx (2) today, each answered 70 minutes later; and a few on earlier days. */
async function store(): Promise<MemoryCounters> {
  const s = new MemoryCounters();
  const at = ['08:05', '08:20', '08:40', '09:10', '13:00', '13:30'];
  for (const [i, hm] of at.entries()) {
    const created = `2024-05-06T${hm}:00Z`;
    const sent = new Date(Date.parse(created) + 70 * 60_000).toISOString();
    await applyIncrements(s, play(newCase({ id: `t${i}`, at: created }), answer(alice, created, sent)).increments);
  }
  for (let d = 1; d <= 4; d++) {
    const created = `2024-05-0${d}T10:00:00Z`;
    await applyIncrements(s, play(newCase({ id: `d${d}`, at: created }), answer(alice, created, `2024-05-0${d}T10:03:00Z`)).increments);
  }
  return s;
}

type Layer = { mark: { type: string }; encoding: Record<string, any> };
type Spec = { title: { text: string }; data: { values: Array<Record<string, any>> }; layer?: Layer[]; encoding?: Record<string, any> };

/** Every quantitative y encoding of a spec, layered or not. */
const yEncodings = (spec: TopLevelSpec): Array<Record<string, any>> => {
  const s = spec as unknown as Spec;
  return [...(s.layer ?? []).map((l) => l.encoding.y), ...(s.encoding?.y ? [s.encoding.y] : [])].filter((y) => y?.type === 'quantitative');
};

describe('charts that suit the period', () => {
  it('today: new cases and replies sent hour by hour, not a single bar', async () => {
    const s = await metricsFor(await store(), todayPeriod(NOW, 'UTC'), undefined, { now: NOW });
    const spec = volumeChartSpec(s) as unknown as Spec;
    expect(spec.title.text).toBe('Cases per hour');
    // The hours so far (00–15), on an axis that always shows the whole day.
    expect(spec.data.values.map((v) => v.hour)).toEqual(Array.from({ length: 16 }, (_, h) => String(h).padStart(2, '0')));
    const byHour = Object.fromEntries(spec.data.values.map((v) => [v.hour, [v.cases, v.replies]]));
    expect(byHour['08']).toEqual([3, 0]);
    expect(byHour['09']).toEqual([1, 3]); // the three of 08:xx answered at 09:15, 09:30, 09:50
    expect(byHour['10']).toEqual([0, 1]);
    expect(byHour['14']).toEqual([0, 2]);
    const bar = spec.layer!.find((l) => l.mark.type === 'bar')!;
    const line = spec.layer!.find((l) => l.mark.type === 'line')!;
    expect(bar.encoding.x).toMatchObject({ field: 'hour', type: 'ordinal', scale: { domain: expect.arrayContaining(['00', '23']) } });
    expect(bar.encoding.x.scale.domain).toHaveLength(24);
    // The promised line is drawn, from the replies, and the legend names both series.
    expect(line.encoding.y.field).toBe('replies');
    expect(line.encoding.color).toMatchObject({ datum: 'replies sent', scale: { domain: ['new cases', 'replies sent'] } });
    expect(bar.encoding.color).toMatchObject({ datum: 'new cases' });
    expect(() => compile(spec as unknown as TopLevelSpec)).not.toThrow();
  });

  it('yesterday: all 24 hours', async () => {
    const s = await metricsFor(await store(), rangePeriod('2024-05-06', '2024-05-06'), undefined, { now: '2024-05-07T09:00:00Z' });
    const spec = volumeChartSpec(s) as unknown as Spec;
    expect(spec.data.values).toHaveLength(24);
    expect(spec.data.values.reduce((a, v) => a + v.cases, 0)).toBe(6);
    expect(spec.data.values.reduce((a, v) => a + v.replies, 0)).toBe(6);
  });

  it('a week: day by day', async () => {
    const s = await metricsFor(await store(), lastDays(7, NOW, 'UTC'), undefined, { now: NOW });
    expect(s.hourly).toBeUndefined();
    const spec = volumeChartSpec(s) as unknown as Spec;
    expect(spec.title.text).toBe('Cases per day');
    expect(spec.data.values.map((v) => v.day)).toEqual(['Apr 30', 'May 1', 'May 2', 'May 3', 'May 4', 'May 5', 'May 6']);
    expect(spec.data.values.map((v) => v.cases)).toEqual([0, 1, 1, 1, 1, 0, 6]);
  });

  it('counts tick in whole numbers on every chart', async () => {
    for (const s of [
      await metricsFor(await store(), todayPeriod(NOW, 'UTC'), undefined, { now: NOW }),
      await metricsFor(await store(), lastDays(7, NOW, 'UTC'), undefined, { now: NOW }),
    ] as MetricsSummary[]) {
      for (const spec of [volumeChartSpec(s), responseTimeChartSpec(s), sentimentChartSpec(s)]) {
        const ys = yEncodings(spec);
        expect(ys.length).toBeGreaterThan(0);
        for (const y of ys) expect(y.axis).toMatchObject({ tickMinStep: 1, format: 'd' });
        expect(() => compile(spec)).not.toThrow();
      }
    }
  });

  it('one day of sentiment is a bar per sentiment, not one stacked bar', async () => {
    const s = await metricsFor(await store(), todayPeriod(NOW, 'UTC'), undefined, { now: NOW });
    const spec = sentimentChartSpec(s) as unknown as Spec;
    expect(spec.encoding!.x).toMatchObject({ field: 'sentiment' });
  });
});
