import * as z from 'zod';

/** Networks Earshot can listen on. `demo` is the offline sandbox's replay source. */
export const NETWORKS = ['x', 'bluesky', 'mastodon', 'reddit', 'rss', 'demo'] as const;
export type Network = (typeof NETWORKS)[number];

export const AuthorSchema = z.object({
  /** The network's stable user id. */
  id: z.string().min(1),
  handle: z.string(),
  name: z.string(),
  followers: z.number().int().nonnegative().default(0),
  /**
   * The network (or file) gave no follower count: `followers` is then 0 but means
   * "not known", and screening must not read it as an account nobody follows.
   */
  followersUnknown: z.boolean().optional(),
  verified: z.boolean().default(false),
  /** The account's own language, used as a fallback for language detection. */
  lang: z.string().optional(),
});
export type Author = z.infer<typeof AuthorSchema>;

/**
 * A post heard on a social network, normalised. Everything in it is untrusted
 * text written by strangers: renderers must escape it.
 */
export const MentionSchema = z.object({
  network: z.enum(NETWORKS),
  /** Name of the configured source that heard it. */
  source: z.string().min(1),
  /** The network's post id. */
  id: z.string().min(1),
  text: z.string(),
  lang: z.string().optional(),
  createdAt: z.string(),
  url: z.string(),
  author: AuthorSchema,
  conversationId: z.string().optional(),
  inReplyToId: z.string().optional(),
  /** A repost/quote without comment carries no new words from the author. */
  isRepost: z.boolean().default(false),
  isQuote: z.boolean().default(false),
});
export type Mention = z.infer<typeof MentionSchema>;

/** The key that identifies a mention across sources: one post, one case. */
export const mentionKey = (m: Pick<Mention, 'network' | 'id'>): string => `${m.network}:${m.id}`;
