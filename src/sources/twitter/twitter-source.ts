import twitterText from 'twitter-text';
import { ApiRequestError, ApiResponseError, type TweetV2, type TwitterApi } from 'twitter-api-v2';
import * as z from 'zod';
import type { Reply } from '../../domain/case.js';
import type { Mention } from '../../domain/mention.js';
import { X_REPLY_LIMIT } from '../../domain/reply-limits.js';
import type { MentionSource, PollResult } from '../mention-source.js';
import type { PrivateMessages } from '../private-messages.js';
import { readCursor } from '../source-cursor.js';
import { tweetToMention } from './tweet-mention.js';
import { DEFAULT_LOOKBACK_MS } from '../source-options.js';
import { DeliveryPermanentError, DeliveryRateLimitedError, SourceUnavailableError } from '../source-errors.js';

const TweetId = z.string().regex(/^\d{1,19}$/, { error: 'expected a post id' });
/**
 * Per-query cursor: the newest id seen, a gap still to fill when a poll stopped paging
 * early, and, until something is heard, the look-back floor (ms) sent as `start_time`.
 */
const QueryCursorSchema = z.strictObject({
  since: TweetId.optional(),
  gapUntil: TweetId.optional(),
  gapNewest: TweetId.optional(),
  floorAt: z.number().finite().optional(),
});
/** The stored cursor: one state per query. */
export const TwitterCursorSchema = z.record(z.string(), QueryCursorSchema);
type QueryCursor = z.output<typeof QueryCursorSchema>;
type Cursor = Record<string, QueryCursor>;

/** Recent search reaches seven days back; an older `start_time` is refused (HTTP 400). */
const RECENT_SEARCH_MS = 7 * 86_400_000;

export interface TwitterSourceOptions {
  name: string;
  queries: string[];
  maxPages: number;
  /** The brand's own handles: their posts are never mentions. */
  ownHandles: string[];
  read: TwitterApi;
  write?: TwitterApi | undefined;
  /** How far back a poll reaches when nothing was heard yet (first poll, unreadable cursor); default one hour. */
  lookbackMs?: number | undefined;
  /** The clock (ms); default Date.now. */
  now?: (() => number) | undefined;
  /** Direct messages, when the source's `options.private` turns them on. */
  private?: PrivateMessages | undefined;
}

/** The default `options.lookback` of an X source, as on the other networks (one hour). */
export const X_DEFAULT_LOOKBACK_MS = DEFAULT_LOOKBACK_MS;
const bigger = (a: string | undefined, b: string | undefined) => (!a ? b : !b ? a : BigInt(a) > BigInt(b) ? a : b);

/** Shared by every network adapter; re-exported here for existing imports. */
export { SourceUnavailableError };

/** X (Twitter) recent search as a {@link MentionSource}. */
export class TwitterSource implements MentionSource {
  readonly network = 'x' as const;
  readonly name: string;
  readonly private: PrivateMessages | undefined;
  private brandUserId: string | undefined;

  constructor(private readonly opts: TwitterSourceOptions) {
    this.name = opts.name;
    this.private = opts.private;
  }

  get canReply(): boolean {
    return !!this.opts.write;
  }

  checkReply(text: string): string | undefined {
    const parsed = twitterText.parseTweet(text);
    if (parsed.weightedLength > X_REPLY_LIMIT) {
      return `The reply is ${parsed.weightedLength} characters as X counts them (links count 23, most emoji and CJK characters 2); X allows ${X_REPLY_LIMIT}. Shorten it by ${parsed.weightedLength - X_REPLY_LIMIT}.`;
    }
    return undefined;
  }

