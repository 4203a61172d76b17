/**
 * `earshot backfill`'s job, against the fake X and Bluesky: it asks the network for the
 * stretch since the given time, records what it hears into the inbox exactly once, keeps
 * to the source's budget (stopping with where it got to, and carrying on from there when
 * run again), and never moves the source's live cursor.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CURSOR, INBOX, PENDING } from '../../src/app/inbox-keys.js';
import { ConfigSchema, type ConfigInput } from '../../src/config/schema.js';
import { parseEnv } from '../../src/config/load-config.js';
import { backfill, BACKFILL_POSITION, checkReach, parseSince, type BackfillProgress } from '../../src/jobs/backfill.js';
import { readUsage, recordSpend } from '../../src/jobs/poll-budget.js';
import { createSource } from '../../src/sources/create-sources.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { startFakeBluesky, type FakeBluesky } from '../fakes/fake-bluesky.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';

const T = Date.UTC(2026, 2, 10, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

const BASE: Omit<ConfigInput, 'sources'> = {
  brand: { name: 'Acme', handles: { x: ['acme'], bluesky: ['acme.bsky.social'] } },
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }],
  routing: { fallback: 'care' },
};

let clock = T;
const now = () => clock;

/** The source as the command builds it: the configured one, its look-back reaching to `since`. */
function xSource(x: FakeX, since: number, extra: Partial<ConfigInput['sources'][number]> = {}) {
  const config = ConfigSchema.parse({ ...BASE, sources: [{ name: 'x-acme', network: 'x', queries: ['acme'], maxPages: 1, ...extra }] });
  const s = config.sources[0]!;
  return {
    config: s,
    source: createSource({ ...s, options: { ...s.options, lookback: clock - since } }, config, parseEnv({ X_BEARER_TOKEN: 'bearer', X_API_URL: x.url }), { now }),
  };
}

