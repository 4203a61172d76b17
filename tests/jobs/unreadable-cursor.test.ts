/**
 * A stored cursor that cannot be read (garbage, or JSON of the wrong shape) on each
 * network: the tick listens from the source's look-back only (the request the fake
 * network recorded shows it), the health board logs an error naming the source, marks it
 * for /readyz and notices the ops channel once, and the cursor the tick stored reads
 * cleanly the next time, which brings the source back to ok.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { CURSOR } from '../../src/app/inbox-keys.js';
import { ConfigSchema, type ConfigInput } from '../../src/config/schema.js';
import { parseEnv } from '../../src/config/load-config.js';
import type { Network } from '../../src/domain/mention.js';
import { runListen } from '../../src/jobs/run-listen.js';
import { SourceHealthBoard } from '../../src/server/source-health.js';
import { createSource } from '../../src/sources/create-sources.js';
import type { MentionSource, SourceCache } from '../../src/sources/mention-source.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeBluesky } from '../fakes/fake-bluesky.js';
import { startFakeFeeds } from '../fakes/fake-feeds.js';
import { startFakeMastodon } from '../fakes/fake-mastodon.js';
import { startFakeReddit } from '../fakes/fake-reddit.js';
import { startFakeX } from '../fakes/fake-x.js';

const T = Date.UTC(2026, 2, 10, 12, 0, 0);
const HOUR = 3_600_000;
const LOOKBACK = T - HOUR;
const OLD = new Date(T - 3 * 86_400_000).toISOString();
const RECENT = new Date(T - 10 * 60_000).toISOString();
/** Older posts than one page holds: listening from scratch would page through them. */
const OLD_POSTS = 8;

/** Garbage that could hold post text: it must reach no log line and no notice. */
const SECRET = 'jane.doe private words';
const GARBAGE: Array<[string, (network: Network) => string]> = [
  ['not JSON', () => `{"q": {"acme": "${SECRET}`],
  ['the wrong shape', (network) => JSON.stringify(network === 'x' ? { acme: { since: SECRET } } : { q: SECRET, s: [SECRET], f: 7 })],
];

const BASE: Omit<ConfigInput, 'sources'> = {
  brand: { name: 'Acme', handles: { x: ['acme'], bluesky: ['acme.bsky.social'], mastodon: ['acme'], reddit: ['AcmeSupport'], rss: ['Acme Team'] } },
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }],
  routing: { fallback: 'care' },
};

interface Case {
  name: string;
  source(now: () => number): MentionSource;
  /** Old posts, then one recent post matching the query; its id. */
  seed(): string;
  /** What the fake recorded of the listing requests, to check the look-back was asked for. */
  checkRequests(): void;
  close(): Promise<void>;
}

function memoryCache(): SourceCache {
  const m = new Map<string, unknown>();
  return { get: async <T>(k: string) => m.get(k) as T | undefined, set: async (k, v) => { m.set(k, v); }, delete: async (k) => { m.delete(k); } };
}

function build(source: ConfigInput['sources'][number], env: Record<string, string>) {
  const config = ConfigSchema.parse({ ...BASE, sources: [source] });
  const parsedEnv = parseEnv(env);
  const cache = memoryCache();
  return (now: () => number) => createSource(config.sources[0]!, config, parsedEnv, { cache, now });
}

const at = () => T;

