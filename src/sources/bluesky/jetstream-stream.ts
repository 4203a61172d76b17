import * as z from 'zod';
import { matchQuery } from '../../domain/parse-query.js';
import type { Mention } from '../../domain/mention.js';
import type { MentionStream, StreamEnd, StreamHandlers } from '../mention-stream.js';
import type { LocalQuery } from '../source-options.js';
import { runWebSocket } from '../websocket-stream.js';
import { blueskyPostUrl } from './bluesky-text.js';

/** Bluesky's public Jetstream (no credentials); any Jetstream host can be configured instead. */
export const DEFAULT_JETSTREAM_URL = 'wss://jetstream2.us-east.bsky.network/subscribe';
/** Replayed again on reconnect, below the last position stored: events are recognised by post, so repeats are harmless. */
const REPLAY_SAFETY_US = 5_000_000n;

const FacetSchema = z.object({
  features: z.array(z.object({ $type: z.string(), did: z.string().optional() }).passthrough()),
}).passthrough();
const PostRecordSchema = z.object({
  text: z.string(),
  createdAt: z.string(),
  langs: z.array(z.string()).optional(),
  facets: z.array(FacetSchema).optional(),
  reply: z.object({ root: z.object({ uri: z.string() }), parent: z.object({ uri: z.string() }) }).optional(),
  embed: z.object({ $type: z.string() }).passthrough().optional(),
}).passthrough();
/** One Jetstream event as far as Earshot reads it. */
const EventSchema = z.object({
  did: z.string(),
  time_us: z.number().int().nonnegative(),
  kind: z.string(),
  commit: z.object({ operation: z.string(), collection: z.string(), rkey: z.string(), record: z.unknown().optional() }).passthrough().optional(),
});

export interface JetstreamOptions {
  name: string;
  url: string;
  /** Keywords matched here (Earshot's query syntax), besides mentions of the brand. */
  queries: LocalQuery[];
  /** The brand's DIDs: a post whose mention facets name one is a mention. */
  brandDids: Set<string>;
  /** The brand's handles (lower case, no @): `@handle` in the text is a mention too. */
  brandHandles: Set<string>;
  /** How far back a first connection replays (µs cursor = now − look-back). */
  lookbackMs: number;
  /** No frame and no answer to our ping for this long counts as a drop (default 30 s). */
  stallMs?: number | undefined;
  /** Puts the author's handle and name on a post (Jetstream carries only the DID); without it the DID stands in. */
  authors?: { name(mention: Mention): Promise<Mention> } | undefined;
}

/**
 * Bluesky through a Jetstream websocket: every new post on the network
 * (`wantedCollections=app.bsky.feed.post`), matched here against the brand's DIDs (mention
 * facets), `@handles` and the source's keywords. The position is the event's `time_us`;
 * a reconnect replays from a few seconds before it, so a drop misses nothing.
 */
export class JetstreamStream implements MentionStream {
  readonly network = 'bluesky' as const;
  readonly replays = true;
  readonly name: string;

  constructor(readonly opts: JetstreamOptions) {
    this.name = opts.name;
  }

  firstPosition(now: number): string {
    return String(BigInt(Math.max(0, now - this.opts.lookbackMs)) * 1000n);
  }

  /** The subscribe URL for a connection from `position`. */
  urlFor(position: string | undefined): string {
    const u = new URL(this.opts.url);
    u.searchParams.set('wantedCollections', 'app.bsky.feed.post');
    if (position && /^\d+$/.test(position)) {
      const back = BigInt(position) - REPLAY_SAFETY_US;
      u.searchParams.set('cursor', String(back > 0n ? back : 0n));
    }
    return u.toString();
  }

