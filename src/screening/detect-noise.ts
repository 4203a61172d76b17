import type { Config } from '../config/schema.js';
import type { Mention } from '../domain/mention.js';
import { phraseList } from './phrase-list.js';
import type { PostTokens } from './tokenize-post.js';

/** Why a mention is not worth a case, or nothing. */
export interface NoiseVerdict {
  noise: boolean;
  /** Human reason, shown where dropped mentions are listed. */
  reason?: string;
  /** Tags describing the kind of noise, e.g. `spam`, `repost`. */
  tags: string[];
}

const SPAM_PHRASES = phraseList([
  'follow back', 'follow me', 'followback', 'check out my', 'check my profile', 'click here', 'click the link',
  'giveaway', 'win a', 'win free', 'free followers', 'earn money', 'make money', 'work from home', 'dm for promo',
  'promo code', 'crypto', 'bitcoin', 'forex', 'nft', 'airdrop', 'onlyfans', 'investment opportunity', 'cash app',
  'guaranteed', 'limited offer', 'act now', 'buy now', 'subscribe to my', 'link in bio',
]);

/** Whether the author is one of the brand's own accounts on that network. */
export function isBrandPost(mention: Mention, config: Pick<Config, 'brand'>): boolean {
  const own = config.brand.handles[mention.network] ?? [];
  const h = mention.author.handle.replace(/^@/u, '').toLowerCase();
  return own.some((o) => o.replace(/^@/u, '').toLowerCase() === h);
}

/** Whether a handle ends in six digits or more ("promo_88812345"), without a regex. */
function endsInLongNumber(handle: string): boolean {
  let digits = 0;
  for (let i = handle.length - 1; i >= 0; i--) {
    const c = handle.charCodeAt(i);
    if (c < 48 || c > 57) break;
    digits++;
  }
  return digits >= 6;
}

/**
 * Six words or more (of three letters or more), of which at most a third differ. Token
 * facts are shared objects, so comparing them is comparing words; no allocation.
 */
function repetitive(post: PostTokens): boolean {
  const infos = post.infos;
  if (infos.length < 6) return false;
  let words = 0;
  let distinct = 0;
  for (let i = 0; i < infos.length; i++) {
    const w = infos[i]!;
    if (w.bare.length <= 2 || w.bare.startsWith('zz')) continue;
    words++;
    let seen = false;
    for (let j = 0; j < i && !seen; j++) seen = infos[j]!.bare === w.bare;
    if (!seen) distinct++;
  }
  return words >= 6 && distinct <= words / 3;
}

/** The author's own words: the post without handles, links, hashtags' `#` and "RT". */
const ownWords = (post: PostTokens): number =>
  post.tokens.filter((t) => t !== 'zzuser' && t !== 'zzurl' && t !== 'rt' && t !== '!' && t !== '?').length;

/**
 * Spam and bot patterns. Each signal alone is weak (a real customer may post a link or
 * tag five friends), so a post is spam only when two or more agree.
 */
export function spamSignals(mention: Mention, post: PostTokens): string[] {
  const signals: string[] = [];
  if (post.hashtags >= 6) signals.push(`${post.hashtags} hashtags`);
  if (post.handles.length >= 6) signals.push(`tags ${post.handles.length} accounts`);
  const phrase = SPAM_PHRASES.first(post);
  if (phrase) signals.push(`"${phrase}"`);
  if (post.urls >= 2) signals.push(`${post.urls} links`);
  else if (post.urls === 1 && phrase) signals.push('a link with a sales pitch');
  const handle = mention.author.handle;
  if (endsInLongNumber(handle)) signals.push('handle ends in a long number');
  if ((/bot/iu.test(handle) && /bot\b|_bot|bot_/iu.test(handle)) || /\bbot\b/iu.test(mention.author.name)) signals.push('account calls itself a bot');
  if (mention.author.followers === 0 && post.urls > 0) signals.push('no followers, posts links');
  if (repetitive(post)) signals.push('the same words over and over');
  return signals;
}

/**
 * Reposts and quotes without comment, the brand's own posts, blocked authors, and spam
 * or bot posts. Near-duplicates are not decided here: that needs the cases already
 * open, so the app compares `fingerprintText` results (see fingerprint.ts).
 */
export function detectNoise(mention: Mention, post: PostTokens, config: Pick<Config, 'brand'>): NoiseVerdict {
  if (mention.isRepost) return { noise: true, reason: 'repost without comment', tags: ['repost'] };
  // Old-style manual retweets ("RT @someone: …") carry no words of their own either.
  if (/^\s*RT\s+@[\p{L}\p{N}_]+:?/u.test(mention.text)) return { noise: true, reason: 'repost without comment ("RT @…")', tags: ['repost'] };
  if (mention.isQuote && ownWords(post) === 0) return { noise: true, reason: 'quote without comment', tags: ['repost'] };
  if (isBrandPost(mention, config)) return { noise: true, reason: "the brand's own post", tags: ['own-post'] };
  const spam = spamSignals(mention, post);
  if (spam.length >= 2) return { noise: true, reason: `looks like spam: ${spam.join(', ')}`, tags: ['spam'] };
  return { noise: false, tags: [] };
}
