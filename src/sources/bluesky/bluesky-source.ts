import { AppBskyEmbedRecord, AppBskyEmbedRecordWithMedia, AppBskyFeedPost, AtpAgent, XRPCError, type AppBskyFeedDefs, type AtpSessionData } from '@atproto/api';
import * as z from 'zod';
import type { Reply } from '../../domain/case.js';
import type { Mention } from '../../domain/mention.js';
import type { MentionSource, PollResult, SourceCache } from '../mention-source.js';
import { pollWindow } from '../poll-window.js';
import { readCursor, WindowStateSchema } from '../source-cursor.js';
import { DeliveryPermanentError, DeliveryRateLimitedError, SourceUnavailableError } from '../source-errors.js';
import { isNetworkFailure, timedFetch } from '../timed-fetch.js';
import { blueskyPostUrl, checkBlueskyReply } from './bluesky-text.js';
import type { PrivateMessages } from '../private-messages.js';

export interface BlueskySourceOptions {
  name: string;
  queries: string[];
  maxPages: number;
  /** Results per searchPosts page (1–100). */
  pageSize: number;
  /** The brand's own handles or DIDs (lower case, no @): their posts are never mentions. */
  ownHandles: Set<string>;
  serviceUrl: string;
  identifier: string;
  appPassword: string;
  cache?: SourceCache | undefined;
  /** Re-read this far below the newest post heard: search indexing is not instant. */
  overlapMs: number;
  /** How far back the very first poll reaches. */
  lookbackMs: number;
  timeoutMs: number;
  now: () => number;
  /** Chat (`options.private`): built over this source's session and error handling. */
  private?: ((source: BlueskySource) => PrivateMessages) | undefined;
}

/** The stored cursor: one listing state per query. */
export const BlueskyCursorSchema = z.strictObject({ q: z.record(z.string(), WindowStateSchema).optional() });
type Cursor = z.output<typeof BlueskyCursorSchema>;
type PostView = AppBskyFeedDefs.PostView;

/** sortAt as the AppView defines it: the earlier of createdAt and indexedAt (a post cannot date itself into the future). */
function sortAt(p: PostView): number {
  const indexed = Date.parse(p.indexedAt);
  const created = AppBskyFeedPost.isRecord(p.record) ? Date.parse((p.record as AppBskyFeedPost.Record).createdAt) : Number.NaN;
  return Number.isNaN(created) ? indexed : Math.min(created, indexed);
}

/**
 * Bluesky through @atproto/api: `app.bsky.feed.searchPosts` (sort=latest) per query,
 * authors' follower counts from `app.bsky.actor.getProfiles`, replies as
 * `app.bsky.feed.post` records with root and parent references.
 *
 * The brand logs in with an app password. The session is kept in the store, because
 * every listening tick is a fresh worker and Bluesky limits createSession (30 per five
 * minutes, 300 a day per account); an expired access token is refreshed by the SDK.
 */
export class BlueskySource implements MentionSource {
  readonly network = 'bluesky' as const;
  readonly canReply = true;
  readonly name: string;
  private agent: AtpAgent | undefined;
  private rateLimit: PollResult['rateLimit'];
  readonly private: PrivateMessages | undefined;

  constructor(private readonly opts: BlueskySourceOptions) {
    this.name = opts.name;
    this.private = opts.private?.(this);
  }

  /** Runs a call as the brand account, with this source's session handling and error mapping. */
  async withSession<T>(what: string, fn: (agent: AtpAgent) => Promise<T>): Promise<T> {
    const agent = await this.session();
    return this.call(what, () => fn(agent));
  }

  checkReply(text: string): string | undefined {
    return checkBlueskyReply(text);
  }

  async poll(raw: string | undefined): Promise<PollResult> {
    const now = this.opts.now();
    // An unreadable cursor resumes from the look-back. searchPosts takes a start time
    // (`since`, compared with sortAt): pollWindow passes the floor as `bounds.after`.
    const { cursor = {}, unreadable } = readCursor(BlueskyCursorSchema, raw, this.name, now - this.opts.lookbackMs);
    const next: Required<Cursor> = { q: {} };
    const found = new Map<string, PostView>();
    let requests = 0;
    let more = false;
    const agent = await this.session();
    for (const q of this.opts.queries) {
      const r = await this.call('search', () => pollWindow<PostView>({
        state: cursor.q?.[q],
        maxPages: this.opts.maxPages,
        overlap: BigInt(this.opts.overlapMs),
        now,
        lookbackMs: this.opts.lookbackMs,
        // searchPosts cursors are offsets into one query: a gap is re-read from its `until`.
        durableTokens: false,
        fetchPage: async (bounds, token) => {
          const res = await agent.app.bsky.feed.searchPosts({
            q,
            sort: 'latest',
            limit: this.opts.pageSize,
            ...(bounds.min !== undefined ? { since: new Date(Number(bounds.min)).toISOString() } : bounds.after !== undefined ? { since: new Date(bounds.after).toISOString() } : {}),
            ...(bounds.max !== undefined ? { until: new Date(Number(bounds.max)).toISOString() } : {}),
            ...(token ? { cursor: token } : {}),
          });
          this.noteRateLimit(res.headers);
          return {
            items: res.data.posts.map((p) => ({ id: p.uri, key: BigInt(sortAt(p)), at: sortAt(p), value: this.isOwn(p) || !AppBskyFeedPost.isRecord(p.record) ? undefined : p })),
            next: res.data.cursor,
          };
        },
      }));
      requests += r.requests;
      next.q[q] = r.state;
      more ||= r.state.gap !== undefined;
      for (const p of r.values) found.set(p.uri, p);
    }
    const posts = [...found.values()].sort((a, b) => sortAt(a) - sortAt(b));
    const { followers, requests: profileRequests } = await this.followers(agent, posts);
    const mentions = posts.map((p) => this.toMention(p, followers.get(p.author.did)));
    return { mentions, cursor: JSON.stringify(next), requests: requests + profileRequests, rateLimit: this.rateLimit, ...(unreadable ? { cursorUnreadable: unreadable } : {}), ...(more ? { more } : {}) };
  }

