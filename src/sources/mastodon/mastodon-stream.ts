import WebSocket from 'ws';
import * as z from 'zod';
import type { Mention } from '../../domain/mention.js';
import type { MentionStream, StreamEnd, StreamHandlers } from '../mention-stream.js';
import { fullAcct, htmlToText } from './mastodon-text.js';

/** A status as the streaming API sends it (the REST entity, snake_case), as far as Earshot reads it. */
const AccountSchema = z.object({
  id: z.string(), acct: z.string(), username: z.string(), url: z.string().optional(), display_name: z.string().optional(),
  followers_count: z.number().optional(), fields: z.array(z.object({ verified_at: z.string().nullable().optional() }).passthrough()).optional(),
}).passthrough();
const StatusSchema = z.object({
  id: z.string().regex(/^\d+$/), uri: z.string(), url: z.string().nullable().optional(), created_at: z.string(), content: z.string(),
  spoiler_text: z.string().optional(), language: z.string().nullable().optional(), in_reply_to_id: z.string().nullable().optional(),
  reblog: z.unknown().optional(), account: AccountSchema, visibility: z.string().optional(),
}).passthrough();
type Status = z.output<typeof StatusSchema>;
const FrameSchema = z.object({ stream: z.array(z.string()).optional(), event: z.string(), payload: z.string().optional() });

export interface MastodonStreamOptions {
  name: string;
  /** The streaming endpoint, `wss://host/api/v1/streaming`. */
  url: string;
  accessToken: string;
  /** `@me` for mentions (user:notification), `#tag` for hashtag streams. */
  queries: string[];
  /** The brand's accounts as `user@domain` (lower case): their statuses are never mentions. */
  ownAccounts: Set<string>;
  /** The instance's host, for local accounts' `user@domain`. */
  host: string;
  /** The source reads private messages: direct statuses are left to the private poll, not mentions. */
  privateMessages?: boolean | undefined;
  /** No frame and no answer to our ping for this long counts as a drop (default 30 s). */
  stallMs?: number | undefined;
}

/**
 * Mastodon's streaming API (`/api/v1/streaming`, one websocket, several subscriptions) as a
 * {@link MentionStream}: `user:notification` for the `@me` query (mentions only), `hashtag`
 * for each `#tag` query. Mastodon keeps no replay: after a (re)connect the source's poll
 * fills the gap from its stored cursor.
 */
export class MastodonStream implements MentionStream {
  readonly network = 'mastodon' as const;
  readonly replays = false;
  readonly name: string;

  constructor(readonly opts: MastodonStreamOptions) {
    this.name = opts.name;
  }

  /** The subscribe frames for the queries. */
  subscriptions(): Array<Record<string, string>> {
    return this.opts.queries.map((q): Record<string, string> => (q === '@me' ? { type: 'subscribe', stream: 'user:notification' } : { type: 'subscribe', stream: 'hashtag', tag: q.slice(1) }));
  }

