/**
 * A fake Mastodon instance on 127.0.0.1 for `masto` (`createRestAPIClient({ url })`). Entities
 * are the documented JSON (snake_case; docs.joinmastodon.org/entities/Status, Account,
 * Notification): masto converts them to camelCase itself.
 *
 * Routes: `GET /api/v1/accounts/verify_credentials`, `GET /api/v1/notifications`
 * (`types[]`, `since_id`, `max_id`, `min_id`, `limit`), `GET /api/v1/timelines/tag/:hashtag`,
 * `GET /api/v2/search` (`type=statuses`, `offset`, `min_id`/`max_id` turned into whole-second
 * dates as Mastodon's StatusesSearchService does), `GET /api/v1/statuses/:id`,
 * `POST /api/v1/statuses` (500-character rule counted as Mastodon counts it, `Idempotency-Key`
 * honoured), `GET /api/v1/accounts/:id/statuses`, and for direct messages
 * `GET /api/v1/conversations` (direct statuses grouped by thread, newest last status first,
 * `accounts` without the brand; paged by the last status id) and
 * `GET /api/v1/statuses/:id/context` (ancestors oldest first, descendants). Lists are newest first with `Link` headers.
 *
 * Every answer carries `X-RateLimit-Limit/Remaining/Reset` (Reset is an ISO date, as on
 * Mastodon). Errors are `{ "error": "…" }`. Status ids are snowflakes (ms << 16), so they
 * grow with `created_at`; a status added with an old `createdAt` (a late federated post)
 * gets an older id. Route keys for faults: `GET /api/v1/notifications`, `POST /api/v1/statuses`, …
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { flatHeaders, listenFake, readBody, sendJson } from './fake-http.js';
import { type Fault, type FaultWriters, Misbehaviour, type RandomFaults } from './misbehave.js';
import { countMastodonLength } from '../../src/sources/mastodon/mastodon-text.js';
import { attachStreaming, type FakeMastodonStreaming } from './fake-mastodon-streaming.js';

/** The public domain the fake's accounts and statuses claim in their URLs. */
export const FAKE_MASTODON_DOMAIN = 'mastodon.example';

export interface MastoAccount {
  id: string; username: string; acct: string; display_name: string; locked: boolean; bot: boolean; discoverable: boolean; group: boolean;
  created_at: string; note: string; url: string; uri: string; avatar: string; avatar_static: string; header: string; header_static: string;
  followers_count: number; following_count: number; statuses_count: number; last_status_at: string | null; emojis: unknown[];
  fields: Array<{ name: string; value: string; verified_at: string | null }>;
}

export interface MastoStatus {
  id: string; uri: string; url: string; created_at: string; account: MastoAccount; content: string; text?: string;
  visibility: 'public' | 'unlisted' | 'private' | 'direct'; sensitive: boolean; spoiler_text: string;
  media_attachments: unknown[]; mentions: Array<{ id: string; username: string; url: string; acct: string }>; tags: Array<{ name: string; url: string }>;
  emojis: unknown[]; reblogs_count: number; favourites_count: number; replies_count: number;
  in_reply_to_id: string | null; in_reply_to_account_id: string | null; reblog: MastoStatus | null; poll: null; card: null;
  language: string | null; edited_at: string | null;
}

export interface MastoNotification { id: string; type: 'mention'; created_at: string; account: MastoAccount; status: MastoStatus }

export interface MastoCall { method: string; path: string; route: string; query: URLSearchParams; headers: Record<string, string>; body?: Record<string, unknown>; fault?: Fault }

export interface AddStatusInput {
  text: string;
  /** acct of the author (`jane` local, `jane@other.example` remote). Default `customer`. */
  author?: string;
  createdAt?: string;
  replyTo?: string;
  visibility?: MastoStatus['visibility'];
  spoiler?: string;
  lang?: string;
  /** Makes this a boost of that status. */
  reblogOf?: string;
  /** Searchable through /api/v2/search (authors who opted in to search). Default true. */
  indexable?: boolean;
}

export interface FakeMastodonOptions {
  brand?: { username?: string; accessToken?: string };
  now?: () => number;
  random?: RandomFaults;
}

