/**
 * Proves the fake vendor servers against the real SDKs: @slack/web-api (through @slack/bolt),
 * twitter-api-v2 and botbuilder. If these pass, a test that points Earshot at a fake is
 * exercising the same wire protocol the vendor speaks.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import express from 'express';
import {
  ActivityHandler,
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  MessageFactory,
  TeamsActivityHandler,
  TurnContext,
  type Activity,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type TaskModuleRequest,
  type TaskModuleResponse,
} from 'botbuilder';
import { ServiceClientCredentialsFactory, type ServiceClientCredentials } from 'botframework-connector';
import { ApiResponseError, TwitterApi, type ITwitterApiClientPlugin } from 'twitter-api-v2';
import searchFixture from './fixtures/x/search-recent.json' with { type: 'json' };
import teamsChannelMessage from './fixtures/teams/message.channel.json' with { type: 'json' };
import { startFakeBotConnector, type FakeBotConnector } from './fakes/fake-bot-connector.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { startFakeX, type FakeX } from './fakes/fake-x.js';
import { Misbehaviour, type Fault } from './fakes/misbehave.js';
import {
  appMentionEvent,
  blockActionsPayload,
  signSlack,
  slackRequest,
  slashCommandBody,
  viewSubmissionPayload,
} from './helpers/slack-signing.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const slackFake = async (opts?: Parameters<typeof startFakeSlack>[0]): Promise<FakeSlack> => {
  const fake = await startFakeSlack(opts);
  cleanups.push(() => fake.close());
  return fake;
};

const webClient = (fake: FakeSlack, token = 'xoxb-test') =>
  new webApi.WebClient(token, {
    slackApiUrl: fake.url,
    retryConfig: webApi.retryPolicies.rapidRetryPolicy,
    logLevel: webApi.LogLevel.ERROR,
  });

describe('Misbehaviour', () => {
  const mix: Fault[] = [{ kind: '5xx' }, { kind: 'drop' }, { kind: '429', retryAfter: 1 }];

  it('serves scheduled faults per route, first in first out, before anything random', () => {
    const m = new Misbehaviour().schedule('chat.update', { kind: '5xx', status: 502 }, 2).schedule('*', { kind: 'drop' });
    expect(m.decide('chat.postMessage')).toEqual({ kind: 'drop' });
    expect(m.decide('chat.update')).toEqual({ kind: '5xx', status: 502 });
    expect(m.decide('chat.postMessage')).toBeUndefined();
    expect(m.decide('chat.update')).toEqual({ kind: '5xx', status: 502 });
    expect(m.decide('chat.update')).toBeUndefined();
    expect(m.injected.map((i) => i.route)).toEqual(['chat.postMessage', 'chat.update', 'chat.update']);
  });

  it('injects random faults reproducibly from a seed, sparing exempt routes', () => {
    const run = (seed: number) => {
      const m = new Misbehaviour({ fraction: 0.3, mix, seed, exempt: (r) => r === 'auth.test' });
      return Array.from({ length: 200 }, (_, i) => m.decide(i % 2 ? 'chat.postMessage' : 'auth.test'));
    };
    const a = run(42);
    expect(run(42)).toEqual(a);
    expect(run(43)).not.toEqual(a);
    const hits = a.filter(Boolean).length;
    expect(hits).toBeGreaterThan(15);
    expect(hits).toBeLessThan(50);
    expect(a.filter((_, i) => i % 2 === 0).every((f) => f === undefined)).toBe(true);
  });
});

describe('fake Slack with @slack/web-api', () => {
  it('posts, threads and updates; the channel model shows the card as it is now', async () => {
    const slack = await slackFake();
    const client = webClient(slack);
    const card = await client.chat.postMessage({
      channel: 'C0CARE0001',
      text: 'New mention',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*New*' } }],
      metadata: { event_type: 'earshot_case', event_payload: { case_id: 'case-1' } },
    });
    expect(card.ok).toBe(true);
    const ts = card.ts!;
    await client.chat.postMessage({ channel: 'C0CARE0001', thread_ts: ts, text: 'Claimed by Alice' });
    await client.chat.postMessage({ channel: 'C0CARE0001', thread_ts: ts, text: 'Draft saved' });
    await client.chat.update({
      channel: 'C0CARE0001',
      ts,
      text: 'Claimed',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Claimed* by Alice' } }],
    });

    const ch = slack.channel('C0CARE0001');
    const now = ch.message(ts)!;
    expect(now.text).toBe('Claimed');
    expect(now.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: '*Claimed* by Alice' } }]);
    expect(now.edited?.user).toBe('U0BOT0001');
    expect(now.reply_count).toBe(2);
    expect(ch.versions(ts).map((v) => v.text)).toEqual(['New mention', 'Claimed']);
    expect(ch.thread(ts).map((m) => m.text)).toEqual(['Claimed by Alice', 'Draft saved']);
    expect(ch.messages()).toHaveLength(1);

    // Nested arguments arrived JSON-encoded inside the form and were decoded.
    const call = slack.callsTo('chat.postMessage')[0]!;
    expect(call.contentType).toBe('application/x-www-form-urlencoded');
    expect(call.token).toBe('xoxb-test');
    expect(call.args.metadata).toEqual({ event_type: 'earshot_case', event_payload: { case_id: 'case-1' } });

    const plain = await client.conversations.history({ channel: 'C0CARE0001' });
    expect(plain.messages?.[0]?.metadata).toBeUndefined();
    const withMd = await client.conversations.history({ channel: 'C0CARE0001', include_all_metadata: true });
    expect(withMd.messages?.[0]?.metadata?.event_payload).toEqual({ case_id: 'case-1' });
    const replies = await client.conversations.replies({ channel: 'C0CARE0001', ts });
    expect(replies.messages?.map((m) => m.text)).toEqual(['Claimed', 'Claimed by Alice', 'Draft saved']);
  });

  it('lists history newest first with cursor pagination', async () => {
    const slack = await slackFake();
    const client = webClient(slack);
    for (const text of ['one', 'two', 'three']) await client.chat.postMessage({ channel: 'C1', text });
    const first = await client.conversations.history({ channel: 'C1', limit: 2 });
    expect(first.messages?.map((m) => m.text)).toEqual(['three', 'two']);
    expect(first.has_more).toBe(true);
    const second = await client.conversations.history({ channel: 'C1', limit: 2, cursor: first.response_metadata!.next_cursor! });
    expect(second.messages?.map((m) => m.text)).toEqual(['one']);
    expect(second.has_more).toBe(false);
  });

  it('answers 429 with Retry-After, the client waits and succeeds', async () => {
    const slack = await slackFake();
    slack.faults.schedule('chat.postMessage', { kind: '429', retryAfter: 1 });
    const client = webClient(slack);
    const limited: number[] = [];
    client.on(webApi.WebClientEvent.RATE_LIMITED, (sec: number) => limited.push(sec));
    const res = await client.chat.postMessage({ channel: 'C1', text: 'after the wait' });
    expect(res.ok).toBe(true);
    expect(limited).toEqual([1]);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
    expect(slack.sent429['chat.postMessage']).toBe(1);
    expect(slack.channel('C1').messages().map((m) => m.text)).toEqual(['after the wait']);
  });

  it('enforces chat.postMessage per-channel limits when asked to', async () => {
    let clock = 1_700_000_000_000;
    const slack = await slackFake({ rateLimits: { postMessage: { perSecond: 1, burst: 2 } }, now: () => clock });
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    await client.chat.postMessage({ channel: 'C1', text: 'a' });
    await client.chat.postMessage({ channel: 'C1', text: 'b' });
    await client.chat.postMessage({ channel: 'C2', text: 'other channel has its own bucket' });
    const err = await client.chat.postMessage({ channel: 'C1', text: 'c' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: webApi.ErrorCode.RateLimitedError, retryAfter: 1 });
    clock += 1_000;
    await expect(client.chat.postMessage({ channel: 'C1', text: 'c' })).resolves.toMatchObject({ ok: true });
    expect(slack.sent429).toEqual({ 'chat.postMessage': 1 });
  });

  it('enforces users.info at its Tier 4 pace when asked to', async () => {
    let clock = 1_700_000_000_000;
    const slack = await slackFake({ rateLimits: { usersInfo: { perMinute: 3 } }, now: () => clock });
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    for (const user of ['U1', 'U2', 'U3']) await client.users.info({ user });
    const err = await client.users.info({ user: 'U4' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: webApi.ErrorCode.RateLimitedError, retryAfter: 20 });
    clock += 20_000;
    await expect(client.users.info({ user: 'U4' })).resolves.toMatchObject({ ok: true });
    expect(slack.sent429).toEqual({ 'users.info': 1 });
  });

  it('fails 5xx, drops and hangs on demand; close() kills the hanging socket', async () => {
    const slack = await slackFake();
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR });
    slack.faults.schedule('chat.update', { kind: '5xx', status: 502 });
    const http5xx = await client.chat.update({ channel: 'C1', ts: '1.000100', text: 'x' }).catch((e: unknown) => e);
    expect(http5xx).toMatchObject({ code: webApi.ErrorCode.HTTPError, statusCode: 502 });

    slack.faults.schedule('auth.test', { kind: 'drop' });
    const dropped = await client.auth.test().catch((e: unknown) => e);
    expect(dropped).toMatchObject({ code: webApi.ErrorCode.RequestError });

    slack.faults.schedule('auth.test', { kind: 'hang' });
    const hanging = client.auth.test().catch((e: unknown) => e);
    await expect.poll(() => slack.faults.hangingCount).toBe(1);
    await slack.close();
    expect(await hanging).toMatchObject({ code: webApi.ErrorCode.RequestError });
  });

  it('answers Slack errors: unknown_method, not_authed, invalid_auth, message_not_found', async () => {
    const slack = await slackFake();
    const post = async (method: string, headers: Record<string, string>, body = 'channel=C1') =>
      (await fetch(`${slack.url}${method}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body })).json();
    expect(await post('chat.nope', { authorization: 'Bearer xoxb-1' })).toEqual({ ok: false, error: 'unknown_method' });
    expect(await post('auth.test', {})).toEqual({ ok: false, error: 'not_authed' });
    expect(await post('auth.test', { authorization: 'Bearer nonsense' })).toEqual({ ok: false, error: 'invalid_auth' });
    expect(await post('chat.update', { authorization: 'Bearer xoxb-1' }, 'channel=C1&ts=1.2&text=x')).toEqual({ ok: false, error: 'message_not_found' });
  });

  it('opens, pushes and updates views; a trigger_id works once', async () => {
    const slack = await slackFake();
    const client = webClient(slack);
    const view = { type: 'modal' as const, callback_id: 'case.draft', title: { type: 'plain_text' as const, text: 'Draft' }, blocks: [] };
    const opened = await client.views.open({ trigger_id: 't1', view });
    expect(opened.view?.callback_id).toBe('case.draft');
    const again = await client.views.open({ trigger_id: 't1', view }).catch((e: unknown) => e);
    expect(again).toMatchObject({ data: { error: 'exchanged_trigger_id' } });
    slack.expireTrigger('t2');
    await expect(client.views.open({ trigger_id: 't2', view })).rejects.toMatchObject({ data: { error: 'expired_trigger_id' } });
    const pushed = await client.views.push({ trigger_id: 't3', view });
    expect(pushed.view?.root_view_id).toBe(opened.view?.id);
    await client.views.update({ view_id: opened.view!.id!, view: { ...view, private_metadata: 'x' } });
    expect(slack.view(opened.view!.id!)?.private_metadata).toBe('x');
  });

  it('keeps uploaded file bytes and records where they were shared', async () => {
    const slack = await slackFake();
    const client = webClient(slack);
    const card = await client.chat.postMessage({ channel: 'C1', text: 'metrics' });
    const bytes = Buffer.from('\x89PNG fake chart');
    await client.filesUploadV2({ channel_id: 'C1', thread_ts: card.ts!, initial_comment: 'Weekly chart', file: bytes, filename: 'chart.png' });
    const complete = slack.callsTo('files.completeUploadExternal')[0]!;
    expect(complete.args).toMatchObject({ channel_id: 'C1', initial_comment: 'Weekly chart' });
    const fileId = (complete.args.files as Array<{ id: string }>)[0]!.id;
    expect(slack.file(fileId)?.bytes?.equals(bytes)).toBe(true);
    const [shared] = slack.channel('C1').thread(card.ts!);
    expect(shared).toMatchObject({ text: 'Weekly chart', files: [{ id: fileId, name: 'chart.png' }] });
  });

  it('receives response_url posts and applies replace_original to the linked message', async () => {
    const slack = await slackFake();
    const client = webClient(slack);
    const card = await client.chat.postMessage({ channel: 'C1', text: 'New case' });
    const url = slack.responseUrl({ channel: 'C1', ts: card.ts! });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ replace_original: true, text: 'Claimed' }) });
    expect(res.status).toBe(200);
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Only you can see this' }) });
    expect(slack.channel('C1').message(card.ts!)?.text).toBe('Claimed');
    expect(slack.channel('C1').ephemerals().map((e) => e.text)).toEqual(['Only you can see this']);
    expect(slack.responses(url)).toHaveLength(2);
  });
});

describe('fake Slack Socket Mode with @slack/bolt', () => {
  it('hands out a ws:// URL, says hello, delivers envelopes and collects acks', async () => {
    const slack = await slackFake();
    const receiver = new SocketModeReceiver({
      appToken: 'xapp-test',
      logLevel: LogLevel.ERROR,
      installerOptions: { clientOptions: { slackApiUrl: slack.url } },
    });
    const app = new App({ token: 'xoxb-test', receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: slack.url } });
    app.command('/earshot', async ({ ack, command }) => {
      await ack(`echo: ${command.text}`);
    });
    await app.start();
    cleanups.push(async () => {
      await receiver.client.disconnect();
    });
    await slack.socketMode.waitForConnection();

    const ack = await slack.socketMode.send('slash_commands', slashCommandBody({ user: 'U1', channel: 'C1', text: 'metrics today' }));
    expect(ack.payload).toEqual({ text: 'echo: metrics today' });
    expect(slack.callsTo('apps.connections.open')[0]?.token).toBe('xapp-test');
  });
});

describe('slack-signing helpers against Bolt (signature verification on)', () => {
  const SECRET = 'test-signing-secret';

  const startBolt = async (fake: FakeSlack) => {
    const app = new App({
      token: 'xoxb-test',
      signingSecret: SECRET,
      botId: 'B0BOT0001',
      botUserId: 'U0BOT0001',
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    const seen: string[] = [];
    app.action('case.claim', async ({ ack, body, respond }) => {
      await ack();
      seen.push(`action:${(body as { actions: Array<{ value: string }> }).actions[0]!.value}`);
      await respond({ replace_original: true, text: 'Claimed' });
    });
    app.view('case.draft', async ({ ack, view }) => {
      seen.push(`view:${view.state.values.reply!.reply!.value}:${view.private_metadata}`);
      await ack();
    });
    app.command('/earshot', async ({ ack, command }) => {
      await ack({ response_type: 'ephemeral', text: `got ${command.text}` });
    });
    app.event('app_mention', async ({ event }) => {
      seen.push(`mention:${event.text}`);
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as http.Server;
    cleanups.push(async () => {
      await app.stop();
    });
    const { port } = server.address() as { port: number };
    return { endpoint: `http://127.0.0.1:${port}/slack/events`, seen };
  };

  it('signs exactly like Slack: a good signature passes, a bad or stale one gets 401', async () => {
    const slack = await slackFake();
    const { endpoint, seen } = await startBolt(slack);
    const send = slackRequest(endpoint, SECRET);

    const card = await webClient(slack).chat.postMessage({ channel: 'C0CARE0001', text: 'New case' });
    const responseUrl = slack.responseUrl({ channel: 'C0CARE0001', ts: card.ts! });
    const click = blockActionsPayload({ user: 'U0AGENT001', channel: 'C0CARE0001', messageTs: card.ts!, actionId: 'case.claim', value: 'case-1@1', responseUrl });
    expect((await send.interactive(click)).status).toBe(200);
    await expect.poll(() => slack.channel('C0CARE0001').message(card.ts!)?.text).toBe('Claimed');

    const submit = viewSubmissionPayload({ user: 'U0AGENT001', callbackId: 'case.draft', privateMetadata: 'case-1@2', values: { reply: { reply: 'On it' } } });
    expect((await send.interactive(submit)).status).toBe(200);

    const cmd = await send.command(slashCommandBody({ user: 'U0LEAD0001', channel: 'C0CARE0001', text: 'metrics today' }));
    expect(cmd.json()).toEqual({ response_type: 'ephemeral', text: 'got metrics today' });

    const ev = await send.event(appMentionEvent({ user: 'U0AGENT001', channel: 'C0CARE0001', text: '<@U0BOT0001> status', ts: '1767225020.940449' }));
    expect(ev.status).toBe(200);
    await expect.poll(() => seen).toEqual(['action:case-1@1', 'view:On it:case-1@2', 'mention:<@U0BOT0001> status']);

    expect((await send.command(slashCommandBody({ user: 'U1', channel: 'C1', text: 'x' }), { signWith: 'wrong' })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 301;
    expect((await send.command(slashCommandBody({ user: 'U1', channel: 'C1', text: 'x' }), { ts: stale })).status).toBe(401);
  });

  it('signSlack matches the documented example', () => {
    // docs.slack.dev "Verifying requests from Slack" walk-through values.
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlack(body, '8f742231b10e8888abcd99yyyzzz85a5', 1531420618)['x-slack-signature']).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// X API v2

const xFake = async (opts?: Parameters<typeof startFakeX>[0]): Promise<FakeX> => {
  const fake = await startFakeX(opts);
  cleanups.push(() => fake.close());
  return fake;
};

/** twitter-api-v2 has no base-URL option: rewrite its URLs and give it an http.Agent (§3.1). */
const xClient = (fake: FakeX, auth: string | { appKey: string; appSecret: string; accessToken: string; accessSecret: string } = 'app-bearer') => {
  const rewrite = (p: { url: string }) => {
    p.url = p.url.replace(/^https:\/\/(api|upload|stream)\.x\.com\//, fake.url);
  };
  const plugin: ITwitterApiClientPlugin = {
    onBeforeRequestConfig: ({ params }) => rewrite(params),
    onBeforeStreamRequestConfig: ({ params }) => rewrite(params),
  };
  return new TwitterApi(auth as string, { plugins: [plugin], httpAgent: new http.Agent() });
};
const USER_KEYS = { appKey: 'k', appSecret: 's', accessToken: 't', accessSecret: 'ts' };

describe('fake X with twitter-api-v2', () => {
  it('searches newer than since_id, newest first, across pages, with authors expanded', async () => {
    const x = await xFake();
    const all = [];
    for (let i = 0; i < 24; i++) all.push(x.addTweet({ text: `@acme order ${i} is late`, author: i % 2 ? 'jane' : 'omar' }));
    x.addTweet({ text: 'RT @jane: @acme order 1 is late', author: 'rita', retweetOf: all[1]!.id });
    x.addTweet({ text: 'nothing to see', author: 'jane' });
    const since = all[3]!.id;

    const page = await xClient(x).v2.search('@acme -is:retweet lang:en', {
      since_id: since,
      max_results: 10,
      expansions: ['author_id'],
      'tweet.fields': ['created_at', 'conversation_id'],
      'user.fields': ['public_metrics'],
    });
    expect(page.tweets).toHaveLength(10);
    expect(page.meta.newest_id).toBe(all[23]!.id);
    expect(page.includes.author(page.tweets[0]!)?.username).toBe('jane');
    expect(page.includes.author(page.tweets[0]!)?.public_metrics?.followers_count).toBeTypeOf('number');
    expect(page.rateLimit).toMatchObject({ limit: 450, remaining: 449 });
    while (!page.done) await page.fetchNext();

    const ids = page.tweets.map((t) => t.id);
    expect(ids).toEqual(all.slice(4).map((t) => t.id).reverse());
    const calls = x.callsTo('GET /2/tweets/search/recent');
    expect(calls).toHaveLength(2);
    expect(calls[0]!.query).toMatchObject({ query: '@acme -is:retweet lang:en', since_id: since, expansions: 'author_id' });
    expect(calls[1]!.query.next_token).toBeTruthy();
    expect(calls[0]!.auth).toBe('Bearer app-bearer');
  });

  it('answers an empty search with meta only, like X', async () => {
    const x = await xFake();
    const res = await fetch(`${x.url}2/tweets/search/recent?query=nobody`, { headers: { authorization: 'Bearer b' } });
    expect(await res.json()).toEqual({ meta: { result_count: 0 } });
    const page = await xClient(x).v2.search('nobody');
    expect(page.tweets).toEqual([]);
    expect(page.done).toBe(true);
  });

  it('shapes a search answer like the documented example', async () => {
    const x = await xFake();
    x.addTweet({ text: '@acme hello', author: 'jane' });
    const res = await fetch(`${x.url}2/tweets/search/recent?query=%40acme&tweet.fields=created_at&expansions=author_id&user.fields=created_at`, {
      headers: { authorization: 'Bearer b' },
    });
    const body = (await res.json()) as typeof searchFixture;
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(body)).toEqual(keys(searchFixture));
    expect(keys(body.data[0]!)).toEqual(keys(searchFixture.data[0]!));
    expect(keys(body.includes.users[0]!)).toEqual(keys(searchFixture.includes.users[0]!));
    expect(keys(body.meta)).toEqual(keys(searchFixture.meta).filter((k) => k !== 'next_token'));
  });

  it('rejects max_results outside 10..100 with an invalid-request problem', async () => {
    const x = await xFake();
    const err = await xClient(x).v2.search('@acme', { max_results: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiResponseError);
    expect((err as ApiResponseError).code).toBe(400);
    expect((err as ApiResponseError).data.title).toBe('Invalid Request');
  });

  it('replies, and the reply joins the brand timeline as replied_to', async () => {
    const x = await xFake();
    const mention = x.addTweet({ text: '@acme my router is down', author: 'jane' });
    const client = xClient(x, USER_KEYS);
    const posted = await client.v2.reply('Sorry Jane, DM us please', mention.id);
    expect(posted.data.text).toBe('Sorry Jane, DM us please');
    expect(BigInt(posted.data.id) > BigInt(mention.id)).toBe(true);
    expect(x.callsTo('POST /2/tweets')[0]!.body).toEqual({ text: 'Sorry Jane, DM us please', reply: { in_reply_to_tweet_id: mention.id } });
    expect(x.callsTo('POST /2/tweets')[0]!.auth).toMatch(/^OAuth oauth_consumer_key="k"/);

    const me = await client.v2.me();
    const timeline = await client.v2.userTimeline(me.data.id, { since_id: mention.id, 'tweet.fields': ['referenced_tweets'], exclude: ['retweets'] });
    expect(timeline.tweets.map((t) => [t.id, t.referenced_tweets])).toEqual([[posted.data.id, [{ type: 'replied_to', id: mention.id }]]]);
    expect(x.tweet(posted.data.id)?.conversation_id).toBe(mention.id);

    const dup = await client.v2.reply('Sorry Jane, DM us please', mention.id).catch((e: unknown) => e);
    expect(dup).toMatchObject({ code: 403, data: { detail: 'You are not allowed to create a Tweet with duplicate content.' } });
    const gone = await client.v2.reply('Hello?', '123').catch((e: unknown) => e);
    expect(gone).toMatchObject({ code: 403 });
    expect(x.posted).toHaveLength(1);
  });

  it('refuses to post with an app-only bearer token', async () => {
    const x = await xFake({ appOnlyBearerTokens: ['app-bearer'] });
    const err = await xClient(x).v2.tweet('hi').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 403, data: { title: 'Unsupported Authentication' } });
  });

  it('serves the mentions timeline with pagination_token', async () => {
    const x = await xFake();
    for (let i = 0; i < 7; i++) x.addTweet({ text: `hey @ACME ${i}`, author: 'jane' });
    x.addTweet({ text: 'from the brand @acme', author: 'acme' });
    const client = xClient(x, USER_KEYS);
    const page = await client.v2.userMentionTimeline(x.me.id, { max_results: 5 });
    await page.fetchNext();
    expect(page.tweets).toHaveLength(7);
    expect(x.callsTo('GET /2/users/:id/mentions')[1]!.query.pagination_token).toBeTruthy();
  });

  it('spends a window budget and answers 429 with x-rate-limit headers', async () => {
    let clock = 1_767_000_000_000;
    const x = await xFake({ rateLimits: { 'GET /2/tweets/search/recent': { limit: 2, windowSec: 900 } }, now: () => clock });
    const client = xClient(x);
    await client.v2.search('a');
    await client.v2.search('a');
    const err = (await client.v2.search('a').catch((e: unknown) => e)) as ApiResponseError;
    expect(err.rateLimitError).toBe(true);
    expect(err.rateLimit).toEqual({ limit: 2, remaining: 0, reset: 1_767_000_900 });
    clock += 900_000;
    await expect(client.v2.search('a')).resolves.toBeDefined();

    x.faults.schedule('GET /2/tweets/search/recent', { kind: '429', retryAfter: 30 });
    const injected = (await client.v2.search('a').catch((e: unknown) => e)) as ApiResponseError;
    expect(injected.rateLimit?.reset).toBe(1_767_000_930);
    expect(injected.headers['retry-after']).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Bot Framework connector

const APP_ID = '00000000-0000-0000-0000-00000000b071';

const connectorFake = async (opts?: Parameters<typeof startFakeBotConnector>[0]): Promise<FakeBotConnector> => {
  const fake = await startFakeBotConnector(opts);
  cleanups.push(() => fake.close());
  return fake;
};

/** Outbound calls without AAD: a fixed bearer token (platform notes §2.6). */
class FixedTokenCredentials extends ServiceClientCredentialsFactory {
  override async isValidAppId(appId: string) {
    return appId === APP_ID;
  }
  override async isAuthenticationDisabled() {
    return false;
  }
  override async createCredentials(): Promise<ServiceClientCredentials> {
    return {
      signRequest: async (req) => {
        req.headers.set('Authorization', 'Bearer fake-outbound-token');
        return req;
      },
    };
  }
}

const card = (text: string) => CardFactory.adaptiveCard({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text }] });

describe('fake Bot Framework connector with botbuilder', () => {
  const startBot = async (connector: FakeBotConnector) => {
    const auth = new ConfigurationBotFrameworkAuthentication(connector.authConfig(APP_ID), new FixedTokenCredentials());
    const adapter = new CloudAdapter(auth);
    const errors: unknown[] = [];
    adapter.onTurnError = async (_ctx, e) => {
      errors.push(e);
    };
    const bot = new ActivityHandler();
    bot.onMessage(async (ctx, next) => {
      const sent = await ctx.sendActivity(MessageFactory.attachment(card('New case'), 'New case'));
      await ctx.updateActivity({ ...MessageFactory.attachment(card('Claimed by Alice')), id: sent!.id });
      await next();
    });
    const app = express();
    app.use(express.json());
    app.post('/api/messages', (req, res) => adapter.process(req, res, (ctx) => bot.run(ctx)));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    return { endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/messages`, adapter, errors };
  };

  it('validates signed inbound requests, records replies and keeps the latest card', async () => {
    const connector = await connectorFake({ requireAuth: true });
    const { endpoint, errors } = await startBot(connector);
    const activity = { ...teamsChannelMessage, serviceUrl: connector.url, recipient: { id: `28:${APP_ID}`, name: 'Earshot' } };
    const post = (authorization?: string) =>
      fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(activity),
      });

    // CloudAdapter logs each refused request with console.error; capture those expected logs.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    cleanups.push(() => logged.mockRestore());
    expect((await post()).status).toBe(401);
    const wrongAudience = connector.signInbound({ appId: 'someone-else', serviceUrl: connector.url });
    expect((await post(`Bearer ${wrongAudience}`)).status).toBe(401);
    expect(logged.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining('Unauthorized Access'),
      expect.stringContaining('Invalid AppId passed on token: someone-else'),
    ]);
    expect((await post(`Bearer ${connector.signInbound({ appId: APP_ID })}`)).status).toBe(200);
    expect(errors).toEqual([]);

    const [reply, update] = connector.calls;
    expect(reply).toMatchObject({ op: 'reply', conversationId: teamsChannelMessage.conversation.id, activityId: teamsChannelMessage.id, auth: 'Bearer fake-outbound-token' });
    expect(update).toMatchObject({ op: 'update', route: 'PUT /v3/conversations/:id/activities/:activityId', activityId: reply!.createdId });
    const conversation = connector.conversation(teamsChannelMessage.conversation.id);
    const [sent] = conversation.activities();
    expect(sent?.replyToId).toBe(teamsChannelMessage.id);
    expect((sent?.attachments as Array<{ content: { body: Array<{ text: string }> } }>)[0]!.content.body[0]!.text).toBe('Claimed by Alice');
    expect(conversation.versions(sent!.id!)).toHaveLength(2);
  });

  it('creates a channel thread proactively and decodes percent-encoded conversation ids', async () => {
    const connector = await connectorFake();
    const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
    const channelId = '19:5f0c2a9e8d414c7a9b1e2f6d3c8a7e10@thread.tacv2';
    let threadId = '';
    await adapter.createConversationAsync(
      '',
      'msteams',
      connector.url,
      '',
      {
        isGroup: true,
        bot: { id: `28:${APP_ID}`, name: 'Earshot' },
        tenantId: 'tenant-1',
        members: [],
        channelData: { channel: { id: channelId } },
        activity: MessageFactory.attachment(card('New case #2')) as Activity,
      },
      async (ctx) => {
        threadId = ctx.activity.conversation.id;
      },
    );
    expect(threadId).toMatch(new RegExp(`^${channelId.replace(/[.]/g, '\\.')};messageid=\\d+$`));
    const rootId = threadId.split('=')[1]!;
    expect(connector.conversation(threadId).activity(rootId)?.attachments).toBeDefined();

    const raw = await fetch(`${connector.url}v3/conversations/${encodeURIComponent(threadId)}/activities/${rootId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'edited' }),
    });
    expect(raw.status).toBe(200);
    expect(connector.conversation(threadId).activity(rootId)?.text).toBe('edited');
  });

  it('misbehaves on demand with Bot Framework error bodies', async () => {
    const connector = await connectorFake();
    const url = `${connector.url}v3/conversations/${encodeURIComponent('19:c@thread.tacv2')}/activities`;
    const send = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"message","text":"x"}' });
    connector.faults
      .schedule('POST /v3/conversations/:id/activities', { kind: '429', retryAfter: 2 })
      .schedule('POST /v3/conversations/:id/activities', { kind: '5xx', status: 502 })
      .schedule('POST /v3/conversations/:id/activities', { kind: 'drop' });
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toEqual({ error: { code: 'TooManyRequests', message: 'Too many requests' } });
    expect((await send()).status).toBe(502);
    await expect(send()).rejects.toThrow();
    expect((await send()).status).toBe(201);
    expect(connector.conversation('19:c@thread.tacv2').activities()).toHaveLength(1);
  });
});

