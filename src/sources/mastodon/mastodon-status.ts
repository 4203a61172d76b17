import * as z from 'zod';
import type { Mention } from '../../domain/mention.js';
import { fullAcct, htmlToText } from './mastodon-text.js';

/**
 * A status as Earshot reads it, in masto's camelCase: what the REST client returns
 * (`mastodon.v1.Status` fits it) and what a streamed status (snake_case JSON) is turned
 * into by {@link StreamedStatusSchema}, so both become a {@link Mention} the same way.
 */
export interface MastodonStatus {
  id: string;
  uri: string;
  url?: string | null | undefined;
  createdAt: string;
  content: string;
  spoilerText?: string | null | undefined;
  language?: string | null | undefined;
  inReplyToId?: string | null | undefined;
  reblog?: unknown;
  /** `public`, `unlisted`, `private` or `direct` (a private message). */
  visibility?: string | undefined;
  account: MastodonAccount;
}

export interface MastodonAccount {
  id: string;
  /** `user` for an account of the instance, `user@domain` for a remote one. */
  acct: string;
  username: string;
  url?: string | null | undefined;
  displayName?: string | null | undefined;
  followersCount?: number | null | undefined;
  fields?: ReadonlyArray<{ verifiedAt?: string | null | undefined }> | null | undefined;
}

const StreamedAccountSchema = z.object({
  id: z.string(), acct: z.string(), username: z.string(), url: z.string().optional(), display_name: z.string().optional(),
  followers_count: z.number().optional(), fields: z.array(z.object({ verified_at: z.string().nullable().optional() }).passthrough()).optional(),
}).passthrough();

/** A status as the streaming API sends it (the REST entity, snake_case), read into the client's shape. */
export const StreamedStatusSchema = z.object({
  id: z.string().regex(/^\d+$/), uri: z.string(), url: z.string().nullable().optional(), created_at: z.string(), content: z.string(),
  spoiler_text: z.string().optional(), language: z.string().nullable().optional(), in_reply_to_id: z.string().nullable().optional(),
  reblog: z.unknown().optional(), visibility: z.string().optional(), account: StreamedAccountSchema,
}).passthrough().transform((s): MastodonStatus => ({
  id: s.id, uri: s.uri, url: s.url, createdAt: s.created_at, content: s.content, spoilerText: s.spoiler_text,
  language: s.language, inReplyToId: s.in_reply_to_id, reblog: s.reblog, visibility: s.visibility,
  account: {
    id: s.account.id, acct: s.account.acct, username: s.account.username, url: s.account.url, displayName: s.account.display_name,
    followersCount: s.account.followers_count, fields: s.account.fields?.map((f) => ({ verifiedAt: f.verified_at })),
  },
}));

/**
 * Whether the account is one of the brand's (`own`: `user@domain`, lower case). Mastodon
 * gives a local account's acct as bare `user` and a remote one's as `user@domain`: a bare
 * acct matches an own `user`, `user@<instance host>` and `user@<its profile URL's domain>`.
 */
export function isOwnAccount(a: MastodonAccount, own: ReadonlySet<string>, host: string): boolean {
  const acct = a.acct.toLowerCase();
  if (own.has(acct) || own.has(fullAcct(a, host))) return true;
  return !acct.includes('@') && own.has(`${acct}@${host}`);
}

/** A status as a {@link Mention} of source `source` (`host`: the instance, for local accounts' handles). */
export function statusToMention(s: MastodonStatus, source: string, host: string): Mention {
  const text = htmlToText(s.content);
  return {
    network: 'mastodon',
    source,
    id: s.id,
    text: s.spoilerText ? `${s.spoilerText}\n\n${text}` : text,
    ...(s.language ? { lang: s.language } : {}),
    createdAt: new Date(Date.parse(s.createdAt)).toISOString(),
    url: s.url ?? s.uri,
    author: {
      id: s.account.id,
      handle: fullAcct(s.account, host),
      name: s.account.displayName?.trim() || s.account.username,
      followers: Math.max(0, s.account.followersCount ?? 0),
      // Mastodon has no verified badge; a rel=me-verified profile link is the closest thing.
      verified: s.account.fields?.some((f) => !!f.verifiedAt) ?? false,
    },
    ...(s.inReplyToId ? { inReplyToId: s.inReplyToId } : {}),
    isRepost: false,
    isQuote: false,
  };
}
