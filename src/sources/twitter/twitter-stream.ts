import { ApiRequestError, ApiResponseError, ETwitterStreamEvent, type TweetStream, type TwitterApi } from 'twitter-api-v2';
import * as z from 'zod';
import type { Mention } from '../../domain/mention.js';
import type { MentionStream, StreamEnd, StreamHandlers } from '../mention-stream.js';
import { parseCursor } from '../source-cursor.js';
import { TwitterCursorSchema } from './twitter-source.js';
import { tweetToMention } from './tweet-mention.js';

/** X sends `\r\n` at least every 20 s; 20 s of nothing counts as a dropped connection. */
export const X_STALL_MS = 20_000;

/** One line of the filtered stream, as far as Earshot reads it (checked; anything else is malformed). */
const StreamLineSchema = z.object({
  data: z.object({ id: z.string().regex(/^\d{1,19}$/), text: z.string(), author_id: z.string().optional() }).passthrough(),
  includes: z.object({ users: z.array(z.object({ id: z.string(), username: z.string() }).passthrough()).optional() }).passthrough().optional(),
  matching_rules: z.array(z.object({ id: z.union([z.string(), z.number()]), tag: z.string().optional() })).optional(),
});

export interface TwitterStreamOptions {
  name: string;
  queries: string[];
  ownHandles: string[];
  read: TwitterApi;
  /** No data and no keep-alive for this long counts as a drop (default 20 s, as X documents). */
  stallMs?: number | undefined;
}

/** What the rule diff did (for logs and tests). */
export interface RuleSync { added: string[]; removed: string[]; kept: string[] }

const bigger = (a: string | undefined, b: string) => (!a || BigInt(b) > BigInt(a) ? b : a);

/**
 * X's filtered stream as a {@link MentionStream}. Each query of the source is one stream
 * rule tagged `earshot:<source>`; before each connection the rules are put in step with
 * the queries by diff (only rules with our tag are ever added or removed), and a post is
 * taken only when one of our rules matched it. X keeps no replay for this tier: after a
 * drop, recent search (the source's poll) fills the gap.
 */
export class TwitterStream implements MentionStream {
  readonly network = 'x' as const;
  readonly replays = false;
  readonly name: string;
  readonly tag: string;

  constructor(private readonly opts: TwitterStreamOptions) {
    this.name = opts.name;
    this.tag = `earshot:${opts.name}`;
  }

  /** Adds the queries that have no rule and deletes our rules whose query is gone. */
  async syncRules(): Promise<RuleSync> {
    const v2 = this.opts.read.v2;
    const current = (await v2.streamRules()).data ?? [];
    const ours = current.filter((r) => r.tag === this.tag);
    const wanted = new Set(this.opts.queries);
    const stale = ours.filter((r) => !wanted.has(r.value));
    const have = new Set(ours.map((r) => r.value));
    const missing = this.opts.queries.filter((q) => !have.has(q));
    if (stale.length > 0) await v2.updateStreamRules({ delete: { ids: stale.map((r) => r.id) } });
    if (missing.length > 0) {
      const r = await v2.updateStreamRules({ add: missing.map((value) => ({ value, tag: this.tag })) });
      const invalid = r.errors?.filter((e) => 'value' in e || 'title' in e) ?? [];
      if (invalid.length > 0 && (r.meta?.summary?.created ?? 0) < missing.length) {
        throw new RuleRefusedError(`X refused ${missing.length - (r.meta?.summary?.created ?? 0)} stream rule(s) of source "${this.name}": ${invalid.map((e) => JSON.stringify(e)).join('; ')}`);
      }
    }
    return { added: missing, removed: stale.map((r) => r.value), kept: ours.filter((r) => wanted.has(r.value)).map((r) => r.value) };
  }

  async connect(handlers: StreamHandlers, _position: string | undefined, signal: AbortSignal): Promise<StreamEnd> {
    let stream: TweetStream | undefined;
    try {
      await this.syncRules();
      if (signal.aborted) return { kind: 'closed' };
      stream = await this.opts.read.v2.searchStream({
        autoConnect: false,
        expansions: ['author_id', 'referenced_tweets.id'],
        'tweet.fields': ['created_at', 'conversation_id', 'lang', 'referenced_tweets', 'in_reply_to_user_id', 'author_id'],
        'user.fields': ['name', 'username', 'public_metrics', 'verified', 'verified_type'],
      });
      const ended = this.watch(stream, handlers, signal);
      await stream.connect({ autoReconnect: false, keepAliveTimeout: this.opts.stallMs ?? X_STALL_MS });
      handlers.connected();
      return await ended;
    } catch (e) {
      stream?.destroy();
      return signal.aborted ? { kind: 'closed' } : explainStreamError(e);
    }
  }

