import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { blockActionsPayload, slackRequest, viewSubmissionPayload, type SlackRequester } from '../helpers/slack-signing.js';
import { startBot, tempDir, waitFor, writeConfig, type BotProcess } from './support/bot-process.js';
import { cardText, buttons, mrkdwnText } from './support/slack-card.js';

const SECRET = 'e2e-signing-secret';
const CARE = 'C0CARE0001';
const BAGS = 'C0BAGS0001';
const AGENT = 'U0AGENT001';
const LEAD = 'U0LEAD0001';

const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-mentions, network: x, queries: ['@acme -is:retweet'], interval: 5s }
groups:
  - { id: care, name: Care, slack: { channel: ${CARE} } }
  - { id: baggage, name: Baggage, slack: { channel: ${BAGS} } }
routing:
  fallback: care
  rules:
    - { name: lost-bags, when: { keywords: [bag, luggage] }, then: { route: baggage, tag: [baggage] } }
policy:
  approvers: [slack:${LEAD}]
templates:
  - { id: bags, name: Baggage apology, groups: [baggage], text: "Hi {{author.name}}, sorry about your bag." }
`;



describe('the spine, end to end: X → Slack card → claim/draft/reject/approve/send → reply on X', () => {
  let slack: FakeSlack;
  let x: FakeX;
  let bot: BotProcess;
  let send: SlackRequester;
  let dir: string;
  let env: Record<string, string>;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    slack = await startFakeSlack({
      users: { [AGENT]: { name: 'alice', realName: 'Alice Agent' }, [LEAD]: { name: 'lea', realName: 'Lea Lead' } },
    });
    x = await startFakeX({ me: { username: 'acme' } });
    dir = tempDir('spine');
    const config = writeConfig(dir, CONFIG);
    env = {
      EARSHOT_CONFIG: config,
      SLACK_BOT_TOKEN: 'xoxb-e2e', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
      X_BEARER_TOKEN: 'bearer-e2e', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'as', X_API_URL: x.url,
      STORE_URL: `sqlite://${join(dir, 'earshot.sqlite')}`,
    };
    bot = await startBot({ cwd: dir, env });
    send = slackRequest(`${bot.url}/slack/events`, SECRET);
  });

  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await x?.close();
  });

  const card = (channel: string) => slack.channel(channel).messages().find((m) => m.metadata?.event_type === 'earshot_case');
  const click = async (user: string, channel: string, actionId: string, triggerId = `t-${Math.random()}`) => {
    const m = card(channel)!;
    const b = buttons(m).find((e) => e.action_id === actionId);
    expect(b, `button ${actionId} on the card (has: ${buttons(m).map((e) => e.action_id).join(', ')})`).toBeDefined();
    const started = Date.now();
    const r = await send.interactive(blockActionsPayload({ user, channel, messageTs: m.ts, actionId, value: b!.value, triggerId }));
    timings[`ack ${actionId}`] = Date.now() - started;
    expect(r.status).toBe(200);
    return r;
  };
  const openedView = async (triggerId: string) => waitFor('views.open', () => slack.callsTo('views.open').find((c) => c.args.trigger_id === triggerId)?.args.view as Record<string, any> | undefined);
  const submit = async (user: string, view: Record<string, any>, block: string, text: string) => {
    const r = await send.interactive(viewSubmissionPayload({ user, callbackId: view.callback_id, privateMetadata: view.private_metadata, values: { [block]: { text } } }));
    expect(r.status).toBe(200);
    return r;
  };

  it('walks a mention from X to a sent reply', { timeout: 180_000 }, async () => {
    const t0 = Date.now();
    const tweet = x.addTweet({ text: '@acme my bag never arrived <!channel> please help', author: 'traveller' });
    x.addTweet({ text: 'RT @traveller: @acme my bag never arrived', author: 'echo', retweetOf: tweet.id });

    // The card arrives in the baggage channel within one polling interval.
    const posted = await waitFor('the card in #baggage', () => card(BAGS), 60_000);
    timings.ingestToCard = Date.now() - t0;
    // The post is rich text, shown as written and never parsed; nothing Slack parses carries the ping.
    expect(cardText(posted)).toContain('<!channel>');
    expect(mrkdwnText(posted)).not.toContain('<!channel>');
    expect(JSON.stringify(posted?.blocks)).not.toMatch(/"type":"broadcast"/);
    expect(cardText(posted)).toContain('lost-bags');
    expect(slack.channel(CARE).messages()).toHaveLength(0);

    await click(AGENT, BAGS, 'case.claim');
    await waitFor('claimed card', () => cardText(card(BAGS)).includes('*Owner*\nalice'));

    const t1 = 'trigger-draft-1';
    await click(AGENT, BAGS, 'case.draft', t1);
    const draftView = await openedView(t1);
    const prefilled = draftView.blocks.find((b: any) => b.type === 'input').element.initial_value;
    expect(prefilled).toBe('Hi traveller, sorry about your bag.');
    await submit(AGENT, draftView, 'reply', 'Hi, we are on it.');
    await waitFor('drafted card', () => cardText(card(BAGS)).includes('Draft awaiting approval'));
    expect(cardText(card(BAGS))).toContain('>Hi, we are on it.');
    expect(cardText(card(BAGS))).toContain('from template _Baggage apology_');

    const t2 = 'trigger-reject-1';
    await click(LEAD, BAGS, 'case.reject', t2);
    await submit(LEAD, await openedView(t2), 'note', 'Warmer, and give the file reference');
    await waitFor('rejected card', () => cardText(card(BAGS)).includes('*Sent back* by lea'));

    const t3 = 'trigger-draft-2';
    await click(AGENT, BAGS, 'case.draft', t3);
    await submit(AGENT, await openedView(t3), 'reply', 'So sorry! Your file is BAG-1; we will call you today.');
    await waitFor('redrafted card', () => cardText(card(BAGS)).includes('Your file is BAG-1'));

    await click(LEAD, BAGS, 'case.approve');
    await waitFor('approved card', () => cardText(card(BAGS)).includes('Approved, ready to send'));

    await click(AGENT, BAGS, 'case.send');
    const reply = await waitFor('the reply on X', () => x.posted[0]);
    expect(reply.text).toBe('So sorry! Your file is BAG-1; we will call you today.');
    expect(reply.referenced_tweets).toEqual([{ type: 'replied_to', id: tweet.id }]);
    await waitFor('replied card', () => cardText(card(BAGS)).includes('Replied'));
    expect(cardText(card(BAGS))).toContain(`<https://x.com/i/web/status/${reply.id}|View our reply>`);
    timings.walk = Date.now() - t0;

    // Every step is in the thread under the card: who, what, when.
    const thread = await waitFor('seven notes', () => {
      const t = slack.channel(BAGS).thread(card(BAGS)!.ts).map((m) => m.text);
      return t.length >= 7 ? t : undefined;
    });
    expect(thread.join('\n')).toMatch(/alice claimed the case · \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    for (const what of ['drafted a reply', 'lea sent the draft back', 'lea approved the draft', 'alice is sending the reply', 'The reply was posted']) {
      expect(thread.join('\n')).toContain(what);
    }
    expect(slack.channel(BAGS).orphans()).toEqual([]);
    // The retweet made no second case.
    expect(slack.channel(BAGS).messages().filter((m) => m.metadata)).toHaveLength(1);
    console.log('e2e timings (ms):', JSON.stringify(timings));
  });

  it('refuses a stale or repeated click and tells the clicker why', async () => {
    const m = card(BAGS)!;
    const before = cardText(m);
    const old = blockActionsPayload({ user: AGENT, channel: BAGS, messageTs: m.ts, actionId: 'case.claim', value: '1@0' });
    const r = await send.interactive(old);
    expect(r.status).toBe(200);
    const eph = await waitFor('ephemeral refusal', () => slack.channel(BAGS).ephemerals().find((e) => e.user === AGENT && /out of date/.test(e.text)));
    expect(eph.text).toContain('its reply has been sent');
    expect(cardText(card(BAGS))).toBe(before);
  });

  it('rejects unsigned, wrongly signed and old requests with 401 and changes nothing', async () => {
    const m = card(BAGS)!;
    const value = buttons(m).find((b) => b.action_id === 'case.close')!.value;
    const payload = blockActionsPayload({ user: AGENT, channel: BAGS, messageTs: m.ts, actionId: 'case.close', value });
    expect((await send.interactive(payload, { signWith: 'wrong-secret' })).status).toBe(401);
    expect((await send.interactive(payload, { ts: Math.floor(Date.now() / 1000) - 301 })).status).toBe(401);
    const unsigned = await fetch(`${bot.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString() });
    expect(unsigned.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(cardText(card(BAGS))).toContain('Replied');
  });

  it('after a restart neither misses nor repeats a mention', { timeout: 180_000 }, async () => {
    expect(await bot.stop('SIGTERM')).toBe(0);
    const late = x.addTweet({ text: '@acme question about my booking', author: 'planner' });
    bot = await startBot({ cwd: dir, env });
    send = slackRequest(`${bot.url}/slack/events`, SECRET);
    const newCard = await waitFor('the card posted after the restart', () => card(CARE), 60_000);
    expect(cardText(newCard)).toContain('question about my booking');
    expect(late.id).toBeTruthy();
    // Another poll: still exactly one card per mention.
    await new Promise((r) => setTimeout(r, 5500));
    expect(slack.channel(CARE).messages().filter((m) => m.metadata)).toHaveLength(1);
    expect(slack.channel(BAGS).messages().filter((m) => m.metadata)).toHaveLength(1);
  });
});
