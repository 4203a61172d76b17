/**
 * What each network does beyond the shared contract: sessions and tokens kept between
 * ticks, late posts inside the overlap, Mastodon's addressing and visibility, Reddit's
 * site-wide search and request window, feeds' conditional requests and partial failures,
 * and configuration problems named by their path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/load-config.js';
import { crossCheck } from '../../src/server/cross-check.js';
import { ConfigSchema, type ConfigInput } from '../../src/config/schema.js';
import type { Mention } from '../../src/domain/mention.js';
import { DeliveryPermanentError, DeliveryRateLimitedError } from '../../src/outbox/delivery-errors.js';
import { createSource, SourceConfigError } from '../../src/sources/create-sources.js';
import type { MentionSource, SourceCache } from '../../src/sources/mention-source.js';
import { htmlToText } from '../../src/sources/mastodon/mastodon-text.js';
import { startFakeBluesky } from '../fakes/fake-bluesky.js';
import { startFakeFeeds } from '../fakes/fake-feeds.js';
import { startFakeMastodon } from '../fakes/fake-mastodon.js';
import { startFakeReddit } from '../fakes/fake-reddit.js';

const BASE = {
  brand: { name: 'Acme', handles: { bluesky: ['acme.bsky.social'], mastodon: ['acme'], reddit: ['AcmeSupport'], rss: ['Acme Team'] } },
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }],
  routing: { fallback: 'care' },
} satisfies Omit<ConfigInput, 'sources'>;

function memory(): SourceCache & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  return { map, get: async <T>(k: string) => map.get(k) as T | undefined, set: async (k, v) => { map.set(k, v); }, delete: async (k) => { map.delete(k); } };
}

function build(sources: ConfigInput['sources'], env: Record<string, string>, cache: SourceCache = memory()): () => MentionSource {
  const config = ConfigSchema.parse({ ...BASE, sources });
  const e = parseEnv(env);
  return () => createSource(config.sources[0]!, config, e, { cache });
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => { while (closers.length) await closers.pop()!(); });

describe('Bluesky', () => {
  async function setup() {
    const bsky = await startFakeBluesky();
    closers.push(() => bsky.close());
    const cache = memory();
    const source = build([{ name: 'bsky', network: 'bluesky', queries: ['acme'] }], { BLUESKY_SERVICE_URL: bsky.url, BLUESKY_HANDLE: 'acme.bsky.social', BLUESKY_APP_PASSWORD: bsky.appPassword }, cache);
    return { bsky, cache, source };
  }

  it('logs in once and reuses the stored session across ticks; an expired token is refreshed, a revoked one logs in again', async () => {
    const { bsky, source } = await setup();
    let cursor = (await source().poll(undefined)).cursor;
    cursor = (await source().poll(cursor)).cursor;
    expect(bsky.logins).toBe(1);
    bsky.expireAccessTokens();
    bsky.addPost({ text: 'acme hello again', author: 'jane.bsky.social' });
    const r = await source().poll(cursor);
    expect(r.mentions.map((m) => m.text)).toEqual(['acme hello again']);
    expect(bsky.logins).toBe(1);
    expect(bsky.callsTo('com.atproto.server.refreshSession')).toHaveLength(1);
    bsky.revokeSessions();
    await source().poll(r.cursor);
    expect(bsky.logins).toBe(2);
  });

  it('picks up a session another process refreshed instead of logging in again', async () => {
    const { bsky, source } = await setup();
    const main = source();
    const first = await main.poll(undefined);
    // A listening tick (another worker) finds the token expired and refreshes; the old refresh token is spent.
    bsky.expireAccessTokens();
    await source().poll(first.cursor);
    expect(bsky.callsTo('com.atproto.server.refreshSession')).toHaveLength(1);
    // The long-lived source still holds the old tokens: it takes the stored ones.
    await main.poll(first.cursor);
    expect(bsky.logins).toBe(1);
  });

  it('fills a mention from the post and the author profile', async () => {
    const { bsky, source } = await setup();
    bsky.addUser('jane.bsky.social', { displayName: 'Jane Doe', followersCount: 1234 });
    const root = bsky.addPost({ text: 'flights cancelled again', author: 'bob.bsky.social' });
    const post = bsky.addPost({ text: 'acme same here, three hours', author: 'jane.bsky.social', replyTo: root.uri, lang: 'en-GB' });
    const [m] = (await source().poll(undefined)).mentions;
    expect(m).toMatchObject({
      id: post.uri, network: 'bluesky', source: 'bsky', text: 'acme same here, three hours', lang: 'en',
      author: { id: post.authorDid, handle: 'jane.bsky.social', name: 'Jane Doe', followers: 1234 },
      conversationId: root.uri, inReplyToId: root.uri,
    });
    expect(m!.url).toBe(`https://bsky.app/profile/jane.bsky.social/post/${post.uri.split('/').pop()}`);
  });

  it('hears a post the search lists late, when it falls inside the overlap', async () => {
    const { bsky, source } = await setup();
    const t = Date.now();
    bsky.addPost({ text: 'acme first', author: 'jane.bsky.social', createdAt: new Date(t).toISOString() });
    const first = await source().poll(undefined);
    expect(first.mentions).toHaveLength(1);
    // Written a minute earlier, indexed only now.
    bsky.addPost({ text: 'acme written earlier', author: 'sam.bsky.social', createdAt: new Date(t - 60_000).toISOString(), indexedAt: new Date(t + 5000).toISOString() });
    const second = await source().poll(first.cursor);
    expect(second.mentions.map((m) => m.text)).toEqual(['acme written earlier']);
    expect((await source().poll(second.cursor)).mentions).toEqual([]);
  });

  it('refuses a reply Bluesky would refuse, and one to a deleted post', async () => {
    const { bsky, source } = await setup();
    bsky.addPost({ text: 'acme help', author: 'jane.bsky.social' });
    const [m] = (await source().poll(undefined)).mentions;
    const s = source();
    expect(s.checkReply('é'.repeat(300))).toBeUndefined();
    await expect(s.reply(m!, 'x'.repeat(301))).rejects.toBeInstanceOf(DeliveryPermanentError);
    const gone: Mention = { ...m!, id: `${m!.id.slice(0, -3)}zzz` };
    await expect(s.reply(gone, 'hello')).rejects.toThrow(/deleted or is not visible/);
    expect(bsky.posted).toHaveLength(0);
  });
});

describe('Mastodon', () => {
  async function setup(queries: string[]) {
    const masto = await startFakeMastodon();
    closers.push(() => masto.close());
    const source = build([{ name: 'masto', network: 'mastodon', queries }], { MASTODON_URL: masto.url, MASTODON_ACCESS_TOKEN: masto.accessToken });
    return { masto, source };
  }

  it('hears mentions of the brand account (@me), hashtags and full-text search, each once', async () => {
    const { masto, source } = await setup(['@me', '#acmeair', 'lost luggage']);
    masto.addStatus({ text: '@acme where is my refund &amp; why <b>no</b> answer?', author: 'jane' });
    masto.addStatus({ text: 'delayed again #AcmeAir', author: 'bob@other.example' });
    masto.addStatus({ text: 'lost luggage in Lisbon', author: 'carl' });
    masto.addStatus({ text: 'lost luggage but hidden', author: 'dora', indexable: false });
    masto.addStatus({ text: 'our new routes #acmeair', author: 'acme' });
    const r = await source().poll(undefined);
    expect(r.mentions.map((m) => `${m.author.handle}: ${m.text}`).sort()).toEqual([
      'bob@other.example: delayed again #AcmeAir',
      'carl@mastodon.example: lost luggage in Lisbon',
      'jane@mastodon.example: @acme where is my refund &amp; why <b>no</b> answer?',
    ]);
    expect((await source().poll(r.cursor)).mentions).toEqual([]);
  });

  it('hears a federated post that arrives late with an older id, inside the overlap', async () => {
    const { masto, source } = await setup(['#acmeair']);
    masto.addStatus({ text: 'first #acmeair', author: 'jane' });
    const first = await source().poll(undefined);
    masto.addStatus({ text: 'from a slow server #acmeair', author: 'eve@slow.example', createdAt: new Date(Date.now() - 120_000).toISOString() });
    expect((await source().poll(first.cursor)).mentions.map((m) => m.text)).toEqual(['from a slow server #acmeair']);
  });

  it('addresses the reply to the author, counts that in the limit, keeps a direct message direct, and posts once per key', async () => {
    const { masto, source } = await setup(['@me']);
    masto.addStatus({ text: '@acme my card was charged twice', author: 'jane', visibility: 'direct' });
    const [m] = (await source().poll(undefined)).mentions;
    const s = source();
    expect(s.checkReply('a'.repeat(500))).toBeUndefined();
    expect(s.checkReply('a'.repeat(494), m)).toBeUndefined();
    expect(s.checkReply('a'.repeat(495), m)).toMatch(/501 characters .* including the @mention/);
    const a = await s.reply(m!, 'Sorry, we will refund it today.');
    const b = await source().reply(m!, 'Sorry, we will refund it today.');
    expect(b.id).toBe(a.id);
    expect(masto.posted).toHaveLength(1);
    expect(masto.posted[0]!.visibility).toBe('direct');
    expect(htmlToText(masto.posted[0]!.content)).toBe('@jane Sorry, we will refund it today.');
    expect(masto.callsTo('POST /api/v1/statuses').every((c) => /^[0-9a-f]{64}$/.test(c.headers['idempotency-key'] ?? ''))).toBe(true);
  });
});

describe('Reddit', () => {
  async function setup(options: Record<string, unknown>, queries = ['acme']) {
    const reddit = await startFakeReddit();
    closers.push(() => reddit.close());
    const cache = memory();
    const env = {
      REDDIT_CLIENT_ID: reddit.brand.clientId, REDDIT_CLIENT_SECRET: reddit.brand.clientSecret, REDDIT_USERNAME: reddit.brand.username,
      REDDIT_PASSWORD: reddit.brand.password, REDDIT_AUTH_URL: reddit.url, REDDIT_API_URL: reddit.url,
    };
    return { reddit, cache, source: build([{ name: 'reddit', network: 'reddit', queries, options }], env, cache) };
  }

  it('without subreddits, searches new posts site-wide; keeps one token across ticks and sends a descriptive User-Agent', async () => {
    const { reddit, source } = await setup({});
    reddit.addPost({ subreddit: 'travel', title: 'Acme lost my stroller', author: 'jane_doe' });
    reddit.addPost({ subreddit: 'AcmeAir', title: 'Acme status update', author: 'AcmeSupport' });
    reddit.addPost({ subreddit: 'travel', title: 'Best lounges', author: 'bob' });
    const r = await source().poll(undefined);
    expect(r.mentions.map((m) => m.text)).toEqual(['Acme lost my stroller']);
    expect(r.mentions[0]!.url).toMatch(/^https:\/\/www\.reddit\.com\/r\/travel\/comments\//);
    await source().poll(r.cursor);
    expect(reddit.tokensIssued).toBe(1);
    expect(reddit.callsTo('GET /search')[0]!.headers['user-agent']).toBe(`server:earshot:0.1.0 (by /u/${reddit.brand.username})`);
    expect(r.rateLimit?.remaining).toBeLessThan(600);
  });

  it('matches subreddit listings with Earshot\'s query syntax', async () => {
    const { reddit, source } = await setup({ subreddits: ['acmeair'] }, ['(refund OR voucher) -thanks']);
    const p = reddit.addPost({ subreddit: 'acmeair', title: 'Still no refund', author: 'jane_doe' });
    reddit.addComment({ on: p.data.name, body: 'got my voucher, thanks', author: 'bob' });
    reddit.addComment({ on: p.data.name, body: 'voucher never came', author: 'carl' });
    const r = await source().poll(undefined);
    expect(r.mentions.map((m) => m.text).sort()).toEqual(['Still no refund', 'voucher never came']);
  });

  it('once the request window is spent, the next tick waits without calling Reddit', async () => {
    const { reddit, source } = await setup({ subreddits: ['acmeair'] });
    const first = await source().poll(undefined);
    reddit.exhaustRateLimit();
    await expect(source().poll(first.cursor)).rejects.toBeInstanceOf(DeliveryRateLimitedError);
    const calls = reddit.calls.length;
    const err = await source().poll(first.cursor).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryRateLimitedError);
    expect(reddit.calls.length).toBe(calls);
  });

  it('reports Reddit\'s RATELIMIT answer to a comment as a wait', async () => {
    const { reddit, source } = await setup({ subreddits: ['acmeair'] });
    reddit.addPost({ subreddit: 'acmeair', title: 'acme?', author: 'jane_doe' });
    const [m] = (await source().poll(undefined)).mentions;
    reddit.refuseNextComment(['RATELIMIT', "Looks like you've been doing that a lot. Take a break for 9 minutes before trying again.", 'ratelimit']);
    const err = await source().reply(m!, 'hello').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryRateLimitedError);
    expect((err as DeliveryRateLimitedError).retryAfterMs).toBe(9 * 60_000);
    expect(reddit.posted).toHaveLength(0);
  });
});

describe('RSS and Atom feeds', () => {
  async function setup(feedCount = 2, window = 20) {
    const feeds = await startFakeFeeds();
    closers.push(() => feeds.close());
    feeds.addFeed('forum', { format: 'rss', window });
    feeds.addFeed('reviews', { format: 'atom', window });
    const urls = [feeds.url('forum'), feeds.url('reviews')].slice(0, feedCount);
    return { feeds, source: build([{ name: 'web', network: 'rss', queries: ['acme'], options: { feeds: urls, ownDomains: ['acme.example'] } }], {}) };
  }

  it('reads RSS and Atom, matches the queries, skips the brand\'s own site and history older than the look-back', async () => {
    const { feeds, source } = await setup();
    feeds.addItem('forum', { title: 'Acme old thread', date: new Date(Date.now() - 3 * 86_400_000).toISOString() });
    feeds.addItem('forum', { title: 'Acme lost my bag', description: 'At <b>Oslo</b> airport', author: 'jane' });
    feeds.addItem('forum', { title: 'Unrelated post' });
    feeds.addItem('reviews', { title: 'Acme: 1 star', author: 'K. Traveller' });
    feeds.addItem('reviews', { title: 'Acme news', link: 'https://www.acme.example/news/1' });
    const r = await source().poll(undefined);
    expect(r.mentions.map((m) => m.text).sort()).toEqual(['Acme lost my bag\n\nAt Oslo airport', 'Acme: 1 star']);
    expect(r.mentions.find((m) => m.text.startsWith('Acme: 1'))!.author.name).toBe('K. Traveller');
    expect(r.mentions.every((m) => m.url.startsWith('https://'))).toBe(true);
  });

  it('asks with If-None-Match and is answered 304 when nothing changed; undated items are new only after the first read', async () => {
    const { feeds, source } = await setup(1);
    feeds.addItem('forum', { title: 'Acme undated history', date: null });
    const first = await source().poll(undefined);
    expect(first.mentions).toEqual([]);
    const second = await source().poll(first.cursor);
    expect(second.mentions).toEqual([]);
    expect(feeds.callsTo('forum').map((c) => c.status)).toEqual([200, 304]);
    expect(feeds.callsTo('forum')[1]!.headers['if-none-match']).toMatch(/^"/);
    feeds.addItem('forum', { title: 'Acme undated but new', date: null });
    const third = await source().poll(second.cursor);
    expect(third.mentions.map((m) => m.text)).toEqual(['Acme undated but new']);
    expect((await source().poll(third.cursor)).mentions).toEqual([]);
  });

  it('one broken feed does not hold back the others: what was heard is kept, the broken one is named', async () => {
    const { feeds, source } = await setup();
    feeds.setStatus('forum', 404);
    feeds.addItem('reviews', { title: 'Acme refund review' });
    const r = await source().poll(undefined);
    expect(r.mentions.map((m) => m.text)).toEqual(['Acme refund review']);
    expect(r.problems).toEqual([expect.stringMatching(/feeds\/forum is gone \(HTTP 404\): check sources\[0\]\.options\.feeds\[0\]/)]);
    // When it is back, its items are heard from where it stood.
    feeds.setStatus('forum', undefined);
    feeds.addItem('forum', { title: 'Acme forum post' });
    expect((await source().poll(r.cursor)).mentions.map((m) => m.text)).toEqual(['Acme forum post']);
  });

  it('a page that is not a feed is reported as unavailable, naming the option to check', async () => {
    const { feeds, source } = await setup(1);
    feeds.setBody('forum', '<html><body>Please enable JavaScript</body></html>');
    await expect(source().poll(undefined)).rejects.toThrow(/not an RSS or Atom feed.*sources\[0\]\.options\.feeds\[0\]/);
  });
});

describe('source configuration', () => {
  const config = (sources: ConfigInput['sources']) => ConfigSchema.parse({ ...BASE, sources });

  it('names every problem in a source\'s options by its path in the file', () => {
    const c = config([
      { name: 'x1', network: 'x', queries: ['acme'] },
      { name: 'web', network: 'rss', queries: ['acme'], options: { feeds: ['ftp://example.com/feed', 'https://ok.example/feed'], colour: 'red' } },
      { name: 'reddit', network: 'reddit', queries: ['acme'], options: { subreddits: ['not a sub!'] } },
      { name: 'masto', network: 'mastodon', queries: ['@me'], options: { visibility: 'direct' } },
    ]);
    const env = parseEnv({ X_BEARER_TOKEN: 'b', REDDIT_CLIENT_ID: 'i', REDDIT_CLIENT_SECRET: 's', REDDIT_USERNAME: 'u', REDDIT_PASSWORD: 'p', MASTODON_URL: 'https://m.example', MASTODON_ACCESS_TOKEN: 't' });
    const paths = crossCheck(c, env, { needChat: false }).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['sources[1].options.feeds[0]', 'sources[1].options.colour', 'sources[2].options.subreddits[0]', 'sources[3].options.visibility']));
    expect(() => createSource(c.sources[1]!, c, env)).toThrow(SourceConfigError);
  });

  it('says which credentials an enabled source lacks, with where to get them; a disabled one needs none', () => {
    const c = config([
      { name: 'bsky', network: 'bluesky', queries: ['acme'] },
      { name: 'masto', network: 'mastodon', queries: ['@me'] },
      { name: 'reddit', network: 'reddit', queries: ['acme'] },
      { name: 'reddit-off', network: 'reddit', queries: ['acme'], enabled: false },
    ]);
    const problems = crossCheck(c, parseEnv({ BLUESKY_HANDLE: 'acme.bsky.social', REDDIT_CLIENT_ID: 'i' }), { needChat: false });
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['sources[0]', 'source "bsky" listens on Bluesky but BLUESKY_APP_PASSWORD is not set'],
      ['sources[1]', 'source "masto" listens on Mastodon but MASTODON_URL and MASTODON_ACCESS_TOKEN are not set'],
      ['sources[2]', 'source "reddit" listens on Reddit but REDDIT_CLIENT_SECRET, REDDIT_USERNAME, REDDIT_PASSWORD are not set'],
    ]);
    expect(problems[0]!.hint).toMatch(/App passwords/);
    expect(problems[2]!.hint).toMatch(/prefs\/apps/);
  });

  it('reports a query Earshot cannot parse where Earshot does the matching', () => {
    const c = config([{ name: 'web', network: 'rss', queries: ['acme', '"unclosed'], options: { feeds: ['https://f.example/rss'] } }]);
    expect(crossCheck(c, parseEnv({}), { needChat: false }).map((p) => p.path)).toEqual(['sources[0].queries[1]']);
  });
});
