import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';
import { runListen } from '../../src/jobs/run-listen.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { createXClients } from '../../src/sources/twitter/twitter-client.js';
import { TwitterSource } from '../../src/sources/twitter/twitter-source.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import type { Fault } from '../fakes/misbehave.js';
import { waitFor } from './support/bot-process.js';

const CHANNELS = { care: 'C0FAULT001', bags: 'C0FAULT002', pay: 'C0FAULT003' };
const AGENT: Actor = { platform: 'slack', id: 'U0AGENT001', name: 'alice' };
const LEAD: Actor = { platform: 'slack', id: 'U0LEAD0001', name: 'lea' };
const MIX: Fault[] = [{ kind: '429', retryAfter: 1 }, { kind: '5xx' }, { kind: 'hang' }];

const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-mentions, network: x, queries: ['@acme'], interval: 5s }
groups:
  - { id: care, slack: { channel: ${CHANNELS.care} } }
  - { id: bags, slack: { channel: ${CHANNELS.bags} } }
  - { id: pay, slack: { channel: ${CHANNELS.pay} } }
routing:
  fallback: care
  rules:
    - { name: bags, when: { keywords: [bag] }, then: { route: bags } }
    - { name: pay, when: { keywords: [refund] }, then: { route: pay } }
policy: { approvers: ['slack:${LEAD.id}'] }
# 45 posts on three texts: each must make its own case here, so near-identical ones do not fold.
duplicates: { enabled: false }
`;

describe('fault injection: 10% of Slack and X calls answer 429, 5xx or hang', () => {
  let slack: FakeSlack;
  let x: FakeX;
  let app: Earshot;
  let source: TwitterSource;

  beforeAll(async () => {
    slack = await startFakeSlack({ random: { fraction: 0.1, mix: MIX, seed: 6006 } });
    x = await startFakeX({ me: { username: 'acme' }, random: { fraction: 0.1, mix: MIX, seed: 6007 } });
    const dir = mkdtempSync(join(tmpdir(), 'earshot-faults-'));
    const { read, write } = createXClients({ bearerToken: 'b', appKey: 'k', appSecret: 's', accessToken: 't', accessSecret: 'a' }, x.url, { timeoutMs: 1000 });
    source = new TwitterSource({ name: 'x-mentions', queries: ['@acme'], maxPages: 5, ownHandles: ['acme'], read: read!, write });
    app = await startEarshot({
      config: parseConfig(CONFIG),
      env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-faults', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(dir, 'e.sqlite')}`, PORT: '0', HOST: '127.0.0.1' }),
      log: createLogger('silent'),
      sources: new Map([['x-mentions', source]]),
      schedule: false,
      outboxIntervalMs: 50,
      slackTimeoutMs: 1000,
      // Fast paces keep the test short; the faults are what is under test here.
      rateLimits: { 'slack.post': { minTimeMs: 10 }, 'slack.update': { minTimeMs: 10 }, 'slack.read': { minTimeMs: 10 }, 'x.reply': { perWindow: 1000, windowMs: 60_000 } },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
    await x?.close();
  });

  /** A listening tick, repeated as the scheduler would until X answers. */
  const listen = async () => {
    for (let i = 0; i < 30; i++) {
      try {
        await runListen({ store: app.store, source, instanceId: `t${i}`, intervalMs: 0 });
        return;
      } catch { /* the next tick tries again */ }
    }
    throw new Error('X never answered');
  };

  it('delivers every card, note and reply exactly once, in order per case', async () => {
    const texts = ['my bag is lost', 'where is my refund', 'the app crashed'];
    for (let i = 0; i < 45; i++) x.addTweet({ text: `@acme ${texts[i % 3]} #${i}`, author: `cust${i}` });
    await listen();
    await app.processInbox();
    const cards = () => Object.values(CHANNELS).flatMap((ch) => slack.channel(ch).messages().filter((m) => m.metadata?.event_type === 'earshot_case').map((m) => ({ ch, m })));
    await waitFor('45 cards', () => cards().length >= 45, 60_000);

    // Work 12 cases to a sent reply, each step through the workflow (notes, card updates, replies).
    const ids = cards().map(({ m }) => String((m.metadata!.event_payload as { case_id: string }).case_id)).sort((a, b) => Number(a) - Number(b)).slice(0, 12);
    for (const id of ids) {
      for (const [cmd, who] of [[{ type: 'claim' }, AGENT], [{ type: 'draft', text: `Sorry about that (${id}); we are on it.` }, AGENT], [{ type: 'approve' }, LEAD], [{ type: 'send' }, AGENT]] as const) {
        const r = await app.cases.apply(id, cmd as never, who);
        expect(r.ok, `${cmd.type} on ${id}`).toBe(true);
      }
    }
    await waitFor('every reply posted and the outbox empty', async () => (await app.outbox.depth()) === 0 && (await Promise.all(ids.map((id) => app.cases.get(id)))).every((c) => c?.status === 'sent'), 120_000);

    // Faults were really there, of every kind.
    const injected = [...slack.faults.injected, ...x.faults.injected].map((f) => f.fault.kind);
    for (const kind of ['429', '5xx', 'hang']) expect(injected, kind).toContain(kind);
    expect(await app.outbox.deadLetters()).toBe(0);

    // One card per case, in the right channel.
    const caseIds = cards().map(({ m }) => String((m.metadata!.event_payload as { case_id: string }).case_id));
    expect(new Set(caseIds).size).toBe(45);
    expect(caseIds).toHaveLength(45);

    for (const id of ids) {
      const c = (await app.cases.get(id))!;
      const view = c.views[0]!;
      if (view.platform !== 'slack') throw new Error('slack view expected');
      // Notes: one per change, in the order of the audit trail, none twice.
      const thread = slack.channel(view.channel).thread(view.ts).map((m) => m.text);
      const expected = ['claimed the case', 'drafted a reply', 'approved the draft', 'is sending the reply', 'The reply was posted'];
      const positions = expected.map((e) => thread.findIndex((t) => t.includes(e)));
      expect(positions.every((p) => p >= 0), `${id}: ${thread.join(' | ')}`).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(thread).toHaveLength(expected.length);
      // The card as it is now shows the final state.
      expect(JSON.stringify(slack.channel(view.channel).message(view.ts)!.blocks)).toContain('Replied');
      // Exactly one public reply.
      expect(x.posted.filter((t) => t.referenced_tweets?.some((r) => r.id === c.mention.id))).toHaveLength(1);
    }
    expect(x.posted).toHaveLength(12);
    console.log('faults injected:', JSON.stringify({ slack: slack.faults.injected.length, x: x.faults.injected.length, slack429: slack.sent429 }));
  }, 180_000);
});