describe('Teams fixtures', () => {
  it('dispatch through TeamsActivityHandler the way Teams payloads do', async () => {
    const connector = await connectorFake();
    const seen: string[] = [];
    class Probe extends TeamsActivityHandler {
      constructor() {
        super();
        this.onTeamsMembersAddedEvent(async (members, team, ctx, next) => {
          seen.push(`installed:${members.some((m) => m.id === ctx.activity.recipient.id)}:${team.name}`);
          await next();
        });
        this.onMessage(async (ctx, next) => {
          seen.push(`message:${TurnContext.removeRecipientMention(ctx.activity)?.trim()}`);
          await next();
        });
      }
      protected override async onAdaptiveCardInvoke(_ctx: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
        seen.push(`execute:${value.action.verb}:${JSON.stringify(value.action.data)}`);
        return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard', version: '1.5', body: [] } };
      }
      protected override async handleTeamsTaskModuleFetch(_ctx: TurnContext, req: TaskModuleRequest): Promise<TaskModuleResponse> {
        seen.push(`fetch:${(req.data as { action: string }).action}`);
        return { task: { type: 'message', value: 'fetched' } };
      }
      protected override async handleTeamsTaskModuleSubmit(_ctx: TurnContext, req: TaskModuleRequest): Promise<TaskModuleResponse> {
        seen.push(`submit:${(req.data as { reply: string }).reply}`);
        return { task: { type: 'message', value: 'submitted' } };
      }
    }
    const bot = new Probe();
    const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
    const app = express();
    app.use(express.json());
    app.post('/api/messages', (req, res) => adapter.process(req, res, (ctx) => bot.run(ctx)));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/messages`;
    const deliver = async (name: string) => {
      const activity = JSON.parse(readFileSync(new URL(`./fixtures/teams/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
      const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...activity, serviceUrl: connector.url }) });
      return { status: res.status, body: await res.text() };
    };

    expect((await deliver('conversationUpdate.installed.json')).status).toBe(200);
    expect((await deliver('message.channel.json')).status).toBe(200);
    expect((await deliver('invoke.adaptiveCard-action.json')).status).toBe(200);
    expect(JSON.parse((await deliver('invoke.task-fetch.json')).body)).toEqual({ task: { type: 'message', value: 'fetched' } });
    expect((await deliver('invoke.task-submit.json')).status).toBe(200);
    expect(seen).toEqual([
      'installed:true:Customer Care',
      'message:metrics today',
      'execute:case.claim:{"caseId":"case-1","version":1}',
      'fetch:case.draft',
      'submit:Sorry about that! Please DM us your account number.',
    ]);
  });
});
