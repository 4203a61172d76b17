import { describe, expect, it } from 'vitest';
import {
  renderMetricsCharts, renderResponseTimeChart, renderSentimentChart, renderVolumeChart,
  responseTimeChartSpec, volumeChartSpec,
} from '../../src/charts/render-metrics-charts.js';
import { ChartRenderError, renderVegaLite } from '../../src/charts/render-vega-lite.js';
import { lastDays, rangePeriod } from '../../src/metrics/period.js';
import type { MetricsSummary } from '../../src/metrics/summary.js';
import { applyIncrements, metricsFor } from '../../src/metrics-store/rollup-store.js';
import { alice, answer, MemoryCounters, newCase, play } from './case-history.js';

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(buf: Buffer): { width: number; height: number } {
  expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(buf.subarray(12, 16).toString('ascii')).toBe('IHDR');
  expect(buf.subarray(buf.length - 8, buf.length - 4).toString('ascii')).toBe('IEND');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

async function weekOfCases(): Promise<MetricsSummary> {
  const store = new MemoryCounters();
  const sentiments = ['negative', 'neutral', 'positive'] as const;
  for (let d = 0; d < 7; d++) {
    for (let i = 0; i <= d; i++) {
      const day = `2024-05-0${d + 1}`;
      const c = newCase({ id: `c${d}-${i}`, at: `${day}T09:00:00Z`, sentiment: sentiments[(d + i) % 3] });
      await applyIncrements(store, play(c, answer(alice, `${day}T09:00:00Z`, `${day}T${String(9 + i).padStart(2, '0')}:40:00Z`)).increments);
    }
  }
  return metricsFor(store, rangePeriod('2024-05-01', '2024-05-07'), undefined, { now: '2024-05-08T00:00:00Z' });
}

describe('charts', () => {
  it('renders the three charts as PNGs of a sensible size', async () => {
    const s = await weekOfCases();
    const charts = await renderMetricsCharts(s);
    expect(charts.map((c) => c.filename)).toEqual([
      'earshot-volume-2024-05-01_2024-05-07.png',
      'earshot-first-response-2024-05-01_2024-05-07.png',
      'earshot-sentiment-2024-05-01_2024-05-07.png',
    ]);
    if (process.env.CHART_DUMP) {
      const { writeFileSync } = await import('node:fs');
      for (const c of charts) writeFileSync(`${process.env.CHART_DUMP}/${c.filename}`, c.png);
    }
    for (const c of charts) {
      const { width, height } = pngSize(c.png);
      // 560 × 220 plot at 2× plus title, axes and padding
      expect(width).toBeGreaterThan(1100);
      expect(width).toBeLessThan(1600);
      expect(height).toBeGreaterThan(440);
      expect(height).toBeLessThan(900);
      expect(c.png.length).toBeGreaterThan(5_000);
      expect(c.png.length).toBeLessThan(500_000);
    }
  });

  it('plots what the summary says', async () => {
    const s = await weekOfCases();
    const vol = volumeChartSpec(s) as { data: { values: Array<{ cases: number; replies: number }> } };
    expect(vol.data.values.map((v) => v.cases)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const rt = responseTimeChartSpec(s) as { data: { values: Array<{ bin: string; cases: number }> } };
    // answers after 40 min, 1h40, 2h40, ... 6h40 (28 cases in all); 7 of them within 40 min, 6 at 1h40
    expect(rt.data.values.reduce((a, v) => a + v.cases, 0)).toBe(28);
    expect(rt.data.values.find((v) => v.bin === '30m–1h')!.cases).toBe(7);
    expect(rt.data.values.find((v) => v.bin === '1–2h')!.cases).toBe(6);
  });

  it('renders an empty period as a chart that says so', async () => {
    const s = await metricsFor(new MemoryCounters(), lastDays(7, '2024-05-08T00:00:00Z', 'UTC'), undefined, { now: '2024-05-08T00:00:00Z' });
    for (const render of [renderVolumeChart, renderResponseTimeChart, renderSentimentChart]) {
      const png = await render(s);
      expect(pngSize(png).width).toBeGreaterThan(300);
    }
    expect(JSON.stringify(volumeChartSpec(s))).toContain('No data for this period');
  });

  it('reports a broken spec as a coded error', async () => {
    await expect(renderVegaLite({ mark: 'bar', data: { values: [] }, encoding: { x: { field: 'a', type: 'nonsense' } } } as never))
      .rejects.toBeInstanceOf(ChartRenderError);
  });
});
