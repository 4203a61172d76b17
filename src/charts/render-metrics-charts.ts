import type { TopLevelSpec } from 'vega-lite';
import type { MetricsSummary } from '../metrics/summary.js';
import { CHART_FONTS, renderVegaLite, type RenderOptions } from './render-vega-lite.js';

/**
 * The three charts of a metrics answer, as PNG buffers ready to upload. Each takes the
 * summary the text was made from, so picture and words always agree. Charts hold only
 * our own labels and numbers: no text from posts is drawn.
 */

const WIDTH = 560;
const HEIGHT = 220;
const COLORS = { cases: '#4c78a8', replies: '#f58518', negative: '#d62728', neutral: '#9e9e9e', positive: '#2ca02c', unknown: '#d9d9d9' };

const base = (title: string, subtitle: string): Partial<TopLevelSpec> => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  width: WIDTH,
  height: HEIGHT,
  background: 'white',
  padding: 12,
  title: { text: title, subtitle, anchor: 'start', fontSize: 15, subtitleFontSize: 11, subtitleColor: '#666' },
  config: { font: CHART_FONTS, view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 11, gridColor: '#eee' }, legend: { labelFontSize: 11, titleFontSize: 11 } },
});

/** Specs made by {@link emptySpec}, so a caller can leave those charts out. */
const EMPTY = new WeakSet<object>();

/** Does this spec only say "No data for this period"? */
export const isEmptyChart = (spec: TopLevelSpec): boolean => EMPTY.has(spec);

/** A chart with nothing to plot still says what it is about. */
function emptySpec(title: string, subtitle: string): TopLevelSpec {
  const spec = {
    ...base(title, subtitle),
    data: { values: [{ text: 'No data for this period' }] },
    mark: { type: 'text', fontSize: 14, color: '#888' },
    encoding: { text: { field: 'text', type: 'nominal' } },
  } as TopLevelSpec;
  EMPTY.add(spec);
  return spec;
}

const periodText = (s: Pick<MetricsSummary, 'period'>): string =>
  s.period.from === s.period.to ? s.period.from : `${s.period.from} to ${s.period.to}`;

/** Day labels ("May 6"; ISO dates would crowd the axis), in the data's own (date) order. */
const dayAxis = { field: 'day', type: 'ordinal', title: null, sort: null, axis: { labelAngle: -45, labelOverlap: 'greedy' } } as const;
const dayLabel = (day: string): string => {
  const d = new Date(`${day}T00:00:00Z`);
  return `${d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })} ${d.getUTCDate()}`;
};

/**
 * A count axis: whole numbers only. Left to itself vega-lite steps a small count by 0.2
 * (0, 0.2, 0.4 … cases), which no one can read as cases.
 */
export const COUNT_AXIS = { tickMinStep: 1, format: 'd' } as const;

/** Hour labels for a one-day chart, "00" to "23": the whole day is always on the axis. */
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
const hourAxis = { field: 'hour', type: 'ordinal', title: 'hour of the day', sort: null, scale: { domain: HOURS }, axis: { labelAngle: 0 } } as const;

/** The legend for the volume chart's two series: it names what the bars and the line are. */
const SERIES = { domain: ['new cases', 'replies sent'], range: [COLORS.cases, COLORS.replies] };

/**
 * New cases (bars) and replies sent (line): hour by hour for a one-day period (today,
 * yesterday, one date), day by day for longer ones, so "today" is never a single bar.
 */
export function volumeChartSpec(s: Pick<MetricsSummary, 'daily' | 'hourly' | 'period'>): TopLevelSpec {
  const hourly = s.hourly !== undefined && s.period.from === s.period.to;
  const title = hourly ? 'Cases per hour' : 'Cases per day';
  const sub = `${periodText(s)} · ${hourly ? 'hour by hour, local time' : 'day by day'}`;
  const values = hourly
    ? s.hourly!.map((h) => ({ hour: HOURS[h.hour]!, cases: h.cases, replies: h.replies }))
    : s.daily.map((d) => ({ day: dayLabel(d.day), cases: d.cases, replies: d.replies }));
  if (values.every((v) => v.cases === 0 && v.replies === 0)) return emptySpec(title, sub);
  const x = hourly ? hourAxis : dayAxis;
  const y = { type: 'quantitative', title: 'cases or replies', axis: COUNT_AXIS } as const;
  return {
    ...base(title, sub),
    data: { values },
    // One y scale for both series (they count the same things), and a legend that names them.
    resolve: { scale: { y: 'shared' } },
    layer: [
      { mark: { type: 'bar' }, encoding: { x, y: { ...y, field: 'cases' }, color: { datum: 'new cases', type: 'nominal', scale: SERIES, title: null, legend: { orient: 'top', direction: 'horizontal' } } } },
      { mark: { type: 'line', point: true, strokeWidth: 2 }, encoding: { x, y: { ...y, field: 'replies' }, color: { datum: 'replies sent', type: 'nominal', scale: SERIES, title: null } } },
    ],
  } as TopLevelSpec;
}

/** Human bins for response times, in seconds (upper bounds). */
const RESPONSE_BINS: ReadonlyArray<readonly [string, number]> = [
  ['<1m', 60], ['1–5m', 300], ['5–15m', 900], ['15–30m', 1800], ['30m–1h', 3600], ['1–2h', 7200],
  ['2–4h', 14_400], ['4–8h', 28_800], ['8–24h', 86_400], ['1–3d', 259_200], ['>3d', Infinity],
];

