import * as z from 'zod';
import { durationField } from '../config/duration.js';
import type { Config, SourceConfig } from '../config/schema.js';
import { parseQuery, QuerySyntaxError, type QueryNode } from '../domain/parse-query.js';
import { SourceConfigError, type SourceConfigProblem } from './source-errors.js';

/**
 * How far back a source's first poll reaches (and a poll after its cursor could not be
 * read), unless its `options.lookback` says otherwise: one hour on every network. A new
 * install should not flood its channels with a day of old posts; older history is
 * fetched on purpose with `earshot backfill`.
 */
export const DEFAULT_LOOKBACK_MS = 3_600_000;

/**
 * The `options` every network with private messages (X, Bluesky, Mastodon) takes:
 * `private: true` turns them on for the source (off by default: reading DMs needs wider
 * credentials, and on X it is billed per event), and `privateRecheck` is how long an
 * answer about access (X refusing DMs for the app's plan) is trusted before asking again.
 */
export const privateOptionFields = {
  private: z.boolean().default(false),
  privateRecheck: durationField(60_000).default(6 * 3_600_000),
};

/** `sources[2]`: where a source sits in the config file, for messages. */
export function sourcePath(source: SourceConfig, config: Config): string {
  const i = config.sources.findIndex((s) => s.name === source.name);
  return `sources[${i < 0 ? '?' : i}]`;
}

const pathOf = (base: string, path: ReadonlyArray<PropertyKey>) =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`), base);

/**
 * Validates a source's network-specific `options` with the adapter's own schema. Every
 * problem is reported at once, named by its path in the file (`sources[2].options.feeds`).
 */
export function parseSourceOptions<S extends z.ZodType>(schema: S, source: SourceConfig, config: Config): z.output<S> {
  const r = schema.safeParse(source.options ?? {});
  if (r.success) return r.data;
  const base = `${sourcePath(source, config)}.options`;
  const problems: SourceConfigProblem[] = r.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    return { path: pathOf(base, [...issue.path, ...(keys.length === 1 ? keys : [])]), message: issue.message };
  });
  throw new SourceConfigError(problems);
}

/** A query matched by Earshot itself (for networks whose listings it filters). */
export interface LocalQuery { text: string; node: QueryNode | 'all' }

/**
 * Parses the source's queries in Earshot's own boolean syntax (words, "phrases", AND, OR,
 * NOT, parentheses; `*` matches everything), for networks that list everything and leave
 * the matching to us (feeds, subreddit listings).
 */
export function parseLocalQueries(source: SourceConfig, config: Config): LocalQuery[] {
  const problems: SourceConfigProblem[] = [];
  const out = source.queries.map((text, j): LocalQuery => {
    if (text.trim() === '*') return { text, node: 'all' };
    try {
      return { text, node: parseQuery(text) };
    } catch (e) {
      if (!(e instanceof QuerySyntaxError)) throw e;
      problems.push({ path: `${sourcePath(source, config)}.queries[${j}]`, message: e.message, hint: 'words, "quoted phrases", AND, OR, NOT and parentheses; * for everything' });
      return { text, node: 'all' };
    }
  });
  if (problems.length > 0) throw new SourceConfigError(problems);
  return out;
}

/** The brand's own accounts on a network, normalised for comparison (no leading @, lower case). */
export function ownHandles(config: Config, network: keyof Config['brand']['handles']): Set<string> {
  return new Set((config.brand.handles[network] ?? []).map((h) => h.replace(/^@/, '').toLowerCase()));
}