  /** Resolves when the connection ends: dropped, stalled, or closed by us. */
  private watch(stream: TweetStream, handlers: StreamHandlers, signal: AbortSignal): Promise<StreamEnd> {
    // Posts are handed over one at a time, in order, each awaited before the next.
    let chain = Promise.resolve();
    return new Promise<StreamEnd>((resolve) => {
      let stalled = false;
      let error = '';
      const onAbort = () => stream.close();
      signal.addEventListener('abort', onAbort, { once: true });
      stream.on(ETwitterStreamEvent.Data, (line: unknown) => {
        const m = this.read(line, handlers);
        if (m) chain = chain.then(() => handlers.mentions([m], m.id)).catch(() => undefined);
      });
      stream.on(ETwitterStreamEvent.TweetParseError, (e: unknown) => handlers.malformed(`a line that is not JSON (${(e as Error).message.slice(0, 80)})`));
      stream.on(ETwitterStreamEvent.DataError, (d: unknown) => handlers.malformed(`an error line from X: ${JSON.stringify(d).slice(0, 200)}`));
      stream.on(ETwitterStreamEvent.ConnectionLost, () => { stalled = true; });
      stream.on(ETwitterStreamEvent.ConnectionError, (e: unknown) => { error = (e as Error)?.message ?? String(e); });
      stream.on(ETwitterStreamEvent.ConnectionClosed, () => {
        signal.removeEventListener('abort', onAbort);
        stream.removeAllListeners();
        void chain.then(() => resolve(
          signal.aborted ? { kind: 'closed' }
            : stalled ? { kind: 'stalled', message: `nothing from X's stream for ${(this.opts.stallMs ?? X_STALL_MS) / 1000} s` }
              : { kind: 'network', message: error || 'the stream connection was closed' },
        ));
      });
    });
  }

  /** One stream line as a mention of ours, or undefined (not ours, a repost, malformed). */
  private read(line: unknown, handlers: StreamHandlers): Mention | undefined {
    const r = StreamLineSchema.safeParse(line);
    if (!r.success) {
      handlers.malformed(`a line that is not a post (${r.error.issues[0]?.path.join('.') || 'top level'}: ${r.error.issues[0]?.message})`);
      return undefined;
    }
    const rules = r.data.matching_rules;
    if (rules && !rules.some((x) => x.tag === this.tag)) return undefined;
    const t = r.data.data as unknown as Parameters<typeof tweetToMention>[0];
    const author = r.data.includes?.users?.find((u) => u.id === t.author_id) as Parameters<typeof tweetToMention>[1];
    return tweetToMention(t, author, this.name, this.opts.ownHandles);
  }

  /** Every query's recent-search cursor moved up to the post id `position` (gaps being filled are left alone). */
  advanceCursor(pollCursor: string | undefined, position: string): string | undefined {
    let cursor: z.output<typeof TwitterCursorSchema> | undefined;
    try {
      cursor = parseCursor(TwitterCursorSchema, pollCursor, this.name);
    } catch {
      cursor = undefined;
    }
    const next: z.output<typeof TwitterCursorSchema> = {};
    for (const q of this.opts.queries) {
      const c = cursor?.[q];
      next[q] = c?.gapUntil ? c : { since: bigger(c?.since, position) };
    }
    return JSON.stringify(next);
  }
}

/** X refused a stream rule (its syntax, its length): fixed in the config, not by waiting. */
export class RuleRefusedError extends Error {
  readonly code = 'X_STREAM_RULE_REFUSED';
}

/** X's answer to a connection attempt, as the kind of wait it calls for. */
export function explainStreamError(e: unknown): StreamEnd {
  if (e instanceof RuleRefusedError) return { kind: 'refused', message: e.message };
  if (e instanceof ApiResponseError) {
    const detail = String(e.data?.detail ?? e.data?.title ?? e.message);
    if (e.code === 429) {
      const reset = e.rateLimit?.reset ? e.rateLimit.reset * 1000 - Date.now() : undefined;
      return { kind: 'rate-limited', message: `X answered 429 to the stream: ${detail}`, ...(reset && reset > 0 ? { retryAfterMs: reset } : {}) };
    }
    if (e.code === 401 || e.code === 403) {
      return { kind: 'refused', message: `X refused the filtered stream (HTTP ${e.code}): ${detail}. It needs X_BEARER_TOKEN of an app whose access includes the filtered stream` };
    }
    return { kind: 'http', status: e.code, message: `X answered ${e.code} to the stream: ${detail}` };
  }
  if (e instanceof ApiRequestError) return { kind: 'network', message: `X's stream could not be reached: ${e.requestError?.message ?? e.message}` };
  return { kind: 'network', message: e instanceof Error ? e.message : String(e) };
}
