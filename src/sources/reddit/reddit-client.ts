import type { SourceCache } from '../mention-source.js';
import { DeliveryPermanentError, DeliveryRateLimitedError, SourceUnavailableError } from '../source-errors.js';
import { isNetworkFailure, retryAfterMs, timedFetch } from '../timed-fetch.js';

/**
 * A small client for Reddit's OAuth API (no maintained Node library remains: snoowrap is
 * archived). A "script" app logs in with the password grant
 * (github.com/reddit-archive/reddit/wiki/OAuth2); calls go to oauth.reddit.com with the
 * bearer token and a descriptive User-Agent, as Reddit's API rules ask.
 *
 * Reddit meters every OAuth client (X-Ratelimit-Used / -Remaining / -Reset, the last in
 * seconds until the window ends). The client remembers the last figures in the cache, so a
 * tick that starts with the window spent waits instead of spending requests on 429s.
 */
export interface RedditCredentials {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  userAgent: string;
}

export interface RedditClientOptions {
  credentials: RedditCredentials;
  authUrl: string;
  apiUrl: string;
  cache?: SourceCache | undefined;
  timeoutMs: number;
  now: () => number;
}

interface Token { accessToken: string; expiresAt: number }
export interface RedditRateLimit { remaining: number; resetAt: number }

/** One Reddit "thing" in a listing. */
export interface RedditThing<D = Record<string, unknown>> { kind: string; data: D }
export interface RedditListing<D = Record<string, unknown>> { kind: 'Listing'; data: { after: string | null; before: string | null; children: Array<RedditThing<D>> } }

export class RedditClient {
  private token: Token | undefined;
  private rate: RedditRateLimit | undefined;
  private readonly fetch: typeof fetch;
  /** Requests made (token requests included), for the source's budget. */
  requests = 0;

  constructor(private readonly opts: RedditClientOptions) {
    this.fetch = timedFetch(opts.timeoutMs);
  }

  get rateLimit(): RedditRateLimit | undefined {
    return this.rate;
  }

  private key(what: string): string {
    return `source-session:reddit:${what}:${this.opts.credentials.clientId}:${this.opts.credentials.username.toLowerCase()}`;
  }

  /** GET a JSON resource (`raw_json=1` keeps text unescaped). */
  async get<T>(path: string, params: Record<string, string | undefined>, what: string): Promise<T> {
    const url = new URL(path, this.opts.apiUrl.endsWith('/') ? this.opts.apiUrl : `${this.opts.apiUrl}/`);
    url.searchParams.set('raw_json', '1');
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
    return this.request<T>(url, { method: 'GET' }, what);
  }

  /** POST a form (Reddit's write endpoints take application/x-www-form-urlencoded). */
  async post<T>(path: string, form: Record<string, string>, what: string): Promise<T> {
    const url = new URL(path, this.opts.apiUrl.endsWith('/') ? this.opts.apiUrl : `${this.opts.apiUrl}/`);
    return this.request<T>(url, { method: 'POST', body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }, what);
  }

  /** Stores the last rate-limit figures for the next tick. */
  async saveRateLimit(): Promise<void> {
    if (this.rate) await this.opts.cache?.set(this.key('ratelimit'), this.rate, Math.max(1000, this.rate.resetAt - this.opts.now()));
  }

