import type { Reply } from '../domain/case.js';
import type { Mention, Network } from '../domain/mention.js';
import type { CursorReport } from './source-cursor.js';
import type { PrivateMessages } from './private-messages.js';

/**
 * Durable storage the adapters may use for sessions and tokens (the Store), so that a
 * listening tick — a fresh worker each time — does not log in again.
 */
export interface SourceCache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** What a source factory may be given besides the config and the environment. */
export interface SourceContext {
  cache?: SourceCache | undefined;
  /** The clock (ms); tests pass a fixed one. */
  now?: (() => number) | undefined;
  /**
   * A warning for the operator (pino's `warn(fields, message)` shape): an adapter uses it
   * once when it learns something that needs a person, such as X refusing direct
   * messages for the app's access level.
   */
  warn?: ((fields: Record<string, unknown>, message: string) => void) | undefined;
}

export interface PollResult {
  mentions: Mention[];
  /** The cursor to persist once the mentions are safely recorded. */
  cursor: string | undefined;
  /** Requests this poll made, for the budget. */
  requests: number;
  rateLimit?: { remaining: number; resetAt: number } | undefined;
  /**
   * Parts of the source that failed while the rest worked (one dead feed among several):
   * what was heard is kept, and these are reported like a failing source.
   */
  problems?: string[] | undefined;
  /**
   * The stored cursor could not be read (see source-cursor.ts): this poll listened from
   * the source's look-back instead, and its cursor replaces the unreadable one. Reported
   * like a failing source until a poll reads its cursor again.
   */
  cursorUnreadable?: CursorReport | undefined;
  /**
   * The poll stopped paging (`maxPages`) before it reached everything it wants: a poll
   * with this result's cursor carries on from there. Listening just polls again next
   * tick; a backfill polls again until this is no longer set.
   */
  more?: boolean | undefined;
}

/**
 * A social network Earshot listens on and, where the network allows it, replies
 * through. Adapters live under src/sources/<network>/.
 */
export interface MentionSource {
  readonly name: string;
  readonly network: Network;
  readonly canReply: boolean;
  /** Fetches what was posted since the cursor (exclusive), oldest first. */
  poll(cursor: string | undefined): Promise<PollResult>;
  /** Posts a public reply to the mention. */
  reply(mention: Mention, text: string): Promise<Reply>;
  /**
   * Looks for a reply of ours to this mention already on the network: used before
   * retrying a send whose outcome is unknown, so a reply is never posted twice.
   */
  findReply(mention: Mention, text: string): Promise<Reply | undefined>;
  /**
   * The network's rules for a reply (length with its own weighting); a message if broken.
   * With the mention, the check covers the text as it will be posted (Mastodon prefixes
   * the author's @handle so they are notified).
   */
  checkReply(text: string, mention?: Mention): string | undefined;
  /**
   * Private conversations on this network (see private-messages.ts), where the network
   * has them and the source is configured for them; absent for public-only networks.
   */
  readonly private?: PrivateMessages | undefined;
}
