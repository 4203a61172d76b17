/**
 * A fake X API v2 on 127.0.0.1 for `twitter-api-v2` (redirected with a URL-rewriting plugin
 * and an `http.Agent`, platform notes §3.1).
 *
 * Routes: `GET /2/tweets/search/recent`, `GET /2/tweets/:id`, `GET /2/users/me`,
 * `GET /2/users/by/username/:username`, `GET /2/users/:id/tweets`, `GET /2/users/:id/mentions`,
 * `POST /2/tweets`, and the DM routes of `fake-x-dm.ts` (`GET /2/dm_events`,
 * `GET /2/dm_conversations/with/:participant_id/dm_events`,
 * `POST /2/dm_conversations/with/:participant_id/messages`), and the filtered stream with its rules (fake-x-stream.ts). Answers use the documented shapes (`{data, includes, meta}`, problem
 * objects for errors) and every routed answer carries `x-rate-limit-limit/remaining/reset`
 * from a per-route window budget; an exhausted budget answers 429 with those headers (X sends
 * no Retry-After).
 *
 * Tweet ids are real snowflakes (time since the Twitter epoch shifted left 22 bits), so they
 * increase with time and must be compared as BigInt, never as numbers or strings.
 *
 * ## Query matching (recent search)
 * Deliberately simple, and documented here so tests know what they get:
 * - the query splits on top-level `OR` into alternatives; a tweet matches if any alternative
 *   matches; parentheses are ignored;
 * - inside an alternative every clause must hold; a clause is a plain term or `"a phrase"`
 *   (case-insensitive substring of the text; `@acme` and `#tag` are plain terms), or one of
 *   `from:user`, `is:retweet`, `is:reply`, `is:quote`; a leading `-` negates any clause;
 * - every other operator (`lang:`, `has:`, `url:`, `to:`, ...) is ignored.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { flatHeaders, listenFake, readBody, sendJson } from './fake-http.js';
import { createXStream, type FakeXStream } from './fake-x-stream.js';
import { type Fault, type FaultWriters, Misbehaviour, type RandomFaults } from './misbehave.js';
import { dmAccessProblem, fakeXDms, type XDmAccess, type XDmAnswer, type XDmEvent } from './fake-x-dm.js';

export type { XDmAccess, XDmEvent };

/** A user as X returns it with every field the fake knows. */
export interface XUser {
  id: string;
  name: string;
  username: string;
  created_at: string;
  description: string;
  verified: boolean;
  verified_type: 'none' | 'blue' | 'business' | 'government';
  protected: boolean;
  public_metrics: { followers_count: number; following_count: number; tweet_count: number; listed_count: number };
}

/** A post as X returns it with every field the fake knows. */
export interface XTweet {
  id: string;
  text: string;
  author_id: string;
  created_at: string;
  conversation_id: string;
  lang: string;
  edit_history_tweet_ids: string[];
  referenced_tweets?: Array<{ type: 'replied_to' | 'quoted' | 'retweeted'; id: string }>;
  in_reply_to_user_id?: string;
  public_metrics: { retweet_count: number; reply_count: number; like_count: number; quote_count: number };
}

/** What a test gives {@link FakeX.addTweet}; only `text` is required. */
export interface AddTweetInput {
  text: string;
  /** Username or user id of the author; unknown usernames become new users. Default `customer`. */
  author?: string;
  /** Explicit id (numeric string); must be unused. Default: the next snowflake. */
  id?: string;
  createdAt?: string;
  lang?: string;
  /** The tweet this one replies to. */
  replyTo?: string;
  /** The tweet this one quotes. */
  quoteOf?: string;
  /** Makes this a retweet of that tweet (text should start `RT @user:` as on X). */
  retweetOf?: string;
}

/** One request the fake received. */
export interface XCall {
  method: string;
  path: string;
  /** The route key used for rate limits and faults, e.g. `GET /2/users/:id/tweets`. */
  route: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** `Authorization` header as sent (`Bearer …` or `OAuth …`). */
  auth: string | undefined;
  body?: unknown;
  fault?: Fault;
}

/** The budget of one route: `limit` requests per `windowSec`. */
export interface XRateBudget {
  limit: number;
  windowSec: number;
}

