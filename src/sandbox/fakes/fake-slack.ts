/**
 * A fake Slack Web API on 127.0.0.1 that `@slack/web-api` / `@slack/bolt` can be pointed at
 * with `slackApiUrl: fake.url`.
 *
 * It speaks the real protocol: `POST /api/<method>` with a form-urlencoded or JSON body and
 * `Authorization: Bearer <token>`; nested arguments (`blocks`, `view`, `attachments`,
 * `metadata`, `files`) arrive JSON-encoded inside forms. Answers are HTTP 200 with Slack's
 * documented `{ok:true,...}` / `{ok:false,error}` shapes; rate limits are HTTP 429 with
 * `Retry-After` (platform notes §1.1, §1.7).
 *
 * It keeps a model of each channel (top-level messages as they are now, their update history
 * and thread replies) so a test can read "the card as it is now" and "the thread under it".
 * It also serves Socket Mode (`apps.connections.open` → a `ws://` URL on the same port), file
 * upload URLs (`files.getUploadURLExternal`), and `response_url`s (`POST /response/<id>`).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { flatHeaders, listenFake, readBody, sendJson } from './fake-http.js';
import { type Fault, type FaultWriters, Misbehaviour, type RandomFaults } from './misbehave.js';

/** One request the fake received on `/api/<method>`. */
export interface SlackCall {
  /** Web API method, e.g. `chat.postMessage`. */
  method: string;
  httpMethod: string;
  /** Token from `Authorization: Bearer` or the `token` argument. */
  token: string | undefined;
  contentType: string;
  headers: Record<string, string>;
  /** Arguments, with JSON-encoded nested fields decoded. */
  args: Record<string, unknown>;
  /** The raw body as received. */
  raw: string;
  /** The fault injected on this call, if any. */
  fault?: Fault;
  /** What the fake answered with HTTP 200 (`{ok, ...}`), once it has answered. */
  answer?: Record<string, unknown>;
}

/** A message as Slack returns it from `conversations.history` (fake-only fields omitted). */
export interface SlackMessage {
  type: 'message';
  subtype?: string;
  ts: string;
  text: string;
  user: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: { event_type: string; event_payload: unknown };
  files?: SlackFileInfo[];
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
  edited?: { user: string; ts: string };
}

/** An ephemeral message (`chat.postEphemeral` or an ephemeral `response_url` post). */
export interface SlackEphemeral {
  channel: string;
  user: string | undefined;
  message_ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}

/** A file as `files.completeUploadExternal` reports it. */
export interface SlackFileInfo {
  id: string;
  name: string;
  title: string;
  size: number;
}

/** A file the fake knows about, with the bytes it received at its upload URL. */
export interface FakeSlackFile extends SlackFileInfo {
  bytes: Buffer | undefined;
  uploadContentType: string | undefined;
  /** Every `files.completeUploadExternal` share of this file. */
  shares: Array<{ channel_id?: string; initial_comment?: string; thread_ts?: string }>;
}

/** A post received on a `response_url`. */
export interface SlackResponsePost {
  id: string;
  body: Record<string, unknown>;
}

/** The fake's view of one channel. */
export interface FakeSlackChannel {
  id: string;
  name: string;
  /** Top-level messages as they are now (latest text/blocks), oldest first; deleted ones left out. */
  messages(): SlackMessage[];
  /** The message with this ts as it is now (a top-level message or a reply). */
  message(ts: string): SlackMessage | undefined;
  /** Every version of the message with this ts, oldest first (one entry per post/update). */
  versions(ts: string): SlackMessage[];
  /** Replies in the thread under `ts`, oldest first (the parent not included). */
  thread(ts: string): SlackMessage[];
  /** Ephemeral messages shown in this channel, oldest first. */
  ephemerals(): SlackEphemeral[];
  /**
   * Posts whose `thread_ts` named no top-level message: real Slack answers `ok` and the
   * message is never seen by anyone, so a bot posting here is a bug worth catching.
   */
  orphans(): SlackMessage[];
}

/** An ack the app sent back over Socket Mode. */
export interface SocketModeAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

/** The Socket Mode side of the fake. */
export interface FakeSocketMode {
  /** Open WebSocket connections. */
  readonly connections: number;
  /** Every ack received, in order. */
  readonly acks: SocketModeAck[];
  /** Resolves once at least one client has connected (and been sent `hello`). */
  waitForConnection(): Promise<void>;
  /**
   * Sends an envelope to the most recently connected client and resolves with its ack.
   * `payload` is the same body Slack would POST over HTTP.
   */
  send(
    type: 'events_api' | 'interactive' | 'slash_commands',
    payload: Record<string, unknown>,
    opts?: { retryAttempt?: number; retryReason?: string },
  ): Promise<SocketModeAck>;
  /** Asks every client to reconnect, as Slack does before it rotates a connection. */
  disconnect(reason?: 'refresh_requested' | 'warning' | 'link_disabled'): void;
}

/** Opt-in enforcement of Slack's documented rate limits (platform notes §1.7). */
export interface SlackRateLimits {
  /** chat.postMessage: about one message per second per channel, with a short burst. */
  postMessage?: { perSecond: number; burst: number };
  /** chat.update: Tier 3, 50+ per minute. */
  update?: { perMinute: number };
  /** users.info: Tier 4, 100+ per minute. */
  usersInfo?: { perMinute: number };
}