  async reply(mention: Mention, text: string): Promise<Reply> {
    const agent = await this.session();
    return this.call('reply', async () => {
      // The parent's CID is needed for the strong reference; getPosts also tells us the thread's root.
      const { data } = await agent.app.bsky.feed.getPosts({ uris: [mention.id] });
      const post = data.posts[0];
      if (!post || !AppBskyFeedPost.isRecord(post.record)) throw new DeliveryPermanentError('the Bluesky post was deleted or is not visible to the brand account; it cannot be replied to');
      const parent = { uri: post.uri, cid: post.cid };
      const root = (post.record as AppBskyFeedPost.Record).reply?.root ?? parent;
      const at = new Date(this.opts.now()).toISOString();
      const created = await agent.post({ text, reply: { root, parent }, createdAt: at });
      return { id: created.uri, url: blueskyPostUrl(created.uri, agent.session?.handle), at, text };
    });
  }

  async findReply(mention: Mention, text: string): Promise<Reply | undefined> {
    const agent = await this.session();
    return this.call('reply check', async () => {
      const actor = agent.assertDid;
      let cursor: string | undefined;
      // Our reply is recent (the send was just attempted): two pages of our own feed are plenty.
      for (let page = 0; page < 2; page++) {
        const { data } = await agent.app.bsky.feed.getAuthorFeed({ actor, filter: 'posts_with_replies', limit: 100, ...(cursor ? { cursor } : {}) });
        for (const item of data.feed) {
          const p = item.post;
          if (p.author.did !== actor || !AppBskyFeedPost.isRecord(p.record)) continue;
          const rec = p.record as AppBskyFeedPost.Record;
          if (rec.reply?.parent.uri === mention.id) return { id: p.uri, url: blueskyPostUrl(p.uri, p.author.handle), at: rec.createdAt, text: rec.text ?? text };
        }
        cursor = data.cursor;
        if (!cursor) break;
      }
      return undefined;
    });
  }

  private isOwn(p: PostView): boolean {
    const own = this.opts.ownHandles;
    return own.has(p.author.did.toLowerCase()) || own.has(p.author.handle.toLowerCase()) || p.author.did === this.agent?.session?.did;
  }

  private toMention(p: PostView, followers: number | undefined): Mention {
    const rec = p.record as AppBskyFeedPost.Record;
    const quoted = AppBskyEmbedRecord.isMain(rec.embed) || AppBskyEmbedRecordWithMedia.isMain(rec.embed);
    const lang = rec.langs?.[0];
    return {
      network: 'bluesky',
      source: this.name,
      id: p.uri,
      text: rec.text,
      ...(lang ? { lang: lang.split('-')[0]!.toLowerCase() } : {}),
      createdAt: new Date(sortAt(p)).toISOString(),
      url: blueskyPostUrl(p.uri, p.author.handle),
      author: {
        id: p.author.did,
        handle: p.author.handle,
        name: p.author.displayName?.trim() || p.author.handle,
        followers: followers ?? 0,
        ...(followers === undefined ? { followersUnknown: true } : {}),
        verified: p.author.verification?.verifiedStatus === 'valid',
      },
      conversationId: rec.reply?.root.uri ?? p.uri,
      ...(rec.reply ? { inReplyToId: rec.reply.parent.uri } : {}),
      isRepost: false,
      isQuote: quoted,
    };
  }

