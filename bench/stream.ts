/**
 * `npm run bench:stream`: mention → card latency over X's filtered stream, against polling
 * at its fastest allowed interval (5 s), in the same run, with the real server (in process),
 * the fake X (filtered stream and recent search) and the fake Slack.
 *
 * POSTS mentions (default 1,000) are posted at RATE per second (default 5) in each run; a
 * card is timed from the moment the post is added to the fake X to the moment the fake
 * Slack has the card (checked every 10 ms). Slack's own posting pace is lifted (1 ms between
 * posts) so the figures measure listening and screening, not Slack's one post per second.
 * Reported: p50/p95/p99 (ms) for each run and the ratio of the stream's figures to
 * polling's. Target: stream p95 ≤ 1 s on a quiet machine. The last line is one JSON object.
 *
 * The default rate is what one instance screens and posts as cards steadily on SQLite on
 * a small machine; above it (20 a second, measured while writing this) the inbox and the
 * card deliveries queue up and the latency measured is theirs, not the stream's.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PENDING } from '../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../src/config/load-config.js';
import { runListen } from '../src/jobs/run-listen.js';
import { startEarshot, type Earshot } from '../src/server/earshot.js';
import { createXClients } from '../src/sources/twitter/twitter-client.js';
import { TwitterSource } from '../src/sources/twitter/twitter-source.js';
import { TwitterStream } from '../src/sources/twitter/twitter-stream.js';
import { createLogger } from '../src/util/logger.js';
import { startFakeSlack, type FakeSlack } from '../tests/fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../tests/fakes/fake-x.js';

const POSTS = Number(process.env.POSTS ?? 1000);
const RATE = Number(process.env.RATE ?? 5);
const POLL_MS = 5000;
const CARE = 'C0BENCH001';
const QUERY = '@acme -is:retweet';

const config = (mode: 'poll' | 'stream') => parseConfig(`
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-bench, network: x, mode: ${mode}, queries: ['${QUERY}'], interval: 5s, maxPages: 20 }
groups:
  - { id: care, slack: { channel: ${CARE} } }
routing: { fallback: care }
# Every post of a burst must make its own card here; near-identical ones would fold.
duplicates: { enabled: false }
storm: { enabled: false }
`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function run(mode: 'poll' | 'stream'): Promise<{ p50: number; p95: number; p99: number; cards: number }> {
  const slack: FakeSlack = await startFakeSlack();
  const x: FakeX = await startFakeX({ me: { username: 'acme' }, streamKeepAliveMs: 1000, rateLimits: { 'GET /2/tweets/search/recent': { limit: 100_000, windowSec: 900 } } });
  const { read } = createXClients({ bearerToken: 'bench' }, x.url);
  const source = new TwitterSource({ name: 'x-bench', queries: [QUERY], maxPages: 20, ownHandles: ['acme'], read: read! });
  const stream = new TwitterStream({ name: 'x-bench', queries: [QUERY], ownHandles: ['acme'], read: read! });
  const dir = mkdtempSync(join(tmpdir(), `earshot-bench-stream-${mode}-`));
  const app: Earshot = await startEarshot({
    config: config(mode),
    env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(dir, 'b.sqlite')}`, PORT: '0', HOST: '127.0.0.1' }),
    log: createLogger('silent'),
    sources: new Map([['x-bench', source]]),
    ...(mode === 'stream' ? { streams: new Map([['x-bench', stream]]) } : {}),
    schedule: false,
    outboxIntervalMs: 10,
    rateLimits: { 'slack.post': { minTimeMs: 1, maxConcurrent: 16, inFlight: 16 }, 'slack.update': { minTimeMs: 1 }, 'slack.read': { minTimeMs: 1 } },
  });
  // Polling: a listening tick every 5 s (the shortest interval the config allows), as the scheduler runs it.
  let polling: NodeJS.Timeout | undefined;
  if (mode === 'poll') {
    const tick = async () => {
      const r = await runListen({ store: app.store, source, instanceId: 'bench', intervalMs: 0 });
      if (r.added > 0) await app.processInbox();
    };
    await tick();
    polling = setInterval(() => { void tick(); }, POLL_MS);
  } else {
    while (!app.streams.status().get('x-bench')?.connected || app.streams.status().get('x-bench')!.gapFills < 1) await sleep(20);
  }
  const postedAt = new Map<number, number>();
  const seenAt = new Map<number, number>();
  let scanned = 0;
  // The fake's call log, read from where the last look stopped: a card counts once the fake
  // has answered its chat.postMessage. (Rendering the channel's messages every 10 ms costs
  // time in proportion to the cards already there, and at 1,000 cards it starved the server
  // running in this same process: that was the stall after a few hundred posts.)
  const watcher = setInterval(() => {
    const calls = slack.calls;
    for (; scanned < calls.length; scanned++) {
      const c = calls[scanned]!;
      if (!c.answer) break;
      if (c.method !== 'chat.postMessage' || c.answer.ok !== true || c.args.channel !== CARE) continue;
      const m = /benchmark post (\d+) /.exec(JSON.stringify(c.args.blocks ?? c.args.text));
      if (m && !seenAt.has(Number(m[1]))) seenAt.set(Number(m[1]), performance.now());
    }
  }, 10);
  const start = performance.now();
  for (let i = 0; i < POSTS; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    x.addTweet({ text: `@acme benchmark post ${i} about my delayed booking`, author: `bench${i}` });
    postedAt.set(i, performance.now());
  }
  const deadline = performance.now() + 60_000;
  while (seenAt.size < POSTS && performance.now() < deadline) await sleep(50);
  clearInterval(watcher);
  if (polling) clearInterval(polling);
  const backlog = { outbox: await app.outbox.depth(), inbox: await app.store.zCard(PENDING) };
  await app.stop();
  await slack.close();
  await x.close();
  const lat = [...seenAt.entries()].map(([i, t]) => t - postedAt.get(i)!).sort((a, b) => a - b);
  if (lat.length < POSTS) throw new Error(`${mode}: only ${lat.length} of ${POSTS} posts became cards within a minute (still waiting: ${JSON.stringify(backlog)})`);
  return { p50: Math.round(pct(lat, 50)), p95: Math.round(pct(lat, 95)), p99: Math.round(pct(lat, 99)), cards: lat.length };
}

const only = process.env.ONLY;
const poll = only === 'stream' ? { p50: 0, p95: 0, p99: 0, cards: 0 } : await run('poll');
console.log(`polling every ${POLL_MS / 1000} s: p50 ${poll.p50} ms, p95 ${poll.p95} ms, p99 ${poll.p99} ms (${poll.cards} cards)`);
const stream = await run('stream');
console.log(`filtered stream:     p50 ${stream.p50} ms, p95 ${stream.p95} ms, p99 ${stream.p99} ms (${stream.cards} cards)`);
const ratio = (a: number, b: number) => Math.round((a / Math.max(1, b)) * 1000) / 1000;
console.log(JSON.stringify({
  bench: 'stream', posts: POSTS, ratePerSecond: RATE,
  streamP50Ms: stream.p50, streamP95Ms: stream.p95, streamP99Ms: stream.p99,
  pollP50Ms: poll.p50, pollP95Ms: poll.p95, pollP99Ms: poll.p99,
  p50VsPoll: ratio(stream.p50, poll.p50), p95VsPoll: ratio(stream.p95, poll.p95), p99VsPoll: ratio(stream.p99, poll.p99),
  targetP95Ms: 1000, targetMet: stream.p95 <= 1000,
}));
process.exit(0);
