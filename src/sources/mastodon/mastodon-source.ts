import { createHash } from 'node:crypto';
import { createRestAPIClient, MastoHttpError, MastoTimeoutError, MastoUnexpectedError, type mastodon } from 'masto';
import * as z from 'zod';
import type { Reply } from '../../domain/case.js';
import type { Mention } from '../../domain/mention.js';
import type { MentionSource, PollResult, SourceCache, SourceContext } from '../mention-source.js';
import { PrivateAccessMemory } from '../private-access.js';
import type { PrivateMessages } from '../private-messages.js';
import { pollWindow, type WindowItem, type WindowPage } from '../poll-window.js';
import { readCursor, WindowStateSchema } from '../source-cursor.js';
import { DeliveryPermanentError, DeliveryRateLimitedError, SourceUnavailableError } from '../source-errors.js';
import { isNetworkFailure, retryAfterMs } from '../timed-fetch.js';
import { MastodonPrivate } from './mastodon-private.js';
import { addressTo, checkMastodonReply, fullAcct, htmlToText } from './mastodon-text.js';
import { isOwnAccount, statusToMention } from './mastodon-status.js';

/** The query that means "mentions of the brand account" (its notifications of type mention). */
export const MASTODON_MENTIONS_QUERY = '@me';

export interface MastodonSourceOptions {
  name: string;
  /** `@me` (notifications), `#tag` (hashtag timeline) or words (full-text search, where the instance offers it). */
  queries: string[];
  maxPages: number;
  pageSize: number;
  /** The brand's own accounts as `user@instance` (lower case). */
  ownAccounts: Set<string>;
  instanceUrl: string;
  accessToken: string;
  /** The instance's `max_characters` (500 unless the instance says otherwise). */
  maxCharacters: number;
  /** Visibility of replies to public posts; replies to private or direct posts keep theirs. */
  visibility: 'public' | 'unlisted';
  /** Re-read this far below the newest status heard: federation delivers late, with older ids. */
  overlapMs: number;
  lookbackMs: number;
  timeoutMs: number;
  now: () => number;
  /** Direct messages (`options.private`), and how long an access answer is trusted. */
  private?: { recheckMs: number; cache?: SourceCache | undefined; warn?: SourceContext['warn'] } | undefined;
}

/** The stored cursor: one listing state per query. */
export const MastodonCursorSchema = z.strictObject({ q: z.record(z.string(), WindowStateSchema).optional() });
type Cursor = z.output<typeof MastodonCursorSchema>;
type Status = mastodon.v1.Status;

/** Mastodon ids are snowflakes: milliseconds shifted left 16 bits. */
const idAt = (ms: number): bigint => BigInt(Math.max(0, Math.floor(ms))) << 16n;
const VISIBILITY_RANK = { public: 0, unlisted: 1, private: 2, direct: 3 } as const;

/**
 * Mastodon through masto: the brand account's mention notifications (`@me`), hashtag
 * timelines (`#tag`) and v2 full-text search (other queries; only statuses the instance
 * has indexed and whose authors opted in). Replies are statuses with `in_reply_to_id`,
 * addressed to the author so they are notified, sent with an Idempotency-Key.
 */
export class MastodonSource implements MentionSource {
  readonly network = 'mastodon' as const;
  readonly canReply = true;
  readonly name: string;
  private readonly client: mastodon.rest.Client;
  private readonly host: string;
  private me: mastodon.v1.AccountCredentials | undefined;
  readonly private: PrivateMessages | undefined;

  constructor(private readonly opts: MastodonSourceOptions) {
    this.name = opts.name;
    this.client = createRestAPIClient({ url: opts.instanceUrl, accessToken: opts.accessToken, timeout: opts.timeoutMs });
    this.host = new URL(opts.instanceUrl).host.toLowerCase();
    const p = opts.private;
    this.private = p ? new MastodonPrivate({
      source: opts.name, client: this.client, account: () => this.account(), call: (what, fn) => this.call(what, fn), fullAcct: (a) => this.fullAcct(a),
      memory: new PrivateAccessMemory({ source: opts.name, network: 'mastodon', cache: p.cache, recheckMs: p.recheckMs, now: opts.now, warn: p.warn }),
      maxCharacters: opts.maxCharacters, maxPages: opts.maxPages, lookbackMs: opts.lookbackMs, now: opts.now,
    }) : undefined;
  }

