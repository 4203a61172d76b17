import * as z from 'zod';
import { durationField } from '../../config/duration.js';
import type { Env } from '../../config/env.js';
import type { Config, SourceConfig } from '../../config/schema.js';
import type { MentionSource, SourceContext } from '../mention-source.js';
import { SourceConfigError } from '../source-errors.js';
import { parseSourceOptions, privateOptionFields } from '../source-options.js';
import { TwitterPrivate } from './twitter-private.js';
import { createXClients } from './twitter-client.js';
import { TwitterSource, X_DEFAULT_LOOKBACK_MS } from './twitter-source.js';
import { TwitterStream } from './twitter-stream.js';

/** `options` of an X source. */
export const XOptionsSchema = z.strictObject({
  /**
   * How far back a poll reaches when nothing was heard yet: the first poll, or after the
   * stored cursor could not be read. Sent as recent search's `start_time`; X keeps seven days.
   */
  lookback: durationField(0).default(X_DEFAULT_LOOKBACK_MS),
  ...privateOptionFields,
});

/** Builds an X source (recent search); connects to nothing until it polls. */
export function createTwitterSource(source: SourceConfig, config: Config, env: Env, ctx: SourceContext = {}): MentionSource {
  const options = parseSourceOptions(XOptionsSchema, source, config);
  const { read, write } = createXClients({
    bearerToken: env.X_BEARER_TOKEN, appKey: env.X_API_KEY, appSecret: env.X_API_SECRET,
    accessToken: env.X_ACCESS_TOKEN, accessSecret: env.X_ACCESS_SECRET,
  }, env.X_API_URL);
  if (!read) throw new SourceConfigError(`source "${source.name}": set X_BEARER_TOKEN (or the four user-context X_* variables) to listen on X`);
  const now = ctx.now ?? Date.now;
  const dms = options.private
    ? new TwitterPrivate({ source: source.name, write, maxPages: source.maxPages, lookbackMs: options.lookback, recheckMs: options.privateRecheck, cache: ctx.cache, warn: ctx.warn, now })
    : undefined;
  return new TwitterSource({
    name: source.name, queries: source.queries, maxPages: source.maxPages, ownHandles: config.brand.handles.x ?? [], read, write,
    lookbackMs: options.lookback, now, private: dms,
  });
}

/** Builds the filtered stream of an X source in stream mode (app-only bearer token); connects to nothing yet. */
export function createTwitterStream(source: SourceConfig, config: Config, env: Env): TwitterStream {
  parseSourceOptions(XOptionsSchema, source, config);
  // No request timeout on the stream itself: the plugin only bounds the rule requests.
  const { read } = createXClients({ bearerToken: env.X_BEARER_TOKEN }, env.X_API_URL);
  if (!read) throw new SourceConfigError(`source "${source.name}": X's filtered stream needs X_BEARER_TOKEN (an app-only bearer token)`);
  return new TwitterStream({ name: source.name, queries: source.queries, ownHandles: config.brand.handles.x ?? [], read });
}
