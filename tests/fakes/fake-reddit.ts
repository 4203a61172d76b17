/**
 * A fake Reddit on 127.0.0.1: the token endpoint of www.reddit.com and the OAuth API of
 * oauth.reddit.com on one port (point REDDIT_AUTH_URL and REDDIT_API_URL at {@link FakeReddit.url}).
 * Shapes follow reddit.com/dev/api and Reddit's JSON: things `{ kind, data }` in
 * `Listing`s with `after`/`before` fullnames, `api_type=json` answers `{ json: { errors, data } }`.
 *
 * Routes: `POST /api/v1/access_token` (Basic client auth, password grant; a wrong password
 * is a 200 `{"error":"invalid_grant"}`, wrong client credentials a 401), `GET /r/:subs/new`,
 * `GET /r/:subs/comments`, `GET /r/:subs/search`, `GET /search` (`q`, `sort=new`, `restrict_sr`;
 * every word of `q` must be in the title or text), `GET /user/:name/comments`,
 * `POST /api/comment` (`thing_id`, `text`; TOO_LONG above 10,000 characters).
 *
 * Every API answer carries `x-ratelimit-used/remaining/reset` (reset in seconds until the
 * window ends); a spent window answers 429. Ids are base-36 counters per kind, as on Reddit.
 * Route keys for faults: `POST /api/v1/access_token`, `GET /r/:subs/new`, `POST /api/comment`, …
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { flatHeaders, listenFake, readBody, sendJson } from './fake-http.js';
import { type Fault, type FaultWriters, Misbehaviour, type RandomFaults } from './misbehave.js';

export interface RedditPost {
  kind: 't3';
  data: {
    id: string; name: string; title: string; selftext: string; author: string; author_fullname: string; subreddit: string; subreddit_name_prefixed: string;
    created_utc: number; permalink: string; url: string; num_comments: number; score: number; over_18: boolean; is_self: boolean; removed_by_category: string | null;
  };
}
export interface RedditComment {
  kind: 't1';
  data: {
    id: string; name: string; body: string; author: string; author_fullname: string; parent_id: string; link_id: string; subreddit: string;
    created_utc: number; permalink: string; score: number; link_title: string; link_permalink: string;
  };
}
type Thing = RedditPost | RedditComment;

export interface RedditCall { method: string; path: string; route: string; query: URLSearchParams; headers: Record<string, string>; form?: Record<string, string>; fault?: Fault }

export interface FakeRedditOptions {
  brand?: { username?: string; password?: string; clientId?: string; clientSecret?: string };
  /** Requests per rate-limit window (default 600 per 600 s, Reddit's 100 a minute averaged over ten). */
  rateLimit?: { limit: number; windowSec: number };
  now?: () => number;
  random?: RandomFaults;
}

export interface FakeReddit {
  url: string;
  calls: RedditCall[];
  callsTo(route: string): RedditCall[];
  faults: Misbehaviour;
  brand: { username: string; password: string; clientId: string; clientSecret: string };
  addPost(input: { subreddit: string; title: string; selftext?: string; author?: string; createdAt?: number; searchableAt?: number }): RedditPost;
  addComment(input: { on: string; body: string; author?: string; createdAt?: number }): RedditComment;
  thing(fullname: string): Thing | undefined;
  /** Comments created through the API, in order. */
  posted: RedditComment[];
  tokensIssued: number;
  revokeTokens(): void;
  /** Spends the rate-limit window (the next call answers 429). */
  exhaustRateLimit(): void;
  /**
   * The next comment is refused with this `api_type=json` error, e.g.
   * `['RATELIMIT', "Looks like you've been doing that a lot. Take a break for 9 minutes before trying again.", 'ratelimit']`.
   */
  refuseNextComment(error: [string, string, string]): void;
  internalErrors: Error[];
  close(): Promise<void>;
}

class RedditProblem extends Error {
  constructor(readonly status: number, readonly body: unknown) { super(JSON.stringify(body)); }
}

