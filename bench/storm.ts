/**
 * `npm run bench:storm`: a viral storm against the real bot (in process) and a fake Slack
 * that enforces Slack's limits (one post per second per channel with a burst of 3,
 * chat.update 50 per minute).
 *
 * 10,000 mentions over 10 minutes into 4 groups: a quiet start, a viral peak, a long tail.
 * Time is compressed by SCALE (default 4: the 10 minutes take 2.5): every interval of the
 * bot (storm window, calm time, card refresh budget) and every limit (the fake's and the
 * bot's) is scaled by the same factor, and the figures are reported in un-scaled seconds.
 *
 * Reported:
 * - lostMentions: mentions that never became visible in a channel (own card, or counted on
 *   a storm card) — must be 0;
 * - unhandled429s: rate-limited calls that were not retried to success (dead letters) — must
 *   be 0; slack429s counts every 429 the fake sent;
 * - maxIngestToVisibleS: the longest time from ingest (recorded in the inbox) to visible
 *   (target ≤ 60 s);
 * - postRateUseWhileBacklog: posts made per channel while that channel had posts waiting,
 *   as a share of what Slack allows (target ≥ 0.9).
 *
 * Then the same storm against two instances on one PostgreSQL (RUN=both, the default; RUN=single
 * or RUN=two runs one of them): the instances share Slack's limits through the store, so
 * `twoInstancesPostgresSlack429s` (every 429 the fake sent them) must be 0; the run's other
 * figures are under `twoInstancesPostgres`.
 * The last line is one JSON object.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordPoll } from '../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../src/config/load-config.js';
import type { Mention } from '../src/domain/mention.js';
import type { OutboxItem } from '../src/outbox/outbox.js';
import pg from 'pg';
import { startEarshot, type Earshot } from '../src/server/earshot.js';
import { createLogger } from '../src/util/logger.js';
import { startFakeSlack } from '../tests/fakes/fake-slack.js';
import { mulberry32 } from '../tests/fakes/misbehave.js';

const SCALE = Number(process.env.SCALE ?? 4);
const TOTAL = Number(process.env.MENTIONS ?? 10_000);
const SPAN_S = 600;
const SEED = Number(process.env.SEED ?? 7);
const CHANNELS = ['C0STORM001', 'C0STORM002', 'C0STORM003', 'C0STORM004'];
const GROUPS = ['bags', 'pay', 'app', 'seat'];
const WEIGHTS = [0.45, 0.3, 0.15, 0.1];
const WORDS: Record<string, string[]> = { bags: ['bag', 'suitcase'], pay: ['refund', 'charge'], app: ['app', 'login'], seat: ['seat', 'upgrade'] };

const s = (ms: number) => `${Math.max(100, Math.round(ms / SCALE))}ms`;
const CONFIG = `
brand: { name: Acme }
sources:
  - { name: bench, network: demo, queries: ['@acme'], interval: 5s, enabled: false }
groups:
${GROUPS.map((g, i) => `  - { id: ${g}, name: ${g}, slack: { channel: ${CHANNELS[i]} } }`).join('\n')}
routing:
  fallback: bags
  rules:
${GROUPS.flatMap((g) => WORDS[g]!.map((w) => `    - { name: ${g}-${w}, when: { keywords: [${w}] }, then: { route: ${g}, tag: [${w}] } }`)).join('\n')}
    - { name: legal, when: { keywords: [lawyer] }, then: { priority: urgent } }
storm: { window: ${s(60_000)}, calm: ${s(120_000)}, updateEvery: ${s(10_000)} }
# Storm mode is measured here; its burst's posts are alike, so near-duplicate folding is off.
duplicates: { enabled: false }
limits: { slack: { postsPerSecond: ${SCALE}, updatesPerMinute: ${50 * SCALE} } }
templates:
  - { id: sorry, name: Sorry, text: "Hi {{author.name}}, we are on it." }
`;

/** Mentions per second of the 10 minutes: a quiet start, a viral peak near minute 4, a tail. */
function schedule(): number[] {
  const shape = Array.from({ length: SPAN_S }, (_, t) => 1 + 40 * Math.exp(-(((t - 240) / 100) ** 2)));
  const sum = shape.reduce((a, b) => a + b, 0);
  const counts = shape.map((v) => Math.floor((v / sum) * TOTAL));
  let left = TOTAL - counts.reduce((a, b) => a + b, 0);
  for (let i = 240; left > 0; i = (i + 1) % SPAN_S, left--) counts[i]! += 1;
  return counts;
}

