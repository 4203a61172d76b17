import { formatDuration, formatNumber, formatPercent, plural, roughDuration, wholePercent } from './format-figures.js';
import type { DurationStats } from './histogram.js';
import { periodDays } from './period.js';
import type { Count, MetricsSummary, Spike } from './summary.js';

/**
 * A metrics answer laid out for a manager who has ten seconds: a few headline figures,
 * what stands out in sentences, then short breakdowns. Platform-neutral and unescaped:
 * strings that came from posts (hashtags, topics, source and group names) and people's
 * names are in here as they are, so every surface must sanitize, bound and escape every
 * string it shows (Block Kit fields, an Adaptive Card FactSet, or plain text lines).
 */
export interface SummaryLayout {
  /** "Earshot metrics: today (2026-05-06)", with the group or agent when narrowed. */
  title: string;
  /** The headline, in this order; each a label and a short value. */
  facts: SummaryFact[];
  /** What stands out, one sentence each (spikes, cases waiting long, failed sends). */
  notes: string[];
  /** Breakdowns, one line each: by group, by source, top hashtags, agents; more with details. */
  breakdowns: SummaryBreakdown[];
  /** How to see the rest, when the answer left details out. */
  more?: string | undefined;
}

export interface SummaryFact {
  label: string;
  value: string;
}

export interface SummaryBreakdown {
  label: string;
  text: string;
}

export interface SummaryLayoutOptions {
  /** Adds the detailed breakdowns (response-time spread, sentiment, intents, approvals, reach, trends). */
  details?: boolean | undefined;
  /** An agent key (`slack:U123`) as people know them: a display name. Default: the key. */
  agentLabel?: ((agentKey: string) => string) | undefined;
  /** Items per breakdown (default 3, or 10 with details). */
  maxItems?: number | undefined;
}

/** Keyword that asks for the details (`metrics 7d details`). */
export const DETAILS_WORD = 'details';

/** Fewer answers than this make a median a rough guide, and the answer says so. */
const FEW = 5;

/** The comparable earlier span, in words: "yesterday by this time", "the day before", "the previous 7 days". */
function previousWords(s: Pick<MetricsSummary, 'period'>): string {
  if (s.period.kind === 'today') return 'yesterday by this time';
  const n = periodDays(s.period);
  return n === 1 ? 'the day before' : `the previous ${n} days`;
}

/**
 * The count beside the earlier one. A percentage only when the earlier count is large
 * enough for it to mean something; below that the two numbers say it better.
 */
function compared(count: number, previous: number, words: string): string {
  const before = Math.round(previous);
  if (before <= 0) return count > 0 ? `none ${words}` : '';
  if (before < 10) return `${words}: ${formatNumber(before)}`;
  const pct = Math.round(((count - previous) / previous) * 100);
  if (pct === 0) return `same as ${words}`;
  return `${pct > 0 ? 'up' : 'down'} ${Math.abs(pct)}% on ${words}`;
}

/** "12m", or "12m (from only 3 answers)" when too few answers make it a rough guide. */
function median(d: DurationStats, noun: string, many: string): string {
  const m = roughDuration(d.median);
  return d.count < FEW ? `${m} (from only ${plural(d.count, noun, many)})` : m;
}

/** "median 12m, 9 in 10 within 40m (25 answered)". */
function spread(d: DurationStats, what: string): string {
  return `median ${formatDuration(d.median)}, 9 in 10 within ${formatDuration(d.p90)} (${formatNumber(d.count)} ${what})`;
}

const usually = (expected: number): string => {
  const e = Math.round(expected);
  return e <= 0 ? 'usually none' : `usually about ${formatNumber(e)}`;
};

