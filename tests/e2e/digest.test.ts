import { join } from 'node:path';
import { CaseRepository } from '../../src/app/case-repository.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestPeriod, runDigest } from '../../src/app/digest.js';
import { recordPoll } from '../../src/app/pipeline.js';
import { renderMetricsCharts } from '../../src/charts/render-metrics-charts.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import { createScheduler } from '../../src/server/scheduler.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { tempDir, waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';

const idle = idleSource();

const CONFIG = `
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: C0CARE0001 } }]
routing: { fallback: care }
metrics:
  timezone: Europe/Berlin
  digest: { channel: C0MGRS0001, every: daily, at: '08:30' }
`;

describe('managers digest', () => {
  let slack: FakeSlack;
  let app: Earshot;
  const config = parseConfig(CONFIG);

  beforeAll(async () => {
    slack = await startFakeSlack();
    const env = parseEnv({ SLACK_BOT_TOKEN: 'xoxb-d', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(tempDir('digest'), 'd.sqlite')}`, PORT: '0', HOST: '127.0.0.1' });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idle]]), outboxIntervalMs: 50 });
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    await recordPoll(app.store, 'x-mentions', {
      mentions: ['1', '2'].map((id) => ({ network: 'x' as const, source: 'x-mentions', id, text: `hello ${id}`, createdAt: yesterday, url: `https://x.com/i/web/status/${id}`, author: { id: `a${id}`, handle: `h${id}`, name: `N${id}`, followers: 1, verified: false }, isRepost: false, isQuote: false })),
      cursor: '2', requests: 1,
    });
    await app.processInbox();
  });

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
  });

  it('covers yesterday (daily) or the last seven days (weekly) in the configured zone', () => {
    const now = new Date('2026-03-30T06:00:00Z'); // 08:00 in Berlin, the day after the DST change
    expect(digestPeriod(now, 'daily', 'Europe/Berlin')).toMatchObject({ from: '2026-03-29', to: '2026-03-29' });
    expect(digestPeriod(now, 'weekly', 'Europe/Berlin')).toMatchObject({ from: '2026-03-23', to: '2026-03-29' });
  });

  it('posts the summary and the charts to the managers channel, once per period', async () => {
    const deps = { store: app.store, repo: new CaseRepository(app.store), config, outbox: app.outbox, charts: (s: Parameters<typeof renderMetricsCharts>[0]) => renderMetricsCharts(s) };
    expect(await runDigest(deps, new Date())).toBe('sent');
    expect(await runDigest(deps, new Date())).toBe('already-sent');
    const notice = await waitFor('the digest text', () => slack.channel('C0MGRS0001').messages().find((m) => m.text.includes('daily digest')));
    expect(notice.text).toMatch(/Earshot daily digest · \d{4}-\d\d-\d\d/);
    // The same layout as the command: headline figures first, then breakdowns, with the details.
    expect(notice.text).toMatch(/\nNew cases: \d+[^\n]*\nAnswered: 0\nMedian first response: none answered\nSLA met: nothing was due\nOpen now: 2 · oldest under a minute\n/);
    expect(notice.text).not.toMatch(/[±×]|Add "details"/);
    await waitFor('three charts', () => slack.callsTo('files.completeUploadExternal').filter((c) => c.args.channel_id === 'C0MGRS0001').length === 3, 20_000);
    expect(slack.channel('C0MGRS0001').messages().filter((m) => m.text.includes('daily digest'))).toHaveLength(1);
  });

  it('is scheduled as a bree cron job in the configured zone', async () => {
    const bree = createScheduler({ config, instanceId: 't', storeUrl: 'sqlite://unused', namespace: 'n', log: silentLogger(), onMessage: () => {}, onError: () => {} });
    const job = bree.config.jobs.find((j) => j.name === 'digest');
    expect(job).toMatchObject({ cron: '30 8 * * *', timezone: 'Europe/Berlin' });
  });
});