async function pendingKeys(store: Store): Promise<string[]> {
  return (await store.zRangeByScore(PENDING, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).map((p) => p.member);
}

describe('backfill', () => {
  let x: FakeX | undefined;
  let bsky: FakeBluesky | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await x?.close();
    await bsky?.close();
    await store?.close();
    x = bsky = store = undefined;
    clock = T;
  });

  it('records the posts since the given time once, asks X for exactly that stretch, and leaves the live cursor alone', async () => {
    x = await startFakeX({ me: { username: 'acme' }, now });
    store = await openStore('sqlite://:memory:', { namespace: 'backfill_x' });
    for (let i = 0; i < 3; i++) x.addTweet({ text: `acme too old ${i}`, author: 'bob', createdAt: iso(T - 3 * DAY) });
    const wanted = [
      x.addTweet({ text: 'acme lost my bag', author: 'jane', createdAt: iso(T - 40 * HOUR) }).id,
      x.addTweet({ text: 'acme delayed again', author: 'sam', createdAt: iso(T - 20 * HOUR) }).id,
      x.addTweet({ text: 'acme thanks', author: 'kim', createdAt: iso(T - 10 * 60_000) }).id,
    ];
    // Listening is further on than where the backfill ends up: it must stay exactly there.
    const live = JSON.stringify({ acme: { since: wanted[1] } });
    await store.set(CURSOR('x-acme'), live);
    const since = T - 2 * DAY;

    const progress: BackfillProgress[] = [];
    const { source } = xSource(x, since);
    const first = await backfill({ store, source, since, requestsPerPoll: 1, dryRun: false, now, onProgress: (p) => progress.push(p) });
    expect(first).toMatchObject({ complete: true, heard: 3, recorded: 3, oldest: T - 40 * HOUR });
    expect(progress.at(-1)).toMatchObject({ pages: 1, recorded: 3 });
    expect(x.callsTo('GET /2/tweets/search/recent')[0]!.query.start_time).toBe(iso(since));
    expect((await pendingKeys(store)).sort()).toEqual(wanted.map((id) => `x:${id}`).sort());
    expect(await store.get(CURSOR('x-acme'))).toBe(live);

    // Again: everything is already in the inbox, nothing new is recorded.
    const second = await backfill({ store, source: xSource(x, since).source, since, requestsPerPoll: 1, dryRun: false, now });
    expect(second).toMatchObject({ complete: true, heard: 3, recorded: 0 });
    expect(await pendingKeys(store)).toHaveLength(3);
    expect(await store.get(CURSOR('x-acme'))).toBe(live);
  });

  it('with dryRun counts what it would record and records nothing', async () => {
    x = await startFakeX({ me: { username: 'acme' }, now });
    store = await openStore('sqlite://:memory:', { namespace: 'backfill_dry' });
    const id = x.addTweet({ text: 'acme lost my bag', author: 'jane', createdAt: iso(T - 5 * HOUR) }).id;
    const since = T - 6 * HOUR;
    const r = await backfill({ store, source: xSource(x, since).source, since, requestsPerPoll: 1, dryRun: true, now });
    expect(r).toMatchObject({ complete: true, heard: 1, recorded: 1 });
    expect(await pendingKeys(store)).toEqual([]);
    expect(await store.get(INBOX(`x:${id}`))).toBeUndefined();
    expect(await store.get(CURSOR('x-acme'))).toBeUndefined();
  });

  it('keeps to the budget: stops when the window is spent, then carries on from there in the next window', async () => {
    x = await startFakeX({ me: { username: 'acme' }, now });
    store = await openStore('sqlite://:memory:', { namespace: 'backfill_budget' });
    // 250 posts: three pages of 100 with maxPages 1, so three polls.
    const ids: string[] = [];
    for (let i = 0; i < 250; i++) ids.push(x.addTweet({ text: `acme post ${i}`, author: `user${i}`, createdAt: iso(T - 5 * HOUR + i * 60_000) }).id);
    const since = T - 6 * HOUR;
    const budget = { perWindow: 2, window: 900_000 };
    // Late in the window: the even pace allows the whole window's two requests.
    clock = T + 870_000;
    const live = JSON.stringify({ acme: { since: ids[200] } });
    await store.set(CURSOR('x-acme'), live);

    const first = await backfill({ store, source: xSource(x, since, { budget }).source, since, budget, requestsPerPoll: 1, dryRun: false, now });
    expect(first.complete).toBe(false);
    expect(first.stopped?.reason).toMatch(/2 of 2 requests spent in this window/);
    expect(first.stopped?.retryAt).toBe(T + 900_000);
    expect(first).toMatchObject({ pages: 2, recorded: 200 });
    expect(first.oldest).toBe(T - 5 * HOUR + 50 * 60_000);
    expect((await readUsage(store, 'x-acme', budget, clock)).window).toBe(2);
    expect(x.callsTo('GET /2/tweets/search/recent')).toHaveLength(2);
    expect(await store.get(BACKFILL_POSITION('x-acme'))).toBeDefined();

    // Asked again in the same window: no request at all.
    const refused = await backfill({ store, source: xSource(x, since, { budget }).source, since, budget, requestsPerPoll: 1, dryRun: false, now });
    expect(refused).toMatchObject({ pages: 0, complete: false });
    expect(x.callsTo('GET /2/tweets/search/recent')).toHaveLength(2);

    // The next window: it carries on below where it stopped, not from the top.
    clock = T + 900_000 + 60_000;
    const rest = await backfill({ store, source: xSource(x, since, { budget }).source, since, budget, requestsPerPoll: 1, dryRun: false, now });
    expect(rest).toMatchObject({ complete: true, resumed: true, pages: 1, recorded: 50 });
    expect(x.callsTo('GET /2/tweets/search/recent')[2]!.query.until_id).toBeDefined();
    expect((await pendingKeys(store)).sort()).toEqual(ids.map((id) => `x:${id}`).sort());
    expect(await store.get(BACKFILL_POSITION('x-acme'))).toBeUndefined();
    expect(await store.get(CURSOR('x-acme'))).toBe(live);
  });

  it('waits out the budget\'s even pace within the window instead of stopping', async () => {
    x = await startFakeX({ me: { username: 'acme' }, now });
    store = await openStore('sqlite://:memory:', { namespace: 'backfill_pace' });
    const id = x.addTweet({ text: 'acme lost my bag', author: 'jane', createdAt: iso(T - 2 * HOUR) }).id;
    const budget = { perWindow: 40, window: 900_000 };
    // Half the window gone and 21 of 40 spent: one request is ahead of the even pace.
    clock = T + 450_000;
    await recordSpend(store, 'x-acme', budget, 21, undefined, clock);
    const since = T - 3 * HOUR;
    const waits: number[] = [];
    const r = await backfill({
      store, source: xSource(x, since, { budget }).source, since, budget, requestsPerPoll: 1, dryRun: false, now,
      onWait: (ms) => waits.push(ms), sleep: async (ms) => { clock += ms; },
    });
    expect(waits).toEqual([45_000]);
    expect(r).toMatchObject({ complete: true, recorded: 1 });
    expect(await pendingKeys(store)).toEqual([`x:${id}`]);
  });

  it('stops at once when the budget was already spent by listening', async () => {
    x = await startFakeX({ me: { username: 'acme' }, now });
    store = await openStore('sqlite://:memory:', { namespace: 'backfill_spent' });
    const budget = { perWindow: 5, window: 900_000 };
    await recordSpend(store, 'x-acme', budget, 5, undefined, clock);
    const since = T - HOUR;
    const r = await backfill({ store, source: xSource(x, since, { budget }).source, since, budget, requestsPerPoll: 1, dryRun: false, now });
    expect(r.stopped?.reason).toMatch(/5 of 5 requests spent/);
    expect(x.calls).toHaveLength(0);
  });

  it('polls on until the stretch is read when one poll holds less (Bluesky, small pages)', async () => {
    bsky = await startFakeBluesky({ now });
    store = await openStore('sqlite://:memory:', { namespace: 'backfill_bsky' });
    const uris: string[] = [];
    for (let i = 0; i < 7; i++) {
      const at = iso(T - 5 * HOUR + i * 10 * 60_000);
      uris.push(bsky.addPost({ text: `acme post ${i}`, author: 'jane.bsky.social', createdAt: at, indexedAt: at }).uri);
    }
    bsky.addPost({ text: 'acme too old', author: 'bob.bsky.social', createdAt: iso(T - 2 * DAY), indexedAt: iso(T - 2 * DAY) });
    const since = T - 6 * HOUR;
    const config = ConfigSchema.parse({ ...BASE, sources: [{ name: 'bsky-acme', network: 'bluesky', queries: ['acme'], maxPages: 1, options: { pageSize: 2 } }] });
    const s = config.sources[0]!;
    const env = parseEnv({ BLUESKY_SERVICE_URL: bsky.url, BLUESKY_HANDLE: 'acme.bsky.social', BLUESKY_APP_PASSWORD: bsky.appPassword });
    const source = createSource({ ...s, options: { ...s.options, lookback: clock - since } }, config, env, { now });
    const r = await backfill({ store, source, since, requestsPerPoll: 1, dryRun: false, now });
    expect(r).toMatchObject({ complete: true, recorded: 7 });
    expect(bsky.callsTo('app.bsky.feed.searchPosts').length).toBeGreaterThanOrEqual(4);
    expect(bsky.callsTo('app.bsky.feed.searchPosts')[0]!.query.get('since')).toBe(iso(since));
    expect((await pendingKeys(store)).sort()).toEqual(uris.map((u) => `bluesky:${u}`).sort());
    expect(await store.get(CURSOR('bsky-acme'))).toBeUndefined();
  });
});

describe('--since', () => {
  it('takes an ISO time or a duration back from now', () => {
    expect(parseSince('6h', T)).toBe(T - 6 * HOUR);
    expect(parseSince('3d', T)).toBe(T - 3 * DAY);
    expect(parseSince('2026-03-09T08:00:00Z', T)).toBe(Date.UTC(2026, 2, 9, 8));
  });

  it('refuses what is not a time, or not in the past, naming the flag', () => {
    expect(() => parseSince('yesterday', T)).toThrow(/--since "yesterday" is neither a date nor a duration/);
    expect(() => parseSince('2026-02-31T99:00', T)).toThrow(/--since .* is not a date or time/);
    expect(() => parseSince('2026-03-11', T)).toThrow(/--since "2026-03-11" is not in the past/);
  });

  it('refuses more than the seven days X keeps, saying so', () => {
    expect(() => checkReach('x', 'x-acme', T - 8 * DAY, T)).toThrow(/X's recent search keeps only the last 7 days/);
    expect(() => checkReach('x', 'x-acme', T - 7 * DAY, T)).not.toThrow();
    expect(() => checkReach('mastodon', 'm', T - 30 * DAY, T)).not.toThrow();
  });
});
