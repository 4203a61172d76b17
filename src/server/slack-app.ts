import type { Express } from 'express';
import { App, ExpressReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { answerRetries } from '../chat/slack/answer-retries.js';
import { SlackGateway } from '../chat/slack/slack-gateway.js';
import type { Config } from '../config/schema.js';
import type { Env } from '../config/env.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import { cachedCheck, MAX_BODY_BYTES } from './operations.js';
import { slackGuard } from './slack-guard.js';

export interface SlackAppDeps {
  config: Config;
  env: Env;
  /** The server's HTTP app: in HTTP mode, Slack's events route is mounted on it. */
  http: Express;
  store: Store;
  log: Logger;
  /** How long a Slack API call may take before it is abandoned (and retried by the outbox). */
  timeoutMs?: number | undefined;
}

/** The Slack side of a running Earshot: the Bolt app and the clients around it. */
export interface SlackApp {
  app: App;
  /** Posts and updates cards through the outbox's own client. */
  gateway: SlackGateway;
  /** The client that answers people, never resending a call that may have reached Slack. */
  answers: WebClient;
  /** Readiness: may Slack be reached with our token (cached). */
  check: () => Promise<boolean>;
  /** Connects the socket (socket mode); HTTP mode listens on the server's port already. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const slackLogLevel = (level: string): LogLevel => (level === 'debug' || level === 'trace' ? LogLevel.DEBUG : level === 'info' ? LogLevel.INFO : LogLevel.WARN);

/**
 * Builds the Slack app when a group uses Slack and a bot token is set (undefined otherwise):
 * three clients with different retry rules, and either a socket-mode receiver or Slack's
 * events route on the server's HTTP app behind the signature guard.
 */
export function createSlackApp(deps: SlackAppDeps): SlackApp | undefined {
  const { config, env, http, store, log } = deps;
  if (!config.groups.some((g) => g.slack) || !env.SLACK_BOT_TOKEN) return undefined;
  const logLevel = slackLogLevel(env.LOG_LEVEL);
  const clientOptions = {
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    // Interactive calls (views.open has 3 s) must not queue behind a rate-limited post.
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2, minTimeout: 100, maxTimeout: 1000 },
    timeout: deps.timeoutMs ?? 10_000,
  };
  // The outbox's own client: no internal retries or pauses; the outbox schedules them.
  const deliveryClient = new WebClient(env.SLACK_BOT_TOKEN, { ...clientOptions, retryConfig: { retries: 0 }, logLevel });
  // Answers to clicks are sent at most once: a retry after a timeout showed a refusal twice.
  const answers = new WebClient(env.SLACK_BOT_TOKEN, { ...clientOptions, retryConfig: answerRetries, logLevel });
  // Readiness asks Slack at most every 30 s (auth.test is Tier 4, but probes come often).
  const check = cachedCheck(async () => (await deliveryClient.auth.test()).ok === true, 30_000);
  const common = {
    token: env.SLACK_BOT_TOKEN,
    clientOptions,
    logLevel,
    // Skip the eager auth.test in the constructor: an unreachable Slack would crash
    // the process from an unhandled rejection (Bolt App.js singleAuthorization).
    deferInitialization: true,
  };
  let socket: SocketModeReceiver | undefined;
  let app: App;
  if (config.slack.mode === 'socket') {
    socket = new SocketModeReceiver({ appToken: env.SLACK_APP_TOKEN!, installerOptions: { clientOptions } });
    app = new App({ ...common, receiver: socket });
  } else {
    // Signature, age and replay are checked before Bolt sees the request.
    http.use('/slack/events', slackGuard({ signingSecret: env.SLACK_SIGNING_SECRET!, store, log, maxBytes: MAX_BODY_BYTES }));
    const receiver = new ExpressReceiver({ signingSecret: env.SLACK_SIGNING_SECRET!, endpoints: '/slack/events', app: http, processBeforeResponse: false });
    app = new App({ ...common, receiver });
  }
  return {
    app, answers, check,
    gateway: new SlackGateway(deliveryClient),
    async start() { if (socket) await socket.start(); },
    async stop() { if (socket) await socket.client.disconnect().catch(() => undefined); },
  };
}
