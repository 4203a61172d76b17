/**
 * A source's very first poll (no cursor, no `lookback` in its options) reaches back one
 * hour on every network, not a day: a new install must not flood its channels with old
 * posts. Each case checks what the fake network recorded (the start time asked for, or
 * for listings without one, that paging stopped at the hour) and what was heard.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema, type ConfigInput } from '../../src/config/schema.js';
import { parseEnv } from '../../src/config/load-config.js';
import type { Network } from '../../src/domain/mention.js';
import { createSource } from '../../src/sources/create-sources.js';
import type { MentionSource, SourceCache } from '../../src/sources/mention-source.js';
import { startFakeBluesky } from '../fakes/fake-bluesky.js';
import { startFakeFeeds } from '../fakes/fake-feeds.js';
import { startFakeMastodon } from '../fakes/fake-mastodon.js';
import { startFakeReddit } from '../fakes/fake-reddit.js';
import { startFakeX } from '../fakes/fake-x.js';

const T = Date.UTC(2026, 2, 10, 12, 0, 0);
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** Posted within the last day but more than an hour ago: a one-day look-back would hear them. */
const EARLIER_TODAY = iso(T - 5 * HOUR);
const RECENT = iso(T - 10 * 60_000);
/** More of the earlier posts than one page holds (pageSize 2): a longer look-back pages on. */
const EARLIER = 5;

const BASE: Omit<ConfigInput, 'sources'> = {
  brand: { name: 'Acme', handles: { x: ['acme'], bluesky: ['acme.bsky.social'], mastodon: ['acme'], reddit: ['AcmeSupport'], rss: ['Acme Team'] } },
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }],
  routing: { fallback: 'care' },
};

function memoryCache(): SourceCache {
  const m = new Map<string, unknown>();
  return { get: async <T>(k: string) => m.get(k) as T | undefined, set: async (k, v) => { m.set(k, v); }, delete: async (k) => { m.delete(k); } };
}

function build(source: ConfigInput['sources'][number], env: Record<string, string>): MentionSource {
  expect(source.options?.['lookback']).toBeUndefined();
  const config = ConfigSchema.parse({ ...BASE, sources: [source] });
  return createSource(config.sources[0]!, config, parseEnv(env), { cache: memoryCache(), now: () => T });
}

interface Case {
  source: MentionSource;
  /** Earlier posts, then one recent post; the recent one's id. */
  seed(): string;
  checkRequests(): void;
  close(): Promise<void>;
}

const at = () => T;

