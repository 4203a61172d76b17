import * as z from 'zod';
import { durationField } from '../../config/duration.js';
import type { Env } from '../../config/env.js';
import type { Config, SourceConfig } from '../../config/schema.js';
import type { MentionSource, SourceContext } from '../mention-source.js';
import { LazySource } from '../lazy-source.js';
import { SourceConfigError } from '../source-errors.js';
import { PrivateAccessMemory } from '../private-access.js';
import { DEFAULT_LOOKBACK_MS, ownHandles, parseLocalQueries, parseSourceOptions, privateOptionFields, sourcePath } from '../source-options.js';
import type { MentionStream, StreamEnd, StreamHandlers } from '../mention-stream.js';
import { BrandDids } from './brand-dids.js';
import { DEFAULT_JETSTREAM_URL, JetstreamStream, type JetstreamOptions } from './jetstream-stream.js';
import { JetstreamAuthors, type BlueskyAuthor } from './jetstream-authors.js';
import { checkBlueskyPrivate, checkBlueskyReply } from './bluesky-text.js';

/** `options` of a Bluesky source. */
export const BlueskyOptionsSchema = z.strictObject({
  /** Results per searchPosts page (the API allows 1–100). */
  pageSize: z.number().int().min(1).max(100).default(100),
  /** How far back the very first poll reaches. */
  lookback: durationField(0).default(DEFAULT_LOOKBACK_MS),
  /** Re-read this far below the newest post heard, for posts the search index takes a while to list. */
  overlap: durationField(0).default(120_000),
  /** Give up on a request after this long. */
  timeout: durationField(1000).default(30_000),
  ...privateOptionFields,
  /** Stream mode: the Jetstream to subscribe to (default Bluesky's public one; no credentials). */
  jetstream: z.url({ protocol: /^wss?$/, error: 'a ws:// or wss:// URL of a Jetstream /subscribe endpoint' }).optional(),
  /** Stream mode: the brand's DIDs, so posts whose mention facets name the brand are heard (handles in `brand.handles.bluesky` that are DIDs count too). */
  dids: z.array(z.string().regex(/^did:[a-z]+:[A-Za-z0-9._:%-]+$/, { error: 'a DID such as did:plc:abc123' })).default([]),
});

/** Problems with the environment for a Bluesky source. */
export function blueskyEnvProblems(source: SourceConfig, config: Config, env: Env) {
  const missing = (['BLUESKY_HANDLE', 'BLUESKY_APP_PASSWORD'] as const).filter((k) => !env[k]);
  return missing.length === 0 ? [] : [{
    path: sourcePath(source, config),
    message: `source "${source.name}" listens on Bluesky but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set`,
    hint: 'set BLUESKY_HANDLE to the brand account (e.g. acme.bsky.social) and BLUESKY_APP_PASSWORD to an app password (Settings → Privacy and security → App passwords); search needs a logged-in account',
  }];
}

/** What a BlueskySource is built with, from the config, the environment (checked) and the context. */
function sourceOptions(source: SourceConfig, config: Config, env: Env, ctx: SourceContext, options: z.output<typeof BlueskyOptionsSchema>) {
  return {
    name: source.name,
    queries: source.queries,
    maxPages: source.maxPages,
    pageSize: options.pageSize,
    ownHandles: ownHandles(config, 'bluesky'),
    serviceUrl: env.BLUESKY_SERVICE_URL,
    identifier: env.BLUESKY_HANDLE!,
    appPassword: env.BLUESKY_APP_PASSWORD!,
    cache: ctx.cache,
    overlapMs: options.overlap,
    lookbackMs: options.lookback,
    timeoutMs: options.timeout,
    now: ctx.now ?? Date.now,
  };
}