/** First-response time distribution over the period, in human bins. */
export function responseTimeChartSpec(s: Pick<MetricsSummary, 'firstResponseBuckets' | 'period'>): TopLevelSpec {
  const title = 'First-response time';
  const sub = `${periodText(s)} · cases answered, by time to first reply`;
  const counts = RESPONSE_BINS.map(([label]) => ({ bin: label, cases: 0 }));
  for (const b of s.firstResponseBuckets) {
    // A histogram bucket goes to the bin that holds its geometric middle.
    const mid = Number.isFinite(b.hi) ? Math.sqrt(Math.max(b.lo, 0.5) * b.hi) : b.lo;
    const i = RESPONSE_BINS.findIndex(([, hi]) => mid < hi);
    counts[i < 0 ? counts.length - 1 : i]!.cases += b.count;
  }
  if (counts.every((c) => c.cases === 0)) return emptySpec(title, sub);
  return {
    ...base(title, sub),
    data: { values: counts },
    mark: { type: 'bar', color: COLORS.cases },
    encoding: {
      x: { field: 'bin', type: 'ordinal', sort: RESPONSE_BINS.map(([l]) => l), title: null, axis: { labelAngle: 0 } },
      y: { field: 'cases', type: 'quantitative', title: 'cases answered', axis: COUNT_AXIS },
    },
  } as TopLevelSpec;
}

/**
 * Sentiment of new cases: per day, stacked, for longer periods; for one day (there are no
 * hourly sentiment counts) one bar per sentiment, which reads better than one stacked bar.
 */
export function sentimentChartSpec(s: Pick<MetricsSummary, 'daily' | 'period'>): TopLevelSpec {
  const oneDay = s.period.from === s.period.to;
  const title = 'Sentiment of new cases';
  const sub = `${periodText(s)} · ${oneDay ? 'new cases by sentiment' : 'cases per day by sentiment'}`;
  const kinds = ['negative', 'neutral', 'positive', 'unknown'] as const;
  const values = s.daily.flatMap((d) => kinds.map((k) => ({ day: dayLabel(d.day), sentiment: k, cases: d[k] })));
  if (values.every((v) => v.cases === 0)) return emptySpec(title, sub);
  const color = {
    field: 'sentiment', type: 'nominal', title: null,
    scale: { domain: [...kinds], range: kinds.map((k) => COLORS[k]) },
    legend: oneDay ? null : { orient: 'top', direction: 'horizontal' },
  } as const;
  if (oneDay) {
    return {
      ...base(title, sub),
      data: { values },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'sentiment', type: 'nominal', sort: [...kinds], title: null, axis: { labelAngle: 0 } },
        y: { field: 'cases', type: 'quantitative', title: 'cases', axis: COUNT_AXIS },
        color,
      },
    } as TopLevelSpec;
  }
  return {
    ...base(title, sub),
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: dayAxis,
      y: { field: 'cases', type: 'quantitative', stack: 'zero', title: 'cases', axis: COUNT_AXIS },
      color,
      order: { field: 'sentiment', sort: 'ascending' },
    },
  } as TopLevelSpec;
}

/** New cases and replies, per hour or per day, as PNG. */
export const renderVolumeChart = (s: Pick<MetricsSummary, 'daily' | 'hourly' | 'period'>, opts?: RenderOptions): Promise<Buffer> =>
  renderVegaLite(volumeChartSpec(s), opts);

/** First-response time distribution, as PNG. */
export const renderResponseTimeChart = (s: Pick<MetricsSummary, 'firstResponseBuckets' | 'period'>, opts?: RenderOptions): Promise<Buffer> =>
  renderVegaLite(responseTimeChartSpec(s), opts);

/** Sentiment of new cases per day, as PNG. */
export const renderSentimentChart = (s: Pick<MetricsSummary, 'daily' | 'period'>, opts?: RenderOptions): Promise<Buffer> =>
  renderVegaLite(sentimentChartSpec(s), opts);

/**
 * All three charts of a summary, with file names for the upload. `empty` marks a chart
 * that only says "No data for this period": a person's answer leaves those out and says
 * so in words; the digest keeps them (its channel expects the same three every time).
 */
export async function renderMetricsCharts(s: MetricsSummary, opts?: RenderOptions): Promise<Array<{ filename: string; title: string; png: Buffer; empty: boolean }>> {
  const specs = [volumeChartSpec(s), responseTimeChartSpec(s), sentimentChartSpec(s)];
  const [volume, response, sentiment] = await Promise.all(specs.map((spec) => renderVegaLite(spec, opts)));
  const tag = s.period.from === s.period.to ? s.period.from : `${s.period.from}_${s.period.to}`;
  return [
    { filename: `earshot-volume-${tag}.png`, title: s.hourly && s.period.from === s.period.to ? 'Cases per hour' : 'Cases per day', png: volume!, empty: isEmptyChart(specs[0]!) },
    { filename: `earshot-first-response-${tag}.png`, title: 'First-response time', png: response!, empty: isEmptyChart(specs[1]!) },
    { filename: `earshot-sentiment-${tag}.png`, title: 'Sentiment of new cases', png: sentiment!, empty: isEmptyChart(specs[2]!) },
  ];
}