/** Route keys the fake serves. */
export type XRoute =
  | 'GET /2/tweets/search/recent'
  | 'GET /2/tweets/:id'
  | 'GET /2/users/me'
  | 'GET /2/users/by/username/:username'
  | 'GET /2/users/:id/tweets'
  | 'GET /2/users/:id/mentions'
  | 'POST /2/tweets'
  | 'GET /2/dm_events'
  | 'GET /2/dm_conversations/with/:participant_id/dm_events'
  | 'POST /2/dm_conversations/with/:participant_id/messages';

/**
 * Defaults from docs.x.com/x-api/fundamentals/rate-limits (per 15 minutes; the published
 * numbers have changed several times, platform notes §3.7, so tests set what they need).
 */
export const DEFAULT_X_BUDGETS: Record<XRoute, XRateBudget> = {
  'GET /2/tweets/search/recent': { limit: 450, windowSec: 900 },
  'GET /2/tweets/:id': { limit: 450, windowSec: 900 },
  'GET /2/users/me': { limit: 75, windowSec: 900 },
  'GET /2/users/by/username/:username': { limit: 300, windowSec: 900 },
  'GET /2/users/:id/tweets': { limit: 1500, windowSec: 900 },
  'GET /2/users/:id/mentions': { limit: 450, windowSec: 900 },
  'POST /2/tweets': { limit: 100, windowSec: 900 },
  // X's DM limits are published twice, differently (platform notes 2 §3): the current table
  // says 15 per 15 minutes per user for both; the older reference 300 (GET) and 200 (POST).
  // The fake keeps the older, roomier figures; a test that needs the small window sets it.
  'GET /2/dm_events': { limit: 300, windowSec: 900 },
  'GET /2/dm_conversations/with/:participant_id/dm_events': { limit: 300, windowSec: 900 },
  'POST /2/dm_conversations/with/:participant_id/messages': { limit: 200, windowSec: 900 },
};

/** Options for {@link startFakeX}. */
export interface FakeXOptions {
  /** The brand account the user-context credentials belong to. Default `@acme`. */
  me?: { id?: string; username?: string; name?: string };
  /** Users known from the start. */
  users?: Array<Partial<XUser> & { username: string }>;
  /** Per-route budgets, merged over {@link DEFAULT_X_BUDGETS}. */
  rateLimits?: Partial<Record<XRoute, XRateBudget>>;
  /** Bearer tokens that are app-only: `POST /2/tweets` refuses them with 403, as X does. */
  appOnlyBearerTokens?: readonly string[];
  random?: RandomFaults;
  /** Clock in ms (tweet ids, created_at, rate-limit windows). Default `Date.now`. */
  now?: () => number;
  /** Users and posts saved by {@link FakeX.saveState} in an earlier run (the sandbox's --keep). */
  state?: FakeXState;
  /** How often the filtered stream sends its `\r\n` keep-alive (X: at least every 20 s). Default 1 s. */
  streamKeepAliveMs?: number;
}

/** Everything the fake X holds that a later run can carry on from (plain JSON). */
export interface FakeXState {
  users: XUser[];
  tweets: XTweet[];
  /** Ids of the posts created through `POST /2/tweets`, in order. */
  posted: string[];
  lastId: string;
  userSeq: number;
  /** Direct messages, both ways, and the ids of those the bot sent (absent in files saved before DMs were kept). */
  dms?: XDmEvent[];
  sentDms?: string[];
}

/** A running fake X API. */
export interface FakeX {
  port: number;
  /** `http://127.0.0.1:<port>/` — what the redirect plugin rewrites `https://api.x.com/` to. */
  url: string;
  calls: XCall[];
  /** Calls of one route key. */
  callsTo(route: XRoute): XCall[];
  faults: Misbehaviour;
  /** The brand account. */
  me: XUser;
  addUser(user: Partial<XUser> & { username: string }): XUser;
  /** A user by id or username. */
  user(idOrUsername: string): XUser | undefined;
  addTweet(input: AddTweetInput): XTweet;
  /** Every tweet, oldest first. */
  readonly tweets: XTweet[];
  tweet(id: string): XTweet | undefined;
  /** Tweets created through `POST /2/tweets`, in order. */
  posted: XTweet[];
  /** The current window of a route's budget. */
  rateLimit(route: XRoute): { limit: number; remaining: number; reset: number };
  /** Starts every rate-limit window afresh. */
  resetRateLimits(): void;
  /** Users and posts as plain JSON, to start a later fake from (`state` option). */
  saveState(): FakeXState;
  /** The app's access to the DM endpoints (see fake-x-dm.ts); change it at any time. */
  dmAccess: XDmAccess;
  /** A DM, by default from a customer (username or id) to the brand; `to` sends it elsewhere, `from: 'acme'` is the brand writing in X's own app. */
  addDm(input: { from: string; to?: string; text: string; createdAt?: string }): XDmEvent;
  /** Every DM event, in the order added. */
  readonly dms: XDmEvent[];
  /** DMs the bot sent through `POST /2/dm_conversations/with/:participant_id/messages`, in order. */
  sentDms: XDmEvent[];
  /** This user refuses DMs from the brand (a plain 403 on send). */
  refuseDms(idOrUsername: string): void;
  /** The filtered stream: its rules, connections and misbehaviour (fake-x-stream.ts). */
  stream: FakeXStream;
  internalErrors: Error[];
  close(): Promise<void>;
}