  checkReply(text: string, mention?: Mention): string | undefined {
    return checkMastodonReply(text, this.opts.maxCharacters, mention?.author.handle);
  }

  async poll(raw: string | undefined): Promise<PollResult> {
    const now = this.opts.now();
    // An unreadable cursor resumes from the look-back, filtered here by created_at: the
    // mention notifications' ids are a plain sequence, not a time, so there is no start
    // time to ask for. Hashtag timelines and search could take a time-derived min_id, but
    // paging stops at the first status below the floor, so they cost no more this way.
    const { cursor = {}, unreadable } = readCursor(MastodonCursorSchema, raw, this.name, now - this.opts.lookbackMs);
    const next: Required<Cursor> = { q: {} };
    const found = new Map<string, Status>();
    let requests = 1;
    let more = false;
    await this.account();
    for (const q of this.opts.queries) {
      const r = await this.call('search', () => pollWindow<Status>({
        state: cursor.q?.[q],
        maxPages: this.opts.maxPages,
        // Notification ids are a plain sequence; status ids are time-based and arrive late over federation.
        overlap: q === MASTODON_MENTIONS_QUERY ? 0n : idAt(this.opts.overlapMs),
        now,
        lookbackMs: this.opts.lookbackMs,
        durableTokens: !this.isSearch(q),
        fetchPage: (bounds, token) => this.page(q, bounds, token),
      }));
      requests += r.requests;
      next.q[q] = r.state;
      more ||= r.state.gap !== undefined;
      for (const s of r.values) found.set(s.id, s);
    }
    const statuses = [...found.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    return { mentions: statuses.map((s) => statusToMention(s, this.name, this.host)), cursor: JSON.stringify(next), requests, ...(unreadable ? { cursorUnreadable: unreadable } : {}), ...(more ? { more } : {}) };
  }

  private isSearch(q: string): boolean {
    return q !== MASTODON_MENTIONS_QUERY && !/^#[\p{L}\p{N}_]+$/u.test(q);
  }

  private async page(q: string, bounds: { min?: bigint | undefined; max?: bigint | undefined }, token: string | undefined): Promise<WindowPage<Status>> {
    const limit = this.opts.pageSize;
    const sinceId = bounds.min !== undefined ? (bounds.min - 1n).toString() : undefined;
    const maxId = token ?? (bounds.max !== undefined ? bounds.max.toString() : undefined);
    if (q === MASTODON_MENTIONS_QUERY) {
      const list = await this.client.v1.notifications.list({ types: ['mention'], limit, ...(sinceId ? { sinceId } : {}), ...(maxId ? { maxId } : {}) });
      return {
        items: list.map((n): WindowItem<Status> => ({ id: n.id, key: BigInt(n.id), at: Date.parse(n.createdAt), value: n.type === 'mention' && n.status ? this.keep(n.status) : undefined })),
        next: list.length === limit ? list[list.length - 1]!.id : undefined,
      };
    }
    if (!this.isSearch(q)) {
      const list = await this.client.v1.timelines.tag.$select(q.slice(1)).list({ limit, ...(sinceId ? { sinceId } : {}), ...(maxId ? { maxId } : {}) });
      return { items: list.map((s) => this.item(s)), next: list.length === limit ? list[list.length - 1]!.id : undefined };
    }
    // v2 search turns min_id/max_id into whole-second dates: widen by a second and let the window filter exactly.
    const second = idAt(1000);
    const offset = token ? Number(token) : 0;
    const res = await this.client.v2.search.list({
      q, type: 'statuses', limit, offset,
      ...(bounds.min !== undefined ? { minId: (bounds.min - second).toString() } : {}),
      ...(bounds.max !== undefined ? { maxId: (bounds.max + second).toString() } : {}),
    });
    return { items: res.statuses.map((s) => this.item(s)), next: res.statuses.length === limit ? String(offset + limit) : undefined };
  }

  private item(s: Status): WindowItem<Status> {
    return { id: s.id, key: BigInt(s.id), at: Date.parse(s.createdAt), value: this.keep(s) };
  }

  /**
   * Drops boosts (no words of the booster) and the brand's own statuses; and, with private
   * messages on, direct statuses: those are private messages, read by the private poll and
   * joined to the author's case there, not public mentions of their own.
   */
  private keep(s: Status): Status | undefined {
    if (s.reblog) return undefined;
    if (this.private && s.visibility === 'direct') return undefined;
    if (this.me && s.account.id === this.me.id) return undefined;
    return isOwnAccount(s.account, this.opts.ownAccounts, this.host) ? undefined : s;
  }

  private fullAcct(a: { acct: string; url?: string | null | undefined }): string {
    return fullAcct(a, this.host);
  }

  async reply(mention: Mention, text: string): Promise<Reply> {
    await this.account();
    return this.call('reply', async () => {
      // The status as our instance knows it: its author's acct to address, and its visibility to keep.
      const parent = await this.client.v1.statuses.$select(mention.id).fetch();
      const visibility = VISIBILITY_RANK[parent.visibility] > VISIBILITY_RANK[this.opts.visibility] ? parent.visibility : this.opts.visibility;
      const status = addressTo(text, parent.account.acct);
      // Mastodon keeps idempotency keys for an hour: a retried send returns the first status.
      const key = createHash('sha256').update(`${this.name}\n${mention.id}\n${text}`).digest('hex');
      const created = await this.client.v1.statuses.create(
        { status, inReplyToId: mention.id, visibility, ...(mention.lang ? { language: mention.lang } : {}) },
        { requestInit: { headers: { 'Idempotency-Key': key } } },
      );
      return { id: created.id, url: created.url ?? created.uri, at: new Date(Date.parse(created.createdAt)).toISOString(), text: status };
    });
  }

  async findReply(mention: Mention, text: string): Promise<Reply | undefined> {
    const me = await this.account();
    return this.call('reply check', async () => {
      const mine = await this.client.v1.accounts.$select(me.id).statuses.list({ limit: 40, excludeReblogs: true, sinceId: mention.id });
      const hit = mine.find((s) => s.inReplyToId === mention.id);
      return hit ? { id: hit.id, url: hit.url ?? hit.uri, at: new Date(Date.parse(hit.createdAt)).toISOString(), text: htmlToText(hit.content) || text } : undefined;
    });
  }

  /** The brand account (also checks the token). */
  private async account(): Promise<mastodon.v1.AccountCredentials> {
    this.me ??= await this.call('sign-in check', () => this.client.v1.accounts.verifyCredentials());
    return this.me;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.explain(e, what);
    }
  }

