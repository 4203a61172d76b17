/**
 * A fake Bluesky PDS + AppView on 127.0.0.1 for `@atproto/api` (point `AtpAgent`'s
 * `service` at {@link FakeBluesky.url}). Answers follow the published lexicons, which the SDK
 * validates on every response: `com.atproto.server.createSession` / `refreshSession`,
 * `app.bsky.feed.searchPosts`, `app.bsky.actor.getProfiles`, `app.bsky.feed.getPosts`,
 * `app.bsky.feed.getAuthorFeed`, `com.atproto.repo.createRecord` and (no session needed)
 * `com.atproto.identity.resolveHandle`. CIDs, DIDs and record
 * keys (TIDs) are in their real formats.
 *
 * - Errors are XRPC error bodies `{ error, message }`; every routed answer carries the
 *   `ratelimit-limit/remaining/reset/policy` headers Bluesky sends, and a 429 sets
 *   `ratelimit-remaining: 0` with `ratelimit-reset` (epoch seconds).
 * - Auth: only `createSession` with the brand's identifier and app password works; the
 *   tokens it hands out are checked on every other call. {@link FakeBluesky.expireAccessTokens}
 *   makes the SDK refresh, {@link FakeBluesky.revokeSessions} forces a new login.
 * - Search: `q` is split into terms (`"quoted phrases"` kept together); every term must be a
 *   case-insensitive substring of the post text, a `-term` must not be. Results are ordered by
 *   sortAt (the earlier of createdAt and indexedAt, as the AppView does), newest first;
 *   `since` (inclusive) and `until` (exclusive) compare sortAt; the cursor is an offset.
 * - Route keys for faults are the NSIDs, e.g. `app.bsky.feed.searchPosts`.
 * - Chat (`chat.bsky.convo.*`, reached with the chat proxy header) is in fake-bluesky-chat.ts.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { flatHeaders, listenFake, readBody, sendJson } from './fake-http.js';
import { type Fault, type FaultWriters, Misbehaviour, type RandomFaults } from './misbehave.js';
import { type BskyChatMessage, fakeBlueskyChat, NoAnswer } from './fake-bluesky-chat.js';

export type { BskyChatMessage };

export interface BskyUser { did: string; handle: string; displayName: string; followersCount: number; followsCount: number; postsCount: number; createdAt: string }

export interface BskyPost {
  uri: string;
  cid: string;
  authorDid: string;
  record: { $type: 'app.bsky.feed.post'; text: string; createdAt: string; langs?: string[]; reply?: { root: { uri: string; cid: string }; parent: { uri: string; cid: string } } };
  indexedAt: string;
}

export interface BskyCall { nsid: string; method: string; query: URLSearchParams; headers: Record<string, string>; body?: unknown; fault?: Fault }

export interface AddBskyPostInput {
  text: string;
  /** Handle of the author; unknown handles become new users. Default `customer.bsky.social`. */
  author?: string;
  createdAt?: string;
  /** When the AppView indexed it (default: createdAt). Later than createdAt models indexing lag. */
  indexedAt?: string;
  replyTo?: string;
  lang?: string;
}

export interface FakeBlueskyOptions {
  /** The brand account and its app password. */
  brand?: { handle?: string; appPassword?: string };
  now?: () => number;
  random?: RandomFaults;
  /** Entries per chat.bsky.convo.getLog page (default 50). */
  chatLogPageSize?: number;
}

export interface FakeBluesky {
  url: string;
  calls: BskyCall[];
  callsTo(nsid: string): BskyCall[];
  faults: Misbehaviour;
  brand: BskyUser;
  /** The app password the fake accepts; change it to make logins fail. */
  appPassword: string;
  addUser(handle: string, init?: Partial<BskyUser>): BskyUser;
  addPost(input: AddBskyPostInput): BskyPost;
  /** Posts created through createRecord, in order. */
  posted: BskyPost[];
  post(uri: string): BskyPost | undefined;
  /** Logins (createSession calls that succeeded). */
  logins: number;
  expireAccessTokens(): void;
  revokeSessions(): void;
  /** Chat: a message from `from` (handle) to the brand, or to `to`. */
  addChatMessage(from: string, text: string, opts?: { to?: string; sentAt?: string }): BskyChatMessage;
  /** Chat messages sent through sendMessage, in order. */
  sentChat: BskyChatMessage[];
  /** False: the app password lacks direct-message access ("Bad token method" on chat calls). */
  chatAllowed: boolean;
  /** This user (handle) does not accept chats from the brand (`MessagesDisabled`). */
  refuseChat(handle: string): void;
  /** The next n sendMessage calls send the message but never answer (see fake-bluesky-chat.ts). */
  stallAfterSend: number;
  internalErrors: Error[];
  close(): Promise<void>;
}