export interface FakeMastodon {
  url: string;
  calls: MastoCall[];
  callsTo(route: string): MastoCall[];
  faults: Misbehaviour;
  brand: MastoAccount;
  /** The token the fake accepts; change it to make every call 401. */
  accessToken: string;
  addAccount(acct: string, init?: Partial<MastoAccount>): MastoAccount;
  addStatus(input: AddStatusInput): MastoStatus;
  status(id: string): MastoStatus | undefined;
  /** Statuses created through the API, in order. */
  posted: MastoStatus[];
  /** Answer the conversations API with 403, as for a token without `read:statuses`. */
  refuseConversations: boolean;
  /**
   * The next n direct statuses posted are created (in `posted`, in the conversation) but
   * never answered, as when the connection dies after the instance acted.
   */
  stallAfterDirect: number;
  /** The streaming API at `/api/v1/streaming` (fake-mastodon-streaming.ts). */
  streaming: FakeMastodonStreaming;
  internalErrors: Error[];
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

class MastoProblem extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export async function startFakeMastodon(opts: FakeMastodonOptions = {}): Promise<FakeMastodon> {
  const now = opts.now ?? Date.now;
  const faults = new Misbehaviour(opts.random);
  const calls: MastoCall[] = [];
  const accounts = new Map<string, MastoAccount>();
  const statuses = new Map<string, MastoStatus>();
  const unindexed = new Set<string>();
  const notifications: MastoNotification[] = [];
  const posted: MastoStatus[] = [];
  const idempotency = new Map<string, MastoStatus>();
  let accountSeq = 100;
  let notificationSeq = 1000;
  const state = { token: opts.brand?.accessToken ?? 'masto-token', refuseConversations: false, stallAfterDirect: 0 };
  const conversationIds = new Map<string, string>();
  const rl = { limit: 300, remaining: 300, reset: 0 };

  const addAccount = (acct: string, init: Partial<MastoAccount> = {}): MastoAccount => {
    const [username, domain] = acct.split('@') as [string, string | undefined];
    const home = domain ?? FAKE_MASTODON_DOMAIN;
    const a: MastoAccount = {
      id: init.id ?? String(++accountSeq), username, acct, display_name: init.display_name ?? username, locked: false, bot: false, discoverable: true, group: false,
      created_at: '2022-11-01T00:00:00.000Z', note: '', url: `https://${home}/@${username}`, uri: `https://${home}/users/${username}`,
      avatar: `https://${FAKE_MASTODON_DOMAIN}/avatars/original/missing.png`, avatar_static: `https://${FAKE_MASTODON_DOMAIN}/avatars/original/missing.png`,
      header: `https://${FAKE_MASTODON_DOMAIN}/headers/original/missing.png`, header_static: `https://${FAKE_MASTODON_DOMAIN}/headers/original/missing.png`,
      followers_count: init.followers_count ?? 37, following_count: 12, statuses_count: 0, last_status_at: null, emojis: [], fields: init.fields ?? [],
    };
    accounts.set(a.id, a);
    return a;
  };
  // A local account may be named with the instance's domain (`jane@mastodon.example`), as Mastodon allows.
  const findAccount = (acct: string) => {
    const want = acct.replace(/^@/, '').toLowerCase().replace(new RegExp(`@${FAKE_MASTODON_DOMAIN.replace(/\./g, '\\.')}$`), '');
    return [...accounts.values()].find((a) => a.acct.toLowerCase() === want);
  };
  const brand = addAccount(opts.brand?.username ?? 'acme', { display_name: 'Acme Support', followers_count: 2400 });

  const snowflake = (ms: number): string => {
    let id = BigInt(ms) << 16n;
    // Same millisecond: the low bits keep ids unique and increasing, as Mastodon's sequence does.
    while (statuses.has(id.toString())) id += 1n;
    return id.toString();
  };