/** One storm against `instances` bots sharing one store; the figures of that run. */
async function run(storeUrl: string, instances: number): Promise<Record<string, unknown>> {
  const rng = mulberry32(SEED);
  const slack = await startFakeSlack({ rateLimits: { postMessage: { perSecond: SCALE, burst: 3 }, update: { perMinute: 50 * SCALE } } });
  const dir = mkdtempSync(join(tmpdir(), 'earshot-bench-storm-'));
  const url = storeUrl.startsWith('sqlite') ? `sqlite://${join(dir, 'bench.sqlite')}` : storeUrl;
  const namespace = `bench_storm_${process.pid}_${instances}`;
  const apps: Earshot[] = [];
  for (let i = 0; i < instances; i++) {
    apps.push(await startEarshot({
      config: parseConfig(CONFIG),
      env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: 'bench', SLACK_API_URL: slack.url, STORE_URL: url, STORE_NAMESPACE: namespace, PORT: '0', HOST: '127.0.0.1', INSTANCE_ID: `bench-${i}` }),
      log: createLogger(process.env.LOG_LEVEL ?? 'silent'),
      sources: new Map(),
      schedule: false,
      outboxIntervalMs: 50,
    }));
  }
  // Every instance works the one store; the first is the one read from.
  const app = apps[0]!;
  const processAll = () => Promise.all(apps.map((a) => a.processInbox())).then(() => undefined);

  // Observe the channel as a person would: when did each case card appear, and when did a
  // storm card first show a count that includes a given member?
  const t0 = Date.now();
  const ingestAt = new Map<string, number>();
  const cardSeen = new Map<string, number>();
  const stormSeen = new Map<string, Array<{ at: number; count: number }>>();
  const postAt: Array<{ ch: string; at: number }> = [];
  let seenCalls = 0;
  const backlog: Record<string, Array<[number, number]>> = Object.fromEntries(CHANNELS.map((c) => [c, []]));
  const caseChannel = new Map<string, string>();
  // Reads only the calls that arrived since the last look (rendering every channel each
  // time would cost the bot the CPU it is being measured on).
  const observe = () => {
    const now = Date.now();
    const calls = slack.calls;
    for (; seenCalls < calls.length; seenCalls++) {
      const c = calls[seenCalls]!;
      if (c.fault || (c.method !== 'chat.postMessage' && c.method !== 'chat.update')) continue;
      if (c.method === 'chat.postMessage' && c.args.channel) postAt.push({ ch: String(c.args.channel), at: now });
      const md = c.args.metadata as { event_type?: string; event_payload?: Record<string, unknown> } | undefined;
      if (md?.event_type === 'earshot_case' && c.method === 'chat.postMessage') {
        const id = String(md.event_payload?.case_id);
        if (!cardSeen.has(id)) cardSeen.set(id, now);
      } else if (md?.event_type === 'earshot_storm') {
        const id = String(md.event_payload?.storm_id);
        const count = Number(md.event_payload?.count ?? 0);
        const list = stormSeen.get(id) ?? [];
        if (!list.length || list[list.length - 1]!.count < count) list.push({ at: now, count });
        stormSeen.set(id, list);
      }
    }
  };
  const observer = setInterval(observe, 50);

  // Backlog: post-type items waiting in the outbox per channel.
  const itemCache = new Map<number, OutboxItem>();
  const sampleBacklog = async () => {
    const pending = await app.store.zRangeByScore('outbox:pending', 0, 2 ** 50, 5000);
    const per: Record<string, number> = {};
    for (const { member } of pending) {
      const id = Number(member);
      let item = itemCache.get(id);
      if (!item) { item = await app.store.get<OutboxItem>(`outbox:item:${id}`); if (item) itemCache.set(id, item); }
      if (!item) continue;
      let ch: string | undefined;
      if (item.kind === 'card.post' || item.kind === 'storm.post') ch = String(item.payload.target);
      else if (item.kind === 'thread.note') {
        const caseId = String(item.payload.caseId);
        ch = caseChannel.get(caseId);
        if (!ch) {
          const c = await app.cases.get(caseId);
          const v = c?.views[0];
          if (v?.platform === 'slack') { ch = v.channel; caseChannel.set(caseId, ch); }
        }
      }
      if (ch) per[ch] = (per[ch] ?? 0) + 1;
    }
    const now = Date.now();
    for (const ch of CHANNELS) backlog[ch]!.push([now, per[ch] ?? 0]);
  };
  let sampling = true;
  const sampler = (async () => { while (sampling) { await sampleBacklog().catch(() => undefined); await new Promise((r) => setTimeout(r, 200)); } })();

  // Feed the mentions on the compressed clock; the inbox is processed as the bot does.
  const counts = schedule();
  let n = 0;
  const mentionsFor = (count: number): Mention[] => Array.from({ length: count }, () => {
    const g = (() => { let x = rng(); for (let i = 0; i < 4; i++) { x -= WEIGHTS[i]!; if (x < 0) return i; } return 3; })();
    const group = GROUPS[g]!;
    const word = WORDS[group]![Math.floor(rng() * 2)]!;
    const mood = rng();
    const text = mood < 0.2 ? `@acme my ${word} is a disaster, terrible service, awful` : mood < 0.21 ? `@acme my ${word}: calling my lawyer` : `@acme question about my ${word} #${n}`;
    const id = String(10_000_000 + n++);
    const followers = Math.floor(10 ** (1 + rng() * 4.5));
    return { network: 'demo', source: 'bench', id, text, createdAt: new Date().toISOString(), url: `https://example.invalid/post/${id}`, author: { id: `a${Math.floor(rng() * 5000)}`, handle: `user${id}`, name: `User ${id}`, followers, verified: followers > 200_000 }, isRepost: false, isQuote: false };
  });
  let processing: Promise<void> = Promise.resolve();
  for (let sec = 0; sec < SPAN_S; sec++) {
    const due = t0 + (sec * 1000) / SCALE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const batch = mentionsFor(counts[sec]!);
    await recordPoll(app.store, 'bench', { mentions: batch, cursor: String(n), requests: 1 });
    const at = Date.now();
    for (const m of batch) ingestAt.set(`demo:${m.id}`, at);
    processing = processAll();
  }
  await processing;
  const feedEnd = Date.now();
  // Let the outbox finish (case cards, storm cards, the last refreshes).
  const settleBy = Date.now() + 120_000 / SCALE + 30_000;
  while (Date.now() < settleBy) {
    await processAll();
    if ((await app.outbox.depth()) === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 500));
  observe();
  sampling = false;
  await sampler;
  clearInterval(observer);

  // Where each mention went, and when it became visible.
  const visibleAt = new Map<string, number>();
  const seqs = new Map<string, Map<string, number>>();
  const seqOf = async (stormId: string, caseId: string) => {
    let m = seqs.get(stormId);
    if (!m) {
      m = new Map((await app.store.zRangeByScore(`storm:${stormId}:members`, 0, Number.MAX_SAFE_INTEGER, 1_000_000)).map((x) => [x.member, x.score]));
      seqs.set(stormId, m);
    }
    return m.get(caseId);
  };
  let lost = 0;
  let inCards = 0;
  let inStorms = 0;
  for (const [key, at] of ingestAt) {
    const caseId = await app.store.get<string>(`mention-case:${key}`);
    const place = caseId ? await app.store.get<{ kind: string; stormId?: string }>(`case-place:${caseId}`) : undefined;
    let seen: number | undefined;
    if (place?.kind === 'storm') {
      const seq = await seqOf(place.stormId!, caseId!);
      seen = seq === undefined ? undefined : stormSeen.get(place.stormId!)?.find((v) => v.count >= seq)?.at;
      if (seen) inStorms += 1;
    } else if (caseId) {
      seen = cardSeen.get(caseId);
      if (seen) inCards += 1;
    }
    if (seen === undefined) lost += 1;
    else visibleAt.set(key, (seen - at) * SCALE);
  }
  const latencies = [...visibleAt.values()].sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! / 1000 : 0);

  // Post rate while a channel had posts waiting (two or more: one may be in flight).
  let backlogMs = 0;
  let backlogPosts = 0;
  for (const ch of CHANNELS) {
    const samples = backlog[ch]!;
    for (let i = 0; i + 1 < samples.length; i++) {
      const [a, depth] = samples[i]!;
      const b = samples[i + 1]![0];
      if (depth < 2) continue;
      backlogMs += b - a;
      backlogPosts += postAt.filter((p) => p.ch === ch && p.at > a && p.at <= b).length;
    }
  }
  const allowed = (backlogMs / 1000) * SCALE;
  const dead = await app.outbox.deadLetters();
  const slack429s = Object.values(slack.sent429).reduce((x, y) => x + y, 0);
  const storms = [...stormSeen.keys()].length;
  const result = {
    instances,
    mentions: TOTAL,
    groups: GROUPS.length,
    scale: SCALE,
    store: url.split(':')[0],
    lostMentions: lost,
    unhandled429s: dead,
    slack429s,
    maxIngestToVisibleS: Number(pct(1).toFixed(1)),
    p50IngestToVisibleS: Number(pct(0.5).toFixed(1)),
    p99IngestToVisibleS: Number(pct(0.99).toFixed(1)),
    postRateUseWhileBacklog: allowed > 0 ? Number((backlogPosts / allowed).toFixed(3)) : null,
    backlogSeconds: Number(((backlogMs / 1000) * SCALE).toFixed(1)),
    ownCards: inCards,
    foldedIntoStorms: inStorms,
    stormCards: storms,
    slackPosts: slack.callsTo('chat.postMessage').length,
    slackUpdates: slack.callsTo('chat.update').length,
    feedSeconds: Number((((feedEnd - t0) / 1000) * SCALE).toFixed(0)),
    wallSeconds: Number(((Date.now() - t0) / 1000).toFixed(0)),
  };
  for (const a of apps) await a.stop();
  await slack.close();
  await dropNamespace(url, namespace);
  return result;
}

