/**
 * `npm run bench:ack`: how fast Earshot acknowledges a Claim click, next to a bare Bolt app
 * that does nothing but ack, measured in the same run against the same fake Slack.
 *
 * Slack shows the user an error when the HTTP answer to a click takes more than 3 s, so
 * the fake Slack Web API answers every call 2 s late while the clicks are measured: a
 * handler that called Slack before acking would miss the deadline. Each round sends 20
 * signed Claim clicks at once (each on its own case) to Earshot, then 20 to the bare app;
 * the figures are over every round. The last line is one JSON object.
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';
import { recordPoll } from '../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../src/config/load-config.js';
import type { Mention } from '../src/domain/mention.js';
import { startEarshot } from '../src/server/earshot.js';
import { createLogger } from '../src/util/logger.js';
import { startFakeSlack } from '../tests/fakes/fake-slack.js';
import { blockActionsPayload, slackRequest } from '../tests/helpers/slack-signing.js';

const ROUNDS = Number(process.env.ROUNDS ?? 21);
const CONCURRENCY = 20;
const SECRET = 'bench-ack-secret';
const CHANNEL = 'C0ACKBENCH';
const CONFIG = `
brand: { name: Acme }
sources:
  - { name: bench, network: demo, queries: ['@acme'], enabled: false }
groups:
  - { id: care, slack: { channel: ${CHANNEL} } }
routing: { fallback: care }
storm: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
`;

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]!; };
const r1 = (n: number) => Math.round(n * 10) / 10;

async function main(): Promise<void> {
  const slack = await startFakeSlack();
  const dir = mkdtempSync(join(tmpdir(), 'earshot-bench-ack-'));
  const app = await startEarshot({
    config: parseConfig(CONFIG),
    env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(dir, 'ack.sqlite')}`, PORT: '0', HOST: '127.0.0.1' }),
    log: createLogger('silent'),
    sources: new Map(),
    schedule: false,
  });

  // The bare app: Bolt on its own express server, acking every action and nothing else.
  const receiver = new ExpressReceiver({ signingSecret: SECRET, endpoints: '/slack/events', processBeforeResponse: false });
  const bare = new App({ token: 'xoxb-bare', receiver, logLevel: LogLevel.ERROR, deferInitialization: true, clientOptions: { slackApiUrl: slack.url } });
  bare.action(/.*/, async ({ ack }) => { await ack(); });
  await bare.init();
  const bareServer = await new Promise<ReturnType<typeof receiver.app.listen>>((resolve) => { const s = receiver.app.listen(0, '127.0.0.1', () => resolve(s)); });
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/slack/events`;

  // Cases to claim: one per click.
  const total = ROUNDS * CONCURRENCY;
  const mentions: Mention[] = Array.from({ length: total }, (_, i) => ({
    network: 'demo', source: 'bench', id: String(5_000_000 + i), text: `@acme help #${i}`, createdAt: new Date().toISOString(),
    url: `https://example.invalid/${i}`, author: { id: `a${i}`, handle: `u${i}`, name: `U ${i}`, followers: 10, verified: false }, isRepost: false, isQuote: false,
  }));
  await recordPoll(app.store, 'bench', { mentions, cursor: 'x', requests: 0 });
  await app.processInbox();
  const cards = () => slack.channel(CHANNEL).messages().filter((m) => m.metadata?.event_type === 'earshot_case');
  while (cards().length < total) await new Promise((r) => setTimeout(r, 100));
  const buttons = cards().map((m) => {
    const actions = (m.blocks as Array<Record<string, any>>).find((b) => b.type === 'actions');
    const claim = (actions?.elements as Array<{ action_id: string; value: string }>).find((e) => e.action_id === 'case.claim')!;
    return { ts: m.ts, value: claim.value };
  });

  // From now on every Slack API call takes 2 s.
  slack.faults.setRandom({ fraction: 1, mix: [{ kind: 'slow', ms: 2000 }], seed: 1 });
  const earshotSend = slackRequest(`http://127.0.0.1:${app.port}/slack/events`, SECRET);
  const bareSend = slackRequest(bareUrl, SECRET);
  const times = { earshot: [] as number[], bare: [] as number[] };
  const statuses = new Set<number>();
  const burst = async (send: typeof earshotSend, into: number[], round: number) => {
    await Promise.all(Array.from({ length: CONCURRENCY }, async (_, i) => {
      const b = buttons[round * CONCURRENCY + i]!;
      const payload = blockActionsPayload({ user: `U0USER${String(i).padStart(4, '0')}`, channel: CHANNEL, messageTs: b.ts, actionId: 'case.claim', value: b.value, triggerId: `t-${round}-${i}-${send === bareSend ? 'b' : 'e'}` });
      const t = performance.now();
      const res = await send.interactive(payload);
      into.push(performance.now() - t);
      statuses.add(res.status);
    }));
  };
  // Round 0 warms both up (JIT, connections) and is not counted; then the order alternates.
  for (let round = 0; round < ROUNDS; round++) {
    const e = round === 0 ? [] : times.earshot;
    const b = round === 0 ? [] : times.bare;
    if (round % 2 === 0) { await burst(earshotSend, e, round); await burst(bareSend, b, round); }
    else { await burst(bareSend, b, round); await burst(earshotSend, e, round); }
  }
  // The claims were applied after the acks (the card refreshes wait on the slow Slack).
  const countClaimed = async () => (await Promise.all(buttons.map((b) => app.cases.get(String(b.value.split('@')[0]))))).filter((c) => c?.owner).length;
  const until = Date.now() + 30_000;
  let claimed = await countClaimed();
  while (claimed < total && Date.now() < until) { await new Promise((r) => setTimeout(r, 250)); claimed = await countClaimed(); }

  slack.faults.setRandom(undefined);
  await app.stop();
  await new Promise<void>((r) => bareServer.close(() => r()));
  await slack.close();
  const e50 = pct(times.earshot, 0.5);
  const e99 = pct(times.earshot, 0.99);
  const b50 = pct(times.bare, 0.5);
  const b99 = pct(times.bare, 0.99);
  process.stdout.write(`${JSON.stringify({
    bench: 'ack',
    clicks: times.earshot.length,
    concurrency: CONCURRENCY,
    slackApiDelayMs: 2000,
    earshotP50Ms: r1(e50),
    earshotP99Ms: r1(e99),
    bareBoltP50Ms: r1(b50),
    bareBoltP99Ms: r1(b99),
    ratioP50: r1(e50 / b50 * 100) / 100,
    ratioP99: r1(e99 / b99 * 100) / 100,
    maxAckMs: r1(Math.max(...times.earshot)),
    acksOver3s: times.earshot.filter((t) => t > 3000).length,
    statuses: [...statuses],
    claimsApplied: claimed,
  })}\n`);
}

await main();