/** Builds a Bluesky source; loads @atproto/api and connects only when it is first used. */
export function createBlueskySource(source: SourceConfig, config: Config, env: Env, ctx: SourceContext = {}): MentionSource {
  const options = parseSourceOptions(BlueskyOptionsSchema, source, config);
  const problems = blueskyEnvProblems(source, config, env);
  if (problems.length > 0) throw new SourceConfigError(problems);
  const opts = sourceOptions(source, config, env, ctx, options);
  const memory = new PrivateAccessMemory({ source: source.name, network: 'bluesky', cache: ctx.cache, recheckMs: options.privateRecheck, now: opts.now, warn: ctx.warn });
  return new LazySource(source.name, 'bluesky', true, (text) => checkBlueskyReply(text), async () => {
    const { BlueskySource } = await import('./bluesky-source.js');
    const { BlueskyPrivate } = options.private ? await import('./bluesky-private.js') : { BlueskyPrivate: undefined };
    return new BlueskySource({
      ...opts,
      private: BlueskyPrivate && ((src) => new BlueskyPrivate({
        source: source.name, withSession: (what, fn) => src.withSession(what, fn), memory, maxPages: source.maxPages, lookbackMs: options.lookback, now: opts.now,
      })),
    });
  }, options.private ? checkBlueskyPrivate : undefined);
}

/**
 * Builds the Jetstream stream of a Bluesky source in stream mode: mentions of the brand
 * (by DID in the mention facets, or `@handle` in the text) and the source's queries, matched
 * here in Earshot's own query syntax (Jetstream does no search). Needs no credentials; the
 * brand's handles are resolved to DIDs on `BLUESKY_SERVICE_URL` before connecting, so its
 * own posts are known by their author DID.
 */
export function createJetstreamStream(source: SourceConfig, config: Config, env: Env, ctx: SourceContext = {}): MentionStream {
  const options = parseSourceOptions(BlueskyOptionsSchema, source, config);
  const handles = ownHandles(config, 'bluesky');
  const queries = parseLocalQueries(source, config);
  if (queries.some((q) => q.node === 'all')) {
    throw new SourceConfigError([{ path: `${sourcePath(source, config)}.queries`, message: 'a * query would hear every post on Bluesky in stream mode', hint: 'name keywords, or leave mentions of the brand to the brand handles and options.dids' }]);
  }
  const brandDids = new Set([...options.dids, ...[...handles].filter((h) => h.startsWith('did:'))]);
  const opts: JetstreamOptions = {
    name: source.name,
    url: options.jetstream ?? DEFAULT_JETSTREAM_URL,
    queries,
    brandDids,
    brandHandles: new Set([...handles].filter((h) => !h.startsWith('did:'))),
    lookbackMs: options.lookback,
    authors: blueskyEnvProblems(source, config, env).length === 0 ? jetstreamAuthors(source, config, env, ctx) : undefined,
  };
  return new BrandJetstream(opts, new BrandDids(opts.brandHandles, env.BLUESKY_SERVICE_URL, brandDids));
}

/** Jetstream that first resolves the brand's handles still unresolved to DIDs (brand-dids.ts). */
export class BrandJetstream extends JetstreamStream {
  constructor(opts: JetstreamOptions, readonly brandDids: BrandDids) {
    super(opts);
  }

  override async connect(handlers: StreamHandlers, position: string | undefined, signal: AbortSignal): Promise<StreamEnd> {
    await this.brandDids.resolve(signal);
    return super.connect(handlers, position, signal);
  }
}

/**
 * Authors' handles for a Jetstream, looked up with the source's own Bluesky account
 * (`app.bsky.actor.getProfiles`, @atproto/api loaded on the first look-up) and kept in
 * the store a day.
 */
function jetstreamAuthors(source: SourceConfig, config: Config, env: Env, ctx: SourceContext): JetstreamAuthors {
  const loadSource = async () => {
    const { BlueskySource } = await import('./bluesky-source.js');
    return new BlueskySource(sourceOptions(source, config, env, ctx, parseSourceOptions(BlueskyOptionsSchema, source, config)));
  };
  let loaded: ReturnType<typeof loadSource> | undefined;
  return new JetstreamAuthors({
    cache: ctx.cache,
    now: ctx.now,
    lookup: async (dids) => {
      loaded ??= loadSource().catch((e: unknown) => { loaded = undefined; throw e; });
      const src = await loaded;
      const res = await src.withSession('profile lookup', (agent) => agent.app.bsky.actor.getProfiles({ actors: dids }));
      return new Map<string, BlueskyAuthor>(res.data.profiles.map((p) => [p.did, { handle: p.handle, name: p.displayName ?? '', followers: p.followersCount ?? 0 }]));
    },
  });
}