export async function startFakeReddit(opts: FakeRedditOptions = {}): Promise<FakeReddit> {
  const now = opts.now ?? Date.now;
  const faults = new Misbehaviour(opts.random);
  const calls: RedditCall[] = [];
  const things = new Map<string, Thing>();
  const searchable = new Map<string, number>();
  const posted: RedditComment[] = [];
  const tokens = new Set<string>();
  const commentRefusals: Array<[string, string, string]> = [];
  const brand = { username: opts.brand?.username ?? 'AcmeSupport', password: opts.brand?.password ?? 'hunter2', clientId: opts.brand?.clientId ?? 'p-jcoLKBynTLew', clientSecret: opts.brand?.clientSecret ?? 'gko_LXELoV07ZBNUXrvWZfzE3aI' };
  const budget = opts.rateLimit ?? { limit: 600, windowSec: 600 };
  const window = { used: 0, reset: 0 };
  const seq = { t3: Number.parseInt('1h0000', 36), t1: Number.parseInt('kq0000', 36), tokens: 0 };
  const fullnameOf = (user: string) => `t2_${Buffer.from(user).toString('hex').slice(0, 8)}`;

  const addPost: FakeReddit['addPost'] = (input) => {
    const id = (seq.t3++).toString(36);
    const slug = input.title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 50);
    const permalink = `/r/${input.subreddit}/comments/${id}/${slug}/`;
    const author = input.author ?? 'customer_1';
    const post: RedditPost = {
      kind: 't3',
      data: {
        id, name: `t3_${id}`, title: input.title, selftext: input.selftext ?? '', author, author_fullname: fullnameOf(author), subreddit: input.subreddit,
        subreddit_name_prefixed: `r/${input.subreddit}`, created_utc: (input.createdAt ?? now()) / 1000, permalink, url: `https://www.reddit.com${permalink}`,
        num_comments: 0, score: 1, over_18: false, is_self: true, removed_by_category: null,
      },
    };
    things.set(post.data.name, post);
    searchable.set(post.data.name, input.searchableAt ?? 0);
    return post;
  };

  const addComment: FakeReddit['addComment'] = (input) => {
    const parent = things.get(input.on);
    if (!parent) throw new Error(`no thing ${input.on}`);
    const post = (parent.kind === 't3' ? parent : things.get(parent.data.link_id)) as RedditPost;
    const id = (seq.t1++).toString(36);
    const author = input.author ?? 'customer_1';
    const c: RedditComment = {
      kind: 't1',
      data: {
        id, name: `t1_${id}`, body: input.body, author, author_fullname: fullnameOf(author), parent_id: parent.data.name, link_id: post.data.name, subreddit: post.data.subreddit,
        created_utc: (input.createdAt ?? now()) / 1000, permalink: `${post.data.permalink}${id}/`, score: 1, link_title: post.data.title, link_permalink: post.data.url,
      },
    };
    things.set(c.data.name, c);
    post.data.num_comments += 1;
    return c;
  };

  const newestFirst = (xs: Thing[]) => [...xs].sort((a, b) => b.data.created_utc - a.data.created_utc || Number.parseInt(b.data.id, 36) - Number.parseInt(a.data.id, 36));
  const byId = (xs: Thing[]) => [...xs].sort((a, b) => Number.parseInt(b.data.id, 36) - Number.parseInt(a.data.id, 36));

  const listing = (all: Thing[], q: URLSearchParams) => {
    const limit = Math.min(100, Math.max(1, Number(q.get('limit') ?? 25) || 25));
    const after = q.get('after');
    let start = 0;
    if (after) {
      const i = all.findIndex((t) => t.data.name === after);
      // An `after` that is no longer in the listing gives an empty page, as on Reddit.
      if (i < 0) return { kind: 'Listing', data: { after: null, before: null, dist: 0, modhash: null, geo_filter: '', children: [] } };
      start = i + 1;
    }
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return { kind: 'Listing', data: { after: more ? page[page.length - 1]!.data.name : null, before: null, dist: page.length, modhash: null, geo_filter: '', children: page } };
  };

  const inSubs = (subs: string, t: Thing) => subs.toLowerCase().split('+').includes(t.data.subreddit.toLowerCase());
  const matches = (query: string, t: RedditPost) => {
    const text = `${t.data.title}\n${t.data.selftext}`.toLowerCase();
    return (query.toLowerCase().match(/"[^"]*"|\S+/g) ?? []).every((w) => text.includes(w.replace(/^"|"$/g, '')));
  };

  const route = (method: string, path: string): { key: string; param?: string } | undefined => {
    if (method === 'POST' && path === '/api/v1/access_token') return { key: 'POST /api/v1/access_token' };
    if (method === 'POST' && path === '/api/comment') return { key: 'POST /api/comment' };
    if (method === 'GET' && path === '/search') return { key: 'GET /search' };
    if (method === 'GET' && path === '/api/v1/me') return { key: 'GET /api/v1/me' };
    let m = /^\/r\/([A-Za-z0-9_+]+)\/(new|comments|search)$/.exec(path);
    if (method === 'GET' && m) return { key: `GET /r/:subs/${m[2]}`, param: m[1]! };
    m = /^\/user\/([A-Za-z0-9_-]+)\/comments$/.exec(path);
    if (method === 'GET' && m) return { key: 'GET /user/:name/comments', param: m[1]! };
    return undefined;
  };

  const rateHeaders = () => {
    const t = now() / 1000;
    if (t >= window.reset) Object.assign(window, { used: 0, reset: t + budget.windowSec });
    return { 'x-ratelimit-used': String(window.used), 'x-ratelimit-remaining': String(Math.max(0, budget.limit - window.used)), 'x-ratelimit-reset': String(Math.max(0, Math.ceil(window.reset - t))) };
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/\.json$/, '').replace(/\/$/, '') || '/';
    const raw = await readBody(req);
    const r = route(req.method ?? '', path);
    const call: RedditCall = { method: req.method ?? '', path, route: r?.key ?? `${req.method} ${path}`, query: url.searchParams, headers: flatHeaders(req) };
    if (raw.length > 0) call.form = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    calls.push(call);
    if (!r) return sendJson(res, 404, { message: 'Not Found', error: 404 });
    const writers: FaultWriters = {
      tooManyRequests(w, retryAfter) {
        sendJson(w, 429, { message: 'Too Many Requests', error: 429 }, { 'x-ratelimit-used': String(budget.limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(retryAfter) });
      },
      serverError(w, status) {
        w.writeHead(status, { 'content-type': 'text/html; charset=UTF-8' });
        w.end('<!doctype html><html><title>reddit.com: over capacity</title><body>all of our servers are busy right now</body></html>');
      },
    };
    const fault = faults.decide(r.key);
    if (fault) call.fault = fault;
    if ((await faults.apply(fault, req, res, writers)) === 'answered') return;

    if (r.key === 'POST /api/v1/access_token') {
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
      if (id !== brand.clientId || secret !== brand.clientSecret) return sendJson(res, 401, { message: 'Unauthorized', error: 401 });
      const form = call.form ?? {};
      if (form.grant_type !== 'password') return sendJson(res, 200, { error: 'unsupported_grant_type' });
      if (form.username !== brand.username || form.password !== brand.password) return sendJson(res, 200, { error: 'invalid_grant' });
      const token = `${++seq.tokens}-fake-reddit-token`;
      tokens.add(token);
      return sendJson(res, 200, { access_token: token, token_type: 'bearer', expires_in: 86400, scope: '*' });
    }

    const token = /^bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !tokens.has(token)) return sendJson(res, 401, { message: 'Unauthorized', error: 401 }, { 'www-authenticate': 'Bearer realm="reddit", error="invalid_token"' });
    const rh = rateHeaders();
    if (window.used >= budget.limit) return sendJson(res, 429, { message: 'Too Many Requests', error: 429 }, rh);
    window.used += 1;
    const headers = rateHeaders();
    const q = url.searchParams;
    try {
      switch (r.key) {
        case 'GET /api/v1/me':
          return sendJson(res, 200, { name: brand.username, id: fullnameOf(brand.username).slice(3) }, headers);
        case 'GET /r/:subs/new':
          return sendJson(res, 200, listing(byId([...things.values()].filter((t) => t.kind === 't3' && inSubs(r.param!, t))), q), headers);
        case 'GET /r/:subs/comments':
          return sendJson(res, 200, listing(byId([...things.values()].filter((t) => t.kind === 't1' && inSubs(r.param!, t))), q), headers);
        case 'GET /r/:subs/search':
        case 'GET /search': {
          const query = q.get('q') ?? '';
          const restrict = r.key === 'GET /r/:subs/search' && (q.get('restrict_sr') === 'on' || q.get('restrict_sr') === '1' || q.get('restrict_sr') === 'true');
          const hits = [...things.values()].filter((t): t is RedditPost => t.kind === 't3' && (searchable.get(t.data.name) ?? 0) <= now()
            && (!restrict || inSubs(r.param!, t)) && matches(query, t));
          return sendJson(res, 200, listing(newestFirst(hits), q), headers);
        }
        case 'GET /user/:name/comments': {
          const mine = [...things.values()].filter((t) => t.kind === 't1' && t.data.author.toLowerCase() === r.param!.toLowerCase());
          return sendJson(res, 200, listing(newestFirst(mine), q), headers);
        }
        case 'POST /api/comment': {
          const form = call.form ?? {};
          const text = form.text ?? '';
          const errors = (e: [string, string, string]) => sendJson(res, 200, { json: { errors: [e] } }, headers);
          const refusal = commentRefusals.shift();
          if (refusal) return errors(refusal);
          if (!text.trim()) return errors(['NO_TEXT', 'we need something here', 'text']);
          if ([...text].length > 10_000) return errors(['TOO_LONG', 'this is too long (max: 10000)', 'text']);
          const parent = form.thing_id ? things.get(form.thing_id) : undefined;
          if (!parent) return errors(['DELETED_COMMENT', 'that comment has been deleted', 'parent']);
          const c = addComment({ on: parent.data.name, body: text, author: brand.username });
          posted.push(c);
          return sendJson(res, 200, { json: { errors: [], data: { things: [{ kind: 't1', data: { ...c.data, body_html: `&lt;div class="md"&gt;&lt;p&gt;${text}&lt;/p&gt;&lt;/div&gt;` } }] } } }, headers);
        }
      }
      return sendJson(res, 404, { message: 'Not Found', error: 404 });
    } catch (e) {
      if (e instanceof RedditProblem) return sendJson(res, e.status, e.body, headers);
      throw e;
    }
  };

  const http = await listenFake(handler, faults);
  return {
    url: http.origin,
    calls,
    callsTo: (key) => calls.filter((c) => c.route === key),
    faults,
    brand,
    addPost,
    addComment,
    thing: (name) => things.get(name),
    posted,
    get tokensIssued() { return seq.tokens; },
    revokeTokens: () => tokens.clear(),
    exhaustRateLimit: () => { rateHeaders(); window.used = budget.limit; },
    refuseNextComment: (error) => { commentRefusals.push(error); },
    internalErrors: http.internalErrors,
    close: () => http.close(),
  };
}
