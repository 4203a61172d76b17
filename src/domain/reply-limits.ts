import type { Network } from './mention.js';

/**
 * How long a reply may be on each network, as that network counts it. The network adapters
 * check replies against these (src/sources/<network>/); the draft forms show them, so the
 * person writing sees the limit that will apply rather than the chat field's own.
 */
export interface ReplyLimit {
  /** The network's name as people know it. */
  network: string;
  max: number;
  /** How the network counts, when it is not one character for one character. */
  counting?: string;
}

export const X_REPLY_LIMIT = 280;
/** The app.bsky.feed.post lexicon: 300 graphemes (and 3000 bytes). */
export const BLUESKY_MAX_GRAPHEMES = 300;
/** Mastodon's default; an instance may allow more (a source's `options.maxCharacters`). */
export const MASTODON_DEFAULT_MAX = 500;
export const REDDIT_MAX_COMMENT = 10_000;

/**
 * The reply limit of a network, or undefined where Earshot does not reply (web feeds, the
 * sandbox's replay). `mastodonMax` is the instance's own limit when configured.
 */
export function replyLimit(network: Network, mastodonMax?: number): ReplyLimit | undefined {
  switch (network) {
    case 'x': return { network: 'X', max: X_REPLY_LIMIT, counting: 'every link counts 23, most emoji and CJK characters 2' };
    case 'bluesky': return { network: 'Bluesky', max: BLUESKY_MAX_GRAPHEMES, counting: 'an emoji or an accented letter counts 1' };
    case 'mastodon': return { network: 'Mastodon', max: mastodonMax ?? MASTODON_DEFAULT_MAX, counting: 'every link counts 23' };
    case 'reddit': return { network: 'Reddit', max: REDDIT_MAX_COMMENT };
    case 'rss':
    case 'demo':
      return undefined;
  }
}

/** "X allows 280 characters (every link counts 23, most emoji and CJK characters 2)." */
export function replyLimitHint(limit: ReplyLimit): string {
  return `${limit.network} allows ${limit.max.toLocaleString('en-US')} characters${limit.counting ? ` (${limit.counting})` : ''}.`;
}

/**
 * How long a private message may be on each network. X: a DM's text is up to 10,000
 * characters; Bluesky: the chat.bsky.convo message lexicon allows 1,000 graphemes (10,000
 * bytes); Mastodon: a direct message is a status, so the instance's status limit applies.
 */
export const X_DM_LIMIT = 10_000;
export const BLUESKY_CHAT_MAX_GRAPHEMES = 1000;
export const BLUESKY_CHAT_MAX_BYTES = 10_000;