/** Twitter's snowflake epoch (2010-11-04T01:42:54.657Z). */
const TWEPOCH = 1_288_834_974_657n;

const ROUTES: Array<{ method: string; pattern: RegExp; route: XRoute }> = [
  { method: 'GET', pattern: /^\/2\/tweets\/search\/recent$/, route: 'GET /2/tweets/search/recent' },
  { method: 'GET', pattern: /^\/2\/users\/me$/, route: 'GET /2/users/me' },
  { method: 'GET', pattern: /^\/2\/users\/by\/username\/([^/]+)$/, route: 'GET /2/users/by/username/:username' },
  { method: 'GET', pattern: /^\/2\/users\/(\d+)\/tweets$/, route: 'GET /2/users/:id/tweets' },
  { method: 'GET', pattern: /^\/2\/users\/(\d+)\/mentions$/, route: 'GET /2/users/:id/mentions' },
  { method: 'GET', pattern: /^\/2\/tweets\/(\d+)$/, route: 'GET /2/tweets/:id' },
  { method: 'POST', pattern: /^\/2\/tweets$/, route: 'POST /2/tweets' },
  { method: 'GET', pattern: /^\/2\/dm_events$/, route: 'GET /2/dm_events' },
  { method: 'GET', pattern: /^\/2\/dm_conversations\/with\/(\d+)\/dm_events$/, route: 'GET /2/dm_conversations/with/:participant_id/dm_events' },
  { method: 'POST', pattern: /^\/2\/dm_conversations\/with\/(\d+)\/messages$/, route: 'POST /2/dm_conversations/with/:participant_id/messages' },
];

const TWEET_FIELDS = ['author_id', 'created_at', 'conversation_id', 'lang', 'referenced_tweets', 'in_reply_to_user_id', 'public_metrics'] as const;
const USER_FIELDS = ['created_at', 'description', 'verified', 'verified_type', 'protected', 'public_metrics'] as const;

/** The request is refused with an X "problem" answer (`status` and documented `body`). */
class XRequestRefusedError extends Error {
  readonly code = 'x_request_refused';
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.detail ?? body.title));
  }
}

