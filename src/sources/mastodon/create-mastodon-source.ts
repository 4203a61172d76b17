import * as z from 'zod';
import { durationField } from '../../config/duration.js';
import type { Env } from '../../config/env.js';
import type { Config, SourceConfig } from '../../config/schema.js';
import { MASTODON_DEFAULT_MAX } from '../../domain/reply-limits.js';
import type { MentionSource, SourceContext } from '../mention-source.js';
import { LazySource } from '../lazy-source.js';
import { SourceConfigError, type SourceConfigProblem } from '../source-errors.js';
import { DEFAULT_LOOKBACK_MS, parseSourceOptions, privateOptionFields, sourcePath } from '../source-options.js';
import { checkMastodonPrivate, checkMastodonReply } from './mastodon-text.js';
import type { MentionStream } from '../mention-stream.js';
import { MastodonStream } from './mastodon-stream.js';

/** `options` of a Mastodon source. */
export const MastodonOptionsSchema = z.strictObject({
  /** The instance's character limit (its /api/v2/instance `configuration.statuses.max_characters`). */
  maxCharacters: z.number().int().min(1).max(100_000).default(MASTODON_DEFAULT_MAX),
  /** Visibility of replies to public posts. Replies to followers-only or direct posts keep that visibility. */
  visibility: z.enum(['public', 'unlisted']).default('public'),
  /** Results per page (Mastodon allows up to 40, 80 for notifications). */
  pageSize: z.number().int().min(1).max(40).default(40),
  lookback: durationField(0).default(DEFAULT_LOOKBACK_MS),
  /** Re-read this far below the newest status heard: federated statuses arrive late with older ids. */
  overlap: durationField(0).default(600_000),
  timeout: durationField(1000).default(30_000),
  ...privateOptionFields,
  /** Stream mode: the streaming endpoint, if not the instance's own `/api/v1/streaming` (its v2 instance `configuration.urls.streaming`). */
  streamingUrl: z.url({ protocol: /^wss?$/, error: 'a ws:// or wss:// URL of the instance\'s /api/v1/streaming endpoint' }).optional(),
});

export function mastodonEnvProblems(source: SourceConfig, config: Config, env: Env): SourceConfigProblem[] {
  const missing = (['MASTODON_URL', 'MASTODON_ACCESS_TOKEN'] as const).filter((k) => !env[k]);
  return missing.length === 0 ? [] : [{
    path: sourcePath(source, config),
    message: `source "${source.name}" listens on Mastodon but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set`,
    hint: 'set MASTODON_URL to the brand account\'s instance (e.g. https://mastodon.social) and MASTODON_ACCESS_TOKEN to a token from Preferences → Development → New application (scopes read, write:statuses)',
  }];
}

/** The brand's accounts as `user@instance`: a bare `user` is on the configured instance. */
function ownAccounts(config: Config, instanceUrl: string): Set<string> {
  const host = new URL(instanceUrl).host.toLowerCase();
  return new Set((config.brand.handles.mastodon ?? []).map((h) => {
    const bare = h.replace(/^@/, '').toLowerCase();
    return bare.includes('@') ? bare : `${bare}@${host}`;
  }));
}

/** Builds a Mastodon source; loads masto and connects only when it is first used. */
export function createMastodonSource(source: SourceConfig, config: Config, env: Env, ctx: SourceContext = {}): MentionSource {
  const options = parseSourceOptions(MastodonOptionsSchema, source, config);
  const problems = mastodonEnvProblems(source, config, env);
  if (problems.length > 0) throw new SourceConfigError(problems);
  const opts = {
    name: source.name,
    queries: source.queries,
    maxPages: source.maxPages,
    pageSize: options.pageSize,
    ownAccounts: ownAccounts(config, env.MASTODON_URL!),
    instanceUrl: env.MASTODON_URL!,
    accessToken: env.MASTODON_ACCESS_TOKEN!,
    maxCharacters: options.maxCharacters,
    visibility: options.visibility,
    overlapMs: options.overlap,
    lookbackMs: options.lookback,
    timeoutMs: options.timeout,
    now: ctx.now ?? Date.now,
    private: options.private ? { recheckMs: options.privateRecheck, cache: ctx.cache, warn: ctx.warn } : undefined,
  };
  return new LazySource(source.name, 'mastodon', true, (text, mention) => checkMastodonReply(text, opts.maxCharacters, mention?.author.handle),
    async () => new (await import('./mastodon-source.js')).MastodonSource(opts),
    options.private ? (text) => checkMastodonPrivate(text, opts.maxCharacters) : undefined);
}

/**
 * Builds the streaming connection of a Mastodon source in stream mode: `@me` (mentions,
 * through `user:notification`) and `#tag` queries (hashtag streams). Full-text searches have
 * no stream: a source in stream mode may not have them.
 */
export function createMastodonStream(source: SourceConfig, config: Config, env: Env): MentionStream {
  const options = parseSourceOptions(MastodonOptionsSchema, source, config);
  const problems = mastodonEnvProblems(source, config, env);
  const searches = source.queries.map((q, i) => ({ q, i })).filter(({ q }) => q !== '@me' && !/^#[\p{L}\p{N}_]+$/u.test(q));
  for (const { i } of searches) {
    problems.push({ path: `${sourcePath(source, config)}.queries[${i}]`, message: 'in stream mode a Mastodon query is @me (mentions) or a #hashtag: searches have no stream', hint: 'put searches on a source with mode: poll' });
  }
  if (problems.length > 0) throw new SourceConfigError(problems);
  const instance = new URL(env.MASTODON_URL!);
  const url = options.streamingUrl ?? `${instance.protocol === 'http:' ? 'ws:' : 'wss:'}//${instance.host}/api/v1/streaming`;
  return new MastodonStream({
    name: source.name, url, accessToken: env.MASTODON_ACCESS_TOKEN!, queries: source.queries,
    ownAccounts: ownAccounts(config, env.MASTODON_URL!), host: instance.host.toLowerCase(), privateMessages: options.private === true,
  });
}