/** A spike in words: "15 cases about #refund, usually none". */
export function spikeSentence(s: Spike): string {
  const n = plural(s.count, 'case');
  const what: Record<Spike['dimension'], string> = {
    cases: plural(s.count, 'new case'),
    hashtag: `${n} about #${s.key}`,
    topic: `${n} about "${s.key}"`,
    source: `${n} from ${s.key}`,
    network: `${n} on ${s.key}`,
    group: `${n} for ${s.key}`,
    sentiment: `${n} with ${s.key} sentiment`,
    intent: `${n} with intent ${s.key}`,
    priority: `${n} at ${s.key} priority`,
  };
  return `${what[s.dimension]}, ${usually(s.expected)}`;
}

/** What stands out in the period's activity: folded duplicates, replies that failed. */
function activityNotes(act: MetricsSummary['activity']): string[] {
  const notes: string[] = [];
  if (act.folded > 0) notes.push(`${plural(act.folded, 'near-identical post was', 'near-identical posts were')} folded into existing cases (duplicates folded).`);
  if (act.sendFailed > 0) notes.push(`${plural(act.sendFailed, 'reply', 'replies')} could not be sent.`);
  return notes;
}

/**
 * Lays out a summary: the headline, then what stands out, then the breakdowns. Pure.
 * Escalations are in the headline when there were any: each is a case a lead was asked to take on.
 */
