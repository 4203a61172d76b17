import type { TweetV2, UserV2 } from 'twitter-api-v2';
import type { Mention } from '../../domain/mention.js';

/**
 * A post as X returns it (recent search or the filtered stream) as a {@link Mention};
 * undefined for reposts and the brand's own posts, which are never mentions.
 */
export function tweetToMention(t: TweetV2, author: UserV2 | undefined, source: string, ownHandles: readonly string[]): Mention | undefined {
  if (t.referenced_tweets?.some((r) => r.type === 'retweeted')) return undefined;
  const handle = author?.username ?? '';
  if (ownHandles.some((h) => h.replace(/^@/, '').toLowerCase() === handle.toLowerCase())) return undefined;
  const replyTo = t.referenced_tweets?.find((r) => r.type === 'replied_to')?.id;
  return {
    network: 'x',
    source,
    id: t.id,
    text: t.text,
    ...(t.lang && t.lang !== 'und' ? { lang: t.lang } : {}),
    createdAt: t.created_at ?? new Date(0).toISOString(),
    url: `https://x.com/i/web/status/${t.id}`,
    author: {
      id: t.author_id ?? author?.id ?? 'unknown',
      handle: handle || (t.author_id ?? 'unknown'),
      name: author?.name ?? handle,
      followers: author?.public_metrics?.followers_count ?? 0,
      ...(author?.public_metrics?.followers_count === undefined ? { followersUnknown: true } : {}),
      verified: !!author?.verified || (!!author?.verified_type && author.verified_type !== 'none'),
    },
    ...(t.conversation_id ? { conversationId: t.conversation_id } : {}),
    ...(replyTo ? { inReplyToId: replyTo } : {}),
    isRepost: false,
    isQuote: !!t.referenced_tweets?.some((r) => r.type === 'quoted'),
  };
}
