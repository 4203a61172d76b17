import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { blockActionsPayload, slackRequest } from '../helpers/slack-signing.js';
import { tempDir, waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';

/**
 * Every click on a case button gets exactly one answer, whatever Slack does meanwhile.
 * The multi-instance test once saw a loser of a Claim race told twice: under load the
 * answer (chat.postEphemeral) took longer than the client's timeout, Slack had posted it
 * all the same, and the client sent it again.
 */
const SECRET = 'answers-signing-secret';
const CARE = 'C0CARE0001';
const ALICE: Actor = { platform: 'slack', id: 'U0ALICE001', name: 'alice' };
/** How long a Slack call may take in this test before the bot gives up on it. */
const TIMEOUT_MS = 1000;

describe('answers to case buttons', () => {
  let slack: FakeSlack;
  let app: Earshot;
  const logged: Array<{ msg?: string }> = [];
  let mentions = 0;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { U0ALICE001: { name: 'alice' }, U0BOB00001: { name: 'bob' }, U0CAROL001: { name: 'carol' }, U0DAN00001: { name: 'dan' } } });
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { for (const line of chunk.toString().split('\n')) if (line) logged.push(JSON.parse(line) as { msg?: string }); done(); } });
    app = await startEarshot({
      config: parseConfig(`
brand: { name: Acme, handles: { x: [acme] } }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: ${CARE} } }]
routing: { fallback: care }
# Posts alike by design, one case each: near-identical ones must not fold here.
duplicates: { enabled: false }
`),
      env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-answers', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(tempDir('answers'), 'a.sqlite')}`, PORT: '0', HOST: '127.0.0.1' }),
      log: createLogger('warn', sink),
      sources: new Map([['x-mentions', idleSource()]]),
      schedule: false,
      outboxIntervalMs: 50,
      slackTimeoutMs: TIMEOUT_MS,
      rateLimits: { 'slack.post': { minTimeMs: 10 }, 'slack.update': { minTimeMs: 10 }, 'slack.read': { minTimeMs: 10 } },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
  });

  /** A new case with its card in the channel; returns the card and its Claim button's value. */
  const openCase = async (): Promise<{ id: string; card: SlackMessage; claim: string }> => {
    const n = String(++mentions);
    const cards = () => slack.channel(CARE).messages().filter((m) => m.metadata?.event_type === 'earshot_case');
    const before = cards().length;
    await recordPoll(app.store, 'x-mentions', {
      mentions: [{ network: 'x', source: 'x-mentions', id: n, text: `@acme my bag is lost (${n})`, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${n}`, author: { id: `a${n}`, handle: `h${n}`, name: 'N', followers: 1, verified: false }, isRepost: false, isQuote: false }],
      cursor: n, requests: 1,
    });
    await app.processInbox();
    const card = await waitFor('the card', () => cards()[before]);
    const actions = (card.blocks as Array<Record<string, any>>).find((b) => b.type === 'actions')!;
    const claim = (actions.elements as Array<{ action_id: string; value: string }>).find((e) => e.action_id === 'case.claim')!.value;
    return { id: String((card.metadata!.event_payload as { case_id: string }).case_id), card, claim };
  };

  const click = async (user: string, card: SlackMessage, value: string) => {
    const r = await slackRequest(`http://127.0.0.1:${app.port}/slack/events`, SECRET).interactive(
      blockActionsPayload({ user, channel: CARE, messageTs: card.ts, actionId: 'case.claim', value }),
    );
    expect(r.status).toBe(200);
  };

  const toldTo = (user: string) => slack.channel(CARE).ephemerals().filter((e) => e.user === user);
  const answersTo = (user: string) => slack.callsTo('chat.postEphemeral').filter((c) => c.args.user === user);
  const warned = (msg: string) => logged.some((l) => l.msg === msg);

  it('sends a stale click\'s refusal once when Slack posts it but answers after the timeout', async () => {
    const { id, card, claim } = await openCase();
    expect((await app.cases.apply(id, { type: 'claim' }, ALICE)).ok).toBe(true);
    // Slack posts the ephemeral, but only answers after the bot has given up waiting.
    slack.faults.schedule('chat.postEphemeral', { kind: 'slow', ms: TIMEOUT_MS * 3 });
    await click('U0BOB00001', card, claim);

    // The bot is done with the click when it has logged the failed answer, or sent it again.
    await waitFor('the click handled', () => warned('could not tell the user ephemerally') || toldTo('U0BOB00001').length >= 2);
    await waitFor('the slow answer posted', () => toldTo('U0BOB00001').length >= 1);
    expect(answersTo('U0BOB00001')).toHaveLength(1);
    const told = toldTo('U0BOB00001');
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toContain('alice has claimed it');
  });

  it('sends the refusal again after Retry-After when Slack rate-limited it (a 429 is never posted)', async () => {
    const { id, card, claim } = await openCase();
    expect((await app.cases.apply(id, { type: 'claim' }, ALICE)).ok).toBe(true);
    slack.faults.schedule('chat.postEphemeral', { kind: '429', retryAfter: 1 });
    await click('U0CAROL001', card, claim);

    const told = await waitFor('the refusal', () => { const t = toldTo('U0CAROL001'); return t.length > 0 && t; });
    expect(answersTo('U0CAROL001')).toHaveLength(2);
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toContain('alice has claimed it');
  });

  it('tells the clicker when handling the click fails, instead of leaving them with no answer', async () => {
    const { card, claim } = await openCase();
    const apply = vi.spyOn(app.cases, 'apply').mockRejectedValueOnce(new Error('the store is unreachable'));
    try {
      await click('U0DAN00001', card, claim);
      const told = await waitFor('an answer', () => { const t = toldTo('U0DAN00001'); return t.length > 0 && t; });
      expect(told).toHaveLength(1);
      expect(told[0]!.text).toContain('Something went wrong');
      expect(warned('a case button failed')).toBe(true);
    } finally {
      apply.mockRestore();
    }
  });
});