  async poll(raw: string | undefined): Promise<PollResult> {
    const now = (this.opts.now ?? Date.now)();
    const lookbackMs = this.opts.lookbackMs ?? X_DEFAULT_LOOKBACK_MS;
    // Without a `since` id (first poll, unreadable cursor) recent search would walk back
    // seven days; X takes a start time, so the look-back is asked for as `start_time`.
    const { cursor = {}, unreadable } = readCursor(TwitterCursorSchema, raw, this.name, now - lookbackMs);
    const next: Cursor = {};
    const seen = new Map<string, Mention>();
    let requests = 0;
    let rateLimit: PollResult['rateLimit'];
    let more = false;
    for (const query of this.opts.queries) {
      const c = cursor[query] ?? {};
      const floorAt = c.since ? undefined : c.floorAt ?? now - lookbackMs;
      // A floor kept while a quiet query heard nothing can age past what X still holds.
      const startTime = floorAt === undefined ? undefined : Math.max(floorAt, now - RECENT_SEARCH_MS + 60_000);
      // Fill an earlier gap first (older posts between `since` and `gapUntil`), then new posts.
      const window = c.gapUntil ? { since: c.since, until: c.gapUntil } : { since: c.since, until: undefined };
      const r = await this.search(query, window.since, window.until, startTime);
      requests += r.requests;
      rateLimit = r.rateLimit ?? rateLimit;
      for (const m of r.mentions) seen.set(m.id, m);
      const newest = bigger(c.gapNewest, r.newest);
      if (!r.done) {
        // Stopped paging early: everything newer than r.oldest is in; remember the gap.
        more = true;
        next[query] = {
          ...(c.since ? { since: c.since } : {}), gapUntil: r.oldest!, ...(newest ? { gapNewest: newest } : {}),
          ...(floorAt !== undefined ? { floorAt } : {}),
        };
      } else {
        const since = c.gapUntil ? bigger(c.since, newest) : bigger(c.since, r.newest);
        next[query] = since ? { since } : floorAt !== undefined ? { floorAt } : {};
      }
    }
    const mentions = [...seen.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    return { mentions, cursor: JSON.stringify(next), requests, rateLimit, ...(unreadable ? { cursorUnreadable: unreadable } : {}), ...(more ? { more } : {}) };
  }

  private async search(query: string, since: string | undefined, until: string | undefined, startTime: number | undefined) {
    let requests = 0;
    try {
      requests += 1;
      const page = await this.opts.read.v2.search(query, {
        max_results: 100,
        ...(since ? { since_id: since } : {}),
        ...(until ? { until_id: until } : {}),
        ...(startTime !== undefined ? { start_time: new Date(startTime).toISOString() } : {}),
        expansions: ['author_id', 'referenced_tweets.id'],
        'tweet.fields': ['created_at', 'conversation_id', 'lang', 'referenced_tweets', 'in_reply_to_user_id', 'author_id'],
        'user.fields': ['name', 'username', 'public_metrics', 'verified', 'verified_type'],
      });
      let pages = 1;
      while (!page.done && pages < this.opts.maxPages) {
        requests += 1;
        await page.fetchNext();
        pages += 1;
      }
      const mentions = page.tweets.map((t) => tweetToMention(t, page.includes.author(t), this.name, this.opts.ownHandles)).filter((m): m is Mention => !!m);
      const ids = page.tweets.map((t) => t.id);
      const newest = ids.reduce<string | undefined>((a, b) => bigger(a, b), undefined);
      const oldest = ids.reduce<string | undefined>((a, b) => (!a || BigInt(b) < BigInt(a) ? b : a), undefined);
      const rl = page.rateLimit;
      return { mentions, newest, oldest, done: page.done || !oldest, requests, rateLimit: rl ? { remaining: rl.remaining, resetAt: rl.reset * 1000 } : undefined };
    } catch (e) {
      throw this.explain(e, 'search');
    }
  }

  async reply(mention: Mention, text: string): Promise<Reply> {
    const write = this.requireWrite();
    try {
      const r = await write.v2.reply(text, mention.id);
      return { id: r.data.id, url: `https://x.com/i/web/status/${r.data.id}`, at: new Date().toISOString(), text };
    } catch (e) {
      // X refuses a post identical to one of ours: an earlier attempt may have landed
      // without us hearing back. If it is there, that is the reply; never post it twice.
      if (e instanceof ApiResponseError && e.code === 403 && /duplicate/i.test(String(e.data?.detail ?? ''))) {
        const landed = await this.findReply(mention, text);
        if (landed) return landed;
      }
      throw this.explain(e, 'reply');
    }
  }

  async findReply(mention: Mention, text: string): Promise<Reply | undefined> {
    const write = this.requireWrite();
    try {
      this.brandUserId ??= (await write.v2.me()).data.id;
      // Our posts since the mention, newest first; during a storm there may be hundreds.
      const timeline = await write.v2.userTimeline(this.brandUserId, {
        since_id: mention.id, max_results: 100, 'tweet.fields': ['referenced_tweets', 'created_at'], exclude: ['retweets'],
      });
      const isHit = (t: TweetV2) => !!t.referenced_tweets?.some((r) => r.type === 'replied_to' && r.id === mention.id);
      let hit = timeline.tweets.find(isHit);
      for (let page = 1; !hit && !timeline.done && page < 10; page++) {
        await timeline.fetchNext();
        hit = timeline.tweets.find(isHit);
      }
      return hit ? { id: hit.id, url: `https://x.com/i/web/status/${hit.id}`, at: hit.created_at ?? new Date().toISOString(), text: hit.text ?? text } : undefined;
    } catch (e) {
      throw this.explain(e, 'reply check');
    }
  }

  private requireWrite(): TwitterApi {
    if (!this.opts.write) throw new DeliveryPermanentError('X replies need user-context credentials: set X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_SECRET');
    return this.opts.write;
  }

  /** Maps X's errors to what callers act on: wait, give up, or retry. */
  private explain(e: unknown, what: string): Error {
    if (e instanceof ApiResponseError) {
      if (e.rateLimitError) {
        const reset = e.rateLimit?.reset ? e.rateLimit.reset * 1000 - Date.now() : 60_000;
        return new DeliveryRateLimitedError(Math.max(1000, reset), `X rate limit on ${what}`, { cause: e });
      }
      if (e.isAuthError || e.code === 401 || e.code === 403) {
        const vars = what === 'search' ? 'X_BEARER_TOKEN' : 'X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_SECRET';
        return new DeliveryPermanentError(`X refused the ${what} (HTTP ${e.code}): check ${vars} and the app's permissions`, { cause: e });
      }
      if (e.code >= 400 && e.code < 500) return new DeliveryPermanentError(`X rejected the ${what} (HTTP ${e.code}): ${e.data?.detail ?? e.message}`, { cause: e });
      return new SourceUnavailableError(`X answered ${e.code} to the ${what}`, { cause: e });
    }
    if (e instanceof ApiRequestError) return new SourceUnavailableError(`X could not be reached for the ${what}: ${e.requestError?.message ?? e.message}`, { cause: e });
    return e instanceof Error ? e : new Error(String(e));
  }
}