  /** Follower counts (searchPosts carries only the basic profile). getProfiles takes 25 actors a call. */
  private async followers(agent: AtpAgent, posts: PostView[]): Promise<{ followers: Map<string, number>; requests: number }> {
    const dids = [...new Set(posts.map((p) => p.author.did))];
    const followers = new Map<string, number>();
    let requests = 0;
    for (let i = 0; i < dids.length; i += 25) {
      const batch = dids.slice(i, i + 25);
      const res = await this.call('profile lookup', () => agent.app.bsky.actor.getProfiles({ actors: batch }));
      requests += 1;
      this.noteRateLimit(res.headers);
      for (const p of res.data.profiles) followers.set(p.did, p.followersCount ?? 0);
    }
    return { followers, requests };
  }

  private noteRateLimit(headers: Record<string, string | undefined>): void {
    const remaining = Number(headers['ratelimit-remaining']);
    const reset = Number(headers['ratelimit-reset']);
    if (Number.isFinite(remaining) && Number.isFinite(reset)) this.rateLimit = { remaining, resetAt: reset * 1000 };
  }

  private sessionKey(): string {
    return `source-session:bluesky:${this.opts.serviceUrl}:${this.opts.identifier.toLowerCase()}`;
  }

  /** A logged-in agent: the stored session if there is one, else a new login. */
  private async session(): Promise<AtpAgent> {
    if (this.agent?.hasSession) return this.agent;
    const cache = this.opts.cache;
    const key = this.sessionKey();
    const agent = new AtpAgent({
      service: this.opts.serviceUrl,
      fetch: timedFetch(this.opts.timeoutMs),
      persistSession: (event, session) => {
        // New and refreshed tokens are written back so the next tick (another worker) uses
        // them. An 'expired' event is not: the stored session may be newer than ours,
        // refreshed by another process; call() replaces it only once it too is refused.
        if (session && (event === 'create' || event === 'update')) cache?.set(key, session).catch(() => undefined);
      },
    });
    const stored = await cache?.get<AtpSessionData>(key);
    if (stored?.did && stored.accessJwt && stored.refreshJwt) {
      agent.sessionManager.session = stored;
    } else {
      await this.login(agent);
    }
    this.agent = agent;
    return agent;
  }

  private async login(agent: AtpAgent): Promise<void> {
    try {
      await agent.login({ identifier: this.opts.identifier, password: this.opts.appPassword });
    } catch (e) {
      throw this.explain(e, 'login');
    }
  }

  /**
   * Runs a call, mapping errors. When the server no longer accepts our session, another
   * process (the main process, or another tick) may have refreshed it: its stored session
   * is tried first, then one fresh login; either way, one retry.
   */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof XRPCError && this.isAuthFailure(e) && this.agent) {
        const stored = await this.opts.cache?.get<AtpSessionData>(this.sessionKey());
        if (stored?.accessJwt && stored.refreshJwt && stored.accessJwt !== this.agent.session?.accessJwt) {
          this.agent.sessionManager.session = stored;
          try { return await fn(); } catch (e2) {
            if (!(e2 instanceof XRPCError && this.isAuthFailure(e2))) throw this.explain(e2, what);
          }
        }
        await this.opts.cache?.delete(this.sessionKey());
        await this.login(this.agent);
        try { return await fn(); } catch (e2) { throw this.explain(e2, what); }
      }
      throw this.explain(e, what);
    }
  }

  private isAuthFailure(e: XRPCError): boolean {
    return e.status === 401 || ['AuthenticationRequired', 'ExpiredToken', 'InvalidToken', 'AuthMissing'].includes(e.error ?? '');
  }

  /** Maps Bluesky's errors to what callers act on: wait, give up, or retry. */
  private explain(e: unknown, what: string): Error {
    if (e instanceof DeliveryPermanentError || e instanceof DeliveryRateLimitedError || e instanceof SourceUnavailableError) return e;
    if (e instanceof XRPCError) {
      if (e.status === 429) {
        const reset = Number(e.headers?.['ratelimit-reset']);
        const wait = Number.isFinite(reset) ? reset * 1000 - this.opts.now() : 60_000;
        return new DeliveryRateLimitedError(Math.max(1000, wait), `Bluesky rate limit on the ${what}`, { cause: e });
      }
      if (this.isAuthFailure(e) || e.error === 'AccountTakedown') {
        return new DeliveryPermanentError(`Bluesky refused the ${what} (${e.error ?? e.status}: ${e.message}): check BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (an app password from Settings → Privacy and security → App passwords) and BLUESKY_SERVICE_URL`, { cause: e });
      }
      if (e.status === 1 || e.status === 2 || e.status >= 500) {
        return new SourceUnavailableError(`Bluesky ${e.status === 1 ? 'could not be reached' : e.status === 2 ? 'answered in an unexpected shape' : `answered ${e.status}`} for the ${what}: ${e.message}`, { cause: e });
      }
      return new DeliveryPermanentError(`Bluesky rejected the ${what} (${e.error ?? e.status}): ${e.message}`, { cause: e });
    }
    if (isNetworkFailure(e)) return new SourceUnavailableError(`Bluesky could not be reached for the ${what}: ${(e as Error).message}`, { cause: e });
    return e instanceof Error ? e : new Error(String(e));
  }
}
