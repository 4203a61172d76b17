import * as z from 'zod';
import type { Reply } from '../../domain/case.js';
import type { Mention } from '../../domain/mention.js';
import { REDDIT_MAX_COMMENT } from '../../domain/reply-limits.js';
import { matchQuery } from '../../domain/parse-query.js';
import type { MentionSource, PollResult } from '../mention-source.js';
import { pollWindow, type WindowItem, type WindowPage } from '../poll-window.js';
import { readCursor, WindowStateSchema } from '../source-cursor.js';
import { DeliveryPermanentError, DeliveryRateLimitedError } from '../source-errors.js';
import type { LocalQuery } from '../source-options.js';
import type { RedditClient, RedditListing, RedditThing } from './reddit-client.js';

/** Reddit's limit on a comment's body (the API answers TOO_LONG above it). */
export { REDDIT_MAX_COMMENT };

/** The fields of a post (t3) or comment (t1) Earshot reads. */
export interface RedditItem {
  id: string;
  name: string;
  author: string;
  author_fullname?: string;
  subreddit: string;
  created_utc: number;
  permalink: string;
  title?: string;
  selftext?: string;
  body?: string;
  parent_id?: string;
  link_id?: string;
  over_18?: boolean;
  removed_by_category?: string | null;
}

export interface RedditSourceOptions {
  name: string;
  /** Reddit search queries, or (with subreddits) Earshot's own query syntax applied to the listings. */
  queries: LocalQuery[];
  /** Without subreddits, each query is a site-wide search of new posts. */
  subreddits: string[];
  posts: boolean;
  comments: boolean;
  maxPages: number;
  pageSize: number;
  /** The brand's own Reddit accounts (lower case), REDDIT_USERNAME included. */
  ownAccounts: Set<string>;
  username: string;
  /** Search results appear late (indexing): re-read this far below the newest heard. */
  overlapMs: number;
  lookbackMs: number;
  now: () => number;
  client: RedditClient;
}

/** The stored cursor: one listing state per stream (a search query, or a subreddit listing). */
export const RedditCursorSchema = z.strictObject({ s: z.record(z.string(), WindowStateSchema).optional() });
type Cursor = z.output<typeof RedditCursorSchema>;

/** Reddit ids are base-36 counters: bigger is newer. */
const idKey = (id: string): bigint => [...id.toLowerCase()].reduce((n, c) => n * 36n + BigInt(Number.parseInt(c, 36)), 0n);
const textOf = (d: RedditItem): string => (d.title !== undefined ? [d.title, d.selftext ?? ''].filter(Boolean).join('\n\n') : d.body ?? '');
const gone = (d: RedditItem): boolean => d.author === '[deleted]' || d.body === '[removed]' || d.body === '[deleted]' || d.selftext === '[removed]' || !!d.removed_by_category;

/**
 * Reddit through its OAuth API. With `options.subreddits`, the subreddits' listings of new
 * posts (`/r/a+b/new`) and new comments (`/r/a+b/comments`) are read in full and matched
 * against the queries here: listings are complete and immediate, where search lags and
 * does not cover comments. Without subreddits, each query is a site-wide search of new
 * posts. Replies are comments (`POST /api/comment` with the post's or comment's fullname).
 */
export class RedditSource implements MentionSource {
  readonly network = 'reddit' as const;
  readonly canReply = true;
  readonly name: string;

  constructor(private readonly opts: RedditSourceOptions) {
    this.name = opts.name;
  }

  checkReply(text: string): string | undefined {
    const n = [...text].length;
    return n > REDDIT_MAX_COMMENT ? `The reply is ${n} characters; Reddit allows ${REDDIT_MAX_COMMENT} in a comment. Shorten it by ${n - REDDIT_MAX_COMMENT}.` : undefined;
  }

  private streams(): Array<{ key: string; path: string; params: Record<string, string>; timeKeyed: boolean; filter: boolean }> {
    const { subreddits } = this.opts;
    if (subreddits.length > 0) {
      const r = `r/${subreddits.join('+')}`;
      return [
        ...(this.opts.posts ? [{ key: `${r}/new`, path: `${r}/new`, params: {}, timeKeyed: false, filter: true }] : []),
        ...(this.opts.comments ? [{ key: `${r}/comments`, path: `${r}/comments`, params: {}, timeKeyed: false, filter: true }] : []),
      ];
    }
    return this.opts.queries.map((q) => ({ key: `search:${q.text}`, path: 'search', params: { q: q.text, sort: 'new', type: 'link', t: 'all' }, timeKeyed: true, filter: false }));
  }

