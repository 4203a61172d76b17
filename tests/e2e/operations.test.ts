import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { blockActionsPayload, signSlack, slackRequest, slashCommandBody, type SlackRequester } from '../helpers/slack-signing.js';
import { startBot, tempDir, waitFor, writeConfig, type BotProcess } from './support/bot-process.js';
import { textsOfType } from './support/slack-card.js';

const SECRET = 'ops-signing-secret-0123456789';
const BOT_TOKEN = 'xoxb-ops-secret-token-98765';
const X_SECRETS = { X_BEARER_TOKEN: 'bearer-ops-secret-4242', X_API_KEY: 'xkey-ops-1111', X_API_SECRET: 'xsecret-ops-2222', X_ACCESS_TOKEN: 'xaccess-ops-3333', X_ACCESS_SECRET: 'xaccesssecret-ops-4444' };
const CARE = 'C0OPS00001';
const AGENT = 'U0AGENT001';

const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-mentions, network: x, queries: ['@acme'], interval: 5s, budget: { perWindow: 40, window: 15m, perMonth: 10000 } }
groups:
  - { id: care, name: Care, slack: { channel: ${CARE} } }
routing: { fallback: care }
limits: { slack: { postsPerSecond: 20, updatesPerMinute: 600 } }
`;

const PING = /<[!@#]|<https?:|<mailto:/i;
const mrkdwnTexts = (m: SlackMessage | undefined): string[] => textsOfType(m?.blocks, 'mrkdwn');

/** The text runs of a message's rich text blocks (the post on a card). */
const richRuns = (m: SlackMessage | undefined): string[] =>
  textsOfType(((m?.blocks ?? []) as Array<Record<string, unknown>>).filter((b) => b.type === 'rich_text'), 'text');

/** Sends a body with Transfer-Encoding: chunked (no Content-Length). */
function chunked(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.write(body);
    req.end();
  });
}

describe('operations: health, metrics, budget, hostile input, secrets, graceful shutdown', () => {
  let slack: FakeSlack;
  let x: FakeX;
  let bot: BotProcess;
  let send: SlackRequester;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [AGENT]: { name: 'alice', realName: 'Alice Agent' } } });
    x = await startFakeX({ me: { username: 'acme' } });
    dir = tempDir('ops');
    env = {
      EARSHOT_CONFIG: writeConfig(dir, CONFIG),
      SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
      ...X_SECRETS, X_API_URL: x.url,
      STORE_URL: `sqlite://${join(dir, 'earshot.sqlite')}`,
      // Debug logs: the most talkative level must still leak nothing.
      LOG_LEVEL: 'debug',
    };
    bot = await startBot({ cwd: dir, env });
    send = slackRequest(`${bot.url}/slack/events`, SECRET);
  });

  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await slack?.close();
    await x?.close();
  });

  const cards = () => slack.channel(CARE).messages().filter((m) => m.metadata?.event_type === 'earshot_case');

  it('answers /healthz, /readyz (store and Slack reachable) and /metrics in Prometheus format', async () => {
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${bot.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { store: boolean; chat: Record<string, boolean>; draining: boolean };
    expect(body.store).toBe(true);
    expect(body.chat.slack).toBe(true);
    expect(body.draining).toBe(false);
    // Slack's auth.test is cached: a burst of probes asks Slack once.
    const before = slack.callsTo('auth.test').length;
    await Promise.all([1, 2, 3, 4, 5].map(() => fetch(`${bot.url}/readyz`)));
    expect(slack.callsTo('auth.test').length - before).toBe(0);

    x.addTweet({ text: '@acme where is my refund?', author: 'payer' });
    await waitFor('the first card', () => cards().length >= 1, 15_000);
    // Recorded once the delivery is done (just after the card shows).
    const text = await waitFor('the delivery in /metrics', async () => {
      const t = await (await fetch(`${bot.url}/metrics`)).text();
      return /earshot_deliveries_total\{kind="card.post"\} [1-9]/.test(t) ? t : undefined;
    });
    expect((await fetch(`${bot.url}/metrics`)).headers.get('content-type')).toContain('text/plain');
    for (const name of ['earshot_outbox_depth', 'earshot_outbox_dead_letters', 'earshot_rate_limited_total', 'earshot_delivery_latency_seconds_bucket', 'earshot_job_last_success_timestamp_seconds', 'earshot_source_budget_remaining', 'earshot_storm_groups']) {
      expect(text, name).toContain(name);
    }
    expect(text).toMatch(/earshot_deliveries_total\{kind="card.post"\} [1-9]/);
    expect(text).toMatch(/earshot_job_last_success_timestamp_seconds\{job="listen-x-mentions"\} \d{10}/);
    expect(text).toMatch(/earshot_source_budget_remaining\{source="x-mentions",period="window"\} (3\d|40)/);
  });

  it('says how much X budget is left: /earshot budget', async () => {
    const responseUrl = slack.responseUrl();
    const r = await send.command(slashCommandBody({ user: AGENT, channel: CARE, text: 'budget', command: '/earshot', responseUrl }));
    expect(r.status).toBe(200);
    const answer = await waitFor('the budget answer', () => slack.responses(responseUrl)[0]);
    const text = String(answer.body.text);
    expect(text).toMatch(/x-mentions \(x\): \d+ of 40 requests left in this window/);
    expect(text).toMatch(/of 10000 left this month/);
  });

  it('renders crafted mentions as text: no ping, no live link, no bidi tricks, 10 kB clipped', async () => {
    const hostile = [
      '@acme <!channel> <!here> hello <@U024BE7LH>',
      '@acme <https://evil.example|https://acme.example/refund> click',
      '@acme [click](https://evil.example) **bold** <at>Everyone</at>',
      '@acme bidi \u202Egnp.exe\u202C zero\u200Bwidth \uD800 broken',
      `@acme ${'long '.repeat(2000)}`,
    ];
    for (const text of hostile) x.addTweet({ text, author: `h${hostile.indexOf(text)}` });
    await waitFor('five more cards', () => cards().length >= 6, 20_000);
    for (const m of cards()) {
      for (const t of mrkdwnTexts(m)) {
        const withoutOurLinks = t.replace(/<https:\/\/x\.com\/i\/web\/status\/\d+\|[^>]*>/g, '');
        expect(withoutOurLinks).not.toMatch(PING);
        expect(t).not.toMatch(/[\u202A-\u202E\u200B]/);
        expect(t.length).toBeLessThanOrEqual(3000);
      }
    }
    // The posts are rich text, which Slack never parses: shown as written, with no mention or link elements.
    for (const m of cards()) {
      expect(JSON.stringify(m.blocks)).not.toMatch(/"type":"(broadcast|user|link|channel|usergroup)"/);
      for (const t of richRuns(m)) {
        expect(t).not.toMatch(/[\u202A-\u202E\u200B]/);
        expect(t.length).toBeLessThanOrEqual(2000);
      }
    }
    const all = cards().flatMap(richRuns).join('\n');
    expect(all).toContain('<!channel> <!here> hello <@U024BE7LH>');
    expect(all).toContain('<https://evil.example|https://acme.example/refund>');
    expect(all).toContain('**bold**');
  });

  it('refuses forged, stale, replayed, oversized and length-less requests', async () => {
    const m = cards()[0]!;
    const payload = blockActionsPayload({ user: AGENT, channel: CARE, messageTs: m.ts, actionId: 'case.claim', value: 'nope@0' });
    expect((await send.interactive(payload, { signWith: 'forged-secret' })).status).toBe(401);
    expect((await send.interactive(payload, { ts: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    // The same signed request twice: the second is a replay.
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(body, SECRET) };
    expect((await fetch(`${bot.url}/slack/events`, { method: 'POST', headers, body })).status).toBe(200);
    const replay = await fetch(`${bot.url}/slack/events`, { method: 'POST', headers, body });
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain('replayed_request');
    // Oversized: refused from the header, and answered even while the body is still coming.
    const big = 'x'.repeat(1_200_000);
    expect((await send.raw(big, 'application/json')).status).toBe(413);
    expect(await chunked(`${bot.url}/slack/events`, '{"type":"url_verification"}')).toBe(411);
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  });

  it('never writes a token or secret to its logs', async () => {
    const out = bot.output();
    expect(out.length).toBeGreaterThan(1000);
    for (const secret of [BOT_TOKEN, SECRET, ...Object.values(X_SECRETS)]) expect(out, `log leaks ${secret.slice(0, 8)}…`).not.toContain(secret);
    expect(out).not.toContain('unhandled rejection');
  });

  it('on SIGTERM finishes the delivery under way, says it is draining, exits 0, and nothing is lost or repeated', async () => {
    // The next card post will be slow; stop the bot while it is in flight.
    slack.faults.schedule('chat.postMessage', { kind: 'slow', ms: 1500 });
    const posts = slack.callsTo('chat.postMessage').length;
    x.addTweet({ text: '@acme my flight was cancelled', author: 'late' });
    await waitFor('the slow post to start', () => slack.callsTo('chat.postMessage').length > posts, 15_000);
    const t0 = Date.now();
    bot.child.kill('SIGTERM');
    const ready = await fetch(`${bot.url}/readyz`).catch(() => undefined);
    if (ready) expect(ready.status).toBe(503);
    expect(await bot.exited).toBe(0);
    const stopMs = Date.now() - t0;
    expect(bot.output()).toContain('shutting down');
    // The in-flight card landed, and the restarted bot does not post it again.
    const late = () => cards().filter((c) => richRuns(c).join('').includes('my flight was cancelled'));
    expect(late()).toHaveLength(1);
    bot = await startBot({ cwd: dir, env });
    await new Promise((r) => setTimeout(r, 6000));
    expect(late()).toHaveLength(1);
    const ids = cards().map((c) => (c.metadata!.event_payload as { case_id: string }).case_id);
    expect(new Set(ids).size).toBe(ids.length);
    console.log(`graceful stop took ${stopMs} ms with a 1500 ms delivery in flight`);
  }, 60_000);
});
