import type { MetricsSummary } from './summary.js';
import { summaryLayout, type SummaryLayout } from './summary-layout.js';

export { formatDuration, formatNumber, formatPercent, plural, roughDuration, wholePercent } from './format-figures.js';

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
   * Turns an agent key (`slack:U123`) into a display name. Names are people's own words,
   * so they are escaped like the rest. Default: the key.
   */
  agentLabel?: ((agentKey: string) => string) | undefined;
  /** Most items listed per breakdown (default 3, or 10 with details). */
  maxItems?: number | undefined;
  /** The detailed breakdowns too (see summaryLayout). */
  details?: boolean | undefined;
}

/** Slack needs only &, < and > escaped: they make links and mentions (<!channel>). */
export const escapeSlack = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Teams renders markdown and some HTML: escape markdown punctuation and angle brackets. */
export const escapeTeams = (s: string): string =>
  s.replace(/[\\`*_{}[\]()#+\-.!|~]/g, (c) => `\\${c}`).replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Plain text: drop control characters so a post cannot forge lines. */
export const escapePlain = (s: string): string => s.replace(/\p{Cc}/gu, ' ');

const ESCAPES: Record<SummaryStyle, (s: string) => string> = { slack: escapeSlack, teams: escapeTeams, plain: escapePlain };

/**
 * A laid-out summary as text lines: the title, one line per headline figure, what stands
 * out, the breakdowns and the hint for more. Every line is escaped for the style as a
 * whole (the layout holds post text and names unescaped); only the title's bold is ours.
 */
export function layoutLines(layout: SummaryLayout, opts: Pick<FormatSummaryOptions, 'style' | 'escape'> = {}): string[] {
  const style = opts.style ?? 'plain';
  const esc = opts.escape ?? ESCAPES[style];
  const bold = (s: string) => (style === 'slack' ? `*${s}*` : style === 'teams' ? `**${s}**` : s);
  return [
    bold(esc(layout.title)),
    ...layout.facts.map((f) => esc(`${f.label}: ${f.value}`)),
    ...layout.notes.map((n) => esc(`• ${n}`)),
    ...layout.breakdowns.map((b) => esc(`${b.label}: ${b.text}`)),
    ...(layout.more ? [esc(layout.more)] : []),
  ];
}

/**
 * The summary as chat text: the headline figures first, one per line, then what stands
 * out and the breakdowns (see {@link summaryLayout}). Used where no structured message
 * can be posted (the digest's notice) and as the fallback text of one that can.
 */
export function formatSummary(summary: MetricsSummary, opts: FormatSummaryOptions = {}): string {
  const layout = summaryLayout(summary, { details: opts.details, agentLabel: opts.agentLabel, maxItems: opts.maxItems });
  return layoutLines(layout, opts).join('\n');
}
