import { bucketBounds, durationStats, type Histogram } from './histogram.js';
import type { MetricsSummary, SummaryInput } from './metrics-summary.js';
import { previousPeriod } from './period.js';
import { TAG_CUT } from './seal-counters.js';
import { F, HISTOGRAMS, type HistogramName } from './rollup-keys.js';
import { campaignsOf, comparableFraction, counts, spikesOf, trendingOf, volumeOf } from './summary-comparisons.js';
import { activityOf, agentsOf, backlogOf, dailySeries, histogramOf, hourlySeries, ratio, sentimentShiftOf, slaOf } from './summary-figures.js';
import { Summed } from './summed-counters.js';

// The answer's types live in metrics-summary.ts; most readers import them from here.
export type {
  AgentFigures, BucketCount, Count, CounterBlock, DailyFigures, HourlyFigures, MetricsSummary, OpenCase, Spike, SummaryInput, Trend,
} from './metrics-summary.js';

/**
 * Computes every figure of a metrics answer from the counters of a period and of the
 * period before it. Pure; the cost depends on the number of blocks and of distinct
 * counter names, not on the number of cases.
 */
export function summarize(input: SummaryInput): MetricsSummary {
  const cur = new Summed(input.current);
  const prevRaw = new Summed(input.previous);
  const scale = comparableFraction(input, input.previous);
  const hist = Object.fromEntries(HISTOGRAMS.map((h) => [h, histogramOf(cur, h)])) as Record<HistogramName, Histogram>;
  const approved = cur.get(F.approved);
  const rejected = cur.get(F.rejected);
  const hashtagCounts = counts(cur, prevRaw, 'tag:', scale);
  const topicCounts = counts(cur, prevRaw, 'topic:', scale);
  // Rare hashtags are pruned from sealed units: their earlier count is known only up to
  // the period's cut, so trends and spikes compare against that upper bound, never
  // mistaking a pruned hashtag for a new one.
  const tagSlack = prevRaw.get(TAG_CUT) * scale;
  const hourly = hourlySeries(input, cur);

  return {
    period: input.period,
    previousPeriod: previousPeriod(input.period),
    scope: input.scope,
    now: input.now,
    volume: volumeOf(cur, prevRaw, scale),
    daily: dailySeries(input.period, input.current),
    ...(hourly ? { hourly } : {}),
    firstResponse: durationStats(hist.frt),
    resolution: durationStats(hist.res),
    firstResponseBuckets: [...hist.frt.buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([k, count]) => ({ ...bucketBounds(k, hist.frt.scale), count })),
    sla: slaOf(cur),
    backlog: backlogOf(input),
    agents: agentsOf(cur),
    approvals: { approved, rejected, rejectionRate: ratio(rejected, approved), turnaround: durationStats(hist.apt) },
    reach: { answered: cur.get(F.answered), followers: cur.get(F.followers) },
    sentimentShift: sentimentShiftOf(cur),
    activity: activityOf(cur),
    hashtags: hashtagCounts.slice(0, 10),
    campaigns: campaignsOf(cur, prevRaw, scale, input.campaigns),
    topics: topicCounts.slice(0, 10),
    trending: trendingOf(hashtagCounts, topicCounts, tagSlack),
    spikes: spikesOf(input, cur, prevRaw, scale, tagSlack),
  };
}