/** Removes what a run left in a shared server (a SQLite run's file is in its temporary folder). */
async function dropNamespace(url: string, namespace: string): Promise<void> {
  if (url.startsWith('postgres')) {
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      for (const t of ['sets', 'zsets', 'counters', 'seqs', 'leases', 'limits']) await db.query(`DROP TABLE IF EXISTS "${namespace}_${t}"`);
      await db.query('DELETE FROM public.keyv WHERE key LIKE $1', [`${namespace}:%`]);
    } finally {
      await db.end();
    }
  }
}

/**
 * RUN=single: one instance on STORE_URL (default Redis), as this bench always ran;
 * RUN=two: two instances on one PostgreSQL (PG_URL), whose shared limits must keep the
 * pair within Slack's (target: 0 429s); RUN=both (default): both, one after the other.
 */
async function main(): Promise<void> {
  const which = process.env.RUN ?? 'both';
  if (!['both', 'single', 'two'].includes(which)) throw new Error(`RUN must be both, single or two, not ${which}`);
  const single = which === 'two' ? undefined : await run(process.env.STORE_URL ?? 'redis://127.0.0.1:6379', 1);
  const two = which === 'single' ? undefined : await run(process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres', 2);
  const out = {
    bench: 'storm',
    ...(single ?? {}),
    ...(two ? { twoInstancesPostgres: two, twoInstancesPostgresSlack429s: two.slack429s } : {}),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
