/**
 * A fake Bot Framework connector (the service behind an activity's `serviceUrl`) plus a fake
 * Bot Framework OpenID metadata and key endpoint, on one 127.0.0.1 port.
 *
 * Connector routes used by `CloudAdapter` (platform notes §2.1): `POST /v3/conversations`,
 * `POST /v3/conversations/:id/activities`, `POST /v3/conversations/:id/activities/:activityId`
 * (reply), `PUT` / `DELETE /v3/conversations/:id/activities/:activityId`. Conversation ids
 * arrive percent-encoded (`19%3A…%40thread.tacv2%3Bmessageid%3D…`). Every activity is
 * recorded, and the latest version of each is kept so a test can read a card as it is now.
 *
 * Inbound authentication (§2.6): `GET /v1/.well-known/openidconfiguration` and `GET /keys`
 * serve an RSA key that {@link FakeBotConnector.signInbound} signs with, so a bot with auth
 * enabled can validate requests offline exactly as it validates Bot Framework's.
 */
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import jwt from 'jsonwebtoken';
import { flatHeaders, listenFake, readBody, sendJson } from './fake-http.js';
import { type Fault, type FaultWriters, Misbehaviour, type RandomFaults } from './misbehave.js';

/** The issuer Bot Framework puts in tokens it sends to bots. */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
const KEY_ID = 'fake-bot-framework-key';

/** An activity as sent on the wire (the fake does not depend on botframework-schema). */
export type WireActivity = Record<string, unknown> & { id?: string; type?: string; replyToId?: string };

/** One operation the connector received. */
export interface ConnectorCall {
  op: 'createConversation' | 'send' | 'reply' | 'update' | 'delete' | 'teamChannels' | 'unknown';
  method: string;
  path: string;
  /** Route key for faults, e.g. `PUT /v3/conversations/:id/activities/:activityId`. */
  route: string;
  /** Decoded conversation id (undefined for createConversation and unknown routes). */
  conversationId?: string;
  /** The activity id in the path: what a reply answers, or what an update/delete targets. */
  activityId?: string;
  /** The id the fake gave the new activity (send, reply, and a conversation's first activity). */
  createdId?: string;
  body?: unknown;
  /** `Authorization` header as received (absent when the bot runs with auth disabled). */
  auth?: string;
  headers: Record<string, string>;
  fault?: Fault;
}

/** The fake's view of one conversation. */
export interface FakeConversation {
  id: string;
  /** The parameters it was created with, when the bot created it. */
  params?: Record<string, unknown>;
  /** Activities as they are now (latest version), in the order they were first sent; deleted ones left out. */
  activities(): WireActivity[];
  /** One activity as it is now. */
  activity(id: string): WireActivity | undefined;
  /** Every version of one activity, oldest first. */
  versions(id: string): WireActivity[];
  /** Whether the activity was deleted. */
  deleted(id: string): boolean;
}

/** Options for {@link startFakeBotConnector}. */
export interface FakeBotConnectorOptions {
  /** Answer 401 to connector calls without an `Authorization` header. Default false. */
  requireAuth?: boolean;
  random?: RandomFaults;
  /** Clock for activity ids, in ms. Default `Date.now`. */
  now?: () => number;
  /**
   * Channels of each team, answered on `GET /v3/teams/:teamId/conversations` (what
   * `TeamsInfo.getTeamChannels` reads). Teams leaves the General channel's name out.
   */
  teams?: Record<string, Array<{ id: string; name?: string }>>;
  /**
   * Personal (1:1) chats the bot is in, by conversation id (`a:…`), as after the person
   * installed the app for themselves. A proactive send into any other `a:` conversation is
   * refused with 403 BotNotInConversationRoster, as Teams does (platform notes 2 §2).
   * Conversations created through `POST /v3/conversations` count as joined. Without this
   * option every personal chat is open.
   */
  personalChats?: string[];
}

/** A running fake connector. */
export interface FakeBotConnector {
  port: number;
  /** `http://127.0.0.1:<port>/` — put it in inbound activities' `serviceUrl`. */
  url: string;
  calls: ConnectorCall[];
  faults: Misbehaviour;
  conversation(id: string): FakeConversation;
  /** Ids of every conversation seen, in order. */
  conversationIds(): string[];
  /** Lets the bot into a personal chat (the person installed the app); see {@link FakeBotConnectorOptions.personalChats}. */
  joinPersonalChat(id: string): void;
  /** `…/v1/.well-known/openidconfiguration` served by this fake. */
  openIdMetadataUrl: string;
  /**
   * A Bot Framework JWT (RS256, issuer {@link BOT_FRAMEWORK_ISSUER}, audience `appId`,
   * `serviceurl` claim) for `Authorization: Bearer …` on an inbound request.
   */
  signInbound(args: { appId: string; serviceUrl?: string; claims?: Record<string, unknown>; expiresIn?: string | number }): string;
  /**
   * Settings for botbuilder's `ConfigurationBotFrameworkAuthentication` that validate inbound
   * tokens against this fake (every "parameterized" key set, as §2.6 requires).
   */
  authConfig(appId: string): Record<string, string | boolean>;
  internalErrors: Error[];
  close(): Promise<void>;
}

