/**
 * Proves the fake vendor servers against the real SDKs: @slack/web-api (through @slack/bolt),
 * twitter-api-v2 and botbuilder. If these pass, a test that points Earshot at a fake is
 * exercising the same wire protocol the vendor speaks.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { App, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
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
    cleanups.push(() => receiver.client.disconnect());
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
    cleanups.push(() => app.stop());
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
