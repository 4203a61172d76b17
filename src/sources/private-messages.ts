import type { Author, Network } from '../domain/mention.js';

/**
 * Private conversations on a network (X direct messages, Bluesky chat, Mastodon
 * direct-visibility statuses): the sibling of {@link MentionSource} for what is not said
 * in public. A source that offers them exposes one as `MentionSource.private`; Reddit and
 * feeds have none, and their cards say a case there stays public.
 *
 * Everything a message holds is untrusted text written by a stranger, exactly like a
 * mention: it goes through the same masking gate before any surface shows it.
 */

/** One private message, in either direction, normalised. */
export interface PrivateMessage {
  /** The network's id of the message (X: the DM event id; Bluesky: the chat message id; Mastodon: the status id). */
  id: string;
  /** The network's id of the conversation it belongs to (X: dm_conversation_id; Bluesky: convo id; Mastodon: conversation id). */
  conversationId: string;
  /** Who wrote it. For a message of ours this is the brand's own account. */
  from: Pick<Author, 'id' | 'handle' | 'name'>;
  /** `in` from the customer, `out` from the brand (sent by Earshot or by someone in the network's own app). */
  direction: 'in' | 'out';
  /**
   * For a message of ours (`out`): the customer it went to, where the network says (X: the
   * other participant of the conversation id; Bluesky: the other member of the convo;
   * Mastodon: the account the direct status mentions). Without it the message cannot be
   * put on a case.
   */
  to?: Pick<Author, 'id' | 'handle'> | undefined;
  text: string;
  /** ISO time the network gives. */
  at: string;
  /** A link to the conversation where the network has one. */
  url?: string | undefined;
}

/** Who a private message goes to: the author of a case's mention (their stable id and handle). */
export type PrivateRecipient = Pick<Author, 'id' | 'handle'>;

/**
 * What this account may do privately on this network now. Learned from the network
 * (X answers 403 on the DM endpoints for a tier without them), reported once, and
 * what Move to DM decides on: without `canStart`, Move to DM falls back to a public
 * reply that invites the customer to send a DM.
 */
export type PrivateAccess =
  | { canStart: true; canRead: boolean }
  | { canStart: false; canRead: boolean; reason: string };

export interface PrivatePollResult {
  /** Messages since the cursor (exclusive), oldest first, in both directions. */
  messages: PrivateMessage[];
  /** The cursor to persist once the messages are safely recorded. */
  cursor: string | undefined;
  /** Requests this poll made, for the budget. */
  requests: number;
}

export interface PrivateMessages {
  readonly network: Network;
  /** What the account may do privately (cached by the adapter after the first answer). */
  access(): Promise<PrivateAccess>;
  /** Private messages since the cursor (exclusive), oldest first. */
  pollPrivate(cursor: string | undefined): Promise<PrivatePollResult>;
  /**
   * Sends a private message to the recipient, starting the conversation if there is
   * none. Throws the domain's remote errors (rate limited, refused, unavailable) like
   * `MentionSource.reply`.
   */
  sendPrivate(to: PrivateRecipient, text: string): Promise<PrivateMessage>;
  /**
   * Looks for a private message of ours with this text to the recipient, sent at or
   * after `sinceMs`: asked before retrying a send whose outcome is unknown, so a private
   * reply is never sent twice.
   */
  findPrivate(to: PrivateRecipient, text: string, sinceMs: number): Promise<PrivateMessage | undefined>;
  /** The network's rules for a private message's text (length); a message if broken. */
  checkPrivate(text: string): string | undefined;
}
