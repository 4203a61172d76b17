import * as z from 'zod';
import { durationField } from '../../config/duration.js';
import type { Env } from '../../config/env.js';
import type { Config, SourceConfig } from '../../config/schema.js';
import type { MentionSource, SourceContext } from '../mention-source.js';
import { LazySource } from '../lazy-source.js';
import { DEFAULT_LOOKBACK_MS, ownHandles, parseLocalQueries, parseSourceOptions, sourcePath } from '../source-options.js';
import { RSS_LISTEN_ONLY } from './rss-rules.js';

const FeedUrl = z.url({ protocol: /^https?$/, error: 'the address of an RSS or Atom feed (http or https)' });

/** `options` of an RSS/Atom source. */
export const RssOptionsSchema = z.strictObject({
  /** The feeds: an address, or `{ url, name }` where name is shown when items name no author. */
  feeds: z.array(z.union([FeedUrl, z.strictObject({ url: FeedUrl, name: z.string().min(1).optional() })])).min(1, { error: 'list at least one feed address' }),
  /** The brand's own sites: items that link there are the brand's own posts and are skipped. */
  ownDomains: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, { error: 'a domain like acme.example' })).default([]),
  /** How far back the very first read of a feed reaches. */
  lookback: durationField(0).default(DEFAULT_LOOKBACK_MS),
  /** Items dated up to this long before the newest seen still count as new (sites publish with past dates). */
  overlap: durationField(0).default(86_400_000),
  timeout: durationField(1000).default(30_000),
  /** Some sites refuse unknown readers; name Earshot and a contact. */
  userAgent: z.string().min(3).default('Earshot feed reader (social customer care)'),
});

/** Feeds need no credentials. */
export function rssEnvProblems(): [] {
  return [];
}

/** Builds a feed source; loads the feed parser and fetches only when it is first polled. */
export function createRssSource(source: SourceConfig, config: Config, _env: Env, ctx: SourceContext = {}): MentionSource {
  const options = parseSourceOptions(RssOptionsSchema, source, config);
  const queries = parseLocalQueries(source, config);
  const base = `${sourcePath(source, config)}.options.feeds`;
  const opts = {
    name: source.name,
    feeds: options.feeds.map((f, i) => (typeof f === 'string' ? { url: f, path: `${base}[${i}]` } : { url: f.url, name: f.name, path: `${base}[${i}]` })),
    queries,
    ownAuthors: ownHandles(config, 'rss'),
    ownDomains: options.ownDomains.map((d) => d.toLowerCase()),
    lookbackMs: options.lookback,
    overlapMs: options.overlap,
    timeoutMs: options.timeout,
    userAgent: options.userAgent,
    now: ctx.now ?? Date.now,
  };
  return new LazySource(source.name, 'rss', false, () => RSS_LISTEN_ONLY, async () => new (await import('./rss-source.js')).RssSource(opts));
}
