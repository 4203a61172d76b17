import { createHash } from 'node:crypto';
import Parser from 'rss-parser';
import * as z from 'zod';
import type { Reply } from '../../domain/case.js';
import type { Mention } from '../../domain/mention.js';
import { matchQuery } from '../../domain/parse-query.js';
import type { MentionSource, PollResult } from '../mention-source.js';
import { readCursor } from '../source-cursor.js';
import { DeliveryPermanentError, DeliveryRateLimitedError, SourceUnavailableError } from '../source-errors.js';
import type { LocalQuery } from '../source-options.js';
import { isNetworkFailure, retryAfterMs, timedFetch } from '../timed-fetch.js';
import { RSS_LISTEN_ONLY } from './rss-rules.js';

export interface FeedConfig {
  url: string;
  /** Shown as the author when items name none (e.g. "Trustpilot reviews"). */
  name?: string | undefined;
  /** Where this feed sits in the config, for messages (`sources[3].options.feeds[1]`). */
  path: string;
}

export interface RssSourceOptions {
  name: string;
  feeds: FeedConfig[];
  queries: LocalQuery[];
  /** The brand's own names as item authors (lower case). */
  ownAuthors: Set<string>;
  /** The brand's own sites: items linking there are the brand's own posts. */
  ownDomains: string[];
  lookbackMs: number;
  /** Items dated up to this long before the newest one seen still count as new (feeds publish late). */
  overlapMs: number;
  timeoutMs: number;
  userAgent: string;
  now: () => number;
}

/** Per-feed state: the newest date heard, ids heard, and the validators for conditional GET. */
const FeedStateSchema = z.strictObject({
  hw: z.number().finite().optional(),
  floorAt: z.number().finite().optional(),
  seen: z.record(z.string(), z.number().finite()).optional(),
  etag: z.string().optional(),
  modified: z.string().optional(),
});
type FeedState = z.output<typeof FeedStateSchema>;
/** The stored cursor: one state per feed URL. */
export const RssCursorSchema = z.strictObject({ f: z.record(z.string(), FeedStateSchema).optional() });
type Cursor = z.output<typeof RssCursorSchema>;

interface FeedItem { id: string; at: number | undefined; item: Parser.Item & { author?: string }; feedTitle: string | undefined; feedLink: string | undefined }

const MAX_TEXT = 2000;
const isWebUrl = (u: string | undefined): u is string => !!u && /^https?:\/\/[^\s]+$/i.test(u);

/**
 * RSS and Atom feeds (forums, blogs, review sites, news alerts): listen-only. Every feed
 * is read in full each poll (with If-None-Match / If-Modified-Since, so an unchanged feed
 * costs a 304), and its items are matched against the source's queries here. The card
 * links out to the item; there is no reply.
 */
export class RssSource implements MentionSource {
  readonly network = 'rss' as const;
  readonly canReply = false;
  readonly name: string;
  private readonly fetch: typeof fetch;
  private readonly parser = new Parser();

  constructor(private readonly opts: RssSourceOptions) {
    this.name = opts.name;
    this.fetch = timedFetch(opts.timeoutMs);
  }

  checkReply(): string | undefined {
    return RSS_LISTEN_ONLY;
  }

  async reply(): Promise<Reply> {
    throw new DeliveryPermanentError('feeds are listen-only; Earshot cannot reply through them');
  }

  async findReply(): Promise<Reply | undefined> {
    return undefined;
  }

  async poll(raw: string | undefined): Promise<PollResult> {
    // An unreadable cursor resumes from the look-back, filtered here by each item's date:
    // a feed is always read whole, and has no way to ask for items since a time. Without
    // validators the first read is a full GET, not a 304.
    const resumeFrom = this.opts.now() - this.opts.lookbackMs;
    const { cursor = {}, unreadable } = readCursor(RssCursorSchema, raw, this.name, resumeFrom);
    const next: Required<Cursor> = { f: {} };
    const mentions: Mention[] = [];
    const failures: Error[] = [];
    let requests = 0;
    for (const feed of this.opts.feeds) {
      const before: FeedState = cursor.f?.[feed.url] ?? (unreadable ? { floorAt: resumeFrom } : {});
      try {
        requests += 1;
        const r = await this.pollFeed(feed, before);
        next.f[feed.url] = r.state;
        mentions.push(...r.mentions);
      } catch (e) {
        // One broken feed must not hold back the others: keep its state, report it below.
        next.f[feed.url] = before;
        failures.push(e as Error);
      }
    }
    if (failures.length === this.opts.feeds.length && failures[0]) throw failures[0];
    mentions.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    return {
      mentions,
      cursor: JSON.stringify(next),
      requests,
      ...(failures.length > 0 ? { problems: failures.map((f) => f.message) } : {}),
      ...(unreadable ? { cursorUnreadable: unreadable } : {}),
    };
  }