const CASES: Array<[Network, () => Promise<Case>]> = [
  ['x', async () => {
    const x = await startFakeX({ me: { username: 'acme' }, now: at });
    const make = build({ name: 'x-acme', network: 'x', queries: ['acme'], maxPages: 1, options: { lookback: '1h' } }, {
      X_BEARER_TOKEN: 'bearer', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'as', X_API_URL: x.url,
    });
    return {
      name: 'x-acme',
      source: make,
      seed() {
        for (let i = 0; i < OLD_POSTS; i++) x.addTweet({ text: `acme old ${i}`, author: 'bob', createdAt: OLD });
        return x.addTweet({ text: 'acme lost my bag', author: 'jane', createdAt: RECENT }).id;
      },
      checkRequests() {
        // X takes a start time: the look-back is asked for, and nothing of the garbage.
        const q = x.callsTo('GET /2/tweets/search/recent')[0]!.query;
        expect(q.start_time).toBe(new Date(LOOKBACK).toISOString());
        expect(q.since_id).toBeUndefined();
        expect(q.until_id).toBeUndefined();
      },
      close: () => x.close(),
    };
  }],
  ['bluesky', async () => {
    const bsky = await startFakeBluesky({ now: at });
    const make = build({ name: 'bsky-acme', network: 'bluesky', queries: ['acme'], maxPages: 3, options: { pageSize: 5, lookback: '1h' } }, {
      BLUESKY_SERVICE_URL: bsky.url, BLUESKY_HANDLE: 'acme.bsky.social', BLUESKY_APP_PASSWORD: bsky.appPassword,
    });
    return {
      name: 'bsky-acme',
      source: make,
      seed() {
        for (let i = 0; i < OLD_POSTS; i++) bsky.addPost({ text: `acme old ${i}`, author: 'bob.bsky.social', createdAt: OLD, indexedAt: OLD });
        return bsky.addPost({ text: 'acme lost my bag', author: 'jane.bsky.social', createdAt: RECENT, indexedAt: RECENT }).uri;
      },
      checkRequests() {
        // searchPosts takes a start time (`since`): the look-back is asked for.
        const calls = bsky.callsTo('app.bsky.feed.searchPosts');
        expect(calls).toHaveLength(1);
        expect(calls[0]!.query.get('since')).toBe(new Date(LOOKBACK).toISOString());
        expect(calls[0]!.query.get('until')).toBeNull();
      },
      close: () => bsky.close(),
    };
  }],
  ['mastodon', async () => {
    const m = await startFakeMastodon({ now: at });
    const make = build({ name: 'masto-acme', network: 'mastodon', queries: ['#acmecare'], maxPages: 3, options: { pageSize: 5, lookback: '1h' } }, {
      MASTODON_URL: m.url, MASTODON_ACCESS_TOKEN: m.accessToken,
    });
    return {
      name: 'masto-acme',
      source: make,
      seed() {
        for (let i = 0; i < OLD_POSTS; i++) m.addStatus({ text: `old ${i} #acmecare`, author: 'bob@other.example', createdAt: OLD });
        return m.addStatus({ text: 'lost my bag #acmecare', author: 'jane', createdAt: RECENT }).id;
      },
      checkRequests() {
        // Filtered here by created_at: one page, stopped at the first status below the
        // look-back, and no bound taken from the garbage.
        const calls = m.calls.filter((c) => c.path.startsWith('/api/v1/timelines/tag/'));
        expect(calls).toHaveLength(1);
        expect(calls[0]!.query.get('since_id')).toBeNull();
        expect(calls[0]!.query.get('max_id')).toBeNull();
      },
      close: () => m.close(),
    };
  }],
  ['reddit', async () => {
    const r = await startFakeReddit({ now: at });
    const make = build({ name: 'reddit-acme', network: 'reddit', queries: ['acme'], maxPages: 3, options: { subreddits: ['acmeair'], comments: false, pageSize: 5, lookback: '1h' } }, {
      REDDIT_CLIENT_ID: r.brand.clientId, REDDIT_CLIENT_SECRET: r.brand.clientSecret, REDDIT_USERNAME: r.brand.username, REDDIT_PASSWORD: r.brand.password,
      REDDIT_AUTH_URL: r.url, REDDIT_API_URL: r.url,
    });
    return {
      name: 'reddit-acme',
      source: make,
      seed() {
        for (let i = 0; i < OLD_POSTS; i++) r.addPost({ subreddit: 'acmeair', title: `acme old ${i}`, author: 'bob', createdAt: Date.parse(OLD) });
        return r.addPost({ subreddit: 'acmeair', title: 'acme lost my bag', author: 'jane_doe', createdAt: Date.parse(RECENT) }).data.name;
      },
      checkRequests() {
        // Filtered here by created_utc: one page, stopped at the first post below the look-back.
        const calls = r.calls.filter((c) => c.path.endsWith('/new'));
        expect(calls).toHaveLength(1);
        expect(calls[0]!.query.get('after')).toBeNull();
      },
      close: () => r.close(),
    };
  }],
  ['rss', async () => {
    const feeds = await startFakeFeeds({ now: at });
    feeds.addFeed('forum', { format: 'rss', title: 'Travel forum', link: 'https://forum.example/', window: 30 });
    const make = build({ name: 'web-acme', network: 'rss', queries: ['acme'], options: { feeds: [feeds.url('forum')], lookback: '1h' } }, {});
    return {
      name: 'web-acme',
      source: make,
      seed() {
        for (let i = 0; i < OLD_POSTS; i++) feeds.addItem('forum', { title: `acme old ${i}`, author: 'bob', date: OLD });
        return feeds.addItem('forum', { title: 'acme lost my bag', author: 'jane', date: RECENT }).link;
      },
      checkRequests() {
        // A feed is read whole (no start time to ask for); no validators from the garbage.
        const calls = feeds.callsTo('forum');
        expect(calls).toHaveLength(1);
        expect(calls[0]!.headers['if-none-match']).toBeUndefined();
        expect(calls[0]!.headers['if-modified-since']).toBeUndefined();
      },
      close: () => feeds.close(),
    };
  }],
];

