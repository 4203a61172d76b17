/**
 * Bluesky's text rules, without the SDK (checked while drafting, in the main process).
 * The app.bsky.feed.post lexicon limits `text` to 300 graphemes and 3000 bytes.
 */
import { BLUESKY_CHAT_MAX_BYTES, BLUESKY_CHAT_MAX_GRAPHEMES, BLUESKY_MAX_GRAPHEMES } from '../../domain/reply-limits.js';

export { BLUESKY_MAX_GRAPHEMES };
export const BLUESKY_MAX_BYTES = 3000;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
export const countGraphemes = (text: string): number => [...graphemes.segment(text)].length;

/** A message when the reply breaks Bluesky's length rules, else undefined. */
export function checkBlueskyReply(text: string): string | undefined {
  const n = countGraphemes(text);
  if (n > BLUESKY_MAX_GRAPHEMES) return `The reply is ${n} characters; Bluesky allows ${BLUESKY_MAX_GRAPHEMES} (an emoji or an accented letter counts as one). Shorten it by ${n - BLUESKY_MAX_GRAPHEMES}.`;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > BLUESKY_MAX_BYTES) return `The reply is ${bytes} bytes; Bluesky allows ${BLUESKY_MAX_BYTES}. Shorten it.`;
  return undefined;
}

/**
 * The public web address of a post: https://bsky.app/profile/<handle or did>/post/<rkey>,
 * from its at://<did>/app.bsky.feed.post/<rkey> URI.
 */
export function blueskyPostUrl(uri: string, handle?: string): string {
  const m = /^at:\/\/([^/]+)\/[^/]+\/([^/]+)$/.exec(uri);
  if (!m) throw new Error(`not a post URI: ${uri}`);
  // Handles, DIDs and record keys use only URL-safe characters; anything else falls back to the DID.
  const safe = (s: string) => /^[A-Za-z0-9:._~-]+$/.test(s);
  const who = handle && handle !== 'handle.invalid' && safe(handle) ? handle : m[1]!;
  return `https://bsky.app/profile/${who}/post/${safe(m[2]!) ? m[2]! : encodeURIComponent(m[2]!)}`;
}

/** A message when a chat message breaks the chat lexicon's rules (1,000 graphemes, 10,000 bytes), else undefined. */
export function checkBlueskyPrivate(text: string): string | undefined {
  if (text.trim() === '') return 'The message is empty.';
  const n = countGraphemes(text);
  if (n > BLUESKY_CHAT_MAX_GRAPHEMES) return `The message is ${n} characters; a Bluesky chat message allows ${BLUESKY_CHAT_MAX_GRAPHEMES} (an emoji or an accented letter counts as one). Shorten it by ${n - BLUESKY_CHAT_MAX_GRAPHEMES}.`;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > BLUESKY_CHAT_MAX_BYTES) return `The message is ${bytes} bytes; a Bluesky chat message allows ${BLUESKY_CHAT_MAX_BYTES}. Shorten it.`;
  return undefined;
}