const S32 = '234567abcdefghijklmnopqrstuvwxyz';
const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A TID record key: 53 bits of microseconds since 1970 and 10 bits of clock id, base32-sortable. */
function tid(micros: bigint, clock: number): string {
  let v = (micros << 10n) | BigInt(clock & 1023);
  let s = '';
  for (let i = 0; i < 13; i++) { s = S32[Number(v & 31n)]! + s; v >>= 5n; }
  return s;
}

/** A CIDv1 (dag-cbor, sha2-256) in base32, as atproto records have. */
function cidOf(content: string): string {
  const bytes = Buffer.concat([Buffer.from([0x01, 0x71, 0x12, 0x20]), createHash('sha256').update(content).digest()]);
  let bits = 0;
  let value = 0;
  let out = 'b';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) { out += B32[(value >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

const didFor = (handle: string) => `did:plc:${createHash('sha256').update(handle).digest('hex').slice(0, 24).replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)}`;

class XrpcProblem extends Error {
  constructor(readonly status: number, readonly error: string, message: string) { super(message); }
}

/** Splits a query into terms, keeping quoted phrases. */
function terms(q: string): Array<{ neg: boolean; text: string }> {
  return (q.match(/-?"[^"]*"|\S+/g) ?? []).map((t) => {
    const neg = t.startsWith('-');
    return { neg, text: (neg ? t.slice(1) : t).replace(/^"|"$/g, '').toLowerCase() };
  }).filter((t) => t.text.length > 0);
}

const graphemes = (s: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)].length;

export async function startFakeBluesky(opts: FakeBlueskyOptions = {}): Promise<FakeBluesky> {
  const now = opts.now ?? Date.now;
  const faults = new Misbehaviour(opts.random);
  const calls: BskyCall[] = [];
  const users = new Map<string, BskyUser>();
  const posts = new Map<string, BskyPost>();
  const posted: BskyPost[] = [];
  const access = new Map<string, string>();
  const refresh = new Map<string, string>();
  let tokenSeq = 0;
  let clock = 0;
  let lastMicros = 0n;
  const rl = { limit: 3000, remaining: 3000, reset: 0 };

  const addUser = (handle: string, init: Partial<BskyUser> = {}): BskyUser => {
    const u: BskyUser = { did: init.did ?? didFor(handle), handle, displayName: init.displayName ?? handle.split('.')[0]!, followersCount: init.followersCount ?? 42, followsCount: init.followsCount ?? 10, postsCount: 0, createdAt: init.createdAt ?? '2023-05-01T10:00:00.000Z' };
    users.set(u.did, u);
    return u;
  };
  const findUser = (actor: string) => users.get(actor) ?? [...users.values()].find((u) => u.handle === actor.toLowerCase());
  const brand = addUser(opts.brand?.handle ?? 'acme.bsky.social', { displayName: 'Acme Support', followersCount: 5000 });
  const state = { appPassword: opts.brand?.appPassword ?? 'abcd-efgh-ijkl-mnop', logins: 0 };

  const addPost = (input: AddBskyPostInput, author?: BskyUser): BskyPost => {
    const who = author ?? findUser(input.author ?? 'customer.bsky.social') ?? addUser(input.author ?? 'customer.bsky.social');
    const createdAt = input.createdAt ?? new Date(now()).toISOString();
    let micros = BigInt(Date.parse(createdAt)) * 1000n;
    if (micros <= lastMicros) micros = lastMicros + 1n;
    lastMicros = micros;
    const rkey = tid(micros, clock++);
    const uri = `at://${who.did}/app.bsky.feed.post/${rkey}`;
    const parent = input.replyTo ? posts.get(input.replyTo) : undefined;
    if (input.replyTo && !parent) throw new Error(`no post ${input.replyTo}`);
    const record: BskyPost['record'] = { $type: 'app.bsky.feed.post', text: input.text, createdAt, ...(input.lang ? { langs: [input.lang] } : {}) };
    if (parent) record.reply = { root: parent.record.reply?.root ?? { uri: parent.uri, cid: parent.cid }, parent: { uri: parent.uri, cid: parent.cid } };
    const p: BskyPost = { uri, cid: cidOf(JSON.stringify(record) + uri), authorDid: who.did, record, indexedAt: input.indexedAt ?? createdAt };
    posts.set(uri, p);
    who.postsCount += 1;
    return p;
  };

  const sortAt = (p: BskyPost) => Math.min(Date.parse(p.record.createdAt), Date.parse(p.indexedAt));
  const profileBasic = (u: BskyUser) => ({ did: u.did, handle: u.handle, displayName: u.displayName, labels: [], createdAt: u.createdAt });
  const profileDetailed = (u: BskyUser) => ({ ...profileBasic(u), description: '', followersCount: u.followersCount, followsCount: u.followsCount, postsCount: u.postsCount, indexedAt: u.createdAt });
  const postView = (p: BskyPost) => ({
    uri: p.uri, cid: p.cid, author: profileBasic(users.get(p.authorDid)!), record: p.record,
    replyCount: [...posts.values()].filter((o) => o.record.reply?.parent.uri === p.uri).length,
    repostCount: 0, likeCount: 0, quoteCount: 0, indexedAt: p.indexedAt, labels: [],
  });

  const session = (did: string) => {
    const u = users.get(did)!;
    const a = `access-${++tokenSeq}`;
    const r = `refresh-${tokenSeq}`;
    access.set(a, did);
    refresh.set(r, did);
    return { accessJwt: a, refreshJwt: r, handle: u.handle, did: u.did, email: 'support@acme.example', emailConfirmed: true, emailAuthFactor: false, active: true };
  };
  const bearer = (req: IncomingMessage) => /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const requireAuth = (req: IncomingMessage): string => {
    const token = bearer(req);
    if (!token) throw new XrpcProblem(401, 'AuthenticationRequired', 'Authentication Required');
    const did = access.get(token);
    if (!did) throw new XrpcProblem(400, 'ExpiredToken', 'Token has expired');
    return did;
  };

  const rateHeaders = () => {
    const t = Math.floor(now() / 1000);
    if (t >= rl.reset) Object.assign(rl, { remaining: rl.limit, reset: t + 300 });
    return { 'ratelimit-limit': String(rl.limit), 'ratelimit-remaining': String(rl.remaining), 'ratelimit-reset': String(rl.reset), 'ratelimit-policy': `${rl.limit};w=300` };
  };

  const chat = fakeBlueskyChat({
    brandDid: () => brand.did,
    user: (actor) => findUser(actor),
    now,
    nextRev: () => {
      let micros = BigInt(now()) * 1000n;
      if (micros <= lastMicros) micros = lastMicros + 1n;
      lastMicros = micros;
      return tid(micros, clock++);
    },
    problem: (status, error, message) => new XrpcProblem(status, error, message),
    requireAuth: (req) => requireAuth(req),
    pageSize: opts.chatLogPageSize ?? 50,
  });

  const handlers: Record<string, (req: IncomingMessage, q: URLSearchParams, body: Record<string, unknown>) => unknown> = {
    ...chat.handlers,
    'com.atproto.server.createSession': (_req, _q, body) => {
      const id = String(body.identifier ?? '').replace(/^@/, '').toLowerCase();
      const u = findUser(id);
      if (!u || u.did !== brand.did || body.password !== state.appPassword) throw new XrpcProblem(401, 'AuthenticationRequired', 'Invalid identifier or password');
      state.logins += 1;
      return session(u.did);
    },
    'com.atproto.server.refreshSession': (req) => {
      const token = bearer(req);
      const did = token ? refresh.get(token) : undefined;
      if (!token || !did) throw new XrpcProblem(400, 'ExpiredToken', 'Token has been revoked');
      refresh.delete(token);
      const s = session(did);
      return { accessJwt: s.accessJwt, refreshJwt: s.refreshJwt, handle: s.handle, did: s.did, active: true };
    },
    // Public, no session: any handle the fake knows resolves to its DID.
    'com.atproto.identity.resolveHandle': (_req, q) => {
      const handle = (q.get('handle') ?? '').toLowerCase();
      const u = handle.startsWith('did:') ? undefined : findUser(handle);
      if (!u) throw new XrpcProblem(400, 'InvalidRequest', 'Unable to resolve handle');
      return { did: u.did };
    },
    'app.bsky.feed.searchPosts': (req, q) => {
      requireAuth(req);
      const query = q.get('q');
      if (!query) throw new XrpcProblem(400, 'InvalidRequest', 'Error: Params must have the property "q"');
      const limit = Number(q.get('limit') ?? 25);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new XrpcProblem(400, 'InvalidRequest', 'Error: limit must be between 1 and 100');
      const since = q.get('since') ? Date.parse(q.get('since')!) : undefined;
      const until = q.get('until') ? Date.parse(q.get('until')!) : undefined;
      const ts = terms(query);
      const hits = [...posts.values()]
        .filter((p) => ts.every((t) => p.record.text.toLowerCase().includes(t.text) !== t.neg))
        .filter((p) => (since === undefined || sortAt(p) >= since) && (until === undefined || sortAt(p) < until))
        .sort((a, b) => sortAt(b) - sortAt(a) || (a.uri < b.uri ? 1 : -1));
      const offset = Number(q.get('cursor') ?? 0);
      const page = hits.slice(offset, offset + limit);
      return { posts: page.map(postView), hitsTotal: hits.length, ...(offset + limit < hits.length ? { cursor: String(offset + limit) } : {}) };
    },
    'app.bsky.actor.getProfiles': (req, q) => {
      requireAuth(req);
      const actors = q.getAll('actors');
      if (actors.length > 25) throw new XrpcProblem(400, 'InvalidRequest', 'Error: actors must not have more than 25 elements');
      return { profiles: actors.map(findUser).filter((u): u is BskyUser => !!u).map(profileDetailed) };
    },
    'app.bsky.feed.getPosts': (req, q) => {
      requireAuth(req);
      return { posts: q.getAll('uris').map((u) => posts.get(u)).filter((p): p is BskyPost => !!p).map(postView) };
    },
    'app.bsky.feed.getAuthorFeed': (req, q) => {
      requireAuth(req);
      const u = findUser(q.get('actor') ?? '');
      if (!u) throw new XrpcProblem(400, 'InvalidRequest', 'Profile not found');
      const limit = Number(q.get('limit') ?? 50);
      const mine = [...posts.values()].filter((p) => p.authorDid === u.did && (q.get('filter') !== 'posts_no_replies' || !p.record.reply))
        .sort((a, b) => Date.parse(b.indexedAt) - Date.parse(a.indexedAt) || (a.uri < b.uri ? 1 : -1));
      const offset = Number(q.get('cursor') ?? 0);
      const page = mine.slice(offset, offset + limit);
      return { feed: page.map((p) => ({ post: postView(p) })), ...(offset + limit < mine.length ? { cursor: String(offset + limit) } : {}) };
    },
    'com.atproto.repo.createRecord': (req, _q, body) => {
      const did = requireAuth(req);
      const repo = String(body.repo ?? '');
      if (repo !== did && findUser(repo)?.did !== did) throw new XrpcProblem(400, 'InvalidRequest', 'Input/repo must be the authenticated account');
      if (body.collection !== 'app.bsky.feed.post') throw new XrpcProblem(400, 'InvalidRequest', 'this fake only creates app.bsky.feed.post records');
      const rec = body.record as BskyPost['record'] | undefined;
      if (!rec || typeof rec.text !== 'string' || typeof rec.createdAt !== 'string') throw new XrpcProblem(400, 'InvalidRequest', 'Invalid app.bsky.feed.post record: Record must have the property "text"');
      if (graphemes(rec.text) > 300) throw new XrpcProblem(400, 'InvalidRequest', 'Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes');
      if (Buffer.byteLength(rec.text) > 3000) throw new XrpcProblem(400, 'InvalidRequest', 'Invalid app.bsky.feed.post record: Record/text must not be longer than 3000 characters');
      let replyTo: string | undefined;
      if (rec.reply) {
        const parent = posts.get(rec.reply.parent.uri);
        const root = posts.get(rec.reply.root.uri);
        if (!parent || parent.cid !== rec.reply.parent.cid || !root || root.cid !== rec.reply.root.cid) throw new XrpcProblem(400, 'InvalidRequest', 'Invalid app.bsky.feed.post record: reply refers to a record that does not exist');
        const expectedRoot = parent.record.reply?.root.uri ?? parent.uri;
        if (rec.reply.root.uri !== expectedRoot) throw new XrpcProblem(400, 'InvalidRequest', `Invalid app.bsky.feed.post record: reply root must be ${expectedRoot}`);
        replyTo = parent.uri;
      }
      const p = addPost({ text: rec.text, createdAt: rec.createdAt, indexedAt: new Date(now()).toISOString(), ...(replyTo ? { replyTo } : {}), ...(rec.langs?.[0] ? { lang: rec.langs[0] } : {}) }, users.get(did));
      posted.push(p);
      return { uri: p.uri, cid: p.cid, commit: { cid: cidOf(`commit:${p.uri}`), rev: p.uri.split('/').pop()! }, validationStatus: 'valid' };
    },
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const nsid = url.pathname.replace(/^\/xrpc\//, '');
    const raw = await readBody(req);
    const call: BskyCall = { nsid, method: req.method ?? '', query: url.searchParams, headers: flatHeaders(req) };
    let body: Record<string, unknown> = {};
    if (raw.length > 0) {
      try { body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>; } catch { body = {}; }
      call.body = body;
    }
    calls.push(call);
    const fn = url.pathname.startsWith('/xrpc/') ? handlers[nsid] : undefined;
    if (!fn) return sendJson(res, 501, { error: 'MethodNotImplemented', message: 'Method Not Implemented' });
    const writers: FaultWriters = {
      tooManyRequests(r, retryAfter) {
        sendJson(r, 429, { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' }, { ...rateHeaders(), 'ratelimit-remaining': '0', 'ratelimit-reset': String(Math.floor(now() / 1000) + retryAfter) });
      },
      serverError(r, status) {
        sendJson(r, status, { error: 'InternalServerError', message: 'Internal Server Error' });
      },
    };
    const fault = faults.decide(nsid);
    if (fault) call.fault = fault;
    if ((await faults.apply(fault, req, res, writers)) === 'answered') return;
    try {
      const headers = rateHeaders();
      rl.remaining = Math.max(0, rl.remaining - 1);
      return sendJson(res, 200, fn(req, url.searchParams, body), headers);
    } catch (e) {
      if (e instanceof XrpcProblem) return sendJson(res, e.status, { error: e.error, message: e.message });
      if (e instanceof NoAnswer) return void (await faults.apply({ kind: 'hang' }, req, res, writers));
      throw e;
    }
  };

  const http = await listenFake(handler, faults);
  return {
    url: http.origin,
    calls,
    callsTo: (nsid) => calls.filter((c) => c.nsid === nsid),
    faults,
    brand,
    get appPassword() { return state.appPassword; },
    set appPassword(v: string) { state.appPassword = v; },
    addUser,
    addPost: (input) => addPost(input),
    posted,
    post: (uri) => posts.get(uri),
    get logins() { return state.logins; },
    expireAccessTokens: () => access.clear(),
    revokeSessions: () => { access.clear(); refresh.clear(); },
    addChatMessage: (from, text, o) => chat.add(from, text, o),
    sentChat: chat.sent,
    get chatAllowed() { return chat.state.chatAllowed; },
    set chatAllowed(v: boolean) { chat.state.chatAllowed = v; },
    get stallAfterSend() { return chat.state.stallAfterSend; },
    set stallAfterSend(n: number) { chat.state.stallAfterSend = n; },
    refuseChat(handle) {
      const u = findUser(handle);
      if (!u) throw new Error(`no user ${handle}`);
      chat.state.refusing.add(u.did);
    },
    internalErrors: http.internalErrors,
    close: () => http.close(),
  };
}