describe.each(CASES)('an unreadable stored cursor on %s', (network, start) => {
  let c: Case | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await c?.close();
    await store?.close();
  });

  it.each(GARBAGE)('(%s) is reported and listening resumes from the look-back, then recovers', async (_kind, garbage) => {
    c = await start();
    store = await openStore('sqlite://:memory:', { namespace: `cursor_${network}` });
    const recent = c.seed();
    const raw = garbage(network);
    await store.set(CURSOR(c.name), raw);

    let logged = '';
    const log = createLogger('info', new Writable({ write(chunk, _enc, done) { logged += String(chunk); done(); } }));
    const clock = new ManualClock(T);
    const notices: string[] = [];
    const board = new SourceHealthBoard({ sources: [c.name], log, clock, notice: (t) => notices.push(t) });

    const outcome = await runListen({ store, source: c.source(() => clock.now().getTime()), instanceId: 'a', intervalMs: 60_000, now: () => clock.now().getTime() });

    // (a) Not from scratch: only the recent post is heard, and the look-back is what was asked for.
    expect(outcome.ran).toBe(true);
    expect(outcome.heard).toBe(1);
    const pending = await store.zRangeByScore('inbox:pending', Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    expect(pending.map((p) => p.member).filter((k) => k.endsWith(recent))).toHaveLength(1);
    c.checkRequests();
    expect(outcome.cursorUnreadable).toMatchObject({ code: 'CURSOR_UNREADABLE', resumedFrom: new Date(LOOKBACK).toISOString() });

    // (b) An error naming the source, without the stored contents.
    board.listened(`listen-${c.name}`, outcome);
    const errors = logged.trim().split('\n').map((l) => JSON.parse(l) as { level: number; source?: string; code?: string; msg: string }).filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ source: c.name, code: 'CURSOR_UNREADABLE' });
    expect(errors[0]!.msg).toMatch(/cursor could not be read/);
    expect(logged).not.toContain(SECRET);

    // (c) On health (so /readyz lists it), with one ops notice.
    expect(board.health.get(c.name)).toMatchObject({ ok: false, failures: 1 });
    expect(board.health.get(c.name)!.lastError).toMatch(/stored cursor could not be read/);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`source "${c.name}" is failing`);
    expect(notices.join('\n')).not.toContain(SECRET);

    // The tick stored a fresh cursor: the next one reads it, and the source is ok again.
    const stored = await store.get<string>(CURSOR(c.name));
    expect(stored).not.toBe(raw);
    clock.advance(60_000);
    // The first tick's lease lasts the interval (the store's own clock): the next tick is due.
    await store.releaseLease(`job:listen:${c.name}`, 'a');
    const next = await runListen({ store, source: c.source(() => clock.now().getTime()), instanceId: 'b', intervalMs: 60_000, now: () => clock.now().getTime() });
    expect(next.ran).toBe(true);
    expect(next.cursorUnreadable).toBeUndefined();
    expect(next.heard).toBe(0);
    board.listened(`listen-${c.name}`, next);
    expect(board.health.get(c.name)).toMatchObject({ ok: true, failures: 0 });
    expect(notices).toHaveLength(2);
    expect(notices[1]).toContain('working again');
  });
});
