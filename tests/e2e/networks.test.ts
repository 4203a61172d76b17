/**
 * End to end beyond X: the bot started as `npm start` against fake Slack, Bluesky, Mastodon,
 * Reddit and feed servers. For each network a post appears, its card arrives in Slack
 * showing the network, and the reply goes back through that network into the right thread
 * (feeds: the card links out and offers no Draft). Then a source's credentials are revoked:
 * the ops channel and /readyz say so while the other sources keep delivering cards, and the
 * ops channel hears when it works again.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBluesky, type FakeBluesky } from '../fakes/fake-bluesky.js';
import { startFakeFeeds, type FakeFeeds } from '../fakes/fake-feeds.js';
import { startFakeMastodon, type FakeMastodon } from '../fakes/fake-mastodon.js';
import { startFakeReddit, type FakeReddit } from '../fakes/fake-reddit.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { blockActionsPayload, slackRequest, viewSubmissionPayload, type SlackRequester } from '../helpers/slack-signing.js';
import { startBot, tempDir, waitFor, writeConfig, type BotProcess } from './support/bot-process.js';
import { cardText } from './support/slack-card.js';

const SECRET = 'e2e-networks-secret';
const CARE = 'C0CARE0001';
const OPS = 'C0OPS00001';
const AGENT = 'U0AGENT001';


/** Every button on a card, with its action id and value. */
function buttons(m: SlackMessage | undefined): Array<{ action_id: string; value?: string }> {
  const out: Array<{ action_id: string; value?: string }> = [];
  for (const b of (m?.blocks as Array<Record<string, any>> | undefined) ?? []) {
    for (const e of b.elements ?? (b.accessory ? [b.accessory] : [])) if (e.type === 'button') out.push(e);
  }
  return out;
}

