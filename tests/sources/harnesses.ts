/**
 * One harness per network for the source contract suite: a fake network on 127.0.0.1, and
 * the adapter built the way the listening job builds it (createSource with the config,
 * the environment and the store as cache), fresh for every poll as a new worker would be.
 */
import { ConfigSchema, type ConfigInput } from '../../src/config/schema.js';
import { parseEnv } from '../../src/config/load-config.js';
import type { Network } from '../../src/domain/mention.js';
import type { MentionSource, SourceCache } from '../../src/sources/mention-source.js';
import { createSource } from '../../src/sources/create-sources.js';
import { htmlToText } from '../../src/sources/mastodon/mastodon-text.js';
import { startFakeBluesky } from '../fakes/fake-bluesky.js';
import { startFakeFeeds } from '../fakes/fake-feeds.js';
import { startFakeMastodon } from '../fakes/fake-mastodon.js';
import { startFakeReddit } from '../fakes/fake-reddit.js';
import { startFakeX } from '../fakes/fake-x.js';
import type { Misbehaviour } from '../fakes/misbehave.js';

/** A thread: the root post and a customer's reply in it that is the mention. */
export interface Thread { root: string; mention: string }

export interface Harness {
  network: Network;
  /** A new adapter, as each listening tick builds one. */
  source(): MentionSource;
  /** A customer's post that the source's query matches; its mention id. */
  post(text: string): string;
  /** A post by the brand's own account that the query also matches. */
  ownPost(text: string): string;
  /** A customer's post that replies inside someone's thread (where the network has threads). */
  threadPost(text: string): Thread;
  /** Replies the fake received: text, the post replied to, and the thread root where the network has one. */
  replies(): Array<{ id: string; text: string; parent: string; root?: string | undefined }>;
  /** Makes the credentials wrong; `authVar` is the variable the error must name. */
  breakAuth(): void;
  restoreAuth(): void;
  authVar: RegExp;
  faults: Misbehaviour;
  /** More posts than one poll reads (page size × maxPages). */
  burst: number;
  /** The reply limit as the network counts it, and text that fits exactly. */
  limit?: { max: number; fits: string; tooLong: string };
  /** A fresh store-like cache (sessions, tokens), kept across "restarts". */
  resetCache(): void;
  close(): Promise<void>;
}

const BASE: Omit<ConfigInput, 'sources'> = {
  brand: { name: 'Acme', handles: { x: ['acme'], bluesky: ['acme.bsky.social'], mastodon: ['acme'], reddit: ['AcmeSupport'], rss: ['Acme Team'] } },
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }],
  routing: { fallback: 'care' },
};

function memoryCache(): { cache: SourceCache; clear(): void } {
  const m = new Map<string, unknown>();
  return {
    cache: { get: async <T>(k: string) => m.get(k) as T | undefined, set: async (k, v) => { m.set(k, v); }, delete: async (k) => { m.delete(k); } },
    clear: () => m.clear(),
  };
}

function builder(source: ConfigInput['sources'][number], env: Record<string, string>) {
  const config = ConfigSchema.parse({ ...BASE, sources: [source] });
  const parsedEnv = parseEnv(env);
  const mem = memoryCache();
  return {
    config,
    env: parsedEnv,
    build: () => createSource(config.sources[0]!, config, parsedEnv, { cache: mem.cache }),
    resetCache: mem.clear,
  };
}

export async function xHarness(): Promise<Harness> {
  const x = await startFakeX({ me: { username: 'acme' } });
  const b = builder({ name: 'x-acme', network: 'x', queries: ['acme -is:retweet'], maxPages: 1 }, {
    X_BEARER_TOKEN: 'bearer', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'as', X_API_URL: x.url,
  });
  return {
    network: 'x',
    source: b.build,
    post: (text) => x.addTweet({ text, author: 'jane' }).id,
    ownPost: (text) => x.addTweet({ text, author: 'acme' }).id,
    threadPost(text) {
      const root = x.addTweet({ text: 'my flight is late', author: 'bob' });
      return { root: root.id, mention: x.addTweet({ text, author: 'jane', replyTo: root.id }).id };
    },
    replies: () => x.posted.map((t) => ({ id: t.id, text: t.text, parent: t.referenced_tweets?.find((r) => r.type === 'replied_to')?.id ?? '' })),
    // The fake X answers a missing Authorization with 401; a revoked token looks the same from here.
    breakAuth: () => { x.faults.schedule('GET /2/tweets/search/recent', { kind: '5xx', status: 401 }, 5); },
    restoreAuth: () => { x.faults.clear(); },
    authVar: /X_BEARER_TOKEN/,
    faults: x.faults,
    burst: 130,
    limit: { max: 280, fits: 'a'.repeat(280), tooLong: 'a'.repeat(281) },
    resetCache: b.resetCache,
    close: () => x.close(),
  };
}

export async function blueskyHarness(): Promise<Harness> {
  const bsky = await startFakeBluesky();
  const password = bsky.appPassword;
  const b = builder({ name: 'bsky-acme', network: 'bluesky', queries: ['acme'], maxPages: 1, options: { pageSize: 5 } }, {
    BLUESKY_SERVICE_URL: bsky.url, BLUESKY_HANDLE: 'acme.bsky.social', BLUESKY_APP_PASSWORD: password,
  });
  return {
    network: 'bluesky',
    source: b.build,
    post: (text) => bsky.addPost({ text, author: 'jane.bsky.social' }).uri,
    ownPost: (text) => bsky.addPost({ text, author: 'acme.bsky.social' }).uri,
    threadPost(text) {
      const root = bsky.addPost({ text: 'my flight is late', author: 'bob.bsky.social' });
      const mid = bsky.addPost({ text: 'same here', author: 'carol.bsky.social', replyTo: root.uri });
      return { root: root.uri, mention: bsky.addPost({ text, author: 'jane.bsky.social', replyTo: mid.uri }).uri };
    },
    replies: () => bsky.posted.map((p) => ({ id: p.uri, text: p.record.text, parent: p.record.reply?.parent.uri ?? '', root: p.record.reply?.root.uri })),
    breakAuth: () => { bsky.appPassword = 'wrong-password'; bsky.revokeSessions(); },
    restoreAuth: () => { bsky.appPassword = password; },
    authVar: /BLUESKY_APP_PASSWORD/,
    faults: bsky.faults,
    burst: 12,
    // 300 graphemes: a skin-toned thumbs-up is one, though it is four UTF-16 units.
    limit: { max: 300, fits: '👍🏽'.repeat(300), tooLong: 'a'.repeat(301) },
    resetCache: b.resetCache,
    close: () => bsky.close(),
  };
}

