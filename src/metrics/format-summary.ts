import type { DurationStats } from './histogram.js';
import type { Scope } from './rollup-keys.js';
import type { Count, MetricsSummary, Spike } from './summary.js';

/** Where the text goes: Slack mrkdwn, Teams markdown, or plain text (logs, e-mail). */
export type SummaryStyle = 'slack' | 'teams' | 'plain';

export interface FormatSummaryOptions {
  style?: SummaryStyle | undefined;
  /**
   * Escapes text that came from posts or configuration (hashtags, topics, source and
   * group names). Defaults to a safe escape for the style.
   */
  escape?: ((s: string) => string) | undefined;
  /**
   * Turns an agent key (`slack:U123`) into what the chat shows, e.g. `<@U123>` in Slack.
   * Its output is used as is (it is the renderer's own markup). Default: the escaped id.
   */
  agentLabel?: ((agentKey: string) => string) | undefined;
  /** Most items listed per breakdown (default 5). */
  maxItems?: number | undefined;
}

/** Slack needs only &, < and > escaped: they make links and mentions (<!channel>). */
export const escapeSlack = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Teams renders markdown and some HTML: escape markdown punctuation and angle brackets. */
export const escapeTeams = (s: string): string =>
  s.replace(/[\\`*_{}[\]()#+\-.!|~]/g, (c) => `\\${c}`).replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Plain text: drop control characters so a post cannot forge lines. */
export const escapePlain = (s: string): string => s.replace(/\p{Cc}/gu, ' ');

const ESCAPES: Record<SummaryStyle, (s: string) => string> = { slack: escapeSlack, teams: escapeTeams, plain: escapePlain };

/** <1s, 45s, 12m 30s, 3h 05m, 2d 4h. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 1) return '<1s';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86_400) {
    const m = Math.round(s / 60);
    return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
  }
  const h = Math.round(s / 3600);
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** 1,234 or 1.2M. */
export function formatNumber(n: number): string {
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (Math.abs(n) >= 1e5) return `${Math.round(n / 1e3)}k`;
  return Math.round(n).toLocaleString('en-US');
}

export const formatPercent = (x: number | undefined): string =>
  x === undefined ? '–' : `${(x * 100).toFixed(x >= 0.9995 || x === 0 ? 0 : 1)}%`;

function change(count: number, previous: number, sameHours: boolean): string {
  const what = `the previous period${sameHours ? ' (same hours)' : ''}`;
  if (previous <= 0) return count > 0 ? `none in ${what}` : `none in ${what} either`;
  const pct = Math.round(((count - previous) / previous) * 100);
  if (pct === 0) return `same as ${what}`;
  return `${pct > 0 ? '▲' : '▼'} ${Math.abs(pct)}% on ${what}`;
}

const durationLine = (name: string, d: DurationStats, what: string): string =>
  d.count > 0
    ? `${name}: median ${formatDuration(d.median)}, p90 ${formatDuration(d.p90)} (${formatNumber(d.count)} ${what})`
    : `${name}: none in this period`;

/**
 * The summary as chat text: short lines, one figure family per line. Figures are plain
 * numbers; every string that came from a post or the configuration goes through
 * `escape`, and agent keys through `agentLabel`.
 */
export function formatSummary(summary: MetricsSummary, opts: FormatSummaryOptions = {}): string {
  const style = opts.style ?? 'plain';
  const esc = opts.escape ?? ESCAPES[style];
  const bold = (s: string) => (style === 'slack' ? `*${s}*` : style === 'teams' ? `**${s}**` : s);
  const agentLabel = opts.agentLabel ?? ((k: string) => esc(k));
  const max = opts.maxItems ?? 5;
  const list = (items: Count[], show: (k: string) => string = esc): string =>
    items.slice(0, max).filter((c) => c.count > 0).map((c) => `${show(c.key)} ${formatNumber(c.count)}`).join(' · ') || '–';
  const scopeText = (s: Scope): string =>
    s.kind === 'all' ? '' : s.kind === 'group' ? `, group ${esc(s.group)}` : `, agent ${agentLabel(s.agent)}`;

  const v = summary.volume;
  const p = summary.period;
  const range = p.from === p.to ? p.from : `${p.from} → ${p.to}`;
  const lines: string[] = [];
  lines.push(bold(`Earshot metrics: ${p.label}${p.kind === 'range' ? '' : ` (${range})`}`) + scopeText(summary.scope));
  lines.push(`Volume: ${formatNumber(v.total)} cases (${change(v.total, v.previous, summary.period.kind === 'today')})`);
  if (v.total > 0) {
    lines.push(`  by source: ${list(v.bySource)}`);
    if (summary.scope.kind !== 'group') lines.push(`  by group: ${list(v.byGroup)}`);
    const sentimentTotal = v.bySentiment.reduce((a, c) => a + c.count, 0);
    lines.push(`  by sentiment: ${v.bySentiment.filter((c) => c.count > 0).map((c) => `${esc(c.key)} ${formatPercent(c.count / sentimentTotal)}`).join(' · ')}`);
    lines.push(`  by intent: ${list(v.byIntent)}`);
  }
  lines.push(durationLine('First response', summary.firstResponse, 'answered'));
  lines.push(durationLine('Resolution', summary.resolution, 'closed'));
  const sla = summary.sla;
  if (sla.met + sla.breached > 0) {
    const per = sla.byPriority.map((x) => `${esc(x.priority)} ${formatPercent(x.attainment)}`).join(' · ');
    lines.push(`SLA (first response): ${formatPercent(sla.attainment)} met (${formatNumber(sla.met)} of ${formatNumber(sla.met + sla.breached)})${per ? ` · ${per}` : ''}`);
  } else {
    lines.push('SLA (first response): nothing was due in this period');
  }
  const b = summary.backlog;
  const ageBits = b.listed > 0
    ? ` · oldest ${formatDuration(b.oldestSeconds)} · median age ${formatDuration(b.medianAgeSeconds)} · ${b.ages.over24h} over 24h`
    : '';
  lines.push(`Backlog: ${formatNumber(b.open)} open${ageBits}`);
  // Approvers who only approve show in the approvals line, not here.
  const working = summary.agents.filter((a) => a.claimed + a.drafted + a.sent + a.handled > 0);
  if (working.length > 0) {
    const agents = working.slice(0, max)
      .map((a) => `${agentLabel(a.agent)} handled ${a.handled}, claimed ${a.claimed}, sent ${a.sent}`)
      .join(' · ');
    lines.push(`Agents: ${agents}${working.length > max ? ` (+${working.length - max} more)` : ''}`);
  }
  const ap = summary.approvals;
  if (ap.approved + ap.rejected > 0) {
    lines.push(`Approvals: ${formatNumber(ap.approved)} approved, ${formatNumber(ap.rejected)} sent back (${formatPercent(ap.rejectionRate)} rejected) · turnaround median ${formatDuration(ap.turnaround.median)}, p90 ${formatDuration(ap.turnaround.p90)}`);
  }
  if (summary.reach.answered > 0) {
    lines.push(`Reach: ${formatNumber(summary.reach.answered)} authors answered, ${formatNumber(summary.reach.followers)} followers`);
  }
  const sh = summary.sentimentShift;
  if (sh.measured > 0) {
    const avg = sh.average ?? 0;
    lines.push(`Sentiment after our reply: ${sh.improved} improved, ${sh.same} same, ${sh.worsened} worsened of ${sh.measured} (average ${avg >= 0 ? '+' : ''}${avg.toFixed(2)})`);
  }
  const tag = (k: string) => `#${esc(k)}`;
  if (summary.campaigns.length > 0) lines.push(`Campaigns: ${summary.campaigns.map((c) => `${tag(c.key)} ${formatNumber(c.count)}`).join(' · ')}`);
  if (summary.hashtags.length > 0) lines.push(`Hashtags: ${list(summary.hashtags, tag)}`);
  if (summary.trending.length > 0) {
    lines.push(`Trending: ${summary.trending.slice(0, max).map((t) => `${t.kind === 'hashtag' ? tag(t.key) : `topic ${esc(t.key)}`} ${formatNumber(t.count)} (was ${formatNumber(t.previous)})`).join(' · ')}`);
  }
  if (summary.spikes.length > 0) lines.push(`Spikes: ${summary.spikes.slice(0, max).map((s) => spikeText(s, esc, tag)).join(' · ')}`);
  const pct = (d: DurationStats) => `±${Math.round(d.relativeError * 100)}%`;
  const timed = [
    summary.firstResponse.count > 0 ? `first response ${pct(summary.firstResponse)}` : '',
    summary.resolution.count + ap.turnaround.count > 0 ? `resolution and approval ${pct(summary.resolution)}` : '',
  ].filter(Boolean);
  if (timed.length > 0) lines.push(`(medians and p90s are within ${timed.join(', ')})`);
  return lines.join('\n');
}

function spikeText(s: Spike, esc: (s: string) => string, tag: (s: string) => string): string {
  const what = s.dimension === 'cases' ? 'all cases'
    : s.dimension === 'hashtag' ? tag(s.key)
      : `${s.dimension} ${esc(s.key)}`;
  return `${what} ${formatNumber(s.count)} vs ${formatNumber(s.expected)} expected (${s.ratio}×)`;
}