  private async pollFeed(feed: FeedConfig, state: FeedState): Promise<{ mentions: Mention[]; state: FeedState }> {
    const now = this.opts.now();
    const headers: Record<string, string> = {
      'user-agent': this.opts.userAgent,
      accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5',
    };
    if (state.etag) headers['if-none-match'] = state.etag;
    if (state.modified) headers['if-modified-since'] = state.modified;
    let res: Response;
    try {
      res = await this.fetch(feed.url, { headers, redirect: 'follow' });
    } catch (e) {
      if (isNetworkFailure(e)) throw new SourceUnavailableError(`the feed ${feed.url} could not be reached: ${(e as Error).message}`, { cause: e });
      throw e;
    }
    if (res.status === 304) return { mentions: [], state };
    if (res.status === 429) {
      await res.body?.cancel();
      throw new DeliveryRateLimitedError(Math.max(1000, retryAfterMs(res.headers.get('retry-after'), now) ?? 300_000), `the feed ${feed.url} asked to slow down (HTTP 429)`);
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new SourceUnavailableError(`the feed ${feed.url} answered ${res.status}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      const why = res.status === 401 || res.status === 403 ? 'refuses access' : res.status === 404 || res.status === 410 ? 'is gone' : `answered ${res.status}`;
      throw new DeliveryPermanentError(`the feed ${feed.url} ${why} (HTTP ${res.status}): check ${feed.path}`);
    }
    const xml = await res.text();
    let parsed: Parser.Output<{ author?: string }>;
    try {
      parsed = await this.parser.parseString(xml);
    } catch (e) {
      throw new SourceUnavailableError(`${feed.url} is not an RSS or Atom feed right now (${(e as Error).message.split('\n')[0]}): check ${feed.path}`, { cause: e });
    }
    const items: FeedItem[] = parsed.items.map((item) => {
      const at = item.isoDate ? Date.parse(item.isoDate) : item.pubDate ? Date.parse(item.pubDate) : Number.NaN;
      return { id: this.itemId(feed, item), at: Number.isNaN(at) ? undefined : at, item, feedTitle: parsed.title, feedLink: parsed.link };
    });

    const first = state.hw === undefined && state.seen === undefined;
    const floor = state.hw !== undefined ? state.hw - this.opts.overlapMs : state.floorAt ?? now - this.opts.lookbackMs;
    const seen = state.seen ?? {};
    const mentions: Mention[] = [];
    for (const it of items) {
      if (seen[it.id] !== undefined) continue;
      // Undated items: on the first read they are history; afterwards, new by being new to us.
      const isNew = it.at === undefined ? !first : it.at >= floor;
      if (!isNew) continue;
      const m = this.toMention(feed, it, now);
      if (m && !this.isOwn(m, it) && this.matches(m.text)) mentions.push(m);
    }
    const dated = items.map((i) => i.at).filter((a): a is number => a !== undefined);
    const hw = dated.length > 0 ? Math.max(state.hw ?? Number.NEGATIVE_INFINITY, ...dated) : state.hw;
    // Remember every item still in the feed, and recent ones that dropped out (a feed's window can wobble).
    const keep: Record<string, number> = {};
    const keepFloor = hw !== undefined ? hw - this.opts.overlapMs : floor;
    for (const [id, at] of Object.entries(seen)) if (at >= keepFloor) keep[id] = at;
    for (const it of items) keep[it.id] = it.at ?? now;
    const etag = res.headers.get('etag');
    const modified = res.headers.get('last-modified');
    return {
      mentions,
      state: {
        ...(hw !== undefined ? { hw } : { floorAt: floor }),
        seen: keep,
        ...(etag ? { etag } : {}),
        ...(modified ? { modified } : {}),
      },
    };
  }

  /** A stable id: the item's link (the same article in two feeds is one case), else the feed and its guid. */
  private itemId(feed: FeedConfig, item: Parser.Item): string {
    if (isWebUrl(item.link)) return item.link.trim();
    const local = item.guid ?? `${item.title ?? ''}|${item.isoDate ?? item.pubDate ?? ''}`;
    return `${feed.url}#${createHash('sha256').update(local).digest('hex').slice(0, 16)}`;
  }

  private toMention(feed: FeedConfig, it: FeedItem, now: number): Mention | undefined {
    const link = [it.item.link?.trim(), it.feedLink?.trim(), feed.url].find(isWebUrl);
    if (!link) return undefined;
    const host = new URL(link).host;
    const author = (it.item.creator ?? it.item.author ?? '').trim();
    const who = author || feed.name || it.feedTitle?.trim() || host;
    const title = (it.item.title ?? '').trim();
    const body = (it.item.contentSnippet ?? it.item.summary ?? '').trim();
    const text = [title, body].filter(Boolean).join('\n\n');
    return {
      network: 'rss',
      source: this.name,
      id: it.id,
      text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text,
      createdAt: new Date(it.at ?? now).toISOString(),
      url: link,
      author: { id: `${host}:${who}`, handle: who, name: who, followers: 0, followersUnknown: true, verified: false },
      isRepost: false,
      isQuote: false,
    };
  }

  private isOwn(m: Mention, it: FeedItem): boolean {
    const author = (it.item.creator ?? it.item.author ?? '').trim().toLowerCase();
    if (author && this.opts.ownAuthors.has(author)) return true;
    const host = new URL(m.url).hostname.toLowerCase();
    return this.opts.ownDomains.some((d) => host === d || host.endsWith(`.${d}`));
  }

  private matches(text: string): boolean {
    return this.opts.queries.some((q) => q.node === 'all' || matchQuery(q.node, text).matched);
  }
}
