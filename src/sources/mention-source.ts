import type { Reply } from '../domain/case.js';
import type { Mention, Network } from '../domain/mention.js';

export interface PollResult {
  mentions: Mention[];
  /** The cursor to persist once the mentions are safely recorded. */
  cursor: string | undefined;
  /** Requests this poll made, for the budget. */
  requests: number;
  rateLimit?: { remaining: number; resetAt: number } | undefined;
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
  /** The network's rules for a reply (length with its own weighting); a message if broken. */
  checkReply(text: string): string | undefined;
}
