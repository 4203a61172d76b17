import type { Config } from '../config/schema.js';
import type { Mention } from '../domain/mention.js';
import { phraseList } from './phrase-list.js';
import type { TokenInfo } from './token-info.js';
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

/** A handle without its leading `@`, lower-case. */
const plainHandle = (h: string): string => (h.charCodeAt(0) === 64 ? h.slice(1) : h).toLowerCase();

/** The brand's handles on one network, normalised once: config arrays live as long as the config. */
const ownHandles = new WeakMap<readonly string[], ReadonlySet<string>>();

/** Whether the author is one of the brand's own accounts on that network. */
export function isBrandPost(mention: Mention, config: Pick<Config, 'brand'>): boolean {
  const own = config.brand.handles[mention.network];
  if (!own || own.length === 0) return false;
  let set = ownHandles.get(own);
  if (!set) {
    set = new Set(own.map(plainHandle));
    ownHandles.set(own, set);
  }
  return set.has(plainHandle(mention.author.handle));
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

/** Words the repetition check counts: three letters or more, not a placeholder. */
function counts(w: TokenInfo): boolean {
  return w.bare.length > 2 && !w.bare.startsWith('zz');
}

/**
 * Six words or more (of three letters or more), of which at most a third differ. Token
 * facts are shared objects, so comparing them is comparing words; no allocation.
 */
function repetitive(post: PostTokens): boolean {
  const infos = post.infos;
  if (infos.length < 6) return false;
  let words = 0;
  for (let i = 0; i < infos.length; i++) if (counts(infos[i]!)) words++;
  if (words < 6) return false;
  // Most posts repeat little: stop as soon as more than a third of the words differ.
  let distinct = 0;
  for (let i = 0; i < infos.length; i++) {
    const w = infos[i]!;
    if (!counts(w)) continue;
    let seen = false;
    for (let j = 0; j < i && !seen; j++) seen = infos[j]!.bare === w.bare;
    if (!seen && ++distinct > words / 3) return false;
  }
  return true;
}

/** Whether `s` has "bot" in any case of its ASCII letters (what `/bot/iu` finds). */
function hasBot(s: string): boolean {
  for (let i = 0; i + 2 < s.length; i++) {
    if ((s.charCodeAt(i) | 32) === 98 && (s.charCodeAt(i + 1) | 32) === 111 && (s.charCodeAt(i + 2) | 32) === 116) return true;
  }
  return false;
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
  // `hasBot` first: a `\b` under the `iu` flags is costly to test at every position.
  if ((hasBot(handle) && /bot\b|_bot|bot_/iu.test(handle)) || (hasBot(mention.author.name) && /\bbot\b/iu.test(mention.author.name))) signals.push('account calls itself a bot');
  // An unknown count is no evidence: a file without a follower column is not an account nobody follows.
  if (mention.author.followers === 0 && !mention.author.followersUnknown && post.urls > 0) signals.push('no followers, posts links');
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
