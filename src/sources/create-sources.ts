import type { Config, SourceConfig } from '../config/schema.js';
import type { Env } from '../config/env.js';
import type { MentionSource, SourceContext } from './mention-source.js';
import { createBlueskySource } from './bluesky/create-bluesky-source.js';
import { createMastodonSource } from './mastodon/create-mastodon-source.js';
import { createRedditSource } from './reddit/create-reddit-source.js';
import { createRssSource } from './rss/create-rss-source.js';
import { SourceConfigError, type SourceConfigProblem } from './source-errors.js';
import { createTwitterSource, XOptionsSchema } from './twitter/create-twitter-source.js';
import { parseSourceOptions } from './source-options.js';
import { streamProblems } from './create-streams.js';

export { SourceConfigError };

/** A factory per network; other networks register theirs here. Factories connect to nothing. */
export type SourceFactory = (source: SourceConfig, config: Config, env: Env, ctx: SourceContext) => MentionSource;

const factories = new Map<string, SourceFactory>([
  ['x', createTwitterSource],
  ['bluesky', createBlueskySource],
  ['mastodon', createMastodonSource],
  ['reddit', createRedditSource],
  ['rss', createRssSource],
]);

export function registerSourceFactory(network: string, factory: SourceFactory): void {
  factories.set(network, factory);
}

/** Builds one adapter per enabled source in the config. */
export function createSource(source: SourceConfig, config: Config, env: Env, ctx: SourceContext = {}): MentionSource {
  const factory = factories.get(source.network);
  if (!factory) throw new SourceConfigError(`source "${source.name}": the ${source.network} network is not supported yet`);
  return factory(source, config, env, ctx);
}

export function createSources(config: Config, env: Env, ctx: SourceContext = {}): Map<string, MentionSource> {
  const out = new Map<string, MentionSource>();
  for (const s of config.sources) if (s.enabled) out.set(s.name, createSource(s, config, env, ctx));
  return out;
}

/**
 * Every problem with the enabled sources' options and credentials, by path, found by
 * building each adapter (which connects to nothing): for `check-config` and start-up.
 */
export function sourceConfigProblems(config: Config, env: Env): SourceConfigProblem[] {
  const problems: SourceConfigProblem[] = [...streamProblems(config, env)];
  for (const s of config.sources) {
    if (!s.enabled) continue;
    try {
      // X's credentials are checked by crossCheck itself: only its options here.
      if (s.network === 'x') parseSourceOptions(XOptionsSchema, s, config);
      else createSource(s, config, env);
    } catch (e) {
      if (!(e instanceof SourceConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  // A source in stream mode is built twice (poll and stream): the same problem is said once.
  return problems.filter((p, i) => problems.findIndex((q) => q.path === p.path && q.message === p.message) === i);
}