  async poll(raw: string | undefined): Promise<PollResult> {
    const now = this.opts.now();
    // An unreadable cursor resumes from the look-back, filtered here by created_utc:
    // Reddit's listings and search take no start time (`t=` is hour/day/week, too coarse).
    const { cursor = {}, unreadable } = readCursor(RedditCursorSchema, raw, this.name, now - this.opts.lookbackMs);
    const next: Required<Cursor> = { s: {} };
    const found = new Map<string, RedditItem>();
    const { client } = this.opts;
    const requestsBefore = client.requests;
    let more = false;
    try {
      for (const stream of this.streams()) {
        const r = await pollWindow<RedditItem>({
          state: cursor.s?.[stream.key],
          maxPages: this.opts.maxPages,
          overlap: stream.timeKeyed ? BigInt(this.opts.overlapMs) : 0n,
          now,
          lookbackMs: this.opts.lookbackMs,
          // `after=<fullname>` names a position in the listing: it stays valid.
          durableTokens: true,
          fetchPage: async (_bounds, token): Promise<WindowPage<RedditItem>> => {
            const listing = await client.get<RedditListing<RedditItem>>(stream.path, { ...stream.params, limit: String(this.opts.pageSize), ...(token ? { after: token } : {}) }, 'search');
            return {
              items: listing.data.children.map((c: RedditThing<RedditItem>): WindowItem<RedditItem> => ({
                id: c.data.name,
                key: stream.timeKeyed ? BigInt(Math.round(c.data.created_utc * 1000)) : idKey(c.data.id),
                at: c.data.created_utc * 1000,
                value: this.keep(c.data, stream.filter) ? c.data : undefined,
              })),
              next: listing.data.after ?? undefined,
            };
          },
        });
        next.s[stream.key] = r.state;
        more ||= r.state.gap !== undefined;
        for (const item of r.values) found.set(item.name, item);
      }
    } finally {
      await client.saveRateLimit();
    }
    const items = [...found.values()].sort((a, b) => a.created_utc - b.created_utc || (a.name < b.name ? -1 : 1));
    return {
      mentions: items.map((d) => this.toMention(d)), cursor: JSON.stringify(next), requests: client.requests - requestsBefore, rateLimit: client.rateLimit,
      ...(unreadable ? { cursorUnreadable: unreadable } : {}),
      ...(more ? { more } : {}),
    };
  }

  private keep(d: RedditItem, filter: boolean): boolean {
    if (gone(d) || this.opts.ownAccounts.has(d.author.toLowerCase())) return false;
    if (!filter) return true;
    const text = textOf(d);
    return this.opts.queries.some((q) => q.node === 'all' || matchQuery(q.node, text).matched);
  }

  private toMention(d: RedditItem): Mention {
    const isComment = d.name.startsWith('t1_');
    return {
      network: 'reddit',
      source: this.name,
      id: d.name,
      text: textOf(d),
      createdAt: new Date(d.created_utc * 1000).toISOString(),
      url: `https://www.reddit.com${d.permalink}`,
      author: {
        id: d.author_fullname ?? `u/${d.author}`,
        handle: d.author,
        name: `u/${d.author}`,
        // Listings carry no follower counts; Reddit shows karma, not reach. Unknown, not none.
        followers: 0,
        followersUnknown: true,
        verified: false,
      },
      conversationId: isComment ? d.link_id ?? d.name : d.name,
      ...(isComment && d.parent_id ? { inReplyToId: d.parent_id } : {}),
      isRepost: false,
      isQuote: false,
    };
  }

  async reply(mention: Mention, text: string): Promise<Reply> {
    const { client } = this.opts;
    type CommentAnswer = { json?: { errors?: Array<[string, string, string?]>; data?: { things?: Array<RedditThing<RedditItem>> } } };
    const r = await client.post<CommentAnswer>('api/comment', { api_type: 'json', thing_id: mention.id, text }, 'reply');
    const errors = r.json?.errors ?? [];
    if (errors.length > 0) {
      const [code, message] = errors[0]!;
      if (code === 'RATELIMIT') throw new DeliveryRateLimitedError(waitFrom(message), `Reddit rate limit on the reply: ${message}`);
      throw new DeliveryPermanentError(`Reddit rejected the reply (${code}): ${message}`);
    }
    const thing = r.json?.data?.things?.[0]?.data;
    if (!thing) throw new DeliveryPermanentError('Reddit accepted the reply but did not say where it is');
    return { id: thing.name, url: `https://www.reddit.com${thing.permalink}`, at: new Date((thing.created_utc ?? this.opts.now() / 1000) * 1000).toISOString(), text: thing.body ?? text };
  }

  async findReply(mention: Mention, text: string): Promise<Reply | undefined> {
    const listing = await this.opts.client.get<RedditListing<RedditItem>>(`user/${encodeURIComponent(this.opts.username)}/comments`, { sort: 'new', limit: '100' }, 'reply check');
    const hit = listing.data.children.map((c) => c.data).find((d) => d.parent_id === mention.id);
    return hit ? { id: hit.name, url: `https://www.reddit.com${hit.permalink}`, at: new Date(hit.created_utc * 1000).toISOString(), text: hit.body ?? text } : undefined;
  }
}

/** "… take a break for 9 minutes …" / "… 30 seconds …" → ms. */
function waitFrom(message: string): number {
  const m = /(\d+)\s*(second|minute|hour)/i.exec(message);
  if (!m) return 60_000;
  const unit = m[2]!.toLowerCase() === 'second' ? 1000 : m[2]!.toLowerCase() === 'minute' ? 60_000 : 3_600_000;
  return Number(m[1]) * unit;
}
