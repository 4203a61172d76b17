import { describe, expect, it } from 'vitest';
import { escapeSlack, escapeTeams, formatDuration, formatSummary } from '../../src/metrics/format-summary.js';
import { rangePeriod } from '../../src/metrics/period.js';
import { applyIncrements, metricsFor } from '../../src/metrics-store/rollup-store.js';
import type { MetricsSummary } from '../../src/metrics/summary.js';
import { alice, answer, MemoryCounters, newCase, play } from './case-history.js';

async function sample(): Promise<MetricsSummary> {
  const store = new MemoryCounters();
  for (let i = 1; i <= 4; i++) {
    const c = newCase({ id: `c${i}`, at: '2024-05-06T09:00:00Z', sentiment: i === 1 ? 'positive' : 'negative', text: 'so slow #acme_fail' });
    await applyIncrements(store, play(c, answer(alice, '2024-05-06T09:00:00Z', `2024-05-06T09:0${i}:00Z`), { sla: { targetMinutes: 3 } }).increments);
  }
  return metricsFor(store, rangePeriod('2024-05-06', '2024-05-06'), undefined, {
    now: '2024-05-07T10:00:00Z', open: [{ createdAt: '2024-05-07T08:00:00Z' }],
  });
}

describe('formatSummary', () => {
  it('puts the headline figures first, one per line, then the breakdowns', async () => {
    const text = formatSummary(await sample(), { style: 'slack', agentLabel: () => 'Alice Agent' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('*Earshot metrics: 2024-05-06*');
    expect(lines.slice(1, 6)).toEqual([
      'New cases: 4 (none the day before)',
      'Answered: 4',
      'Median first response: 2 min (from only 4 answers)',
      'SLA met: 75% (3 of 4)',
      'Open now: 0 · oldest 2h 00m',
    ]);
    expect(text).toContain('By group: care 4');
    expect(text).toContain('Top hashtags: #acme_fail 4');
    expect(text).toContain('Agents: Alice Agent: 4 sent, 4 handled');
    expect(text).toContain('Add "details" for');
    // The long breakdowns wait for "details".
    expect(text).not.toContain('Sentiment:');
    expect(text).not.toContain('Approvals:');
  });

  it('adds the details on request, in words and with correct plurals', async () => {
    const text = formatSummary(await sample(), { style: 'slack', details: true, agentLabel: () => 'Alice Agent' });
    expect(text).toContain('Sentiment: negative 75.0% · positive 25.0%');
    expect(text).toMatch(/First response: median 2m 0\ds, 9 in 10 within 4m 0\ds \(4 answered\)/);
    expect(text).toContain('Approvals: 4 approved, 0 sent back · median turnaround &lt;1s');
    expect(text).toContain('Reach: 4 authors answered, 400 followers between them');
    expect(text).toContain('Open cases waiting: 1 for 1–4 hours');
    expect(text).not.toContain('Add "details"');
    // No footnotes: no "±" error bars, no "×" ratios.
    expect(text).not.toMatch(/[±×]/);
  });

  it('escapes strings that came from posts for each chat', async () => {
    const s = await sample();
    const hostile: MetricsSummary = { ...s, hashtags: [{ key: '<!channel> & *bold*', count: 2, previous: 0 }] };
    const slack = formatSummary(hostile, { style: 'slack' });
    expect(slack).toContain('#&lt;!channel&gt; &amp; *bold* 2');
    expect(slack).not.toContain('<!channel>');
    const teams = formatSummary(hostile, { style: 'teams' });
    expect(teams).toContain('#&lt;\\!channel&gt; & \\*bold\\* 2');
    expect(teams.split('\n')[0]).toBe('**Earshot metrics: 2024\\-05\\-06**');
    const custom = formatSummary(hostile, { escape: () => 'X' });
    expect(custom.split('\n')).toContain('X');
    expect(custom).not.toContain('channel');
  });

  it('says so when a period is empty', async () => {
    const s = await metricsFor(new MemoryCounters(), rangePeriod('2024-05-06', '2024-05-06'), undefined, { now: '2024-05-07T00:00:00Z' });
    const text = formatSummary(s);
    expect(text).toContain('New cases: 0\n');
    expect(text).toContain('Median first response: none answered');
    expect(text).toContain('SLA met: nothing was due');
    expect(text).not.toMatch(/[±×]|are within/);
  });

  it('formats durations for people', () => {
    expect([0.5, 45, 150, 1800, 3700, 90_000, undefined].map(formatDuration)).toEqual(['<1s', '45s', '2m 30s', '30m', '1h 02m', '1d 1h', '–']);
    expect(escapeSlack('a<b>&')).toBe('a&lt;b&gt;&amp;');
    expect(escapeTeams('[x](y)')).toBe('\\[x\\]\\(y\\)');
  });
});

describe('private conversations in the figures', () => {
  it('says how many cases moved to private and how many private conversations there were, beside the replies', async () => {
    const store = new MemoryCounters();
    const c = newCase({ id: 'p1', at: '2024-05-06T09:00:00Z' });
    const step = (prev: typeof c, at: string, action: string, to: typeof c.status) => ({
      ...prev, status: to, version: prev.version + 1, updatedAt: at, audit: [...prev.audit, { at, actor: alice, action, from: prev.status, to }],
    });
    const { rollupUpdates } = await import('../../src/metrics/rollup.js');
    const sending = step(c, '2024-05-06T09:05:00Z', 'send', 'sending');
    const dm = step(sending, '2024-05-06T09:06:00Z', 'private_sent', 'redirected');
    await applyIncrements(store, [...rollupUpdates(undefined, c), ...rollupUpdates(c, sending), ...rollupUpdates(sending, dm)]);
    const s = await metricsFor(store, rangePeriod('2024-05-06', '2024-05-06'), undefined, { now: '2024-05-07T10:00:00Z', open: [] });
    expect(s.activity).toMatchObject({ redirected: 1, privateConversations: 1, replies: 0 });
    expect(formatSummary(s, { style: 'plain', details: true })).toContain('1 moved to private messages · 1 with a private conversation');
  });
});