interface StoredActivity {
  versions: WireActivity[];
  deleted: boolean;
}

interface ConversationState {
  id: string;
  params?: Record<string, unknown>;
  order: string[];
  byId: Map<string, StoredActivity>;
}

let signingKeys: { privateKey: KeyObject; jwk: { n: string; e: string } } | undefined;
/** One RSA key pair per process: generating one costs tens of milliseconds. */
function keys() {
  if (!signingKeys) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    signingKeys = { privateKey, jwk: publicKey.export({ format: 'jwk' }) as { n: string; e: string } };
  }
  return signingKeys;
}

const errorBody = (code: string, message: string) => ({ error: { code, message } });

const ACTIVITY_OPS: Record<string, ConnectorCall['op']> = { POST: 'reply', PUT: 'update', DELETE: 'delete' };

/**
 * Starts a fake Bot Framework connector with OpenID metadata on 127.0.0.1:0.
 *
 * @example
 * const connector = await startFakeBotConnector();
 * // inbound activity: { ..., serviceUrl: connector.url }
 * connector.conversation('19:abc@thread.tacv2').activities();
 */
export async function startFakeBotConnector(opts: FakeBotConnectorOptions = {}): Promise<FakeBotConnector> {
  const now = opts.now ?? Date.now;
  const faults = new Misbehaviour(opts.random);
  const calls: ConnectorCall[] = [];
  const conversations = new Map<string, ConversationState>();
  const personal = opts.personalChats ? new Set(opts.personalChats) : undefined;
  let lastId = 0;

  const nextActivityId = (): string => {
    lastId = Math.max(lastId + 1, Math.floor(now()));
    return String(lastId);
  };
  const conversationState = (id: string): ConversationState => {
    let c = conversations.get(id);
    if (!c) {
      c = { id, order: [], byId: new Map() };
      conversations.set(id, c);
    }
    return c;
  };
  const store = (c: ConversationState, activity: WireActivity, id: string): void => {
    c.order.push(id);
    c.byId.set(id, { versions: [{ ...activity, id }], deleted: false });
  };

  const writers: FaultWriters = {
    tooManyRequests(res, retryAfter) {
      sendJson(res, 429, errorBody('TooManyRequests', 'Too many requests'), { 'retry-after': String(retryAfter) });
    },
    serverError(res, status) {
      sendJson(res, status, errorBody('ServiceError', 'The service is temporarily unavailable'));
    },
  };

  const handleConnector = async (req: IncomingMessage, res: ServerResponse, url: URL, origin: string): Promise<void> => {
    const raw = await readBody(req);
    const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;
    // Split before decoding: encoded ids may contain characters that would look like separators.
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [v3, convs, conversationId, activities, activityId, ...rest] = segments;
    const method = req.method ?? '';
    let op: ConnectorCall['op'] = 'unknown';
    let route = `${method} ${url.pathname}`;
    if (v3 === 'v3' && convs === 'conversations' && rest.length === 0) {
      if (conversationId === undefined && method === 'POST') {
        op = 'createConversation';
        route = 'POST /v3/conversations';
      } else if (activities === 'activities' && activityId === undefined && method === 'POST') {
        op = 'send';
        route = 'POST /v3/conversations/:id/activities';
      } else if (activities === 'activities' && activityId !== undefined) {
        op = ACTIVITY_OPS[method] ?? 'unknown';
        route = `${method} /v3/conversations/:id/activities/:activityId`;
      }
    }
    const [, teams, teamId, teamConversations, ...teamRest] = segments;
    if (v3 === 'v3' && teams === 'teams' && teamId !== undefined && teamConversations === 'conversations' && teamRest.length === 0 && method === 'GET') {
      op = 'teamChannels';
      route = 'GET /v3/teams/:teamId/conversations';
    }
    const call: ConnectorCall = { op, method, path: url.pathname, route, headers: flatHeaders(req) };
    if (op !== 'createConversation' && op !== 'teamChannels' && conversationId !== undefined) call.conversationId = conversationId;
    if (activityId !== undefined) call.activityId = activityId;
    if (body !== undefined) call.body = body;
    if (req.headers.authorization) call.auth = req.headers.authorization;
    calls.push(call);
    if (op === 'unknown') return sendJson(res, 404, errorBody('NotFound', `No route for ${method} ${url.pathname}`));

    const fault = faults.decide(route);
    if (fault) call.fault = fault;
    if ((await faults.apply(fault, req, res, writers)) === 'answered') return;
    if (opts.requireAuth && !req.headers.authorization) {
      return sendJson(res, 401, { message: 'Authorization has been denied for this request.' });
    }

    const activity = (body ?? {}) as WireActivity;
    switch (op) {
      case 'teamChannels': {
        const list = opts.teams?.[segments[2]!];
        if (!list) return sendJson(res, 404, errorBody('NotFound', 'Team not found'));
        return sendJson(res, 200, { conversations: list.map((c) => ({ id: c.id, ...(c.name ? { name: c.name } : {}) })) });
      }
      case 'createConversation': {
        const params = activity as Record<string, unknown>;
        const first = params.activity as WireActivity | undefined;
        const firstId = nextActivityId();
        const channel = (params.channelData as { channel?: { id?: string } } | undefined)?.channel?.id;
        // In a Teams channel a new conversation is a new thread: "<channel>;messageid=<root id>".
        const id = channel ? `${channel};messageid=${firstId}` : `a:${randomUUID()}`;
        const c = conversationState(id);
        personal?.add(id);
        c.params = params;
        call.conversationId = id;
        if (first) {
          store(c, first, firstId);
          call.createdId = firstId;
        }
        return sendJson(res, 201, { id, activityId: first ? firstId : undefined, serviceUrl: origin + '/' });
      }
      case 'send':
      case 'reply': {
        if (personal && conversationId!.startsWith('a:') && !personal.has(conversationId!)) {
          return sendJson(res, 403, errorBody('BotNotInConversationRoster', 'The bot is not part of the conversation roster.'));
        }
        const c = conversationState(conversationId!);
        const id = nextActivityId();
        store(c, op === 'reply' ? { ...activity, replyToId: activityId } : activity, id);
        call.createdId = id;
        return sendJson(res, 201, { id });
      }
      case 'update': {
        const stored = conversations.get(conversationId!)?.byId.get(activityId!);
        if (!stored || stored.deleted) return sendJson(res, 404, errorBody('NotFound', 'Activity not found'));
        stored.versions.push({ ...activity, id: activityId });
        return sendJson(res, 200, { id: activityId });
      }
      case 'delete': {
        const stored = conversations.get(conversationId!)?.byId.get(activityId!);
        if (!stored || stored.deleted) return sendJson(res, 404, errorBody('NotFound', 'Activity not found'));
        stored.deleted = true;
        res.writeHead(200);
        res.end();
        return;
      }
    }
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'GET' && url.pathname === '/v1/.well-known/openidconfiguration') {
      return sendJson(res, 200, {
        issuer: BOT_FRAMEWORK_ISSUER,
        authorization_endpoint: `${origin}/v1/.well-known/authorize`,
        jwks_uri: `${origin}/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    }
    if (req.method === 'GET' && url.pathname === '/keys') {
      const { jwk } = keys();
      return sendJson(res, 200, { keys: [{ kty: 'RSA', use: 'sig', kid: KEY_ID, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] });
    }
    return handleConnector(req, res, url, origin);
  };

  const http = await listenFake(handler, faults);
  const { port, origin } = http;
  const openIdMetadataUrl = `${origin}/v1/.well-known/openidconfiguration`;

  const conversationView = (id: string): FakeConversation => {
    const c = conversationState(id);
    const latest = (s: StoredActivity | undefined) => (s ? structuredClone(s.versions[s.versions.length - 1]!) : undefined);
    const view: FakeConversation = {
      id,
      activities: () =>
        c.order
          .map((a) => c.byId.get(a))
          .filter((s): s is StoredActivity => !!s && !s.deleted)
          .map((s) => latest(s)!),
      activity: (a) => {
        const s = c.byId.get(a);
        return s && !s.deleted ? latest(s) : undefined;
      },
      versions: (a) => structuredClone(c.byId.get(a)?.versions ?? []),
      deleted: (a) => c.byId.get(a)?.deleted ?? false,
    };
    if (c.params) view.params = structuredClone(c.params);
    return view;
  };

  return {
    port,
    url: `${origin}/`,
    calls,
    faults,
    conversation: conversationView,
    conversationIds: () => [...conversations.keys()],
    joinPersonalChat: (id) => { personal?.add(id); },
    openIdMetadataUrl,
    signInbound({ appId, serviceUrl = `${origin}/`, claims = {}, expiresIn = '5m' }) {
      return jwt.sign({ serviceurl: serviceUrl, ...claims }, keys().privateKey, {
        algorithm: 'RS256',
        keyid: KEY_ID,
        issuer: BOT_FRAMEWORK_ISSUER,
        audience: appId,
        expiresIn: expiresIn as jwt.SignOptions['expiresIn'],
      });
    },
    authConfig: (appId) => ({
      MicrosoftAppId: appId,
      ValidateAuthority: false,
      ToChannelFromBotLoginUrl: `${origin}/login`,
      ToChannelFromBotOAuthScope: BOT_FRAMEWORK_ISSUER,
      ToBotFromChannelTokenIssuer: BOT_FRAMEWORK_ISSUER,
      OAuthUrl: `${origin}/oauth`,
      ToBotFromChannelOpenIdMetadataUrl: openIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: openIdMetadataUrl,
      CallerId: 'urn:botframework:azure',
    }),
    internalErrors: http.internalErrors,
    close: () => http.close(),
  };
}
