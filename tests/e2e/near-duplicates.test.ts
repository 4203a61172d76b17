import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { blockActionsPayload, slackRequest, viewSubmissionPayload, type SlackRequester } from '../helpers/slack-signing.js';
import { tempDir, waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';
import { buttons, cardText } from './support/slack-card.js';

/**
 * Near-duplicates through the real server and a fake Slack: copies of one complaint fold
 * into the first one's case and its card says how many; Split out… (a Slack modal) gives
 * one of them a card of its own and the first card counts one fewer.
 */
const SECRET = 'neardup-signing-secret';
const CARE = 'C0CARE0001';
const AGENT = 'U0AGENT001';
const COMPLAINT = '@acme my flight to Lisbon was cancelled and nobody at the gate can tell me when I will get home';

describe('near-duplicates on a Slack card, end to end', () => {
  let slack: FakeSlack;
  let app: Earshot;
  let send: SlackRequester;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [AGENT]: { name: 'alice' } } });
    const config = parseConfig(`
brand: { name: Acme, handles: { x: [acme] } }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: ${CARE} } }]
routing: { fallback: care }
storm: { enabled: false }
duplicates: { window: 6h, threshold: 0.84 }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
`);
    const env = parseEnv({
      SLACK_BOT_TOKEN: 'xoxb-nd', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
      STORE_URL: `sqlite://${join(tempDir('neardup'), 'n.sqlite')}`, PORT: '0', HOST: '127.0.0.1',
    });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idleSource()]]), outboxIntervalMs: 50 });
    send = slackRequest(`http://127.0.0.1:${app.port}/slack/events`, SECRET);
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
  });

  const post = (id: string, text: string, who: string): Mention => ({
    network: 'x', source: 'x-mentions', id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`,
    author: { id: `u-${who}`, handle: who, name: who, followers: 5, verified: false }, isRepost: false, isQuote: false, conversationId: id,
  });
  const cards = () => slack.channel(CARE).messages().filter((m) => m.metadata?.event_type === 'earshot_case');

  it('shows the count and samples on the first card, and splits one out into a card of its own', async () => {
    await recordPoll(app.store, 'x-mentions', { mentions: [post('701', COMPLAINT, 'first')], cursor: undefined, requests: 1 });
    await app.processInbox();
    await waitFor('the first card', () => cards().length === 1, 20_000);
    const copies = [
      post('702', COMPLAINT.replace('cancelled', 'canceled'), 'second'),
      post('703', `${COMPLAINT} again`, 'third'),
      post('704', `${COMPLAINT.toUpperCase()}!!!`, 'fourth'),
    ];
    await recordPoll(app.store, 'x-mentions', { mentions: copies, cursor: undefined, requests: 1 });
    await app.processInbox();
    const card = () => cards()[0];
    await waitFor('the count on the card', () => cardText(card()).includes('+3 similar posts'), 20_000);
    expect(cards()).toHaveLength(1);
    expect(cardText(card())).toContain('Similar: @fourth');

    const split = buttons(card()).find((b) => b.action_id === 'case.split');
    expect(split, 'Split out… on the card').toBeDefined();
    const trigger = 't-split';
    const m: SlackMessage = card()!;
    expect((await send.interactive(blockActionsPayload({ user: AGENT, channel: CARE, messageTs: m.ts, actionId: 'case.split', value: split!.value, triggerId: trigger }))).status).toBe(200);
    const view = await waitFor('the split modal', () => slack.callsTo('views.open').find((c) => c.args.trigger_id === trigger)?.args.view as Record<string, any> | undefined);
    const options = view.blocks.find((b: any) => b.block_id === 'choice').element.options as Array<{ value: string; text: { text: string } }>;
    expect(options.map((o) => o.value)).toEqual(['x:704', 'x:703', 'x:702']);
    const r = await send.interactive(viewSubmissionPayload({ user: AGENT, callbackId: view.callback_id, privateMetadata: view.private_metadata, values: { choice: { option: { type: 'static_select', selected_option: { value: 'x:703' } } } } as never }));
    expect(r.status).toBe(200);

    await waitFor('a card of its own for the split post', () => cards().length === 2 && cardText(cards()[1]).includes('again'), 20_000);
    await waitFor('one fewer on the first card', () => cardText(card()).includes('+2 similar posts'), 20_000);
    expect(cardText(card())).not.toContain('Similar: @third');
  }, 90_000);
});
