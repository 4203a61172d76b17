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
  it('writes every figure family on its own line', async () => {
    const text = formatSummary(await sample(), { style: 'slack', agentLabel: (k) => `<@${k.split(':')[1]}>` });
    expect(text.split('\n')[0]).toBe('*Earshot metrics: 2024-05-06*');
    expect(text).toContain('Volume: 4 cases (none in the previous period)');
    expect(text).toContain('by sentiment: negative 75.0% · positive 25.0%');
    expect(text).toMatch(/First response: median 2m 0\ds, p90 4m 0\ds \(4 answered\)/);
    expect(text).toContain('SLA (first response): 75.0% met (3 of 4) · normal 75.0%');
    expect(text).toContain('Backlog: 0 open · oldest 2h 00m');
    expect(text).toContain('Agents: <@UALICE> handled 4, claimed 4, sent 4\n');
    expect(text).toContain('Approvals: 4 approved, 0 sent back (0% rejected) · turnaround median <1s');
    expect(text).toContain('Hashtags: #acme_fail 4');
    expect(text).toContain('Reach: 4 authors answered, 400 followers');
    expect(text).toContain('(medians and p90s are within first response ±4%, resolution and approval ±9%)');
  });

  it('escapes strings that came from posts for each chat', async () => {
    const s = await sample();
    const hostile: MetricsSummary = { ...s, hashtags: [{ key: '<!channel> & *bold*', count: 2, previous: 0 }] };
    const slack = formatSummary(hostile, { style: 'slack' });
    expect(slack).toContain('#&lt;!channel&gt; &amp; *bold* 2');
    expect(slack).not.toContain('<!channel>');
    const teams = formatSummary(hostile, { style: 'teams' });
    expect(teams).toContain('#&lt;\\!channel&gt; & \\*bold\\* 2');
    expect(teams.split('\n')[0]).toBe('**Earshot metrics: 2024-05-06**');
    const custom = formatSummary(hostile, { escape: () => 'X' });
    expect(custom).toContain('Hashtags: #X 2');
  });

  it('says so when a period is empty', async () => {
    const s = await metricsFor(new MemoryCounters(), rangePeriod('2024-05-06', '2024-05-06'), undefined, { now: '2024-05-07T00:00:00Z' });
    const text = formatSummary(s);
    expect(text).toContain('Volume: 0 cases (none in the previous period either)');
    expect(text).toContain('First response: none in this period');
    expect(text).toContain('SLA (first response): nothing was due in this period');
    expect(text).not.toContain('are within');
  });

  it('formats durations for people', () => {
    expect([0.5, 45, 150, 1800, 3700, 90_000, undefined].map(formatDuration)).toEqual(['<1s', '45s', '2m 30s', '30m', '1h 02m', '1d 1h', '–']);
    expect(escapeSlack('a<b>&')).toBe('a&lt;b&gt;&amp;');
    expect(escapeTeams('[x](y)')).toBe('\\[x\\]\\(y\\)');
  });
});