export function summaryLayout(s: MetricsSummary, opts: SummaryLayoutOptions = {}): SummaryLayout {
  const details = opts.details === true;
  const max = opts.maxItems ?? (details ? 10 : 3);
  const agentLabel = opts.agentLabel ?? ((k: string) => k);
  const p = s.period;
  const range = p.from === p.to ? p.from : `${p.from} to ${p.to}`;
  const scope = s.scope.kind === 'all' ? '' : s.scope.kind === 'group' ? `, group ${s.scope.group}` : `, agent ${agentLabel(s.scope.agent)}`;
  const title = `Earshot metrics: ${p.label}${p.kind === 'range' ? '' : ` (${range})`}${scope}`;

  const v = s.volume;
  const fr = s.firstResponse;
  const sla = s.sla;
  const b = s.backlog;
  const facts: SummaryFact[] = [];
  if (s.scope.kind === 'agent') {
    // Cases are counted per group, not per agent: an agent's own headline starts with their replies.
    facts.push({ label: 'Replies sent', value: formatNumber(s.activity.replies) });
  } else {
    const vs = compared(v.total, v.previous, previousWords(s));
    facts.push({ label: 'New cases', value: `${formatNumber(v.total)}${vs ? ` (${vs})` : ''}` });
  }
  facts.push({ label: 'Answered', value: formatNumber(fr.count) });
  facts.push({ label: 'Median first response', value: fr.count > 0 ? median(fr, 'answer', 'answers') : 'none answered' });
  facts.push({ label: 'SLA met', value: sla.met + sla.breached > 0 ? `${wholePercent(sla.attainment)} (${formatNumber(sla.met)} of ${formatNumber(sla.met + sla.breached)})` : 'nothing was due' });
  facts.push({ label: 'Open now', value: `${formatNumber(b.open)}${b.listed > 0 ? ` · oldest ${roughDuration(b.oldestSeconds)}` : ''}` }, ...(s.activity.escalated > 0 ? [{ label: 'Escalated', value: formatNumber(s.activity.escalated) }] : []));

  const notes: string[] = [];
  // A slice that holds every case (one network, "unknown" intent) only repeats the total's
  // spike; what the cases are about (hashtags, topics) is news, and comes next after it.
  const about = (x: Spike) => (x.dimension === 'cases' ? 0 : x.dimension === 'hashtag' || x.dimension === 'topic' ? 1 : 2);
  const news = s.spikes.filter((x) => about(x) < 2 || x.count < v.total).sort((a, b) => about(a) - about(b));
  for (const spike of news.slice(0, 3)) notes.push(`${spikeSentence(spike)}.`);
  if (b.ages.over24h > 0) notes.push(`${plural(b.ages.over24h, 'open case has', 'open cases have')} waited over a day.`);
  notes.push(...activityNotes(s.activity));

  const list = (items: readonly Count[], show: (k: string) => string = (k) => k): string => {
    const shown = items.filter((c) => c.count > 0);
    const text = shown.slice(0, max).map((c) => `${show(c.key)} ${formatNumber(c.count)}`).join(' · ');
    return shown.length > max ? `${text} · ${shown.length - max} more` : text;
  };
  const tag = (k: string) => `#${k}`;
  const breakdowns: SummaryBreakdown[] = [];
  const add = (label: string, text: string) => { if (text) breakdowns.push({ label, text }); };
  if (s.scope.kind === 'all') add('By group', list(v.byGroup));
  add('By source', list(v.bySource));
  add('Top hashtags', list(s.hashtags, tag));
  add('Campaigns', s.campaigns.map((c) => `${tag(c.key)} ${formatNumber(c.count)}`).join(' · '));
  // Approvers who only approve show in the approvals line, not here.
  const working = s.agents.filter((a) => a.claimed + a.drafted + a.sent + a.handled > 0);
  const agents = working.slice(0, max).map((a) => `${agentLabel(a.agent)}: ${formatNumber(a.sent)} sent, ${formatNumber(a.handled)} handled`).join(' · ');
  add('Agents', agents && working.length > max ? `${agents} · ${working.length - max} more` : agents);

  if (details) {
    if (fr.count > 0) add('First response', spread(fr, 'answered'));
    if (s.resolution.count > 0) add('Resolution', spread(s.resolution, 'closed'));
    if (sla.byPriority.length > 1) add('SLA by priority', sla.byPriority.map((x) => `${x.priority} ${wholePercent(x.attainment)}`).join(' · '));
    const sentimentTotal = v.bySentiment.reduce((a, c) => a + c.count, 0);
    if (sentimentTotal > 0) add('Sentiment', v.bySentiment.filter((c) => c.count > 0).map((c) => `${c.key} ${formatPercent(c.count / sentimentTotal)}`).join(' · '));
    add('Intent', list(v.byIntent));
    if (b.listed > 0) {
      const ages = [[b.ages.under1h, 'under an hour'], [b.ages.from1to4h, 'for 1–4 hours'], [b.ages.from4to24h, 'for 4–24 hours'], [b.ages.over24h, 'over a day']] as const;
      add('Open cases waiting', ages.filter(([n]) => n > 0).map(([n, w]) => `${formatNumber(n)} ${w}`).join(' · '));
    }
    const ap = s.approvals;
    if (ap.approved + ap.rejected > 0) {
      add('Approvals', `${formatNumber(ap.approved)} approved, ${formatNumber(ap.rejected)} sent back · median turnaround ${formatDuration(ap.turnaround.median)}`);
    }
    if (s.reach.answered > 0) add('Reach', `${plural(s.reach.answered, 'author')} answered, ${plural(s.reach.followers, 'follower')} between them`);
    const sh = s.sentimentShift;
    if (sh.measured > 0) add('Sentiment after our reply', `${formatNumber(sh.improved)} improved, ${formatNumber(sh.same)} unchanged, ${formatNumber(sh.worsened)} worse (of ${formatNumber(sh.measured)} measured)`);
    add('Trending', s.trending.slice(0, max).map((t) => `${t.kind === 'hashtag' ? tag(t.key) : `"${t.key}"`} ${formatNumber(t.count)}, up from ${formatNumber(Math.round(t.previous))}`).join(' · '));
    const act = s.activity;
    const other = [[act.closed, 'closed'], [act.redirected, 'moved to private messages'], [act.privateConversations, 'with a private conversation'], [act.ignored, 'ignored'], [act.reopened, 'reopened']] as const;
    add('Other activity', other.filter(([n]) => n > 0).map(([n, w]) => `${formatNumber(n)} ${w}`).join(' · '));
  }
  return {
    title, facts, notes, breakdowns,
    ...(details ? {} : { more: `Add "${DETAILS_WORD}" for response-time spread, sentiment, intents, approvals, reach and trends.` }),
  };
}
