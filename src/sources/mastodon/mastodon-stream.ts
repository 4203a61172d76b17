import * as z from 'zod';
import type { Mention } from '../../domain/mention.js';
import type { MentionStream, StreamEnd, StreamHandlers } from '../mention-stream.js';
import { runWebSocket } from '../websocket-stream.js';
import { isOwnAccount, statusToMention, StreamedStatusSchema } from './mastodon-status.js';

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
    return runWebSocket({
      url: this.opts.url,
      options: { headers: { authorization: `Bearer ${this.opts.accessToken}` }, perMessageDeflate: false, handshakeTimeout: 10_000 },
      stallMs: this.opts.stallMs ?? 30_000,
      ends: {
        stalled: (ms) => `nothing from Mastodon's streaming API for ${ms / 1000} s`,
        unreachable: (message) => `Mastodon's streaming API could not be reached: ${message}`,
        closed: 'Mastodon closed the streaming connection',
        response: (status) => (status === 401 || status === 403 ? { kind: 'refused', message: `Mastodon refused the streaming connection (HTTP ${status}): check MASTODON_ACCESS_TOKEN (it needs read:statuses and read:notifications)` }
          : status === 429 ? { kind: 'rate-limited', message: 'Mastodon answered 429 to the streaming connection' }
            : { kind: 'http', status, message: `Mastodon answered ${status} to the streaming connection` }),
      },
      opened: (ws) => {
        for (const sub of this.subscriptions()) ws.send(JSON.stringify(sub));
        handlers.connected();
      },
      frame: (text) => {
        const m = this.read(text, handlers);
        return m && (() => handlers.mentions([m], m.id));
      },
    }, signal);
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
    const s = StreamedStatusSchema.safeParse(status);
    if (!s.success) { handlers.malformed(`a ${frame.event} without a readable status (${s.error.issues[0]?.path.join('.')}: ${s.error.issues[0]?.message})`); return undefined; }
    if (this.opts.privateMessages && s.data.visibility === 'direct') return undefined;
    return s.data.reblog || isOwnAccount(s.data.account, this.opts.ownAccounts, this.opts.host) ? undefined : statusToMention(s.data, this.name, this.opts.host);
  }
}