  /** Mastodon's HTML for a status text: mentions and hashtags as links, paragraphs. */
  const render = (text: string): { html: string; mentions: MastoStatus['mentions']; tags: MastoStatus['tags'] } => {
    const mentions: MastoStatus['mentions'] = [];
    const tags: MastoStatus['tags'] = [];
    const html = text.split(/\n{2,}/).map((para) => `<p>${esc(para).replace(/\n/g, '<br />')
      .replace(/(^|[^\w/])@([a-z0-9_]+(?:@[a-z0-9.-]+)?)/gi, (m, pre: string, acct: string) => {
        const a = findAccount(acct);
        if (!a) return m;
        mentions.push({ id: a.id, username: a.username, url: a.url, acct: a.acct });
        return `${pre}<span class="h-card" translate="no"><a href="${a.url}" class="u-url mention">@<span>${a.username}</span></a></span>`;
      })
      .replace(/(^|[^\w&])#([\p{L}\p{N}_]+)/gu, (_m, pre: string, tag: string) => {
        tags.push({ name: tag.toLowerCase(), url: `https://${FAKE_MASTODON_DOMAIN}/tags/${tag.toLowerCase()}` });
        return `${pre}<a href="https://${FAKE_MASTODON_DOMAIN}/tags/${tag.toLowerCase()}" class="mention hashtag" rel="tag">#<span>${tag}</span></a>`;
      })}</p>`).join('');
    return { html, mentions, tags };
  };

  let streaming: ReturnType<typeof attachStreaming> | undefined;
  const addStatus = (input: AddStatusInput, author?: MastoAccount): MastoStatus => {
    const who = author ?? findAccount(input.author ?? 'customer') ?? addAccount(input.author ?? 'customer');
    const createdAt = input.createdAt ?? new Date(now()).toISOString();
    const id = snowflake(Date.parse(createdAt));
    const parent = input.replyTo ? statuses.get(input.replyTo) : undefined;
    if (input.replyTo && !parent) throw new MastoProblem(404, 'Record not found');
    const reblog = input.reblogOf ? statuses.get(input.reblogOf) ?? null : null;
    const { html, mentions, tags } = render(input.text);
    const home = who.acct.includes('@') ? who.acct.split('@')[1]! : FAKE_MASTODON_DOMAIN;
    const s: MastoStatus = {
      id, uri: `https://${home}/users/${who.username}/statuses/${id}`, url: `https://${home}/@${who.username}/${id}`, created_at: createdAt, account: who,
      content: reblog ? '' : html, visibility: input.visibility ?? 'public', sensitive: !!input.spoiler, spoiler_text: input.spoiler ?? '',
      media_attachments: [], mentions, tags, emojis: [], reblogs_count: 0, favourites_count: 0, replies_count: 0,
      in_reply_to_id: parent?.id ?? null, in_reply_to_account_id: parent?.account.id ?? null, reblog, poll: null, card: null,
      language: input.lang ?? 'en', edited_at: null,
    };
    statuses.set(id, s);
    if (input.indexable === false) unindexed.add(id);
    who.statuses_count += 1;
    who.last_status_at = createdAt.slice(0, 10);
    if (parent) parent.replies_count += 1;
    if (!reblog && who.id !== brand.id && mentions.some((m) => m.id === brand.id)) {
      const n: MastoNotification = { id: String(++notificationSeq), type: 'mention', created_at: new Date(now()).toISOString(), account: who, status: s };
      notifications.push(n);
      streaming?.publish('user:notification', ['user:notification'], 'notification', n);
    }
    if (s.visibility === 'public') for (const t of tags) streaming?.publish(`hashtag:${t.name}`, ['hashtag', t.name], 'update', s);
    return s;
  };

  const limitOf = (q: URLSearchParams, def: number, max: number) => Math.min(max, Math.max(1, Number(q.get('limit') ?? def) || def));
  /** since_id / max_id / min_id paging over a newest-first list of things with ids. */
  const pageIds = <T extends { id: string }>(all: T[], q: URLSearchParams, def: number, max: number): T[] => {
    const since = q.get('since_id');
    const maxId = q.get('max_id');
    const minId = q.get('min_id');
    const eligible = all.filter((x) => (!since || BigInt(x.id) > BigInt(since)) && (!maxId || BigInt(x.id) < BigInt(maxId)) && (!minId || BigInt(x.id) > BigInt(minId)));
    const limit = limitOf(q, def, max);
    // min_id pages from the oldest side (immediately newer than min_id); the others from the newest.
    return minId && !since ? eligible.slice(-limit) : eligible.slice(0, limit);
  };
  const newestFirst = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
  const visibleTo = (s: MastoStatus) => s.visibility === 'public' || s.visibility === 'unlisted' || s.account.id === brand.id || s.mentions.some((m) => m.id === brand.id);

  const rootOf = (s: MastoStatus): MastoStatus => {
    let cur = s;
    while (cur.in_reply_to_id && statuses.get(cur.in_reply_to_id)) cur = statuses.get(cur.in_reply_to_id)!;
    return cur;
  };
  /** The brand's conversations: its direct statuses grouped by thread, as AccountConversation does. */
  const conversations = () => {
    const groups = new Map<string, MastoStatus[]>();
    for (const s of statuses.values()) {
      if (s.visibility !== 'direct' || !(s.account.id === brand.id || s.mentions.some((m) => m.id === brand.id))) continue;
      const root = rootOf(s).id;
      groups.set(root, [...(groups.get(root) ?? []), s]);
    }
    const out = [...groups.entries()].map(([root, list]) => {
      if (!conversationIds.has(root)) conversationIds.set(root, String(5000 + conversationIds.size));
      const last = newestFirst(list)[0]!;
      const people = new Map<string, MastoAccount>();
      for (const s of list) {
        people.set(s.account.id, s.account);
        for (const m of s.mentions) people.set(m.id, accounts.get(m.id)!);
      }
      people.delete(brand.id);
      return { id: conversationIds.get(root)!, unread: last.account.id !== brand.id, accounts: [...people.values()], last_status: last };
    });
    return out.sort((a, b) => (BigInt(b.last_status.id) > BigInt(a.last_status.id) ? 1 : -1));
  };
  const descendantsOf = (id: string): MastoStatus[] => {
    const kids = [...statuses.values()].filter((s) => s.in_reply_to_id === id && visibleTo(s));
    return [...kids, ...kids.flatMap((k) => descendantsOf(k.id))];
  };

  const linkHeader = (path: string, page: Array<{ id: string }>): Record<string, string> => page.length === 0 ? {} : {
    link: `<http://fake${path}?max_id=${page[page.length - 1]!.id}>; rel="next", <http://fake${path}?min_id=${page[0]!.id}>; rel="prev"`,
  };

  const route = (method: string, path: string): { key: string; param?: string } | undefined => {
    if (method === 'GET' && path === '/api/v1/accounts/verify_credentials') return { key: 'GET /api/v1/accounts/verify_credentials' };
    if (method === 'GET' && path === '/api/v1/notifications') return { key: 'GET /api/v1/notifications' };
    if (method === 'GET' && path === '/api/v2/search') return { key: 'GET /api/v2/search' };
    if (method === 'POST' && path === '/api/v1/statuses') return { key: 'POST /api/v1/statuses' };
    let m = /^\/api\/v1\/timelines\/tag\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) return { key: 'GET /api/v1/timelines/tag/:hashtag', param: decodeURIComponent(m[1]!) };
    m = /^\/api\/v1\/statuses\/(\d+)$/.exec(path);
    if (method === 'GET' && m) return { key: 'GET /api/v1/statuses/:id', param: m[1]! };
    if (method === 'GET' && path === '/api/v1/conversations') return { key: 'GET /api/v1/conversations' };
    m = /^\/api\/v1\/statuses\/(\d+)\/context$/.exec(path);
    if (method === 'GET' && m) return { key: 'GET /api/v1/statuses/:id/context', param: m[1]! };
    m = /^\/api\/v1\/accounts\/(\d+)\/statuses$/.exec(path);
    if (method === 'GET' && m) return { key: 'GET /api/v1/accounts/:id/statuses', param: m[1]! };
    return undefined;
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const r = route(req.method ?? '', url.pathname);
    const call: MastoCall = { method: req.method ?? '', path: url.pathname, route: r?.key ?? `${req.method} ${url.pathname}`, query: url.searchParams, headers: flatHeaders(req) };
    if (raw.length > 0) {
      const type = req.headers['content-type'] ?? '';
      call.body = type.includes('json') ? JSON.parse(raw.toString('utf8')) as Record<string, unknown> : Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    }
    calls.push(call);
    const t = Math.floor(now() / 1000);
    if (t >= rl.reset) Object.assign(rl, { remaining: rl.limit, reset: t + 300 });
    const rate = () => ({ 'x-ratelimit-limit': String(rl.limit), 'x-ratelimit-remaining': String(rl.remaining), 'x-ratelimit-reset': new Date(rl.reset * 1000).toISOString() });
    if (!r) return sendJson(res, 404, { error: 'Record not found' });
    const writers: FaultWriters = {
      tooManyRequests(w, retryAfter) {
        sendJson(w, 429, { error: 'Too many requests' }, { 'x-ratelimit-limit': String(rl.limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': new Date(now() + retryAfter * 1000).toISOString() });
      },
      serverError(w, status) {
        // Mastodon behind nginx answers an HTML error page, not JSON.
        w.writeHead(status, { 'content-type': 'text/html' });
        w.end('<html><body><h1>We&#39;re sorry, but something went wrong on our end.</h1></body></html>');
      },
    };
    const fault = faults.decide(r.key);
    if (fault) call.fault = fault;
    if ((await faults.apply(fault, req, res, writers)) === 'answered') return;
    if (req.headers.authorization !== `Bearer ${state.token}`) return sendJson(res, 401, { error: 'The access token is invalid' }, rate());
    rl.remaining = Math.max(0, rl.remaining - 1);
    const q = url.searchParams;
    try {
      switch (r.key) {
        case 'GET /api/v1/accounts/verify_credentials':
          return sendJson(res, 200, { ...brand, source: { privacy: 'public', sensitive: false, language: 'en', note: '', fields: [], follow_requests_count: 0 } }, rate());
        case 'GET /api/v1/notifications': {
          const types = q.getAll('types[]');
          const all = newestFirst(notifications.filter((n) => types.length === 0 || types.includes(n.type)));
          const page = pageIds(all, q, 40, 80);
          return sendJson(res, 200, page, { ...rate(), ...linkHeader(url.pathname, page) });
        }
        case 'GET /api/v1/timelines/tag/:hashtag': {
          const tag = r.param!.toLowerCase();
          const all = newestFirst([...statuses.values()].filter((s) => s.visibility === 'public' && !s.reblog && s.tags.some((x) => x.name === tag)));
          const page = pageIds(all, q, 20, 40);
          return sendJson(res, 200, page, { ...rate(), ...linkHeader(url.pathname, page) });
        }
        case 'GET /api/v2/search': {
          const text = (q.get('q') ?? '').toLowerCase().trim();
          if (q.get('type') && q.get('type') !== 'statuses') return sendJson(res, 200, { accounts: [], statuses: [], hashtags: [] }, rate());
          const sec = (id: string | null) => (id ? Math.floor(Number(BigInt(id) >> 16n) / 1000) * 1000 : undefined);
          const after = sec(q.get('min_id'));
          const before = sec(q.get('max_id'));
          const words = text.split(/\s+/).filter(Boolean);
          const hits = newestFirst([...statuses.values()].filter((s) => !s.reblog && !unindexed.has(s.id) && visibleTo(s)
            && words.every((w) => s.content.toLowerCase().includes(w.replace(/^"|"$/g, '')))
            && (after === undefined || Date.parse(s.created_at) >= after) && (before === undefined || Date.parse(s.created_at) < before)));
          const limit = limitOf(q, 20, 40);
          const offset = Number(q.get('offset') ?? 0);
          return sendJson(res, 200, { accounts: [], statuses: hits.slice(offset, offset + limit), hashtags: [] }, rate());
        }
        case 'GET /api/v1/statuses/:id': {
          const s = statuses.get(r.param!);
          if (!s || !visibleTo(s)) return sendJson(res, 404, { error: 'Record not found' }, rate());
          return sendJson(res, 200, s, rate());
        }
        case 'GET /api/v1/conversations': {
          if (state.refuseConversations) return sendJson(res, 403, { error: 'This action is outside the authorized scopes' }, rate());
          const all = conversations();
          const maxId = q.get('max_id');
          const eligible = all.filter((c) => !maxId || BigInt(c.last_status.id) < BigInt(maxId));
          const page = eligible.slice(0, limitOf(q, 20, 40));
          const link: Record<string, string> = page.length === 0 ? {} : { link: `<http://fake${url.pathname}?max_id=${page[page.length - 1]!.last_status.id}>; rel="next", <http://fake${url.pathname}?min_id=${page[0]!.last_status.id}>; rel="prev"` };
          return sendJson(res, 200, page, { ...rate(), ...link });
        }
        case 'GET /api/v1/statuses/:id/context': {
          const s = statuses.get(r.param!);
          if (!s || !visibleTo(s)) return sendJson(res, 404, { error: 'Record not found' }, rate());
          const ancestors: MastoStatus[] = [];
          for (let cur = s; cur.in_reply_to_id && statuses.get(cur.in_reply_to_id);) {
            cur = statuses.get(cur.in_reply_to_id)!;
            if (visibleTo(cur)) ancestors.unshift(cur);
          }
          return sendJson(res, 200, { ancestors, descendants: descendantsOf(s.id) }, rate());
        }
        case 'GET /api/v1/accounts/:id/statuses': {
          const a = accounts.get(r.param!);
          if (!a) return sendJson(res, 404, { error: 'Record not found' }, rate());
          const excludeReblogs = q.get('exclude_reblogs') === 'true';
          const all = newestFirst([...statuses.values()].filter((s) => s.account.id === a.id && (!excludeReblogs || !s.reblog)));
          const page = pageIds(all, q, 20, 40);
          return sendJson(res, 200, page, { ...rate(), ...linkHeader(url.pathname, page) });
        }
        case 'POST /api/v1/statuses': {
          const b = call.body ?? {};
          const key = req.headers['idempotency-key'];
          if (typeof key === 'string' && idempotency.has(key)) return sendJson(res, 200, idempotency.get(key), rate());
          const text = typeof b.status === 'string' ? b.status : '';
          if (!text.trim()) return sendJson(res, 422, { error: "Validation failed: Text can't be blank" }, rate());
          if (countMastodonLength(text) > 500) return sendJson(res, 422, { error: 'Validation failed: Text character limit of 500 exceeded' }, rate());
          const replyTo = typeof b.in_reply_to_id === 'string' ? b.in_reply_to_id : undefined;
          if (replyTo && !statuses.get(replyTo)) return sendJson(res, 404, { error: 'Record not found' }, rate());
          const visibility = (['public', 'unlisted', 'private', 'direct'] as const).find((v) => v === b.visibility) ?? 'public';
          const s = addStatus({ text, ...(replyTo ? { replyTo } : {}), visibility, ...(typeof b.language === 'string' ? { lang: b.language } : {}) }, brand);
          posted.push(s);
          if (typeof key === 'string') idempotency.set(key, s);
          if (visibility === 'direct' && state.stallAfterDirect > 0) {
            state.stallAfterDirect -= 1;
            return void (await faults.apply({ kind: 'hang' }, req, res, writers));
          }
          return sendJson(res, 200, s, rate());
        }
      }
      return sendJson(res, 404, { error: 'Record not found' });
    } catch (e) {
      if (e instanceof MastoProblem) return sendJson(res, e.status, { error: e.message }, rate());
      throw e;
    }
  };

  const http = await listenFake(handler, faults);
  streaming = attachStreaming(http.server, () => state.token);
  return {
    url: http.origin,
    calls,
    callsTo: (key) => calls.filter((c) => c.route === key),
    faults,
    brand,
    get accessToken() { return state.token; },
    set accessToken(v: string) { state.token = v; },
    addAccount,
    addStatus: (input) => addStatus(input),
    status: (id) => statuses.get(id),
    posted,
    get refuseConversations() { return state.refuseConversations; },
    set refuseConversations(v: boolean) { state.refuseConversations = v; },
    get stallAfterDirect() { return state.stallAfterDirect; },
    set stallAfterDirect(n: number) { state.stallAfterDirect = n; },
    streaming: streaming.api,
    internalErrors: http.internalErrors,
    close: async () => { streaming?.close(); await http.close(); },
  };
}