/** Options for {@link startFakeSlack}. */
export interface FakeSlackOptions {
  /** Defaults: team T0FAKE001, bot user U0BOT0001, bot B0BOT0001, app A0APP0001. */
  teamId?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** Accepted tokens; by default any `xoxb-`, `xoxp-` or `xapp-` token is accepted. */
  tokens?: readonly string[];
  /** Known channels; when given, any other channel id answers `channel_not_found`. */
  channels?: Record<string, { name?: string; isPrivate?: boolean }>;
  /** Known users for `users.info`; when given, any other id answers `user_not_found`. */
  users?: Record<string, { name?: string; realName?: string; tz?: string; email?: string; isBot?: boolean }>;
  /** Seeded random fault injection (see {@link Misbehaviour}). */
  random?: RandomFaults;
  /** Enforce real rate limits; `true` uses 1/s per channel with a burst of 3, 50/min for chat.update and 100/min for users.info. */
  rateLimits?: boolean | SlackRateLimits;
  /** Clock for rate-limit buckets and message timestamps, in ms; defaults to `Date.now`. */
  now?: () => number;
  /** Channels, files and views saved by {@link FakeSlack.saveState} in an earlier run (the sandbox's --keep). */
  state?: FakeSlackState;
}

/** Everything the fake Slack holds that a later run can carry on from (plain JSON). */
export interface FakeSlackState {
  lastMicros: number;
  idCounter: number;
  channels: Array<{
    id: string;
    name: string;
    isPrivate: boolean;
    created: number;
    timeline: string[];
    ephemerals: SlackEphemeral[];
    messages: Array<{ current: SlackMessage; versions: SlackMessage[]; replies: string[]; replyUsers: string[]; deleted: boolean; orphan: boolean; broadcast: boolean }>;
  }>;
  /** Uploaded files, their bytes in base64. */
  files: Array<Omit<FakeSlackFile, 'bytes'> & { bytes?: string }>;
  views: Array<Record<string, unknown>>;
  /** Each person's App Home view (absent in files saved before homes were kept). */
  homes?: Array<{ user: string; view: Record<string, unknown> }>;
}

/** A running fake Slack. */
export interface FakeSlack {
  port: number;
  /** `http://127.0.0.1:<port>/api/` — pass as `slackApiUrl`. */
  url: string;
  origin: string;
  /** Every `/api/<method>` call, in arrival order. */
  calls: SlackCall[];
  /** Calls of one Web API method. */
  callsTo(method: string): SlackCall[];
  faults: Misbehaviour;
  /** The model of one channel (created on first use unless `channels` was given). */
  channel(id: string): FakeSlackChannel;
  /** Files by id. */
  file(id: string): FakeSlackFile | undefined;
  /** The modal views as they are now, by id. */
  view(id: string): Record<string, unknown> | undefined;
  /** The App Home view last published for a person (views.publish). */
  home(user: string): Record<string, unknown> | undefined;
  /** The id of the bot's direct-message channel with a person, once conversations.open made it. */
  directChannel(user: string): string | undefined;
  /** Makes a trigger_id answer `expired_trigger_id`, as Slack does after 3 s. */
  expireTrigger(triggerId: string): void;
  /**
   * A `response_url` served by this fake. When `message` is given, posts land in that
   * channel: `replace_original` / `delete_original` change the message with `ts` (when given),
   * `in_channel` posts a message, and anything else is an ephemeral shown to `user`, as Slack
   * does for the person who clicked or typed the command.
   */
  responseUrl(message?: { channel: string; ts?: string; user?: string }): string;
  /** Posts received on response URLs (all of them, or those of one URL). */
  responses(url?: string): SlackResponsePost[];
  socketMode: FakeSocketMode;
  /** How many 429s were sent, per method (faults and enforced rate limits both count). */
  sent429: Record<string, number>;
  /** Errors thrown inside the fake itself (should stay empty). */
  internalErrors: Error[];
  /** Channels, files and views as plain JSON, to start a later fake from (`state` option). */
  saveState(): FakeSlackState;
  /**
   * Stops the fake, killing hanging sockets and Socket Mode connections. Disconnect Socket Mode
   * clients first (`await receiver.client.disconnect()`): a client whose socket is killed waits
   * 30 s for a close handshake (platform notes §1.2).
   */
  close(): Promise<void>;
}

interface StoredMessage {
  channel: string;
  current: SlackMessage;
  versions: SlackMessage[];
  replies: string[];
  replyUsers: Set<string>;
  deleted: boolean;
  orphan: boolean;
  broadcast: boolean;
}

interface ChannelState {
  id: string;
  name: string;
  isPrivate: boolean;
  created: number;
  /** All stored messages by ts (top-level, replies and orphans). */
  byTs: Map<string, StoredMessage>;
  /** Top-level and broadcast messages, in posting order. */
  timeline: string[];
  ephemerals: SlackEphemeral[];
}

type Answer = Record<string, unknown>;

/** Nested arguments Slack clients send JSON-encoded inside form bodies. */
const JSON_ARGS = ['blocks', 'view', 'attachments', 'metadata', 'files', 'unfurls', 'user_auth_blocks'];

/** A Web API method refused the call; `code` is Slack's error string (`channel_not_found`, ...). */
class SlackMethodFailedError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** Token bucket used for the opt-in rate limits. */
class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }
  /** Takes a token; returns 0 on success or the milliseconds until one is available. */
  take(now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / this.perMs);
  }
}