  private async request<T>(url: URL, init: RequestInit, what: string, retried = false): Promise<T> {
    await this.waitForWindow(what);
    const token = await this.accessToken();
    let res: Response;
    try {
      this.requests += 1;
      res = await this.fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `bearer ${token}`, 'user-agent': this.opts.credentials.userAgent } });
    } catch (e) {
      throw this.networkError(e, what);
    }
    this.noteRate(res.headers);
    if (res.status === 401 && !retried) {
      // The token expired or was revoked early: one new token, one retry.
      this.token = undefined;
      await this.opts.cache?.delete(this.key('token'));
      await res.body?.cancel();
      return this.request<T>(url, init, what, true);
    }
    if (res.status === 429) {
      await res.body?.cancel();
      const wait = this.rate && this.rate.resetAt > this.opts.now() ? this.rate.resetAt - this.opts.now() : retryAfterMs(res.headers.get('retry-after'), this.opts.now()) ?? 60_000;
      this.rate = { remaining: 0, resetAt: this.opts.now() + wait };
      await this.saveRateLimit();
      throw new DeliveryRateLimitedError(Math.max(1000, wait), `Reddit rate limit on the ${what}`);
    }
    if (res.status === 401 || res.status === 403) {
      const body = await res.text().catch(() => '');
      throw new DeliveryPermanentError(`Reddit refused the ${what} (HTTP ${res.status}${body ? `: ${body.slice(0, 200)}` : ''}): check REDDIT_USERNAME and REDDIT_PASSWORD, and that the account may read and post in the subreddits`);
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new SourceUnavailableError(`Reddit answered ${res.status} to the ${what}`);
    }
    const text = await res.text();
    if (!res.ok) throw new DeliveryPermanentError(`Reddit rejected the ${what} (HTTP ${res.status}): ${text.slice(0, 200)}`);
    try {
      return JSON.parse(text) as T;
    } catch {
      // Reddit answers an HTML page when it is down or in maintenance.
      throw new SourceUnavailableError(`Reddit answered the ${what} with something that is not JSON (is it down?)`);
    }
  }

  private async waitForWindow(what: string): Promise<void> {
    this.rate ??= await this.opts.cache?.get<RedditRateLimit>(this.key('ratelimit'));
    const now = this.opts.now();
    if (this.rate && this.rate.remaining < 1 && this.rate.resetAt > now) {
      throw new DeliveryRateLimitedError(Math.max(1000, this.rate.resetAt - now), `Reddit's request window is spent; the ${what} waits until it resets`);
    }
  }

  private noteRate(headers: Headers): void {
    const remaining = Number(headers.get('x-ratelimit-remaining'));
    const reset = Number(headers.get('x-ratelimit-reset'));
    if (headers.has('x-ratelimit-remaining') && Number.isFinite(remaining) && Number.isFinite(reset)) {
      this.rate = { remaining: Math.floor(remaining), resetAt: this.opts.now() + reset * 1000 };
    }
  }

  private async accessToken(): Promise<string> {
    const now = this.opts.now();
    if (this.token && this.token.expiresAt > now) return this.token.accessToken;
    const cached = await this.opts.cache?.get<Token>(this.key('token'));
    if (cached && cached.expiresAt > now) {
      this.token = cached;
      return cached.accessToken;
    }
    const c = this.opts.credentials;
    const url = new URL('api/v1/access_token', this.opts.authUrl.endsWith('/') ? this.opts.authUrl : `${this.opts.authUrl}/`);
    let res: Response;
    try {
      this.requests += 1;
      res = await this.fetch(url, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded', 'user-agent': c.userAgent },
        body: new URLSearchParams({ grant_type: 'password', username: c.username, password: c.password }).toString(),
      });
    } catch (e) {
      throw this.networkError(e, 'login');
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new DeliveryPermanentError(`Reddit refused the app's credentials (HTTP ${res.status}): check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET (a "script" app at https://www.reddit.com/prefs/apps)`);
    }
    if (res.status === 429) {
      await res.body?.cancel();
      throw new DeliveryRateLimitedError(retryAfterMs(res.headers.get('retry-after'), now) ?? 60_000, 'Reddit rate limit on the login');
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new SourceUnavailableError(`Reddit answered ${res.status} to the login`);
    }
    const body = await res.json().catch(() => ({})) as { access_token?: string; expires_in?: number; error?: string };
    if (!body.access_token) {
      // A wrong username or password is a 200 with {"error": "invalid_grant"}.
      throw new DeliveryPermanentError(`Reddit refused the login (${body.error ?? `HTTP ${res.status}`}): check REDDIT_USERNAME and REDDIT_PASSWORD (the account must be a developer of the app; accounts with two-factor sign-in cannot use the password grant)`);
    }
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 3_600_000;
    this.token = { accessToken: body.access_token, expiresAt: now + expiresIn - 60_000 };
    await this.opts.cache?.set(this.key('token'), this.token, Math.max(1000, expiresIn - 60_000));
    return this.token.accessToken;
  }

  private networkError(e: unknown, what: string): Error {
    if (isNetworkFailure(e)) return new SourceUnavailableError(`Reddit could not be reached for the ${what}: ${(e as Error).message}`, { cause: e });
    return e instanceof Error ? e : new Error(String(e));
  }
}
