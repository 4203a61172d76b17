/**
 * Stream mode on X, end to end: the real server (startEarshot) with an X source in stream
 * mode against the fake X (filtered stream, rules, recent search) and the fake Slack. A post
 * on the stream becomes a card; a drop or a stall mid-burst is filled by recent search with
 * no miss and no duplicate; malformed lines are counted and skipped; the rules follow the
 * queries by diff; and with two instances on one PostgreSQL store, stopping the one that
 * holds the stream hands it to the other within seconds.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import { STREAM_LEASE } from '../../src/jobs/stream-job.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { createXClients } from '../../src/sources/twitter/twitter-client.js';
import { TwitterSource } from '../../src/sources/twitter/twitter-source.js';
import { TwitterStream } from '../../src/sources/twitter/twitter-stream.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { postgresBackend, uniqueNamespace } from '../store/store-backends.js';
import { waitFor } from './support/bot-process.js';
import { cardText } from './support/slack-card.js';

const CARE = 'C0STREAM01';
const QUERY = '@acme -is:retweet';
const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-live, network: x, mode: stream, queries: ['${QUERY}'], interval: 5s }
groups:
  - { id: care, slack: { channel: ${CARE} } }
routing: { fallback: care }
# Every post of a burst must make its own card here; near-identical ones would fold.
duplicates: { enabled: false }
storm: { enabled: false }
`;
const FAST = { 'slack.post': { minTimeMs: 5 }, 'slack.update': { minTimeMs: 5 }, 'slack.read': { minTimeMs: 5 } };

function xParts(x: FakeX, stallMs = 1500) {
  const { read } = createXClients({ bearerToken: 'bearer' }, x.url, { timeoutMs: 2000 });
  const source = new TwitterSource({ name: 'x-live', queries: [QUERY], maxPages: 5, ownHandles: ['acme'], read: read! });
  const stream = new TwitterStream({ name: 'x-live', queries: [QUERY], ownHandles: ['acme'], read: read!, stallMs });
  return { source, stream };
}

async function start(x: FakeX, slack: FakeSlack, storeUrl: string, namespace: string, instance: string): Promise<Earshot> {
  const { source, stream } = xParts(x);
  return startEarshot({
    config: parseConfig(CONFIG),
    env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-stream', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: slack.url, STORE_URL: storeUrl, STORE_NAMESPACE: namespace, INSTANCE_ID: instance, PORT: '0', HOST: '127.0.0.1' }),
    log: createLogger('silent'),
    sources: new Map([['x-live', source]]),
    streams: new Map([['x-live', stream]]),
    stream: { leaseMs: 2000, backoff: { networkStepMs: 50, httpBaseMs: 200, rateBaseMs: 500 } },
    schedule: false,
    outboxIntervalMs: 20,
    rateLimits: FAST,
  });
}

const cardsIn = (slack: FakeSlack) => slack.channel(CARE).messages().filter((m) => m.metadata?.event_type === 'earshot_case');
const caseIds = (slack: FakeSlack) => cardsIn(slack).map((m) => String((m.metadata!.event_payload as { case_id: string }).case_id));

describe('an X source in stream mode (one instance, SQLite)', () => {
  let slack: FakeSlack;
  let x: FakeX;
  let app: Earshot;

  beforeAll(async () => {
    slack = await startFakeSlack();
    x = await startFakeX({ me: { username: 'acme' }, streamKeepAliveMs: 200 });
    const dir = mkdtempSync(join(tmpdir(), 'earshot-xstream-'));
    app = await start(x, slack, `sqlite://${join(dir, 'e.sqlite')}`, 'earshot', 'solo');
    await waitFor('the stream connected', () => app.streams.status().get('x-live')?.connected, 10_000);
  });

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
    await x?.close();
  });

  it('keeps its own rule and turns a post on the stream into a card, without polling for it', async () => {
    expect(x.stream.rules).toEqual([expect.objectContaining({ value: QUERY, tag: 'earshot:x-live' })]);
    await waitFor('the first gap fill', () => app.streams.status().get('x-live')!.gapFills >= 1, 5000);
    const searches = x.callsTo('GET /2/tweets/search/recent').length;
    x.addTweet({ text: '@acme my suitcase never arrived', author: 'sam' });
    await waitFor('a card', () => cardsIn(slack).some((m) => cardText(m).includes('suitcase never arrived')), 10_000);
    expect(x.callsTo('GET /2/tweets/search/recent')).toHaveLength(searches);
    expect(app.streams.status().get('x-live')!.heard).toBe(1);
    const health = app.health.get('x-live')!;
    expect(health.stream).toMatchObject({ connected: true, holder: true });
  });

  it('fills a drop mid-burst from recent search: every post once, none twice', async () => {
    const before = cardsIn(slack).length;
    const reconnects = app.streams.status().get('x-live')!.reconnects;
    for (let i = 0; i < 10; i++) x.addTweet({ text: `@acme burst one number ${i}`, author: `b1u${i}` });
    x.stream.drop();
    // Posted while nothing is connected: only search can find these.
    for (let i = 0; i < 10; i++) x.addTweet({ text: `@acme burst two number ${i}`, author: `b2u${i}` });
    await waitFor('reconnected', () => app.streams.status().get('x-live')!.reconnects > reconnects && app.streams.status().get('x-live')!.connected, 10_000);
    for (let i = 0; i < 10; i++) x.addTweet({ text: `@acme burst three number ${i}`, author: `b3u${i}` });
    await waitFor('30 more cards', () => cardsIn(slack).length >= before + 30, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    const ids = caseIds(slack);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(before + 30);
    for (const batch of ['one', 'two', 'three']) {
      for (let i = 0; i < 10; i++) expect(cardsIn(slack).filter((m) => cardText(m).includes(`burst ${batch} number ${i}`)), `${batch} ${i}`).toHaveLength(1);
    }
  });

  it('treats a stall (no keep-alive) as a drop and fills it', async () => {
    const before = cardsIn(slack).length;
    const reconnects = app.streams.status().get('x-live')!.reconnects;
    x.stream.stall(true);
    x.addTweet({ text: '@acme posted during the stall', author: 'stally' });
    await waitFor('the stall noticed', () => app.streams.status().get('x-live')!.reconnects > reconnects, 10_000);
    x.stream.stall(false);
    expect(app.streams.status().get('x-live')!.lastError).toMatch(/nothing from X's stream/);
    await waitFor('its card', () => cardsIn(slack).some((m) => cardText(m).includes('posted during the stall')), 15_000);
    expect(cardsIn(slack)).toHaveLength(before + 1);
  });

  it('counts and skips malformed lines, and keeps reading', async () => {
    await waitFor('connected', () => app.streams.status().get('x-live')!.connected && x.stream.connections === 1, 10_000);
    const malformed = app.streams.status().get('x-live')!.malformed;
    x.stream.sendRaw('{"data": {"id": "12\r\n');
    x.stream.sendRaw('{"unexpected": true}\r\n');
    x.stream.sendRaw('{"data": {"id": "not a number", "text": "x"}}\r\n');
    x.addTweet({ text: '@acme still listening after garbage', author: 'after' });
    await waitFor('the next card', () => cardsIn(slack).some((m) => cardText(m).includes('still listening after garbage')), 10_000);
    expect(app.streams.status().get('x-live')!.malformed).toBe(malformed + 3);
    expect(app.streams.status().get('x-live')!.connected).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text();
    expect(metrics).toMatch(/earshot_stream_malformed_lines\{source="x-live"\} [1-9]/);
    const ready = await (await fetch(`http://127.0.0.1:${app.port}/readyz`)).json() as { sources: Record<string, { stream?: { connected: boolean } }> };
    expect(ready.sources['x-live']!.stream!.connected).toBe(true);
  });
});

describe('stream rules kept in step by diff', () => {
  let x: FakeX;
  afterEach(async () => { await x?.close(); });

  it('adds the missing queries, removes our stale ones and never touches rules of other tags', async () => {
    x = await startFakeX();
    const { read } = createXClients({ bearerToken: 'bearer' }, x.url);
    await read!.v2.updateStreamRules({ add: [{ value: 'someone else', tag: 'other-app' }, { value: 'old query', tag: 'earshot:x-live' }, { value: 'kept', tag: 'earshot:x-live' }] });
    const stream = new TwitterStream({ name: 'x-live', queries: ['kept', 'new one'], ownHandles: [], read: read! });
    expect(await stream.syncRules()).toEqual({ added: ['new one'], removed: ['old query'], kept: ['kept'] });
    expect(x.stream.rules.map((r) => `${r.tag}:${r.value}`).sort()).toEqual(['earshot:x-live:kept', 'earshot:x-live:new one', 'other-app:someone else']);
    // Nothing to do the second time.
    const posts = x.calls.filter((c) => c.method === 'POST').length;
    expect(await stream.syncRules()).toEqual({ added: [], removed: [], kept: ['kept', 'new one'] });
    expect(x.calls.filter((c) => c.method === 'POST')).toHaveLength(posts);
  });
});

describe('two instances on one PostgreSQL store', () => {
  const backend = postgresBackend();
  const namespace = uniqueNamespace();
  let slack: FakeSlack;
  let x: FakeX;
  const apps: Earshot[] = [];
  let crashedAt = 0;

  beforeAll(async () => {
    await backend.assertReachable();
    slack = await startFakeSlack();
    x = await startFakeX({ me: { username: 'acme' }, streamKeepAliveMs: 200 });
    // An instance that died holding the stream: its lease (2 s in these tests) must lapse first.
    const { openStore } = await import('../../src/store/open-store.js');
    const ghost = await openStore(backend.url, { namespace });
    await ghost.acquireLease(STREAM_LEASE('x-live'), 'crashed-instance', 2000);
    await ghost.close();
    crashedAt = Date.now();
    for (const id of ['a', 'b']) apps.push(await start(x, slack, backend.url, namespace, `stream-${id}`));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await slack?.close();
    await x?.close();
    await backend.dropNamespace(namespace);
    await backend.dispose();
  });

  it('holds one connection; when its holder stops, the other takes over within seconds and nothing is lost', async () => {
    const holder = await waitFor('one holder connected', () => apps.find((a) => a.streams.status().get('x-live')?.connected), 10_000);
    // Taken over from the crashed instance once its lease lapsed, not before.
    const afterCrashMs = Date.now() - crashedAt;
    expect(afterCrashMs).toBeGreaterThanOrEqual(1500);
    expect(afterCrashMs).toBeLessThan(8000);
    const other = apps.find((a) => a !== holder)!;
    expect(other.streams.status().get('x-live')!.holder).toBe(false);
    expect(x.stream.connections).toBe(1);
    x.addTweet({ text: '@acme first, to the holder', author: 'one' });
    await waitFor('its card', () => cardsIn(slack).length >= 1, 10_000);

    await holder.stop();
    const stoppedAt = Date.now();
    x.addTweet({ text: '@acme posted while the stream changes hands', author: 'two' });
    await waitFor('the other instance connected', () => other.streams.status().get('x-live')!.connected, 10_000);
    const takeoverMs = Date.now() - stoppedAt;
    x.addTweet({ text: '@acme after the takeover', author: 'three' });
    await waitFor('three cards', () => cardsIn(slack).length >= 3, 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(cardsIn(slack)).toHaveLength(3);
    expect(new Set(caseIds(slack)).size).toBe(3);
    expect(takeoverMs).toBeLessThan(10_000);
    // The survivor holds the lease now: nobody else can take it.
    expect(await other.store.acquireLease(STREAM_LEASE('x-live'), 'someone-else', 1000)).toBe(false);
  }, 60_000);
});