  connect(handlers: StreamHandlers, _position: string | undefined, signal: AbortSignal): Promise<StreamEnd> {
    return new Promise<StreamEnd>((resolve) => {
      if (signal.aborted) { resolve({ kind: 'closed' }); return; }
      const stallMs = this.opts.stallMs ?? 30_000;
      const ws = new WebSocket(this.opts.url, { headers: { authorization: `Bearer ${this.opts.accessToken}` }, perMessageDeflate: false, handshakeTimeout: 10_000 });
      let chain = Promise.resolve();
      let ended: StreamEnd | undefined;
      let lastHeard = Date.now();
      const finish = (end: StreamEnd) => { ended ??= end; ws.terminate(); };
      const onAbort = () => finish({ kind: 'closed' });
      signal.addEventListener('abort', onAbort, { once: true });
      const watchdog = setInterval(() => {
        if (Date.now() - lastHeard >= stallMs) finish({ kind: 'stalled', message: `nothing from Mastodon's streaming API for ${stallMs / 1000} s` });
        else if (ws.readyState === WebSocket.OPEN) ws.ping();
      }, Math.max(50, Math.floor(stallMs / 3)));
      ws.on('open', () => {
        lastHeard = Date.now();
        for (const s of this.subscriptions()) ws.send(JSON.stringify(s));
        handlers.connected();
      });
      ws.on('pong', () => { lastHeard = Date.now(); });
      ws.on('message', (data: WebSocket.RawData) => {
        lastHeard = Date.now();
        const m = this.read(data.toString(), handlers);
        if (m) chain = chain.then(() => handlers.mentions([m], m.id)).catch(() => undefined);
      });
      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        finish(status === 401 || status === 403 ? { kind: 'refused', message: `Mastodon refused the streaming connection (HTTP ${status}): check MASTODON_ACCESS_TOKEN (it needs read:statuses and read:notifications)` }
          : status === 429 ? { kind: 'rate-limited', message: 'Mastodon answered 429 to the streaming connection' }
            : { kind: 'http', status, message: `Mastodon answered ${status} to the streaming connection` });
      });
      ws.on('error', (e) => { ended ??= { kind: 'network', message: `Mastodon's streaming API could not be reached: ${e.message}` }; });
      ws.on('close', () => {
        clearInterval(watchdog);
        signal.removeEventListener('abort', onAbort);
        void chain.then(() => resolve(signal.aborted ? { kind: 'closed' } : ended ?? { kind: 'network', message: 'Mastodon closed the streaming connection' }));
      });
    });
  }

  /** One frame: a mention of ours, or undefined (other events, the brand's own, boosts, malformed). */
  private read(text: string, handlers: StreamHandlers): Mention | undefined {
    let frame: z.output<typeof FrameSchema>;
    try {
      const r = FrameSchema.safeParse(JSON.parse(text));
      if (!r.success) { handlers.malformed(`a frame that is not a streaming event (${r.error.issues[0]?.path.join('.') || 'top level'}: ${r.error.issues[0]?.message})`); return undefined; }
      frame = r.data;
    } catch {
      handlers.malformed(`a frame that is not JSON (${text.length} characters)`);
      return undefined;
    }
    if (frame.event !== 'notification' && frame.event !== 'update') return undefined;
    let status: unknown;
    try {
      const payload = JSON.parse(frame.payload ?? '') as Record<string, unknown>;
      if (frame.event === 'notification' && payload.type !== 'mention') return undefined;
      status = frame.event === 'notification' ? payload.status : payload;
    } catch {
      handlers.malformed(`a ${frame.event} whose payload is not JSON`);
      return undefined;
    }
    const s = StatusSchema.safeParse(status);
    if (!s.success) { handlers.malformed(`a ${frame.event} without a readable status (${s.error.issues[0]?.path.join('.')}: ${s.error.issues[0]?.message})`); return undefined; }
    if (this.opts.privateMessages && s.data.visibility === 'direct') return undefined;
    return s.data.reblog || this.isOwn(s.data) ? undefined : this.toMention(s.data);
  }

  private fullAcct(a: Status['account']): string {
    return fullAcct(a, this.opts.host);
  }

  private isOwn(s: Status): boolean {
    const acct = s.account.acct.toLowerCase();
    return this.opts.ownAccounts.has(this.fullAcct(s.account)) || (!acct.includes('@') && this.opts.ownAccounts.has(`${acct}@${this.opts.host}`));
  }

  private toMention(s: Status): Mention {
    const text = htmlToText(s.content);
    return {
      network: 'mastodon',
      source: this.name,
      id: s.id,
      text: s.spoiler_text ? `${s.spoiler_text}\n\n${text}` : text,
      ...(s.language ? { lang: s.language } : {}),
      createdAt: new Date(Date.parse(s.created_at)).toISOString(),
      url: s.url ?? s.uri,
      author: {
        id: s.account.id,
        handle: this.fullAcct(s.account),
        name: s.account.display_name?.trim() || s.account.username,
        followers: Math.max(0, s.account.followers_count ?? 0),
        verified: s.account.fields?.some((f) => !!f.verified_at) ?? false,
      },
      ...(s.in_reply_to_id ? { inReplyToId: s.in_reply_to_id } : {}),
      isRepost: false,
      isQuote: false,
    };
  }
}
