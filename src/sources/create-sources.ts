import type { Config, SourceConfig } from '../config/schema.js';
import type { Env } from '../config/env.js';
import type { MentionSource } from './mention-source.js';
import { createXClients } from './twitter/twitter-client.js';
import { TwitterSource } from './twitter/twitter-source.js';

export class SourceConfigError extends Error {
  readonly code = 'SOURCE_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'SourceConfigError';
  }
}

/** A factory per network; other networks register theirs here. */
export type SourceFactory = (source: SourceConfig, config: Config, env: Env) => MentionSource;

const factories = new Map<string, SourceFactory>([
  ['x', (s, config, env) => {
    const { read, write } = createXClients({
      bearerToken: env.X_BEARER_TOKEN, appKey: env.X_API_KEY, appSecret: env.X_API_SECRET,
      accessToken: env.X_ACCESS_TOKEN, accessSecret: env.X_ACCESS_SECRET,
    }, env.X_API_URL);
    if (!read) throw new SourceConfigError(`source "${s.name}": set X_BEARER_TOKEN (or the four user-context X_* variables) to listen on X`);
    return new TwitterSource({ name: s.name, queries: s.queries, maxPages: s.maxPages, ownHandles: config.brand.handles.x ?? [], read, write });
  }],
]);

export function registerSourceFactory(network: string, factory: SourceFactory): void {
  factories.set(network, factory);
}

/** Builds one adapter per enabled source in the config. */
export function createSource(source: SourceConfig, config: Config, env: Env): MentionSource {
  const factory = factories.get(source.network);
  if (!factory) throw new SourceConfigError(`source "${source.name}": the ${source.network} network is not supported yet`);
  return factory(source, config, env);
}

export function createSources(config: Config, env: Env): Map<string, MentionSource> {
  const out = new Map<string, MentionSource>();
  for (const s of config.sources) if (s.enabled) out.set(s.name, createSource(s, config, env));
  return out;
}
