import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { blockActionsPayload, slackRequest } from '../helpers/slack-signing.js';
import { postgresBackend, uniqueNamespace } from '../store/store-backends.js';
import { waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';

/**
 * Two instances on one PostgreSQL store against a fake Slack that enforces Slack's limits
 * (posts per channel per second with a short burst, chat.update per minute, users.info per
 * minute). Before the limits were shared, each instance spent the whole budget and this
 * drew 10–11 429s a round; now the pace of each channel is reserved in the store, so the
 * two together keep to it, and users.info is asked once per person.
 *
 * Time runs 4× faster than Slack's (4 posts a second per channel on both sides).
 */
const SECRET = 'shared-limits-secret';
const CARE = 'C0CARE0001';
const CARDS = 20;
const CLICKS = 100;
const AGENTS = Array.from({ length: 8 }, (_, i) => `U0AGENT00${i}`);
const PACE = 4;

const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, name: Care, slack: { channel: ${CARE} } }]
routing: { fallback: care }
storm: { enabled: false }
# 20 posts alike ("my booking N is wrong"): each must make its own card, so they do not fold.
duplicates: { enabled: false }
limits: { slack: { postsPerSecond: ${PACE}, updatesPerMinute: ${50 * PACE} } }
`;

const mention = (n: number): Mention => ({
  network: 'x', source: 'x-mentions', id: String(9_000 + n), text: `@acme my booking ${n} is wrong`, createdAt: new Date().toISOString(),
  url: `https://x.com/i/web/status/${9_000 + n}`, author: { id: `c${n}`, handle: `customer${n}`, name: `Customer ${n}`, followers: 10, verified: false },
  isRepost: false, isQuote: false,
});

describe('two instances on one PostgreSQL share Slack\'s limits', () => {
  const backend = postgresBackend();
  const namespace = uniqueNamespace();
  let slack: FakeSlack;
  const bots: Earshot[] = [];

  beforeAll(async () => {
    await backend.assertReachable();
    slack = await startFakeSlack({
      users: Object.fromEntries(AGENTS.map((id, i) => [id, { name: `agent${i}` }])),
      rateLimits: { postMessage: { perSecond: PACE, burst: 3 }, update: { perMinute: 50 * PACE }, usersInfo: { perMinute: 100 } },
    });
    for (const id of ['a', 'b']) {
      bots.push(await startEarshot({
        config: parseConfig(CONFIG),
        env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-shared', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url, STORE_URL: backend.url, STORE_NAMESPACE: namespace, PORT: '0', HOST: '127.0.0.1', INSTANCE_ID: `instance-${id}` }),
        log: createLogger('silent'),
        sources: new Map([['x-mentions', idleSource()]]),
        schedule: false,
        outboxIntervalMs: 50,
      }));
    }
  }, 60_000);

  afterAll(async () => {
    for (const b of bots) await b.stop();
    await slack?.close();
    await backend.dropNamespace(namespace);
    await backend.dispose();
  });

  const cards = () => slack.channel(CARE).messages().filter((m) => m.metadata?.event_type === 'earshot_case');
  const claimOf = (m: SlackMessage) => {
    const actions = (m.blocks as Array<Record<string, any>>).find((b) => b.type === 'actions')!;
    return (actions.elements as Array<{ action_id: string; value: string }>).find((e) => e.action_id === 'case.claim')!.value;
  };

  it(`posts ${CARDS} cards and answers ${CLICKS} concurrent clicks with no 429 and one users.info per person`, async () => {
    await recordPoll(bots[0]!.store, 'x-mentions', { mentions: Array.from({ length: CARDS }, (_, i) => mention(i)), cursor: 'c1', requests: 1 });
    await Promise.all(bots.map((b) => b.processInbox()));
    await waitFor(`${CARDS} cards`, () => cards().length >= CARDS || false, 30_000);
    expect(cards()).toHaveLength(CARDS);

    // Five clicks on every card, by different agents, spread over both instances at once.
    const clicks = Array.from({ length: CLICKS }, (_, n) => {
      const card = cards()[n % CARDS]!;
      return { card, user: AGENTS[(n + Math.floor(n / CARDS)) % AGENTS.length]!, bot: bots[n % 2]! };
    });
    const answers = await Promise.all(clicks.map((c, n) => slackRequest(`http://127.0.0.1:${c.bot.port}/slack/events`, SECRET).interactive(
      blockActionsPayload({ user: c.user, channel: CARE, messageTs: c.card.ts, actionId: 'case.claim', value: claimOf(c.card), triggerId: `t-${n}` }),
    )));
    expect(answers.every((a) => a.status === 200)).toBe(true);

    // Every case claimed once, and the follow-ups (card refreshes, thread notes) delivered.
    const claimed = async () => {
      let n = 0;
      for (const card of cards()) {
        const id = String((card.metadata!.event_payload as { case_id: string }).case_id);
        if ((await bots[0]!.cases.get(id))?.status === 'claimed') n += 1;
      }
      return n;
    };
    await waitFor('every case claimed', async () => (await claimed()) === CARDS || false, 30_000);
    await waitFor('the outboxes empty', async () => ((await bots[0]!.outbox.depth()) === 0 && slack.callsTo('chat.update').length >= CARDS) || false, 60_000);

    const figures = {
      sent429: slack.sent429,
      posts: slack.callsTo('chat.postMessage').length,
      updates: slack.callsTo('chat.update').length,
      usersInfo: slack.callsTo('users.info').length,
    };
    console.log('shared limits figures:', JSON.stringify(figures));
    expect(figures.sent429, 'Slack answered 429').toEqual({});
    const distinct = new Set(clicks.map((c) => c.user)).size;
    expect(figures.usersInfo).toBeGreaterThan(0);
    expect(figures.usersInfo).toBeLessThanOrEqual(distinct);
  }, 150_000);
});