  connect(handlers: StreamHandlers, position: string | undefined, signal: AbortSignal): Promise<StreamEnd> {
    return runWebSocket({
      url: this.urlFor(position),
      // permessage-deflate off: Jetstream refuses it together with its own compression, and it is not needed.
      options: { perMessageDeflate: false, handshakeTimeout: 10_000 },
      stallMs: this.opts.stallMs ?? 30_000,
      ends: {
        stalled: (ms) => `nothing from Jetstream for ${ms / 1000} s`,
        unreachable: (message) => `Jetstream could not be reached: ${message}`,
        closed: 'Jetstream closed the connection',
        response: (status) => (status === 429 ? { kind: 'rate-limited', message: 'Jetstream answered 429' } : { kind: 'http', status, message: `Jetstream answered ${status} to the connection` }),
      },
      opened: () => handlers.connected(),
      frame: (text) => {
        const m = this.read(text, handlers);
        if (!m) return undefined;
        // The author is looked up now, beside the frames still coming; posts are handed on in order.
        const named = m.mention ? this.named(m.mention) : undefined;
        return async () => handlers.mentions(named ? [await named] : [], m.position);
      },
    }, signal);
  }

  /** One frame: a mention of ours with its position, a position alone (someone else's post), or nothing (malformed). */
  private async named(mention: Mention): Promise<Mention> {
    return this.opts.authors ? this.opts.authors.name(mention).catch(() => mention) : mention;
  }

  private read(text: string, handlers: StreamHandlers): { mention?: Mention | undefined; position: string } | undefined {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      handlers.malformed(`a frame that is not JSON (${text.length} characters)`);
      return undefined;
    }
    const e = EventSchema.safeParse(json);
    if (!e.success) {
      handlers.malformed(`a frame that is not a Jetstream event (${e.error.issues[0]?.path.join('.') || 'top level'}: ${e.error.issues[0]?.message})`);
      return undefined;
    }
    const position = String(e.data.time_us);
    const c = e.data.commit;
    if (e.data.kind !== 'commit' || !c || c.operation !== 'create' || c.collection !== 'app.bsky.feed.post') {
      handlers.position?.(position);
      return undefined;
    }
    const rec = PostRecordSchema.safeParse(c.record);
    if (!rec.success) {
      handlers.malformed(`a post without a readable record (${rec.error.issues[0]?.path.join('.') || 'record'}: ${rec.error.issues[0]?.message})`);
      return undefined;
    }
    const mention = this.isOurs(e.data.did, rec.data) ? this.toMention(e.data.did, c.rkey, rec.data) : undefined;
    if (!mention) handlers.position?.(position);
    return mention ? { mention, position } : undefined;
  }

  private isOurs(did: string, rec: z.output<typeof PostRecordSchema>): boolean {
    if (this.opts.brandDids.has(did)) return false;
    const facetDids = rec.facets?.flatMap((f) => f.features.filter((x) => x.$type === 'app.bsky.richtext.facet#mention').map((x) => x.did ?? '')) ?? [];
    if (facetDids.some((d) => this.opts.brandDids.has(d))) return true;
    const lower = rec.text.toLowerCase();
    for (const h of this.opts.brandHandles) if (lower.includes(`@${h}`)) return true;
    return this.opts.queries.some((q) => q.node !== 'all' && matchQuery(q.node, rec.text).matched);
  }

  private toMention(did: string, rkey: string, rec: z.output<typeof PostRecordSchema>): Mention {
    const uri = `at://${did}/app.bsky.feed.post/${rkey}`;
    const lang = rec.langs?.[0];
    const at = Date.parse(rec.createdAt);
    const embed = rec.embed?.$type ?? '';
    return {
      network: 'bluesky',
      source: this.name,
      id: uri,
      text: rec.text,
      ...(lang ? { lang: lang.split('-')[0]!.toLowerCase() } : {}),
      createdAt: new Date(Number.isNaN(at) ? Date.now() : at).toISOString(),
      url: blueskyPostUrl(uri),
      // Jetstream carries the author's DID only: it stands in until `authors` names the author.
      author: { id: did, handle: did, name: did, followers: 0, followersUnknown: true, verified: false },
      conversationId: rec.reply?.root.uri ?? uri,
      ...(rec.reply ? { inReplyToId: rec.reply.parent.uri } : {}),
      isRepost: false,
      isQuote: embed === 'app.bsky.embed.record' || embed === 'app.bsky.embed.recordWithMedia',
    };
  }
}