const micros = (ts: string): number => {
  const [s, u = '0'] = ts.split('.');
  return Number(s) * 1e6 + Number(u.padEnd(6, '0').slice(0, 6));
};
const tsOf = (m: number): string => `${Math.floor(m / 1e6)}.${String(m % 1e6).padStart(6, '0')}`;
const truthy = (v: unknown): boolean => v === true || v === 'true' || v === '1' || v === 1;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const clone = <T>(v: T): T => structuredClone(v);

/**
 * Starts a fake Slack Web API on 127.0.0.1:0.
 *
 * @example
 * const slack = await startFakeSlack();
 * const client = new WebClient('xoxb-test', { slackApiUrl: slack.url });
 * const { ts } = await client.chat.postMessage({ channel: 'C1', text: 'hi' });
 * slack.channel('C1').message(ts!)?.text; // 'hi'
 */
export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const teamId = opts.teamId ?? 'T0FAKE001';
  const botUserId = opts.botUserId ?? 'U0BOT0001';
  const botId = opts.botId ?? 'B0BOT0001';
  const appId = opts.appId ?? 'A0APP0001';
  const now = opts.now ?? Date.now;
  const faults = new Misbehaviour(opts.random);
  const calls: SlackCall[] = [];
  const channels = new Map<string, ChannelState>();
  const files = new Map<string, FakeSlackFile>();
  const views = new Map<string, Record<string, unknown>>();
  /** Each person's published App Home view, by user id. */
  const homes = new Map<string, Record<string, unknown>>();
  const usedTriggers = new Set<string>();
  const expiredTriggers = new Set<string>();
  const responseLinks = new Map<string, { channel: string; ts?: string; user?: string } | undefined>();
  const responsePosts: SlackResponsePost[] = [];
  const sent429: Record<string, number> = {};
  const limits: SlackRateLimits | undefined =
    opts.rateLimits === true
      ? { postMessage: { perSecond: 1, burst: 3 }, update: { perMinute: 50 }, usersInfo: { perMinute: 100 } }
      : opts.rateLimits || undefined;
  const postBuckets = new Map<string, TokenBucket>();
  let updateBucket: TokenBucket | undefined;
  let usersInfoBucket: TokenBucket | undefined;
  let lastMicros = 0;
  let idCounter = 0;
  let lastView: string | undefined;

  if (opts.state) {
    lastMicros = opts.state.lastMicros;
    idCounter = opts.state.idCounter;
    for (const c of opts.state.channels) {
      const byTs = new Map<string, StoredMessage>();
      for (const m of c.messages) byTs.set(m.current.ts, { ...clone(m), channel: c.id, replyUsers: new Set(m.replyUsers) });
      channels.set(c.id, { id: c.id, name: c.name, isPrivate: c.isPrivate, created: c.created, byTs, timeline: [...c.timeline], ephemerals: clone(c.ephemerals) });
    }
    for (const f of opts.state.files) files.set(f.id, { ...clone(f), bytes: f.bytes === undefined ? undefined : Buffer.from(f.bytes, 'base64') });
    for (const v of opts.state.views) views.set(String(v.id), clone(v));
    for (const h of opts.state.homes ?? []) homes.set(h.user, clone(h.view));
  }

  const saveState = (): FakeSlackState => ({
    lastMicros,
    idCounter,
    channels: [...channels.values()].map((c) => ({
      id: c.id,
      name: c.name,
      isPrivate: c.isPrivate,
      created: c.created,
      timeline: [...c.timeline],
      ephemerals: clone(c.ephemerals),
      messages: [...c.byTs.values()].map((m) => ({
        current: clone(m.current),
        versions: clone(m.versions),
        replies: [...m.replies],
        replyUsers: [...m.replyUsers],
        deleted: m.deleted,
        orphan: m.orphan,
        broadcast: m.broadcast,
      })),
    })),
    files: [...files.values()].map((f) => ({ ...clone({ ...f, bytes: undefined }), ...(f.bytes ? { bytes: f.bytes.toString('base64') } : {}) })),
    views: [...views.values()].map(clone),
    homes: [...homes].map(([user, view]) => ({ user, view: clone(view) })),
  });

  const nextTs = (): string => {
    lastMicros = Math.max(lastMicros + 100, now() * 1000);
    return tsOf(lastMicros);
  };
  const nextId = (prefix: string): string => `${prefix}0${(++idCounter).toString(36).toUpperCase().padStart(8, '0')}`;

  const writers: FaultWriters = {
    tooManyRequests(res, retryAfter) {
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
    },
    serverError(res, status) {
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(`<html><body>${status} fake Slack error</body></html>`);
    },
  };

  const channelState = (id: string | undefined): ChannelState => {
    if (!id) throw new SlackMethodFailedError('channel_not_found');
    let ch = channels.get(id);
    if (!ch) {
      const known = opts.channels?.[id];
      if (opts.channels && !known) throw new SlackMethodFailedError('channel_not_found');
      ch = {
        id,
        name: known?.name ?? id.toLowerCase(),
        isPrivate: known?.isPrivate ?? false,
        created: Math.floor(now() / 1000),
        byTs: new Map(),
        timeline: [],
        ephemerals: [],
      };
      channels.set(id, ch);
    }
    return ch;
  };

  /** The message as Slack would show it, with thread bookkeeping filled in. */
  const render = (stored: StoredMessage, withMetadata: boolean): SlackMessage => {
    const m = clone(stored.current);
    if (!withMetadata) delete m.metadata;
    if (stored.replies.length > 0) {
      m.thread_ts = m.ts;
      m.reply_count = stored.replies.length;
      m.reply_users = [...stored.replyUsers];
      m.reply_users_count = stored.replyUsers.size;
      m.latest_reply = stored.replies[stored.replies.length - 1];
    }
    return m;
  };

  const validateContent = (args: Answer): void => {
    const text = typeof args.text === 'string' ? args.text : '';
    if (text.length > 40_000) throw new SlackMethodFailedError('msg_too_long');
    if (args.blocks !== undefined) {
      if (!Array.isArray(args.blocks)) throw new SlackMethodFailedError('invalid_blocks_format');
      if (args.blocks.length > 50) throw new SlackMethodFailedError('invalid_blocks');
    }
    if (args.metadata !== undefined) {
      const md = args.metadata as Record<string, unknown> | null;
      if (!md || typeof md.event_type !== 'string' || typeof md.event_payload !== 'object') {
        throw new SlackMethodFailedError('invalid_metadata_format');
      }
    }
  };

  const storeMessage = (ch: ChannelState, msg: SlackMessage, threadTs: string | undefined, broadcast: boolean) => {
    const stored: StoredMessage = {
      channel: ch.id,
      current: msg,
      versions: [clone(msg)],
      replies: [],
      replyUsers: new Set(),
      deleted: false,
      orphan: false,
      broadcast,
    };
    ch.byTs.set(msg.ts, stored);
    if (threadTs === undefined) {
      ch.timeline.push(msg.ts);
      return;
    }
    const parent = ch.byTs.get(threadTs);
    // Slack accepts a thread_ts that names no top-level message and the reply is lost.
    if (!parent || parent.current.thread_ts !== undefined || parent.orphan) {
      stored.orphan = true;
      return;
    }
    parent.replies.push(msg.ts);
    parent.replyUsers.add(msg.user);
    if (broadcast) ch.timeline.push(msg.ts);
  };

  const postMessage = (args: Answer, user = botUserId): Answer => {
    const ch = channelState(str(args.channel));
    if (!str(args.text) && args.blocks === undefined && args.attachments === undefined && args.files === undefined) {
      throw new SlackMethodFailedError('no_text');
    }
    validateContent(args);
    const threadTs = str(args.thread_ts);
    const broadcast = threadTs !== undefined && truthy(args.reply_broadcast);
    const ts = nextTs();
    const msg: SlackMessage = {
      type: 'message',
      ts,
      text: typeof args.text === 'string' ? args.text : '',
      user,
      bot_id: botId,
      app_id: appId,
      team: teamId,
    };
    if (broadcast) msg.subtype = 'thread_broadcast';
    if (args.blocks !== undefined) msg.blocks = args.blocks as unknown[];
    if (args.attachments !== undefined) msg.attachments = args.attachments as unknown[];
    if (args.metadata !== undefined) msg.metadata = args.metadata as SlackMessage['metadata'];
    if (args.files !== undefined) msg.files = args.files as SlackFileInfo[];
    if (threadTs !== undefined) {
      msg.thread_ts = threadTs;
      const parent = ch.byTs.get(threadTs);
      if (parent) msg.parent_user_id = parent.current.user;
    }
    storeMessage(ch, msg, threadTs, broadcast);
    const shown = clone(msg);
    delete shown.metadata;
    return { channel: ch.id, ts, message: shown };
  };

  const findStored = (args: Answer, tsKey: string): { ch: ChannelState; stored: StoredMessage } => {
    const ch = channelState(str(args.channel));
    const ts = str(args[tsKey]);
    const stored = ts ? ch.byTs.get(ts) : undefined;
    if (!stored || stored.deleted) throw new SlackMethodFailedError('message_not_found');
    return { ch, stored };
  };

  const updateMessage = (stored: StoredMessage, args: Answer, editor: string): SlackMessage => {
    const next = clone(stored.current);
    if (args.text !== undefined) next.text = String(args.text);
    // chat.update docs: with text and no blocks, the old blocks are removed.
    if (args.blocks !== undefined) next.blocks = args.blocks as unknown[];
    else if (args.text !== undefined) delete next.blocks;
    if (args.attachments !== undefined) next.attachments = args.attachments as unknown[];
    if (args.metadata !== undefined) next.metadata = args.metadata as SlackMessage['metadata'];
    next.edited = { user: editor, ts: nextTs() };
    stored.current = next;
    stored.versions.push(clone(next));
    return next;
  };

  const paginate = <T>(items: T[], args: Answer, defaultLimit: number) => {
    const limit = Math.max(1, Math.min(Number(args.limit ?? defaultLimit) || defaultLimit, 999));
    const cursor = str(args.cursor);
    const start = cursor ? Number(Buffer.from(cursor, 'base64').toString('utf8').replace(/^offset:/, '')) : 0;
    if (!Number.isInteger(start) || start < 0) throw new SlackMethodFailedError('invalid_cursor');
    const page = items.slice(start, start + limit);
    const more = start + limit < items.length;
    return {
      page,
      has_more: more,
      response_metadata: { next_cursor: more ? Buffer.from(`offset:${start + limit}`).toString('base64') : '' },
    };
  };

  const inRange = (ts: string, args: Answer): boolean => {
    const inclusive = truthy(args.inclusive);
    const oldest = str(args.oldest);
    const latest = str(args.latest);
    const t = micros(ts);
    if (oldest && (inclusive ? t < micros(oldest) : t <= micros(oldest))) return false;
    if (latest && (inclusive ? t > micros(latest) : t >= micros(latest))) return false;
    return true;
  };

  const viewObject = (id: string, view: Record<string, unknown>, extra: Record<string, unknown>) => ({
    id,
    team_id: teamId,
    type: view.type ?? 'modal',
    blocks: view.blocks ?? [],
    private_metadata: view.private_metadata ?? '',
    callback_id: view.callback_id ?? '',
    state: { values: {} },
    hash: `${Math.floor(now() / 1000)}.${randomBytes(4).toString('hex')}`,
    title: view.title,
    clear_on_close: view.clear_on_close ?? false,
    notify_on_close: view.notify_on_close ?? false,
    close: view.close ?? null,
    submit: view.submit ?? null,
    previous_view_id: null,
    root_view_id: id,
    app_id: appId,
    external_id: view.external_id ?? '',
    app_installed_team_id: teamId,
    bot_id: botId,
    ...extra,
  });

  const useTrigger = (args: Answer): void => {
    const trigger = str(args.trigger_id);
    if (!trigger) throw new SlackMethodFailedError('invalid_arguments');
    if (expiredTriggers.has(trigger)) throw new SlackMethodFailedError('expired_trigger_id');
    if (usedTriggers.has(trigger)) throw new SlackMethodFailedError('exchanged_trigger_id');
    usedTriggers.add(trigger);
  };

  const requireView = (args: Answer): Record<string, unknown> => {
    const view = args.view;
    if (!view || typeof view !== 'object') throw new SlackMethodFailedError('invalid_arguments');
    return view as Record<string, unknown>;
  };

  const userObject = (id: string) => {
    const known = opts.users?.[id];
    if (opts.users && !known) throw new SlackMethodFailedError('user_not_found');
    if (!/^[UW][A-Z0-9]+$/.test(id)) throw new SlackMethodFailedError('user_not_found');
    const name = known?.name ?? id.toLowerCase();
    const realName = known?.realName ?? `User ${id}`;
    return {
      id,
      team_id: teamId,
      name,
      deleted: false,
      real_name: realName,
      tz: known?.tz ?? 'Europe/London',
      tz_label: 'Greenwich Mean Time',
      tz_offset: 0,
      is_bot: known?.isBot ?? id === botUserId,
      is_admin: false,
      updated: 1_700_000_000,
      profile: {
        real_name: realName,
        display_name: name,
        email: known?.email,
        image_72: `https://avatars.example.invalid/${id}_72.png`,
        team: teamId,
      },
    };
  };

  /** Web API method handlers; each returns the fields to merge into `{ok:true}`. */
  const methods: Record<string, (args: Answer, token: string) => Answer> = {
    'auth.test': () => ({
      url: 'https://fake-workspace.slack.com/',
      team: 'Fake Workspace',
      user: 'earshot',
      team_id: teamId,
      user_id: botUserId,
      bot_id: botId,
      is_enterprise_install: false,
    }),
    'chat.postMessage': (args) => postMessage(args),
    'chat.update': (args) => {
      validateContent(args);
      const { ch, stored } = findStored(args, 'ts');
      const next = updateMessage(stored, args, botUserId);
      const shown = clone(next);
      delete shown.metadata;
      return { channel: ch.id, ts: next.ts, text: next.text, message: shown };
    },
    'chat.postEphemeral': (args) => {
      const ch = channelState(str(args.channel));
      if (!str(args.user)) throw new SlackMethodFailedError('user_not_found');
      if (!str(args.text) && args.blocks === undefined && args.attachments === undefined) throw new SlackMethodFailedError('no_text');
      validateContent(args);
      const eph: SlackEphemeral = {
        channel: ch.id,
        user: str(args.user),
        message_ts: nextTs(),
        text: typeof args.text === 'string' ? args.text : '',
      };
      if (args.blocks !== undefined) eph.blocks = args.blocks as unknown[];
      if (str(args.thread_ts)) eph.thread_ts = str(args.thread_ts);
      ch.ephemerals.push(eph);
      return { message_ts: eph.message_ts };
    },
    'chat.getPermalink': (args) => {
      const { ch, stored } = findStored(args, 'message_ts');
      const ts = stored.current.ts;
      const base = `https://fake-workspace.slack.com/archives/${ch.id}/p${ts.replace('.', '')}`;
      const thread = stored.current.thread_ts;
      return {
        channel: ch.id,
        permalink: thread && thread !== ts ? `${base}?thread_ts=${thread}&cid=${ch.id}` : base,
      };
    },
    'views.open': (args) => {
      const view = requireView(args);
      useTrigger(args);
      const id = nextId('V');
      const made = viewObject(id, view, {});
      views.set(id, made);
      lastView = id;
      return { view: made };
    },
    'views.push': (args) => {
      const view = requireView(args);
      useTrigger(args);
      const previous = lastView ? views.get(lastView) : undefined;
      const root = (previous?.root_view_id as string | undefined) ?? undefined;
      const depth = [...views.values()].filter((v) => root !== undefined && v.root_view_id === root).length;
      if (depth >= 3) throw new SlackMethodFailedError('push_limit_reached');
      const id = nextId('V');
      const made = viewObject(id, view, { previous_view_id: lastView ?? null, root_view_id: root ?? id });
      views.set(id, made);
      lastView = id;
      return { view: made };
    },
    'views.update': (args) => {
      const view = requireView(args);
      const byExternal = str(args.external_id);
      const id = str(args.view_id) ?? [...views.values()].find((v) => byExternal && v.external_id === byExternal)?.id;
      const existing = typeof id === 'string' ? views.get(id) : undefined;
      if (!existing || typeof id !== 'string') throw new SlackMethodFailedError('not_found');
      if (str(args.hash) && args.hash !== existing.hash) throw new SlackMethodFailedError('hash_conflict');
      const made = viewObject(id, view, {
        previous_view_id: existing.previous_view_id,
        root_view_id: existing.root_view_id,
      });
      views.set(id, made);
      return { view: made };
    },
    // App Home (docs.slack.dev/reference/methods/views.publish): one home view per person,
    // replaced on each publish; a `hash` that is not the current one is refused.
    'views.publish': (args) => {
      const view = requireView(args);
      const user = userObject(str(args.user_id) ?? '');
      if (view.type !== 'home') throw new SlackMethodFailedError('invalid_arguments');
      const existing = homes.get(user.id);
      if (str(args.hash) && existing && args.hash !== existing.hash) throw new SlackMethodFailedError('hash_conflict');
      const id = (existing?.id as string | undefined) ?? nextId('V');
      const made = viewObject(id, view, { type: 'home' });
      homes.set(user.id, made);
      return { view: made };
    },
    'users.info': (args) => ({ user: userObject(str(args.user) ?? '') }),
    // The bot's direct-message channel with one person (im:write); the same id every time.
    'conversations.open': (args) => {
      const users = (str(args.users) ?? '').split(',').filter(Boolean);
      if (users.length !== 1) throw new SlackMethodFailedError(users.length === 0 ? 'users_list_not_supplied' : 'not_enough_users');
      const user = userObject(users[0]!);
      const id = imId(user.id);
      if (!channels.has(id)) {
        channels.set(id, { id, name: user.name, isPrivate: true, created: Math.floor(now() / 1000), byTs: new Map(), timeline: [], ephemerals: [] });
      }
      return { channel: { id, is_im: true, user: user.id }, already_open: true };
    },
    'conversations.info': (args) => {
      const ch = channelState(str(args.channel));
      return {
        channel: {
          id: ch.id,
          name: ch.name,
          is_channel: !ch.isPrivate,
          is_group: false,
          is_im: false,
          is_private: ch.isPrivate,
          is_archived: false,
          is_member: true,
          created: ch.created,
          creator: 'U0CREATOR1',
          context_team_id: teamId,
          topic: { value: '', creator: '', last_set: 0 },
          purpose: { value: '', creator: '', last_set: 0 },
        },
      };
    },
    'conversations.history': (args) => {
      const ch = channelState(str(args.channel));
      const withMd = truthy(args.include_all_metadata);
      const all = [...ch.timeline]
        .reverse()
        .map((ts) => ch.byTs.get(ts))
        .filter((s): s is StoredMessage => !!s && !s.deleted && inRange(s.current.ts, args))
        .map((s) => render(s, withMd));
      const { page, has_more, response_metadata } = paginate(all, args, 100);
      return { messages: page, has_more, pin_count: 0, channel_actions_ts: null, channel_actions_count: 0, response_metadata };
    },
    'conversations.replies': (args) => {
      const ch = channelState(str(args.channel));
      const ts = str(args.ts);
      const root = ts ? ch.byTs.get(ts) : undefined;
      if (!root || root.deleted) throw new SlackMethodFailedError('thread_not_found');
      const withMd = truthy(args.include_all_metadata);
      const thread = [root, ...root.replies.map((r) => ch.byTs.get(r))]
        .filter((s): s is StoredMessage => !!s && !s.deleted && inRange(s.current.ts, args))
        .map((s) => render(s, withMd));
      const { page, has_more, response_metadata } = paginate(thread, args, 1000);
      return { messages: page, has_more, response_metadata };
    },
    'files.getUploadURLExternal': (args) => {
      const filename = str(args.filename);
      const length = Number(args.length);
      if (!filename || !Number.isInteger(length) || length < 0) throw new SlackMethodFailedError('invalid_arguments');
      const id = nextId('F');
      files.set(id, {
        id,
        name: filename,
        title: str(args.alt_txt) ?? filename,
        size: length,
        bytes: undefined,
        uploadContentType: undefined,
        shares: [],
      });
      return { upload_url: `${origin}/upload/${id}`, file_id: id };
    },
    'files.completeUploadExternal': (args) => {
      const list = args.files;
      if (!Array.isArray(list) || list.length === 0) throw new SlackMethodFailedError('invalid_arguments');
      const infos: SlackFileInfo[] = list.map((entry: { id?: string; title?: string }) => {
        const f = entry.id ? files.get(entry.id) : undefined;
        if (!f || !f.bytes) throw new SlackMethodFailedError('file_not_found');
        if (entry.title) f.title = entry.title;
        return { id: f.id, name: f.name, title: f.title, size: f.bytes.length };
      });
      const share = {
        channel_id: str(args.channel_id),
        initial_comment: str(args.initial_comment),
        thread_ts: str(args.thread_ts),
      };
      for (const info of infos) files.get(info.id)?.shares.push(share);
      if (share.channel_id) {
        postMessage({ channel: share.channel_id, text: share.initial_comment ?? '', thread_ts: share.thread_ts, files: infos });
      }
      return { files: infos };
    },
    'apps.connections.open': () => ({ url: `ws://127.0.0.1:${port}/link/?ticket=${randomBytes(8).toString('hex')}` }),
  };

  /** Methods that take an app-level (`xapp-`) token; every other method refuses one. */
  const appTokenMethods = new Set(['apps.connections.open']);

  const parseArgs = (raw: string, contentType: string, query: URLSearchParams): Answer => {
    let args: Answer = Object.fromEntries(query);
    if (contentType.startsWith('application/json')) {
      args = { ...args, ...(raw ? (JSON.parse(raw) as Answer) : {}) };
    } else if (raw) {
      args = { ...args, ...Object.fromEntries(new URLSearchParams(raw)) };
    }
    for (const key of JSON_ARGS) {
      const v = args[key];
      if (typeof v === 'string' && /^\s*[[{]/.test(v)) args[key] = JSON.parse(v);
    }
    return args;
  };

  const checkRateLimit = (method: string, args: Answer): number => {
    const t = now();
    if (method === 'chat.postMessage' && limits?.postMessage) {
      const key = String(args.channel ?? '');
      let bucket = postBuckets.get(key);
      if (!bucket) {
        bucket = new TokenBucket(limits.postMessage.burst, limits.postMessage.perSecond / 1000, t);
        postBuckets.set(key, bucket);
      }
      return bucket.take(t);
    }
    if (method === 'chat.update' && limits?.update) {
      updateBucket ??= new TokenBucket(limits.update.perMinute, limits.update.perMinute / 60_000, t);
      return updateBucket.take(t);
    }
    if (method === 'users.info' && limits?.usersInfo) {
      usersInfoBucket ??= new TokenBucket(limits.usersInfo.perMinute, limits.usersInfo.perMinute / 60_000, t);
      return usersInfoBucket.take(t);
    }
    return 0;
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = url.pathname.slice('/api/'.length);
    const raw = (await readBody(req)).toString('utf8');
    const contentType = req.headers['content-type'] ?? '';
    const args = parseArgs(raw, contentType, url.searchParams);
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? str(args.token);
    delete args.token;
    const call: SlackCall = { method, httpMethod: req.method ?? '', token, contentType, headers: flatHeaders(req), args, raw };
    calls.push(call);

    const fault = faults.decide(method);
    if (fault) call.fault = fault;
    if (fault?.kind === '429') sent429[method] = (sent429[method] ?? 0) + 1;
    if ((await faults.apply(fault, req, res, writers)) === 'answered') return;

    const ok = (body: Answer) => {
      call.answer = { ok: true, ...body };
      sendJson(res, 200, call.answer);
    };
    const fail = (error: string) => {
      call.answer = { ok: false, error };
      sendJson(res, 200, call.answer);
    };
    const handler = methods[method];
    if (!handler) return fail('unknown_method');
    if (!token) return fail('not_authed');
    if (opts.tokens ? !opts.tokens.includes(token) : !/^xox[bp]-|^xapp-/.test(token)) return fail('invalid_auth');
    if (token.startsWith('xapp-') !== appTokenMethods.has(method)) return fail('not_allowed_token_type');
    const waitMs = checkRateLimit(method, args);
    if (waitMs > 0) {
      sent429[method] = (sent429[method] ?? 0) + 1;
      return writers.tooManyRequests(res, Math.max(1, Math.ceil(waitMs / 1000)));
    }
    try {
      ok(handler(args, token));
    } catch (err) {
      if (err instanceof SlackMethodFailedError) return fail(err.code);
      throw err;
    }
  };

  const handleUpload = async (req: IncomingMessage, res: ServerResponse, id: string): Promise<void> => {
    const body = await readBody(req);
    const file = files.get(id);
    if (!file) return sendJson(res, 404, { ok: false, error: 'file_not_found' });
    const contentType = req.headers['content-type'] ?? '';
    file.bytes = contentType.startsWith('multipart/form-data') ? firstMultipartPart(body, contentType) : body;
    file.uploadContentType = contentType;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${file.bytes.length}`);
  };

  const handleResponseUrl = async (req: IncomingMessage, res: ServerResponse, id: string): Promise<void> => {
    const raw = (await readBody(req)).toString('utf8');
    if (!responseLinks.has(id)) return sendJson(res, 404, { ok: false, error: 'expired_url' });
    const body = (raw ? JSON.parse(raw) : {}) as Answer;
    responsePosts.push({ id, body });
    const link = responseLinks.get(id);
    if (link) {
      const ch = channelState(link.channel);
      const stored = link.ts === undefined ? undefined : ch.byTs.get(link.ts);
      if (truthy(body.delete_original) && stored) stored.deleted = true;
      else if (truthy(body.replace_original) && stored) updateMessage(stored, body, botUserId);
      else if (body.response_type === 'in_channel') postMessage({ ...body, channel: ch.id });
      else {
        ch.ephemerals.push({
          channel: ch.id,
          user: link.user,
          message_ts: nextTs(),
          text: typeof body.text === 'string' ? body.text : '',
          ...(Array.isArray(body.blocks) ? { blocks: body.blocks } : {}),
        });
      }
    }
    sendJson(res, 200, { ok: true });
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname.startsWith('/api/')) return handleApi(req, res, url);
    const upload = /^\/upload\/([^/]+)$/.exec(url.pathname);
    if (upload && req.method === 'POST') return handleUpload(req, res, upload[1]!);
    const response = /^\/response\/([^/]+)$/.exec(url.pathname);
    if (response && req.method === 'POST') return handleResponseUrl(req, res, response[1]!);
    sendJson(res, 404, { ok: false, error: 'not_found' });
  };

  const http = await listenFake(handler, faults);
  const { port, origin } = http;

  // ---- Socket Mode: a ws server on the same port, at the URL apps.connections.open hands out.
  const wss = new WebSocketServer({ noServer: true });
  const sockets: WebSocket[] = [];
  const acks: SocketModeAck[] = [];
  const ackWaiters = new Map<string, (ack: SocketModeAck) => void>();
  const connectionWaiters: Array<() => void> = [];
  let envelopeCounter = 0;
  http.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!(req.url ?? '').startsWith('/link')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('close', () => sockets.splice(sockets.indexOf(ws), 1));
      ws.on('message', (data) => {
        const ack = JSON.parse(data.toString()) as SocketModeAck;
        acks.push(ack);
        ackWaiters.get(ack.envelope_id)?.(ack);
        ackWaiters.delete(ack.envelope_id);
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: sockets.length,
          debug_info: { host: 'applink-fake', approximate_connection_time: 18060 },
          connection_info: { app_id: appId },
        }),
      );
      connectionWaiters.splice(0).forEach((resolve) => resolve());
    });
  });

  const socketMode: FakeSocketMode = {
    get connections() {
      return sockets.length;
    },
    acks,
    waitForConnection() {
      return sockets.length > 0 ? Promise.resolve() : new Promise((resolve) => connectionWaiters.push(resolve));
    },
    send(type, payload, o = {}) {
      const ws = sockets[sockets.length - 1];
      if (!ws) return Promise.reject(new Error('no Socket Mode client is connected'));
      const envelopeId = `env-${++envelopeCounter}`;
      const envelope = {
        envelope_id: envelopeId,
        type,
        accepts_response_payload: type !== 'events_api',
        payload,
        ...(type === 'events_api' ? { retry_attempt: o.retryAttempt ?? 0, retry_reason: o.retryReason ?? '' } : {}),
      };
      const acked = new Promise<SocketModeAck>((resolve) => ackWaiters.set(envelopeId, resolve));
      ws.send(JSON.stringify(envelope));
      return acked;
    },
    disconnect(reason = 'refresh_requested') {
      for (const ws of sockets) ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
    },
  };

  const channelView = (id: string): FakeSlackChannel => {
    const ch = channelState(id);
    const stored = (ts: string) => ch.byTs.get(ts);
    return {
      id: ch.id,
      name: ch.name,
      messages: () =>
        ch.timeline
          .map(stored)
          .filter((s): s is StoredMessage => !!s && !s.deleted)
          .map((s) => render(s, true)),
      message: (ts) => {
        const s = stored(ts);
        return s && !s.deleted ? render(s, true) : undefined;
      },
      versions: (ts) => clone(stored(ts)?.versions ?? []),
      thread: (ts) =>
        (stored(ts)?.replies ?? [])
          .map(stored)
          .filter((s): s is StoredMessage => !!s && !s.deleted)
          .map((s) => render(s, true)),
      ephemerals: () => clone(ch.ephemerals),
      orphans: () => [...ch.byTs.values()].filter((s) => s.orphan).map((s) => render(s, true)),
    };
  };

  return {
    port,
    url: `${origin}/api/`,
    origin,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    faults,
    channel: channelView,
    file: (id) => files.get(id),
    view: (id) => (views.has(id) ? clone(views.get(id)) : undefined),
    home: (user) => (homes.has(user) ? clone(homes.get(user)) : undefined),
    directChannel: (user) => (channels.has(imId(user)) ? imId(user) : undefined),
    expireTrigger: (id) => void expiredTriggers.add(id),
    responseUrl(message) {
      const id = randomBytes(9).toString('base64url');
      responseLinks.set(id, message);
      return `${origin}/response/${id}`;
    },
    responses: (url) => {
      const id = url?.split('/response/')[1];
      return clone(id === undefined ? responsePosts : responsePosts.filter((p) => p.id === id));
    },
    socketMode,
    sent429,
    internalErrors: http.internalErrors,
    saveState,
    async close() {
      for (const ws of [...sockets]) ws.terminate();
      wss.close();
      await http.close();
    },
  };
}

/** A person's DM channel with the bot: `D` and the rest of their user id, the same every time. */
const imId = (user: string): string => `D${user.slice(1)}`;

/** The bytes of the first part of a multipart/form-data body (enough for one-file uploads). */
function firstMultipartPart(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary=("?)([^";]+)\1/i.exec(contentType)?.[2];
  if (!boundary) return body;
  const delimiter = Buffer.from(`--${boundary}`);
  const start = body.indexOf(delimiter);
  const headerEnd = body.indexOf('\r\n\r\n', start);
  const end = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd);
  if (start < 0 || headerEnd < 0 || end < 0) return body;
  return body.subarray(headerEnd + 4, end);
}