describe('listening beyond X, end to end', () => {
  let slack: FakeSlack;
  let bsky: FakeBluesky;
  let masto: FakeMastodon;
  let reddit: FakeReddit;
  let feeds: FakeFeeds;
  let bot: BotProcess;
  let send: SlackRequester;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [AGENT]: { name: 'alice', realName: 'Alice Agent' } } });
    bsky = await startFakeBluesky();
    masto = await startFakeMastodon();
    reddit = await startFakeReddit();
    feeds = await startFakeFeeds();
    feeds.addFeed('reviews', { format: 'atom', title: 'Airline reviews', link: 'https://reviews.example/' });
    const dir = tempDir('networks');
    const config = writeConfig(dir, `
brand: { name: Acme, handles: { bluesky: [acme.bsky.social], mastodon: [acme], reddit: [AcmeSupport] } }
sources:
  - { name: bsky, network: bluesky, queries: [acme], interval: 5s }
  - { name: masto, network: mastodon, queries: ['@me'], interval: 5s }
  - { name: reddit, network: reddit, queries: [acme], interval: 5s, options: { subreddits: [acmeair] } }
  - { name: web, network: rss, queries: [acme], interval: 5s, options: { feeds: ['${feeds.url('reviews')}'] } }
groups:
  - { id: care, name: Care, slack: { channel: ${CARE} } }
routing: { fallback: care }
policy: { requireApproval: false }
slack: { opsChannel: ${OPS} }
`);
    bot = await startBot({
      cwd: dir,
      env: {
        EARSHOT_CONFIG: config,
        SLACK_BOT_TOKEN: 'xoxb-e2e', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
        BLUESKY_SERVICE_URL: bsky.url, BLUESKY_HANDLE: 'acme.bsky.social', BLUESKY_APP_PASSWORD: bsky.appPassword,
        MASTODON_URL: masto.url, MASTODON_ACCESS_TOKEN: masto.accessToken,
        REDDIT_CLIENT_ID: reddit.brand.clientId, REDDIT_CLIENT_SECRET: reddit.brand.clientSecret,
        REDDIT_USERNAME: reddit.brand.username, REDDIT_PASSWORD: reddit.brand.password,
        REDDIT_AUTH_URL: reddit.url, REDDIT_API_URL: reddit.url,
        STORE_URL: `sqlite://${join(dir, 'earshot.sqlite')}`,
      },
    });
    send = slackRequest(`${bot.url}/slack/events`, SECRET);
  }, 90_000);

  afterAll(async () => {
    await bot?.stop();
    await Promise.all([slack?.close(), bsky?.close(), masto?.close(), reddit?.close(), feeds?.close()]);
    console.log('e2e network timings (ms):', JSON.stringify(timings));
  }, 60_000);

  const cardWith = (phrase: string) => slack.channel(CARE).messages().find((m) => m.metadata?.event_type === 'earshot_case' && cardText(m).includes(phrase));
  const click = async (phrase: string, actionId: string, triggerId = `t-${Math.random()}`) => {
    const m = cardWith(phrase)!;
    const b = buttons(m).find((e) => e.action_id === actionId);
    expect(b, `button ${actionId} (card has: ${buttons(m).map((e) => e.action_id).join(', ')})`).toBeDefined();
    const r = await send.interactive(blockActionsPayload({ user: AGENT, channel: CARE, messageTs: m.ts, actionId, value: b!.value!, triggerId }));
    expect(r.status).toBe(200);
  };
  /** Claim, draft and send a reply from the card, as an agent does. */
  const answer = async (phrase: string, text: string) => {
    await click(phrase, 'case.claim');
    await waitFor('claimed card', () => cardText(cardWith(phrase)).includes('alice'));
    const trigger = `draft-${Math.random()}`;
    await click(phrase, 'case.draft', trigger);
    const view = await waitFor('the draft modal', () => slack.callsTo('views.open').find((c) => c.args.trigger_id === trigger)?.args.view as Record<string, any> | undefined);
    const r = await send.interactive(viewSubmissionPayload({ user: AGENT, callbackId: view.callback_id, privateMetadata: view.private_metadata, values: { reply: { text } } }));
    expect(r.status).toBe(200);
    await waitFor('the Send button', () => buttons(cardWith(phrase)).some((b) => b.action_id === 'case.send'));
    await click(phrase, 'case.send');
  };

  it('Bluesky: a reply deep in a thread becomes a card; the answer goes back with the right root and parent', async () => {
    const t0 = Date.now();
    const root = bsky.addPost({ text: 'Anyone else stuck at the gate?', author: 'bob.bsky.social' });
    const post = bsky.addPost({ text: 'acme my bag never arrived in Oslo', author: 'jane.bsky.social', replyTo: root.uri });
    const card = await waitFor('the Bluesky card', () => cardWith('my bag never arrived in Oslo'), 60_000);
    timings.bluesky = Date.now() - t0;
    expect(cardText(card)).toMatch(/<https:\/\/bsky\.app\/profile\/jane\.bsky\.social\/post\/[a-z2-7]{13}\|Open on Bluesky>/);
    await answer('my bag never arrived in Oslo', 'So sorry Jane, we are tracing it now.');
    const reply = await waitFor('the reply on Bluesky', () => bsky.posted[0]);
    expect(reply.record.text).toBe('So sorry Jane, we are tracing it now.');
    expect(reply.record.reply).toEqual({ root: { uri: root.uri, cid: root.cid }, parent: { uri: post.uri, cid: post.cid } });
    await waitFor('replied card', () => cardText(cardWith('my bag never arrived in Oslo')).includes('Replied'));
  }, 120_000);

  it('Mastodon: a mention of the brand becomes a card; the answer is a reply addressed to the author', async () => {
    const t0 = Date.now();
    const status = masto.addStatus({ text: '@acme my parcel is lost since Monday', author: 'jane@social.example' });
    const card = await waitFor('the Mastodon card', () => cardWith('my parcel is lost since Monday'), 60_000);
    timings.mastodon = Date.now() - t0;
    expect(cardText(card)).toContain(`<${status.url}|Open on Mastodon>`);
    await answer('my parcel is lost since Monday', 'Sorry! Please DM us the tracking number.');
    const reply = await waitFor('the reply on Mastodon', () => masto.posted[0]);
    expect(reply.in_reply_to_id).toBe(status.id);
    expect(reply.content).toContain('@<span>jane</span>');
    expect(reply.content).toContain('Sorry! Please DM us the tracking number.');
  }, 120_000);

  it('Reddit: a comment in a watched subreddit becomes a card; the answer is a comment under it', async () => {
    const t0 = Date.now();
    const thread = reddit.addPost({ subreddit: 'acmeair', title: 'Delays at the hub today?', author: 'bob' });
    const comment = reddit.addComment({ on: thread.data.name, body: 'acme cancelled my flight twice, no refund yet', author: 'jane_doe' });
    const card = await waitFor('the Reddit card', () => cardWith('cancelled my flight twice'), 60_000);
    timings.reddit = Date.now() - t0;
    expect(cardText(card)).toContain(`<https://www.reddit.com${comment.data.permalink}|Open on Reddit>`);
    await answer('cancelled my flight twice', 'We are sorry. Please send us a modmail with your booking code.');
    const reply = await waitFor('the reply on Reddit', () => reddit.posted[0]);
    expect(reply.data.parent_id).toBe(comment.data.name);
    expect(reply.data.link_id).toBe(thread.data.name);
    expect(reply.data.body).toBe('We are sorry. Please send us a modmail with your booking code.');
  }, 120_000);

  it('Feeds: a review mentioning the brand becomes a card that links out and offers no Draft', async () => {
    const t0 = Date.now();
    const item = feeds.addItem('reviews', { title: 'Acme refund took three months', description: 'Still waiting for the voucher.', author: 'K. Traveller', link: 'https://reviews.example/acme/1234' });
    const card = await waitFor('the feed card', () => cardWith('Acme refund took three months'), 60_000);
    timings.rss = Date.now() - t0;
    expect(cardText(card)).toContain(`<${item.link}|Open on Web>`);
    const ids = buttons(card).map((b) => b.action_id);
    expect(ids).not.toContain('case.draft');
    expect(ids).toContain('case.claim');
    // Claimed, it still offers no Draft: there is nothing to reply through.
    await click('Acme refund took three months', 'case.claim');
    await waitFor('claimed feed card', () => cardText(cardWith('Acme refund took three months')).includes('alice'));
    expect(buttons(cardWith('Acme refund took three months')).map((b) => b.action_id)).not.toContain('case.draft');
  }, 120_000);

  it('a source whose credentials are revoked is reported on the ops channel and in /readyz; the others keep working', async () => {
    const t0 = Date.now();
    masto.accessToken = 'revoked-by-an-admin';
    const notice = await waitFor('the ops notice', () => slack.channel(OPS).messages().find((m) => /source "masto" is failing/.test(m.text ?? '')), 60_000);
    timings.brokenReported = Date.now() - t0;
    expect(notice.text).toContain('MASTODON_ACCESS_TOKEN');
    const ready = await (await fetch(`${bot.url}/readyz`)).json() as { broken: Array<{ source: string; error: string }>; sources: Record<string, { ok: boolean }> };
    expect(ready.broken.map((b) => b.source)).toEqual(['masto']);
    expect(ready.broken[0]!.error).toContain('MASTODON_ACCESS_TOKEN');
    expect(ready.sources.bsky?.ok).toBe(true);

    // The others are not held back.
    bsky.addPost({ text: 'acme the lounge wifi is down', author: 'sam.bsky.social' });
    await waitFor('a Bluesky card while Mastodon is broken', () => cardWith('the lounge wifi is down'), 60_000);
    // Reported once, not at every failing tick.
    await new Promise((r) => setTimeout(r, 5500));
    expect(slack.channel(OPS).messages().filter((m) => /source "masto" is failing/.test(m.text ?? ''))).toHaveLength(1);

    masto.accessToken = 'masto-token';
    await waitFor('the recovery notice', () => slack.channel(OPS).messages().find((m) => /source "masto" is working again/.test(m.text ?? '')), 60_000);
    const after = await (await fetch(`${bot.url}/readyz`)).json() as { broken: unknown[] };
    expect(after.broken).toEqual([]);
  }, 150_000);
});
