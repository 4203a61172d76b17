import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { waitFor, tempDir } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';
import { cardText } from './support/slack-card.js';

/**
 * 50 drafts waiting for one approver: one DM per case, each updated in place when its
 * draft changes, and never posted faster than Slack allows. Time is compressed 20 times on
 * both sides: Earshot paces to 20 posts a second per channel, and the fake Slack enforces
 * 20 a second per channel (a burst of 2), answering 429 to anything faster.
 */
const CARE = 'C0CARE0001';
const ALICE: Actor = { platform: 'slack', id: 'U0ALICE001', name: 'alice' };
const LEA = 'U0LEAD0001';
const CASES = 50;
const SPEED = 20;

const mention = (i: number): Mention => ({
  network: 'x', source: 'x-mentions', id: `5${String(i).padStart(3, '0')}`, text: `@acme problem number ${i}`, createdAt: new Date().toISOString(),
  url: `https://x.com/i/web/status/5${i}`, author: { id: `a${i}`, handle: `cust${i}`, name: `Customer ${i}`, followers: 10, verified: false }, isRepost: false, isQuote: false,
});

describe('coalesced personal alerts within Slack\'s limits', () => {
  let slack: FakeSlack;
  let app: Earshot;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [ALICE.id]: { name: 'alice' }, [LEA]: { name: 'lea' } }, rateLimits: { postMessage: { perSecond: SPEED, burst: 2 }, update: { perMinute: 50 * SPEED } } });
    app = await startEarshot({
      config: parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: ${CARE} } }]
routing: { fallback: care }
policy: { approvers: [slack:${LEA}] }
storm: { enabled: false }
limits: { slack: { postsPerSecond: ${SPEED}, updatesPerMinute: ${50 * SPEED} } }
`),
      env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-coalesce', SLACK_SIGNING_SECRET: 'coalesce-secret', SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(tempDir('alerts-coalesce'), 'c.sqlite')}`, PORT: '0', HOST: '127.0.0.1', DRY_RUN: 'true' }),
      log: silentLogger(), sources: new Map([['x-mentions', idleSource()]]), schedule: false, outboxIntervalMs: 20,
    });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await slack?.close();
  });

  it('sends one DM per case, updates it in place, and never trips Slack\'s per-channel limit', async () => {
    await recordPoll(app.store, 'x-mentions', { mentions: Array.from({ length: CASES }, (_, i) => mention(i)), cursor: 'c', requests: 1 });
    await app.processInbox();
    const ids = await waitFor('every case carded', async () => {
      const open = await app.store.setMembers('open:care');
      if (open.length < CASES) return undefined;
      const cases = await Promise.all(open.map((id) => app.cases.get(id)));
      return cases.every((c) => c && c.views.length > 0) ? open : undefined;
    }, 30_000);
    for (const id of ids) {
      expect((await app.cases.apply(id, { type: 'claim' }, ALICE)).ok).toBe(true);
      expect((await app.cases.apply(id, { type: 'draft', text: `First draft for ${id}` }, ALICE)).ok).toBe(true);
    }
    // Ten drafts are rewritten twice while they wait: their DMs change in place.
    const rewritten = ids.slice(0, 10);
    for (const id of rewritten) {
      expect((await app.cases.apply(id, { type: 'draft', text: `Second draft for ${id}` }, ALICE)).ok).toBe(true);
      expect((await app.cases.apply(id, { type: 'draft', text: `Final draft for ${id}` }, ALICE)).ok).toBe(true);
    }
    const inbox = () => slack.channel(`D${LEA.slice(1)}`).messages();
    await waitFor('a DM for every case, the rewritten ones final', () =>
      inbox().length >= CASES && rewritten.every((id) => inbox().some((m) => cardText(m).includes(`Final draft for ${id}`))), 60_000);

    // One DM per case: never a second message for the same draft.
    const perCase = new Map<string, number>();
    for (const m of inbox()) {
      const id = /^alert:approval:(.+)$/.exec((m.blocks as Array<{ block_id: string }>)[0]!.block_id)?.[1];
      expect(id).toBeDefined();
      perCase.set(id!, (perCase.get(id!) ?? 0) + 1);
    }
    expect(perCase.size).toBe(CASES);
    expect(Math.max(...perCase.values())).toBe(1);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.channel === `D${LEA.slice(1)}`)).toHaveLength(CASES);
    // The rewrites went in as updates (coalesced: at most one per change).
    const updates = slack.callsTo('chat.update').filter((c) => c.args.channel === `D${LEA.slice(1)}`).length;
    expect(updates).toBeGreaterThanOrEqual(1);
    expect(updates).toBeLessThanOrEqual(rewritten.length * 2);
    // Within Slack's pace: no post was refused for going too fast.
    expect(slack.sent429['chat.postMessage'] ?? 0).toBe(0);
  }, 120_000);
});