export async function mastodonHarness(): Promise<Harness> {
  const m = await startFakeMastodon();
  const token = m.accessToken;
  const b = builder({ name: 'masto-acme', network: 'mastodon', queries: ['#acmecare'], maxPages: 1, options: { pageSize: 5 } }, {
    MASTODON_URL: m.url, MASTODON_ACCESS_TOKEN: token,
  });
  return {
    network: 'mastodon',
    source: b.build,
    post: (text) => m.addStatus({ text: `${text} #acmecare`, author: 'jane' }).id,
    ownPost: (text) => m.addStatus({ text: `${text} #acmecare`, author: 'acme' }).id,
    threadPost(text) {
      const root = m.addStatus({ text: 'my flight is late', author: 'bob@other.example' });
      return { root: root.id, mention: m.addStatus({ text: `${text} #acmecare`, author: 'jane', replyTo: root.id }).id };
    },
    replies: () => m.posted.map((s) => ({ id: s.id, text: htmlToText(s.content), parent: s.in_reply_to_id ?? '' })),
    breakAuth: () => { m.accessToken = 'revoked'; },
    restoreAuth: () => { m.accessToken = token; },
    authVar: /MASTODON_ACCESS_TOKEN/,
    faults: m.faults,
    burst: 12,
    // 500 as Mastodon counts: every link is 23, so a long URL costs no more than a short one.
    limit: { max: 500, fits: `${'a'.repeat(476)} https://example.com/${'x'.repeat(200)}`, tooLong: 'a'.repeat(501) },
    resetCache: b.resetCache,
    close: () => m.close(),
  };
}

export async function redditHarness(): Promise<Harness> {
  const r = await startFakeReddit();
  const password = r.brand.password;
  const b = builder({ name: 'reddit-acme', network: 'reddit', queries: ['acme'], maxPages: 1, options: { subreddits: ['acmeair'], comments: true, pageSize: 5 } }, {
    REDDIT_CLIENT_ID: r.brand.clientId, REDDIT_CLIENT_SECRET: r.brand.clientSecret, REDDIT_USERNAME: r.brand.username, REDDIT_PASSWORD: password,
    REDDIT_AUTH_URL: r.url, REDDIT_API_URL: r.url,
  });
  return {
    network: 'reddit',
    source: b.build,
    post: (text) => r.addPost({ subreddit: 'acmeair', title: text, author: 'jane_doe' }).data.name,
    ownPost: (text) => r.addPost({ subreddit: 'acmeair', title: text, author: 'AcmeSupport' }).data.name,
    threadPost(text) {
      const root = r.addPost({ subreddit: 'acmeair', title: 'Flight delays today?', author: 'bob' });
      return { root: root.data.name, mention: r.addComment({ on: root.data.name, body: text, author: 'jane_doe' }).data.name };
    },
    replies: () => r.posted.map((c) => ({ id: c.data.name, text: c.data.body, parent: c.data.parent_id, root: c.data.link_id })),
    breakAuth: () => { r.brand.password = 'wrong'; r.revokeTokens(); },
    restoreAuth: () => { r.brand.password = password; },
    authVar: /REDDIT_PASSWORD/,
    faults: r.faults,
    burst: 12,
    limit: { max: 10_000, fits: 'a'.repeat(10_000), tooLong: 'a'.repeat(10_001) },
    resetCache: b.resetCache,
    close: () => r.close(),
  };
}

export async function rssHarness(): Promise<Harness> {
  const feeds = await startFakeFeeds();
  feeds.addFeed('forum', { format: 'rss', title: 'Travel forum', link: 'https://forum.example/', window: 30 });
  const b = builder({ name: 'web-acme', network: 'rss', queries: ['acme'], options: { feeds: [feeds.url('forum')], ownDomains: ['acme.example'] } }, {});
  return {
    network: 'rss',
    source: b.build,
    post: (text) => feeds.addItem('forum', { title: text, author: 'jane' }).link,
    ownPost: (text) => feeds.addItem('forum', { title: text, author: 'Acme Team', link: `https://blog.acme.example/${Math.random().toString(36).slice(2)}` }).link,
    threadPost(text) {
      const link = feeds.addItem('forum', { title: text, author: 'jane' }).link;
      return { root: link, mention: link };
    },
    replies: () => [],
    breakAuth: () => { feeds.setStatus('forum', 401); },
    restoreAuth: () => { feeds.setStatus('forum', undefined); },
    authVar: /sources\[0\]\.options\.feeds\[0\]/,
    faults: feeds.faults,
    burst: 12,
    resetCache: b.resetCache,
    close: () => feeds.close(),
  };
}

export const HARNESSES: Array<[Network, () => Promise<Harness>]> = [
  ['x', xHarness],
  ['bluesky', blueskyHarness],
  ['mastodon', mastodonHarness],
  ['reddit', redditHarness],
  ['rss', rssHarness],
];