const invalidRequest = (parameter: string, value: string, message: string) =>
  new XRequestRefusedError(400, {
    errors: [{ parameters: { [parameter]: [value] }, message }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  });

const forbiddenAppOnly = () => new XRequestRefusedError(403, {
  title: 'Unsupported Authentication',
  detail:
    'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].',
  type: 'https://api.twitter.com/2/problems/unsupported-authentication',
  status: 403,
});

const forbidden = (detail: string) => new XRequestRefusedError(403, { detail, type: 'about:blank', title: 'Forbidden', status: 403 });

const notFound = (resource: 'user' | 'tweet', parameter: string, value: string, detail: string) => ({
  errors: [
    {
      value,
      detail,
      title: 'Not Found Error',
      resource_type: resource,
      parameter,
      resource_id: value,
      type: 'https://api.twitter.com/2/problems/resource-not-found',
    },
  ],
});

const list = (v: string | undefined): string[] => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

interface Clause {
  negated: boolean;
  kind: 'term' | 'from' | 'is';
  value: string;
}

/** Parses a search query into OR-alternatives of clauses (see the module comment). */
export function parseXQuery(query: string): Clause[][] {
  const tokens = query.replace(/[()]/g, ' ').match(/-?"[^"]*"|\S+/g) ?? [];
  const alternatives: Clause[][] = [[]];
  for (const token of tokens) {
    if (token === 'OR') {
      alternatives.push([]);
      continue;
    }
    const negated = token.startsWith('-');
    const body = (negated ? token.slice(1) : token).replace(/^"|"$/g, '');
    const op = /^([a-z_]+):(.+)$/i.exec(body);
    let clause: Clause | undefined;
    if (!op) clause = { negated, kind: 'term', value: body.toLowerCase() };
    else if (op[1]!.toLowerCase() === 'from') clause = { negated, kind: 'from', value: op[2]!.replace(/^@/, '').toLowerCase() };
    else if (op[1]!.toLowerCase() === 'is') clause = { negated, kind: 'is', value: op[2]!.toLowerCase() };
    if (clause && clause.value) alternatives[alternatives.length - 1]!.push(clause);
  }
  return alternatives.filter((a) => a.length > 0);
}

/**
 * Starts a fake X API v2 on 127.0.0.1:0.
 *
 * @example
 * const x = await startFakeX();
 * x.addTweet({ text: '@acme my order is late', author: 'jane' });
 * const client = new TwitterApi('bearer', { plugins: [redirectTo(x.url)], httpAgent: new http.Agent() });
 * (await client.v2.search('@acme -is:retweet')).tweets; // [{ id, text, ... }]
 */
export async function startFakeX(opts: FakeXOptions = {}): Promise<FakeX> {
  const now = opts.now ?? Date.now;
  const faults = new Misbehaviour(opts.random);
  const calls: XCall[] = [];
  const users = new Map<string, XUser>();
  const tweets = new Map<string, XTweet>();
  const posted: XTweet[] = [];
  const budgets: Record<XRoute, XRateBudget> = { ...DEFAULT_X_BUDGETS, ...opts.rateLimits };
  const windows = new Map<XRoute, { remaining: number; reset: number }>();
  let lastId = 0n;
  let userSeq = 0;
  const dmState = { access: 'ok' as XDmAccess, refusers: new Set<string>() };

  const nextId = (): string => {
    const snowflake = (BigInt(Math.floor(now())) - TWEPOCH) << 22n;
    lastId = snowflake > lastId ? snowflake : lastId + 1n;
    return lastId.toString();
  };

  const addUser = (u: Partial<XUser> & { username: string }): XUser => {
    const user: XUser = {
      id: u.id ?? String(1_000_000_000n + BigInt(++userSeq)),
      name: u.name ?? u.username,
      username: u.username,
      created_at: u.created_at ?? '2015-06-01T12:00:00.000Z',
      description: u.description ?? '',
      verified: u.verified ?? false,
      verified_type: u.verified_type ?? 'none',
      protected: u.protected ?? false,
      public_metrics: u.public_metrics ?? { followers_count: 120, following_count: 80, tweet_count: 900, listed_count: 1 },
    };
    users.set(user.id, user);
    return user;
  };
  const findUser = (key: string): XUser | undefined =>
    users.get(key) ?? [...users.values()].find((u) => u.username.toLowerCase() === key.replace(/^@/, '').toLowerCase());

  if (opts.state) {
    for (const u of opts.state.users) users.set(u.id, structuredClone(u));
    for (const t of opts.state.tweets) tweets.set(t.id, structuredClone(t));
    for (const id of opts.state.posted) {
      const t = tweets.get(id);
      if (t) posted.push(t);
    }
    lastId = BigInt(opts.state.lastId);
    userSeq = opts.state.userSeq;
  }
  const me = findUser(opts.me?.id ?? '') ?? findUser(opts.me?.username ?? 'acme')
    ?? addUser({ id: opts.me?.id ?? '1500000000000000001', username: opts.me?.username ?? 'acme', name: opts.me?.name ?? 'Acme Support', verified_type: 'business' });
  for (const u of opts.users ?? []) if (!opts.state || !findUser(u.username)) addUser(u);

  const addTweet = (input: AddTweetInput, authorOverride?: XUser): XTweet => {
    const author = authorOverride ?? findUser(input.author ?? 'customer') ?? addUser({ username: input.author ?? 'customer' });
    let id: string;
    if (input.id !== undefined) {
      if (!/^\d+$/.test(input.id) || tweets.has(input.id)) throw new Error(`tweet id ${input.id} is not a new numeric id`);
      id = input.id;
      if (BigInt(id) > lastId) lastId = BigInt(id);
    } else {
      id = nextId();
    }
    const parent = input.replyTo ? tweets.get(input.replyTo) : undefined;
    const refs: NonNullable<XTweet['referenced_tweets']> = [];
    if (input.replyTo) refs.push({ type: 'replied_to', id: input.replyTo });
    if (input.quoteOf) refs.push({ type: 'quoted', id: input.quoteOf });
    if (input.retweetOf) refs.push({ type: 'retweeted', id: input.retweetOf });
    const tweet: XTweet = {
      id,
      text: input.text,
      author_id: author.id,
      created_at: input.createdAt ?? new Date(now()).toISOString(),
      conversation_id: parent?.conversation_id ?? input.replyTo ?? id,
      lang: input.lang ?? 'en',
      edit_history_tweet_ids: [id],
      public_metrics: { retweet_count: 0, reply_count: 0, like_count: 0, quote_count: 0 },
    };
    if (refs.length > 0) tweet.referenced_tweets = refs;
    if (parent) {
      tweet.in_reply_to_user_id = parent.author_id;
      parent.public_metrics.reply_count += 1;
    }
    tweets.set(id, tweet);
    author.public_metrics.tweet_count += 1;
    stream.publish(tweet);
    return tweet;
  };

  const dm = fakeXDms({
    meId: () => me.id,
    userExists: (id) => users.has(id),
    refusesDms: (id) => dmState.refusers.has(id),
    nextId,
    now,
    renderUsers: (ids, fields) => ids.map((id) => users.get(id)).filter((u): u is XUser => !!u).map((u) => renderUser(u, fields)),
  });
  if (opts.state?.dms) {
    const sentIds = new Set(opts.state.sentDms ?? []);
    for (const saved of opts.state.dms) {
      const ev = structuredClone(saved);
      dm.events.push(ev);
      if (sentIds.has(ev.id)) dm.sent.push(ev);
    }
  }
  const dmAnswer = (route: XRoute, param: string, q: URLSearchParams, body: unknown): XDmAnswer => {
    const refused = dmAccessProblem(dmState.access);
    if (refused) return refused;
    if (route === 'GET /2/dm_events') return dm.list(q);
    if (route === 'GET /2/dm_conversations/with/:participant_id/dm_events') return dm.withParticipant(param, q);
    return dm.send(param, body);
  };

  const sortedDesc = (): XTweet[] => [...tweets.values()].sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));

  const matches = (t: XTweet, alternatives: Clause[][]): boolean =>
    alternatives.some((clauses) =>
      clauses.every((c) => {
        let hit: boolean;
        if (c.kind === 'term') hit = t.text.toLowerCase().includes(c.value);
        else if (c.kind === 'from') hit = users.get(t.author_id)?.username.toLowerCase() === c.value;
        else {
          const type = { retweet: 'retweeted', reply: 'replied_to', quote: 'quoted' }[c.value];
          // Unknown is: operators are ignored, like every other unsupported operator.
          if (!type) return true;
          hit = !!t.referenced_tweets?.some((r) => r.type === type);
        }
        return hit !== c.negated;
      }),
    );

  const renderTweet = (t: XTweet, fields: Set<string>): Record<string, unknown> => {
    const out: Record<string, unknown> = { id: t.id, text: t.text, edit_history_tweet_ids: t.edit_history_tweet_ids };
    for (const f of TWEET_FIELDS) if (fields.has(f) && t[f] !== undefined) out[f] = t[f];
    return out;
  };
  const renderUser = (u: XUser, fields: Set<string>): Record<string, unknown> => {
    const out: Record<string, unknown> = { id: u.id, name: u.name, username: u.username };
    for (const f of USER_FIELDS) if (fields.has(f)) out[f] = u[f];
    return out;
  };

  /** Renders a page of tweets with the requested fields and expansions. */
  const tweetPage = (page: XTweet[], q: URLSearchParams, meta: Record<string, unknown>) => {
    if (page.length === 0) return { meta: { ...meta, result_count: 0 } };
    const expansions = new Set(list(q.get('expansions') ?? undefined));
    const tweetFields = new Set(list(q.get('tweet.fields') ?? undefined));
    // An expansion's source field is returned even when tweet.fields did not ask for it.
    if (expansions.has('author_id')) tweetFields.add('author_id');
    if (expansions.has('referenced_tweets.id')) tweetFields.add('referenced_tweets');
    const userFields = new Set(list(q.get('user.fields') ?? undefined));
    const body: Record<string, unknown> = { data: page.map((t) => renderTweet(t, tweetFields)) };
    const includes: Record<string, unknown[]> = {};
    const refs = expansions.has('referenced_tweets.id')
      ? [...new Set(page.flatMap((t) => t.referenced_tweets?.map((r) => r.id) ?? []))]
          .map((id) => tweets.get(id))
          .filter((t): t is XTweet => !!t)
      : [];
    if (refs.length > 0) includes.tweets = refs.map((t) => renderTweet(t, tweetFields));
    if (expansions.has('author_id')) {
      const ids = [...new Set([...page, ...refs].map((t) => t.author_id))];
      includes.users = ids.map((id) => users.get(id)).filter((u): u is XUser => !!u).map((u) => renderUser(u, userFields));
    }
    if (Object.keys(includes).length > 0) body.includes = includes;
    body.meta = { newest_id: page[0]!.id, oldest_id: page[page.length - 1]!.id, result_count: page.length, ...meta };
    return body;
  };

  /** Applies since_id/until_id, start_time, the page token and max_results to `candidates` (newest first). */
  const pageOf = (candidates: XTweet[], q: URLSearchParams, tokenParam: 'next_token' | 'pagination_token', min: number) => {
    const maxRaw = q.get('max_results');
    const max = maxRaw === null ? 10 : Number(maxRaw);
    if (!Number.isInteger(max) || max < min || max > 100) {
      throw invalidRequest('max_results', maxRaw ?? '', `The \`max_results\` query parameter value [${maxRaw}] is not between ${min} and 100`);
    }
    const bound = (name: 'since_id' | 'until_id'): bigint | undefined => {
      const v = q.get(name);
      if (v === null) return undefined;
      if (!/^\d{1,19}$/.test(v)) throw invalidRequest(name, v, `The \`${name}\` query parameter value [${v}] is not valid`);
      return BigInt(v);
    };
    const since = bound('since_id');
    const until = bound('until_id');
    // Inclusive, compared with created_at, as X does.
    const startRaw = q.get('start_time');
    const startAt = startRaw === null ? undefined : Date.parse(startRaw);
    if (startAt !== undefined && Number.isNaN(startAt)) throw invalidRequest('start_time', startRaw!, `The \`start_time\` query parameter value [${startRaw}] is not a valid time`);
    const token = q.get(tokenParam);
    // The token is the id of the last tweet already returned: stable, and it never expires.
    let before: bigint | undefined;
    if (token !== null) {
      const decoded = Buffer.from(token, 'base64url').toString('utf8');
      if (!/^\d+$/.test(decoded)) throw invalidRequest(tokenParam, token, `The \`${tokenParam}\` query parameter value [${token}] is not valid`);
      before = BigInt(decoded);
    }
    const eligible = candidates.filter((t) => {
      const id = BigInt(t.id);
      return (since === undefined || id > since) && (until === undefined || id < until) && (before === undefined || id < before)
        && (startAt === undefined || Date.parse(t.created_at) >= startAt);
    });
    const page = eligible.slice(0, max);
    const more = eligible.length > max;
    return { page, meta: more ? { next_token: Buffer.from(page[page.length - 1]!.id).toString('base64url') } : {} };
  };

  const timelineFor = (userId: string, q: URLSearchParams, kind: 'tweets' | 'mentions') => {
    const user = users.get(userId);
    if (!user) return notFound('user', 'id', userId, `Could not find user with id: [${userId}].`);
    const exclude = new Set(list(q.get('exclude') ?? undefined));
    const mention = `@${user.username.toLowerCase()}`;
    const candidates = sortedDesc().filter((t) => {
      if (kind === 'mentions') return t.author_id !== user.id && t.text.toLowerCase().includes(mention);
      if (t.author_id !== user.id) return false;
      if (exclude.has('retweets') && t.referenced_tweets?.some((r) => r.type === 'retweeted')) return false;
      if (exclude.has('replies') && t.referenced_tweets?.some((r) => r.type === 'replied_to')) return false;
      return true;
    });
    const { page, meta } = pageOf(candidates, q, 'pagination_token', 5);
    return tweetPage(page, q, meta);
  };

  const postTweet = (body: unknown, auth: string | undefined): Record<string, unknown> => {
    const bearer = /^Bearer\s+(.+)$/i.exec(auth ?? '')?.[1];
    if (bearer && opts.appOnlyBearerTokens?.includes(bearer)) throw forbiddenAppOnly();
    const b = (body ?? {}) as { text?: unknown; reply?: { in_reply_to_tweet_id?: unknown }; quote_tweet_id?: unknown };
    if (typeof b.text !== 'string' || b.text === '') {
      throw new XRequestRefusedError(400, {
        errors: [{ message: 'Post text is required' }],
        title: 'Invalid Request',
        detail: 'One or more parameters to your request was invalid.',
        type: 'https://api.twitter.com/2/problems/invalid-request',
      });
    }
    const replyTo = b.reply?.in_reply_to_tweet_id;
    if (replyTo !== undefined && (typeof replyTo !== 'string' || !tweets.has(replyTo))) {
      throw forbidden('You attempted to reply to a Tweet that is deleted or not visible to you.');
    }
    if ([...tweets.values()].some((t) => t.author_id === me.id && t.text === b.text)) {
      throw forbidden('You are not allowed to create a Tweet with duplicate content.');
    }
    const tweet = addTweet(
      {
        text: b.text,
        ...(typeof replyTo === 'string' ? { replyTo } : {}),
        ...(typeof b.quote_tweet_id === 'string' ? { quoteOf: b.quote_tweet_id } : {}),
      },
      me,
    );
    posted.push(tweet);
    return { data: { id: tweet.id, text: tweet.text, edit_history_tweet_ids: tweet.edit_history_tweet_ids } };
  };

  const stream = createXStream<XTweet>({
    matches: (t, query) => matches(t, parseXQuery(query)),
    render: (t, q) => {
      const page = tweetPage([t], q, {}) as { data: unknown[]; includes?: unknown };
      return { data: page.data[0], ...(page.includes ? { includes: page.includes } : {}) };
    },
  }, { keepAliveMs: opts.streamKeepAliveMs });

  const windowOf = (route: XRoute) => {
    const t = Math.floor(now() / 1000);
    let w = windows.get(route);
    if (!w || t >= w.reset) {
      w = { remaining: budgets[route].limit, reset: t + budgets[route].windowSec };
      windows.set(route, w);
    }
    return w;
  };
  const rateHeaders = (route: XRoute, w: { remaining: number; reset: number }) => ({
    'x-rate-limit-limit': String(budgets[route].limit),
    'x-rate-limit-remaining': String(w.remaining),
    'x-rate-limit-reset': String(w.reset),
  });
  const tooMany = (res: ServerResponse, headers: Record<string, string>) =>
    sendJson(res, 429, { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 }, headers);

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const hit = ROUTES.map((r) => ({ r, m: r.method === req.method ? r.pattern.exec(url.pathname) : null })).find((x) => x.m);
    const route = hit?.r.route;
    const call: XCall = {
      method: req.method ?? '',
      path: url.pathname,
      route: route ?? `${req.method} ${url.pathname}`,
      query: Object.fromEntries(url.searchParams),
      headers: flatHeaders(req),
      auth: req.headers.authorization,
    };
    if (raw.length > 0) call.body = req.headers['content-type']?.startsWith('application/json') ? JSON.parse(raw.toString('utf8')) : raw.toString('utf8');
    calls.push(call);
    if (!hit || !route) {
      if (req.headers.authorization && stream.handle(req, res, url.pathname, url.searchParams, call.body)) return;
      return sendJson(res, 404, { errors: [{ message: 'Sorry, that page does not exist', code: 34 }] });
    }

    const writers: FaultWriters = {
      // X sends no Retry-After: the wait is expressed through x-rate-limit-reset.
      tooManyRequests(r, retryAfter) {
        tooMany(r, rateHeaders(route, { remaining: 0, reset: Math.floor(now() / 1000) + retryAfter }));
      },
      serverError(r, status) {
        sendJson(r, status, { title: 'Service Unavailable', detail: 'Service Unavailable', type: 'about:blank', status });
      },
    };
    const fault = faults.decide(route);
    if (fault) call.fault = fault;
    if ((await faults.apply(fault, req, res, writers)) === 'answered') return;

    if (!req.headers.authorization) {
      return sendJson(res, 401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });
    }
    const w = windowOf(route);
    if (w.remaining <= 0) return tooMany(res, rateHeaders(route, w));
    w.remaining -= 1;
    const headers = rateHeaders(route, w);
    const param = hit.m![1] ?? '';
    const q = url.searchParams;
    try {
      switch (route) {
        case 'GET /2/tweets/search/recent': {
          const query = q.get('query');
          if (!query) throw invalidRequest('query', '', 'The `query` query parameter can not be empty');
          const alternatives = parseXQuery(query);
          const { page, meta } = pageOf(sortedDesc().filter((t) => matches(t, alternatives)), q, 'next_token', 10);
          return sendJson(res, 200, tweetPage(page, q, meta), headers);
        }
        case 'GET /2/tweets/:id': {
          const t = tweets.get(param);
          if (!t) return sendJson(res, 200, notFound('tweet', 'id', param, `Could not find tweet with id: [${param}].`), headers);
          const body = tweetPage([t], q, {}) as { data: unknown[]; includes?: unknown };
          return sendJson(res, 200, { data: body.data[0], ...(body.includes ? { includes: body.includes } : {}) }, headers);
        }
        case 'GET /2/users/me':
          return sendJson(res, 200, { data: renderUser(me, new Set(list(q.get('user.fields') ?? undefined))) }, headers);
        case 'GET /2/users/by/username/:username': {
          const name = decodeURIComponent(param);
          const u = findUser(name);
          if (!u || u.username.toLowerCase() !== name.toLowerCase()) {
            return sendJson(res, 200, notFound('user', 'username', name, `Could not find user with username: [${name}].`), headers);
          }
          return sendJson(res, 200, { data: renderUser(u, new Set(list(q.get('user.fields') ?? undefined))) }, headers);
        }
        case 'GET /2/users/:id/tweets':
          return sendJson(res, 200, timelineFor(param, q, 'tweets'), headers);
        case 'GET /2/users/:id/mentions':
          return sendJson(res, 200, timelineFor(param, q, 'mentions'), headers);
        case 'POST /2/tweets':
          return sendJson(res, 201, postTweet(call.body, req.headers.authorization), headers);
        case 'GET /2/dm_events':
        case 'GET /2/dm_conversations/with/:participant_id/dm_events':
        case 'POST /2/dm_conversations/with/:participant_id/messages': {
          // DMs need user context (platform notes 2 §3): an app-only bearer token is refused.
          const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
          if (bearer && opts.appOnlyBearerTokens?.includes(bearer)) throw forbiddenAppOnly();
          const a = dmAnswer(route, param, q, call.body);
          return sendJson(res, a.status, a.body, headers);
        }
      }
    } catch (err) {
      if (err instanceof XRequestRefusedError) return sendJson(res, err.status, err.body, headers);
      throw err;
    }
  };

  const http = await listenFake(handler, faults);
  const closeHttp = async () => { stream.close(); await http.close(); };
  return {
    port: http.port,
    url: `${http.origin}/`,
    calls,
    callsTo: (route) => calls.filter((c) => c.route === route),
    faults,
    me,
    addUser,
    user: findUser,
    addTweet: (input) => addTweet(input),
    get tweets() {
      return sortedDesc().reverse();
    },
    tweet: (id) => tweets.get(id),
    posted,
    rateLimit(route) {
      const w = windowOf(route);
      return { limit: budgets[route].limit, remaining: w.remaining, reset: w.reset };
    },
    resetRateLimits: () => windows.clear(),
    saveState: () => structuredClone({
      users: [...users.values()], tweets: [...tweets.values()], posted: posted.map((t) => t.id), lastId: lastId.toString(), userSeq,
      dms: dm.events, sentDms: dm.sent.map((e) => e.id),
    }),
    get dmAccess() { return dmState.access; },
    set dmAccess(v: XDmAccess) { dmState.access = v; },
    addDm(input) {
      const from = findUser(input.from) ?? addUser({ username: input.from });
      const to = input.to ? findUser(input.to) ?? addUser({ username: input.to }) : me;
      return dm.add(from.id, to.id, input.text, input.createdAt);
    },
    get dms() { return [...dm.events]; },
    sentDms: dm.sent,
    refuseDms(idOrUsername) {
      const u = findUser(idOrUsername);
      if (!u) throw new Error(`no user ${idOrUsername}`);
      dmState.refusers.add(u.id);
    },
    stream: stream.api,
    internalErrors: http.internalErrors,
    close: closeHttp,
  };
}
