import type { Config, SourceConfig } from '../config/schema.js';
import type { Env } from '../config/env.js';
import type { MentionStream } from './mention-stream.js';
import type { SourceContext } from './mention-source.js';
import { SourceConfigError, type SourceConfigProblem } from './source-errors.js';
import { sourcePath } from './source-options.js';
import { createTwitterStream } from './twitter/create-twitter-source.js';
import { createJetstreamStream } from './bluesky/create-bluesky-source.js';
import { createMastodonStream } from './mastodon/create-mastodon-source.js';

/** A stream factory per network that has one; factories connect to nothing. */
export type StreamFactory = (source: SourceConfig, config: Config, env: Env, ctx: SourceContext) => MentionStream;

const factories = new Map<string, StreamFactory>([
  ['x', createTwitterStream],
  ['bluesky', createJetstreamStream],
  ['mastodon', createMastodonStream],
]);

export function registerStreamFactory(network: string, factory: StreamFactory): void {
  factories.set(network, factory);
}

/** The networks that have a stream (for messages and docs). */
export function streamNetworks(): string[] {
  return [...factories.keys()];
}

/** Problems with `mode: stream` in the config: a network without a stream, two X streams. */
export function streamModeProblems(config: Config): SourceConfigProblem[] {
  const problems: SourceConfigProblem[] = [];
  const streaming = config.sources.filter((s) => s.enabled && s.mode === 'stream');
  for (const s of streaming) {
    if (!factories.has(s.network)) {
      problems.push({ path: `${sourcePath(s, config)}.mode`, message: `the ${s.network} network has no stream in Earshot; use mode: poll`, hint: `stream mode works on ${streamNetworks().join(', ')}` });
    }
  }
  const x = streamingOn(streaming, 'x');
  // X gives an app one filtered-stream connection; its rules are shared by the whole app.
  if (x.length > 1) {
    problems.push({ path: `${sourcePath(x[1]!, config)}.mode`, message: `only one X source can be in stream mode (X allows one filtered-stream connection per app; "${x[0]!.name}" has it)`, hint: 'put every X query on that source, or poll the others' });
  }
  return problems;
}

const streamingOn = (sources: SourceConfig[], network: string) => sources.filter((s) => s.network === network);

/** One stream per enabled source in stream mode. */
export function createStreams(config: Config, env: Env, ctx: SourceContext = {}): Map<string, MentionStream> {
  const problems = streamModeProblems(config);
  if (problems.length > 0) throw new SourceConfigError(problems);
  const out = new Map<string, MentionStream>();
  for (const s of config.sources) {
    if (!s.enabled || s.mode !== 'stream') continue;
    out.set(s.name, factories.get(s.network)!(s, config, env, ctx));
  }
  return out;
}

/**
 * Problems with the streams of the enabled sources in stream mode, found by building each
 * (which connects to nothing): for `check-config` and start-up. X's credentials are
 * checked with the rest of X's.
 */
export function streamProblems(config: Config, env: Env): SourceConfigProblem[] {
  const problems = streamModeProblems(config);
  if (problems.length > 0) return problems;
  for (const s of config.sources) {
    if (!s.enabled || s.mode !== 'stream' || s.network === 'x') continue;
    try {
      factories.get(s.network)!(s, config, env, {});
    } catch (e) {
      if (!(e instanceof SourceConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  return problems;
}
