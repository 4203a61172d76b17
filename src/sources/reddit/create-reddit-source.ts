import * as z from 'zod';
import { durationField } from '../../config/duration.js';
import type { Env } from '../../config/env.js';
import type { Config, SourceConfig } from '../../config/schema.js';
import type { SourceContext } from '../mention-source.js';
import { SourceConfigError, type SourceConfigProblem } from '../source-errors.js';
import { DEFAULT_LOOKBACK_MS, ownHandles, parseLocalQueries, parseSourceOptions, sourcePath } from '../source-options.js';
import { RedditClient } from './reddit-client.js';
import { RedditSource } from './reddit-source.js';

/** `options` of a Reddit source. */
export const RedditOptionsSchema = z.strictObject({
  /** Subreddits to read in full (names without r/); the queries then filter their new posts and comments. */
  subreddits: z.array(z.string().regex(/^(r\/)?[A-Za-z0-9][A-Za-z0-9_]{1,20}$/, { error: 'a subreddit name like AcmeAir (letters, digits, _; 2–21 characters)' })).default([]),
  /** With subreddits: read new posts. */
  posts: z.boolean().default(true),
  /** With subreddits: read new comments. */
  comments: z.boolean().default(true),
  /** Items per listing page (Reddit allows up to 100). */
  pageSize: z.number().int().min(1).max(100).default(100),
  lookback: durationField(0).default(DEFAULT_LOOKBACK_MS),
  /** Site-wide search only: re-read this far below the newest post heard, for posts the index lists late. */
  overlap: durationField(0).default(600_000),
  timeout: durationField(1000).default(30_000),
});

const VARS = ['REDDIT_CLIENT_ID', 'REDDIT_CLIENT_SECRET', 'REDDIT_USERNAME', 'REDDIT_PASSWORD'] as const;

export function redditEnvProblems(source: SourceConfig, config: Config, env: Env): SourceConfigProblem[] {
  const missing = VARS.filter((k) => !env[k]);
  return missing.length === 0 ? [] : [{
    path: sourcePath(source, config),
    message: `source "${source.name}" listens on Reddit but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`,
    hint: 'create a "script" app at https://www.reddit.com/prefs/apps with the brand account as developer; REDDIT_CLIENT_ID is the id under its name, REDDIT_CLIENT_SECRET its secret, REDDIT_USERNAME/REDDIT_PASSWORD the brand account',
  }];
}

/** Builds a Reddit source; connects to nothing until it is polled. */
export function createRedditSource(source: SourceConfig, config: Config, env: Env, ctx: SourceContext = {}): RedditSource {
  const options = parseSourceOptions(RedditOptionsSchema, source, config);
  const subreddits = options.subreddits.map((s) => s.replace(/^r\//, ''));
  // With subreddits Earshot matches the queries itself; without, Reddit's search does.
  const queries = subreddits.length > 0 ? parseLocalQueries(source, config) : source.queries.map((text) => ({ text, node: 'all' as const }));
  const problems = redditEnvProblems(source, config, env);
  if (subreddits.length > 0 && !options.posts && !options.comments) {
    problems.push({ path: `${sourcePath(source, config)}.options`, message: 'posts and comments are both off: nothing would be read', hint: 'set posts: true or comments: true' });
  }
  if (problems.length > 0) throw new SourceConfigError(problems);
  const now = ctx.now ?? Date.now;
  const username = env.REDDIT_USERNAME!;
  const client = new RedditClient({
    credentials: {
      clientId: env.REDDIT_CLIENT_ID!, clientSecret: env.REDDIT_CLIENT_SECRET!, username, password: env.REDDIT_PASSWORD!,
      // Reddit's API rules ask for <platform>:<app ID>:<version> (by /u/<username>).
      userAgent: env.REDDIT_USER_AGENT ?? `server:earshot:0.1.0 (by /u/${username})`,
    },
    authUrl: env.REDDIT_AUTH_URL,
    apiUrl: env.REDDIT_API_URL,
    cache: ctx.cache,
    timeoutMs: options.timeout,
    now,
  });
  const own = ownHandles(config, 'reddit');
  own.add(username.toLowerCase());
  return new RedditSource({
    name: source.name,
    queries,
    subreddits,
    posts: options.posts,
    comments: options.comments,
    maxPages: source.maxPages,
    pageSize: options.pageSize,
    ownAccounts: new Set([...own].map((h) => h.replace(/^u\//, ''))),
    username,
    overlapMs: options.overlap,
    lookbackMs: options.lookback,
    now,
    client,
  });
}