const CASES: Array<[Network, () => Promise<Case>]> = [
  ['x', async () => {
    const x = await startFakeX({ me: { username: 'acme' }, now: at });
    return {
      source: build({ name: 'x-acme', network: 'x', queries: ['acme'], maxPages: 3 }, { X_BEARER_TOKEN: 'bearer', X_API_URL: x.url }),
      seed() {
        for (let i = 0; i < EARLIER; i++) x.addTweet({ text: `acme earlier ${i}`, author: 'bob', createdAt: EARLIER_TODAY });
        return x.addTweet({ text: 'acme lost my bag', author: 'jane', createdAt: RECENT }).id;
      },
      checkRequests() {
        const calls = x.callsTo('GET /2/tweets/search/recent');
        expect(calls).toHaveLength(1);
        expect(calls[0]!.query.start_time).toBe(iso(T - HOUR));
      },
      close: () => x.close(),
    };
  }],
  ['bluesky', async () => {
    const bsky = await startFakeBluesky({ now: at });
    return {
      source: build({ name: 'bsky-acme', network: 'bluesky', queries: ['acme'], maxPages: 3, options: { pageSize: 2 } }, {
        BLUESKY_SERVICE_URL: bsky.url, BLUESKY_HANDLE: 'acme.bsky.social', BLUESKY_APP_PASSWORD: bsky.appPassword,
      }),
      seed() {
        for (let i = 0; i < EARLIER; i++) bsky.addPost({ text: `acme earlier ${i}`, author: 'bob.bsky.social', createdAt: EARLIER_TODAY, indexedAt: EARLIER_TODAY });
        return bsky.addPost({ text: 'acme lost my bag', author: 'jane.bsky.social', createdAt: RECENT, indexedAt: RECENT }).uri;
      },
      checkRequests() {
        const calls = bsky.callsTo('app.bsky.feed.searchPosts');
        expect(calls).toHaveLength(1);
        expect(calls[0]!.query.get('since')).toBe(iso(T - HOUR));
      },
      close: () => bsky.close(),
    };
  }],
  ['mastodon', async () => {
    const m = await startFakeMastodon({ now: at });
    return {
      source: build({ name: 'masto-acme', network: 'mastodon', queries: ['#acmecare'], maxPages: 3, options: { pageSize: 2 } }, {
        MASTODON_URL: m.url, MASTODON_ACCESS_TOKEN: m.accessToken,
      }),
      seed() {
        for (let i = 0; i < EARLIER; i++) m.addStatus({ text: `earlier ${i} #acmecare`, author: 'bob@other.example', createdAt: EARLIER_TODAY });
        return m.addStatus({ text: 'lost my bag #acmecare', author: 'jane', createdAt: RECENT }).id;
      },
      checkRequests() {
        // No start time to send: the first page already reaches below the hour, so paging stops there.
        expect(m.calls.filter((c) => c.path.startsWith('/api/v1/timelines/tag/'))).toHaveLength(1);
      },
      close: () => m.close(),
    };
  }],
  ['reddit', async () => {
    const r = await startFakeReddit({ now: at });
    return {
      source: build({ name: 'reddit-acme', network: 'reddit', queries: ['acme'], maxPages: 3, options: { subreddits: ['acmeair'], comments: false, pageSize: 2 } }, {
        REDDIT_CLIENT_ID: r.brand.clientId, REDDIT_CLIENT_SECRET: r.brand.clientSecret, REDDIT_USERNAME: r.brand.username, REDDIT_PASSWORD: r.brand.password,
        REDDIT_AUTH_URL: r.url, REDDIT_API_URL: r.url,
      }),
      seed() {
        for (let i = 0; i < EARLIER; i++) r.addPost({ subreddit: 'acmeair', title: `acme earlier ${i}`, author: 'bob', createdAt: Date.parse(EARLIER_TODAY) });
        return r.addPost({ subreddit: 'acmeair', title: 'acme lost my bag', author: 'jane_doe', createdAt: Date.parse(RECENT) }).data.name;
      },
      checkRequests() {
        expect(r.calls.filter((c) => c.path.endsWith('/new'))).toHaveLength(1);
      },
      close: () => r.close(),
    };
  }],
  ['rss', async () => {
    const feeds = await startFakeFeeds({ now: at });
    feeds.addFeed('forum', { format: 'rss', title: 'Travel forum', link: 'https://forum.example/', window: 30 });
    return {
      source: build({ name: 'web-acme', network: 'rss', queries: ['acme'], options: { feeds: [feeds.url('forum')] } }, {}),
      seed() {
        for (let i = 0; i < EARLIER; i++) feeds.addItem('forum', { title: `acme earlier ${i}`, author: 'bob', date: EARLIER_TODAY });
        return feeds.addItem('forum', { title: 'acme lost my bag', author: 'jane', date: RECENT }).link;
      },
      checkRequests() {
        // A feed is read whole: the hour is applied to the items' dates (what was heard, below).
        expect(feeds.callsTo('forum')).toHaveLength(1);
      },
      close: () => feeds.close(),
    };
  }],
];

describe.each(CASES)('the first poll on %s', (_network, start) => {
  let c: Case | undefined;
  afterEach(async () => { await c?.close(); });

  it('asks only for the last hour by default', async () => {
    c = await start();
    const recent = c.seed();
    const r = await c.source.poll(undefined);
    c.checkRequests();
    expect(r.mentions.map((m) => m.id)).toEqual([recent]);
  });
});