  /** Maps Mastodon's errors to what callers act on: wait, give up, or retry. */
  private explain(e: unknown, what: string): Error {
    if (e instanceof DeliveryPermanentError || e instanceof DeliveryRateLimitedError || e instanceof SourceUnavailableError) return e;
    if (e instanceof MastoHttpError) {
      const headers = e.cause instanceof Response ? e.cause.headers : undefined;
      if (e.statusCode === 429) {
        // X-RateLimit-Reset is an ISO timestamp on Mastodon.
        const wait = retryAfterMs(headers?.get('x-ratelimit-reset') ?? headers?.get('retry-after'), this.opts.now()) ?? 60_000;
        return new DeliveryRateLimitedError(Math.max(1000, wait), `Mastodon rate limit on the ${what}`, { cause: e });
      }
      if (e.statusCode === 401 || e.statusCode === 403) {
        return new DeliveryPermanentError(`Mastodon refused the ${what} (HTTP ${e.statusCode}: ${e.message}): check MASTODON_ACCESS_TOKEN (scopes read and write:statuses) and MASTODON_URL`, { cause: e });
      }
      if (e.statusCode >= 500) return new SourceUnavailableError(`Mastodon answered ${e.statusCode} to the ${what}`, { cause: e });
      return new DeliveryPermanentError(`Mastodon rejected the ${what} (HTTP ${e.statusCode}): ${e.message}`, { cause: e });
    }
    if (e instanceof MastoTimeoutError || e instanceof MastoUnexpectedError || isNetworkFailure(e)) {
      return new SourceUnavailableError(`Mastodon could not be reached for the ${what}: ${(e as Error).message}`, { cause: e });
    }
    return e instanceof Error ? e : new Error(String(e));
  }
}
