import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Mention } from '../../src/domain/mention.js';
import { todayPeriod } from '../../src/metrics/period.js';
import { metricsFor } from '../../src/metrics-store/rollup-store.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { tempDir, waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';

const idle = idleSource();
const AGENT = { platform: 'slack' as const, id: 'U0AGENT001', name: 'alice' };
const LEAD = { platform: 'slack' as const, id: 'U0LEAD0001', name: 'lea' };
const post = (id: string, text: string): Mention => ({
  network: 'x', source: 'x-mentions', id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`,
  author: { id: 'cust-1', handle: 'cust', name: 'Cust', followers: 10, verified: false }, conversationId: '500', isRepost: false, isQuote: false,
});

describe('sentiment shift after our reply', () => {
  let app: Earshot;

  beforeAll(async () => {
    const config = parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, teams: { channel: General } }]
routing: { fallback: care }
policy: { approvers: [slack:U0LEAD0001] }
`);
    const env = parseEnv({ STORE_URL: `sqlite://${join(tempDir('shift'), 's.sqlite')}`, PORT: '0', HOST: '127.0.0.1', TEAMS_LOCAL_DEV: 'true', DRY_RUN: 'true' });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idle]]), outboxIntervalMs: 50 });
  });

  afterAll(async () => { await app?.stop(); });

  it('counts the author moving from negative to positive once we answered', async () => {
    await recordPoll(app.store, 'x-mentions', { mentions: [post('500', '@acme this is terrible, awful service, I hate waiting')], cursor: '500', requests: 1 });
    await app.processInbox();
    const id = (await app.store.setMembers('open:care'))[0]!;
    for (const [cmd, who] of [[{ type: 'claim' }, AGENT], [{ type: 'draft', text: 'So sorry, fixing it now' }, AGENT], [{ type: 'approve' }, LEAD], [{ type: 'send' }, AGENT]] as const) {
      expect((await app.cases.apply(id, cmd, who)).ok).toBe(true);
    }
    await waitFor('sent', async () => (await app.cases.get(id))?.status === 'sent');
    await recordPoll(app.store, 'x-mentions', { mentions: [post('501', '@acme thank you so much, wonderful help, love it!')], cursor: '501', requests: 1 });
    await app.processInbox();
    const now = new Date().toISOString();
    const s = await metricsFor(app.store, todayPeriod(now, 'UTC'), undefined, { now });
    expect(s.sentimentShift).toMatchObject({ measured: 1, improved: 1, worsened: 0 });
    // A second follow-up is not a new measurement.
    await recordPoll(app.store, 'x-mentions', { mentions: [post('502', '@acme still great, thanks')], cursor: '502', requests: 1 });
    await app.processInbox();
    const again = await metricsFor(app.store, todayPeriod(now, 'UTC'), undefined, { now });
    expect(again.sentimentShift.measured).toBe(1);
  });
});
