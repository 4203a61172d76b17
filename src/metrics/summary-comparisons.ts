/** The period against the one before: comparable counts, campaigns, trends and spikes. */
import { dayKey, localHour } from '../domain/days.js';
import type { Count, CounterBlock, MetricsSummary, Spike, SummaryInput, Trend } from './metrics-summary.js';
import { previousPeriod } from './period.js';
import { F } from './rollup-keys.js';
import { byText, round1, type Summed } from './summed-counters.js';

/** Every key under `prefix` in either period, the current count beside the previous one scaled by `scale`. */
export function counts(cur: Summed, prev: Summed, prefix: string, scale: number): Count[] {
  const a = cur.byPrefix(prefix);
  const b = prev.byPrefix(prefix);
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys]
    .map((key) => ({ key, count: a.get(key) ?? 0, previous: round1((b.get(key) ?? 0) * scale) }))
    .filter((c) => c.count > 0 || c.previous > 0)
    .sort((x, y) => y.count - x.count || y.previous - x.previous || byText(x.key, y.key));
}


/**
 * How much of the previous period is comparable with the current one. When the period
 * ends today, only the hours so far have happened; the previous period's last day is cut
 * at the same local hour (from its hourly counts) and every previous count is scaled by
 * the same fraction, so "today so far" is not compared with a whole day.
 */
export function comparableFraction(input: SummaryInput, prevBlocks: readonly CounterBlock[]): number {
  if (input.period.to !== dayKey(input.now, input.timezone)) return 1;
  const prevTotal = prevBlocks.reduce((a, d) => a + (d.counters[F.cases] ?? 0), 0);
  const lastDay = previousPeriod(input.period).to;
  const last = prevBlocks.filter((b) => b.from === lastDay && b.to === lastDay);
  if (prevTotal <= 0 || last.length === 0) return 1;
  const hour = localHour(input.now, input.timezone);
  const of = (f: string) => last.reduce((a, b) => a + (b.counters[f] ?? 0), 0);
  let comparable = prevTotal - of(F.cases);
  for (let h = 0; h <= hour; h++) comparable += of(F.hour(h));
  return Math.min(1, Math.max(0, comparable / prevTotal));
}

/** The volume by each dimension, against the previous period. */
export function volumeOf(cur: Summed, prev: Summed, scale: number): MetricsSummary['volume'] {
  return {
    total: cur.get(F.cases),
    previous: round1(prev.get(F.cases) * scale),
    byNetwork: counts(cur, prev, 'net:', scale),
    bySource: counts(cur, prev, 'src:', scale),
    byGroup: counts(cur, prev, 'grp:', scale),
    bySentiment: counts(cur, prev, 'sentiment:', scale),
    byIntent: counts(cur, prev, 'intent:', scale),
    byPriority: counts(cur, prev, 'prio:', scale),
  };
}

/** Campaigns are counted exactly (camp: fields); configured ones are listed even at zero. */
export function campaignsOf(cur: Summed, prev: Summed, scale: number, configuredCampaigns: readonly string[] | undefined): Count[] {
  const campaignCounts = counts(cur, prev, 'camp:', scale);
  const configured = (configuredCampaigns ?? []).map((c) => c.replace(/^#/, '').toLowerCase());
  return [
    ...configured.map((key) => campaignCounts.find((c) => c.key === key) ?? { key, count: 0, previous: 0 }),
    ...campaignCounts.filter((c) => !configured.includes(c.key)),
  ];
}

/**
 * The ten hashtags and topics that grew most. A hashtag's previous count is its upper
 * bound (see `summarize`), so a pruned hashtag is never mistaken for a new one.
 */
export function trendingOf(hashtagCounts: readonly Count[], topicCounts: readonly Count[], tagSlack: number): Trend[] {
  const hashtagBaseline = hashtagCounts.map((c) => ({ ...c, previous: round1(c.previous + tagSlack) }));
  return [
    ...hashtagBaseline.map((c) => ({ kind: 'hashtag' as const, ...c })),
    ...topicCounts.map((c) => ({ kind: 'topic' as const, ...c })),
  ]
    .map((t) => ({ ...t, growth: round1(t.count - t.previous) }))
    .filter((t) => t.count >= 3 && t.growth > 0)
    .sort((a, b) => b.growth - a.growth || b.count - a.count || byText(a.key, b.key))
    .slice(0, 10);
}

const SPIKE_DIMENSIONS: Array<[Spike['dimension'], string]> = [
  ['network', 'net:'], ['source', 'src:'], ['group', 'grp:'], ['sentiment', 'sentiment:'],
  ['intent', 'intent:'], ['priority', 'prio:'], ['hashtag', 'tag:'], ['topic', 'topic:'],
];

/** Counts far above what the previous period had: the total first, then the largest jumps. */
export function spikesOf(input: SummaryInput, cur: Summed, prev: Summed, scale: number, tagSlack: number): Spike[] {
  const factor = input.spike?.factor ?? 2;
  const minCount = input.spike?.minCount ?? 10;
  const spikes: Spike[] = [];
  const consider = (dimension: Spike['dimension'], key: string, count: number, expected: number) => {
    if (count >= minCount && count >= factor * expected) {
      spikes.push({ dimension, key, count, expected: round1(expected), ratio: round1(count / Math.max(expected, 1)) });
    }
  };
  consider('cases', '', cur.get(F.cases), prev.get(F.cases) * scale);
  for (const [dimension, prefix] of SPIKE_DIMENSIONS) {
    const a = cur.byPrefix(prefix);
    const b = prev.byPrefix(prefix);
    const slack = dimension === 'hashtag' ? tagSlack : 0;
    for (const [key, count] of a) consider(dimension, key, count, (b.get(key) ?? 0) * scale + slack);
  }
  // The total comes first: it is the headline; then the largest jumps.
  spikes.sort((a, b) => +(b.dimension === 'cases') - +(a.dimension === 'cases') || b.ratio - a.ratio || b.count - a.count);
  return spikes;
}
