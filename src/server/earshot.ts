import { hostname } from 'node:os';
import { maskPersonalData } from '../screening/mask-personal-data.js';
import { resolve as resolvePath } from 'node:path';
import { loadModelFile } from '../models/load-model-file.js';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { App, ExpressReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { CaseInteractions } from '../app/case-interactions.js';
import { CaseRepository } from '../app/case-repository.js';
import { CaseService } from '../app/case-service.js';
import { CommandRouter } from '../app/commands.js';
import { PeopleNames } from '../app/people-directory.js';
import { registerAuthorLinkCommands } from '../app/author-links.js';
import { registerDeliveries } from '../app/deliveries.js';
import { registerBudgetCommand } from '../app/budget-command.js';
import { deliveryResource } from '../app/delivery-resources.js';
import { StormService } from '../app/storms.js';
import { registerStormListeners } from '../chat/slack/storm-listeners.js';
import type { LimitSpec, RateLimits } from '../outbox/rate-limits.js';
import type { OpsMetrics } from './ops-metrics.js';
import { slackGuard } from './slack-guard.js';
import { bodyGuard, MAX_BODY_BYTES, cachedCheck, createRateLimits, mountOpsRoutes, replyWindows, sourceBudgets } from './operations.js';
import { processInbox, type PipelineDeps } from '../app/pipeline.js';
import { createInboxRunner } from '../app/inbox-runner.js';
import type { ChatGateway } from '../chat/chat-gateway.js';
import { SlackGateway } from '../chat/slack/slack-gateway.js';
import { registerSlackListeners } from '../chat/slack/slack-listeners.js';
import { answerRetries } from '../chat/slack/answer-retries.js';
import { startTeams } from '../chat/teams/start-teams.js';
import { uploadSlackImage } from '../chat/slack/upload-image.js';
import { slackNameResolver } from '../chat/slack/slack-name-resolver.js';
import { registerMetricsCommands, trackMetrics } from '../app/metrics-commands.js';
import { runDigest } from '../app/digest.js';
import { Learner } from '../app/learning.js';
import type { MetricsSummary } from '../metrics/summary.js';
import type { Env } from '../config/env.js';
import type { Config } from '../config/schema.js';
import type { CardView } from '../domain/case.js';
import { Outbox } from '../outbox/outbox.js';
import type { MentionSource } from '../sources/mention-source.js';
import { createSources } from '../sources/create-sources.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { linkHosts } from '../text-links/link-hosts.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { createScheduler, type JobMessage } from './scheduler.js';
import { createTicks } from './ticks.js';
import { SourceHealthBoard, type SourceHealth } from './source-health.js';
import { wireWorkflow, type WorkflowWiring } from './workflow-wiring.js';

export interface EarshotOptions {
  config: Config;
  env: Env;
  log: Logger;
  clock?: Clock;
  /** Replace the configured sources (the sandbox's demo source, tests). */
  sources?: Map<string, MentionSource>;
  /** Run the bree listening jobs (off in tests that drive polls by hand). */
  schedule?: boolean;
  /** Outbox poll interval. */
  outboxIntervalMs?: number;
  /** Rate limits per kind of call, over the documented defaults (tests and benchmarks that compress time). */
  rateLimits?: Partial<Record<string, LimitSpec>>;
  /** How long a Slack API call may take before it is abandoned (and retried by the outbox). */
  slackTimeoutMs?: number;
}

export type { SourceHealth };

export interface Earshot {
  port: number;
  store: Store;
  outbox: Outbox;
  cases: CaseService;
  commands: CommandRouter;
  sources: Map<string, MentionSource>;
  health: Map<string, SourceHealth>;
  /** Screens and opens cases for everything waiting in the inbox now. */
  processInbox(): Promise<void>;
  storms: StormService;
  limits: RateLimits;
  /** Routing to people and the leased jobs (SLA sweep, retention). */
  workflow: WorkflowWiring;
  stop(): Promise<void>;
}

/** Charts load vega, vega-lite and resvg on first use: most starts never draw one. */
const renderCharts = async (summary: MetricsSummary): Promise<Array<{ filename: string; title: string; png: Buffer }>> =>
  (await import('../charts/render-metrics-charts.js')).renderMetricsCharts(summary);

const slackLogLevel = (level: string): LogLevel => (level === 'debug' || level === 'trace' ? LogLevel.DEBUG : level === 'info' ? LogLevel.INFO : LogLevel.WARN);

/** Wires every part together and starts serving. What `earshot start` runs. */
export async function startEarshot(opts: EarshotOptions): Promise<Earshot> {
  const { config, env, log } = opts;
  const clock = opts.clock ?? systemClock;
  const instanceId = env.INSTANCE_ID ?? `${hostname()}-${process.pid}`;
  // A trained screening model, if the team made one (`earshot train`); read once at start.
  const model = env.SCREENING_MODEL ? loadModelFile(resolvePath(env.SCREENING_MODEL)) : undefined;
  const store = await openStore(env.STORE_URL, { namespace: env.STORE_NAMESPACE });
  // The store keeps the networks' sessions and tokens, so listening ticks do not log in each time.
  const sources = opts.sources ?? createSources(config, env, { cache: store });
  // Notices go out only from job messages, which start after opsNotice is defined below.
  const board = new SourceHealthBoard({ sources: sources.keys(), log, clock, notice: (text) => { void opsNotice(text); } });
  const { health } = board;

  const limits = createRateLimits(env, config, log, opts.rateLimits);
  let metrics: OpsMetrics | undefined;
  const repo = new CaseRepository(store);
  // Each item waits for room on the resource it spends (a channel's pace, an X window).
  const outbox = new Outbox({
    store, clock, log, instanceId,
    gate: limits,
    gateRetryMs: 2000,
    resourceOf: (item) => deliveryResource(item, repo),
    onDelivered: (item, ms) => metrics?.onDelivered(item, ms),
    onRateLimited: (item) => metrics?.onRateLimited(item),
    onDead: (item) => metrics?.onDead(item),
  });
  const cases = new CaseService({ repo, outbox, config, clock, log, sources, linkHosts });
  const commands = new CommandRouter(config);
  // Display names for metrics answers: Slack is asked once Slack is up; Teams names are remembered as people talk to the bot.
  const names = new PeopleNames(store);
  trackMetrics(cases, store, config);
  registerMetricsCommands(commands, { store, repo, config, log, charts: renderCharts, names });
  registerAuthorLinkCommands(commands, { store });

  const gateways = new Map<CardView['platform'], ChatGateway>();
  const workflow = wireWorkflow({ config, store, cases, outbox, clock, log, commands, gateways, instanceId });
  const http = express();
  http.disable('x-powered-by');
  http.use(bodyGuard());
  let slackApp: App | undefined;
  let socketReceiver: SocketModeReceiver | undefined;
  const usesSlack = config.groups.some((g) => g.slack);
  let slackCheck: (() => Promise<boolean>) | undefined;
  let answerClient: WebClient | undefined;
  if (usesSlack && env.SLACK_BOT_TOKEN) {
    const clientOptions = {
      ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
      // Interactive calls (views.open has 3 s) must not queue behind a rate-limited post.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 2, minTimeout: 100, maxTimeout: 1000 },
      timeout: opts.slackTimeoutMs ?? 10_000,
    };
    // The outbox's own client: no internal retries or pauses; the outbox schedules them.
    const deliveryClient = new WebClient(env.SLACK_BOT_TOKEN, { ...clientOptions, retryConfig: { retries: 0 }, logLevel: slackLogLevel(env.LOG_LEVEL) });
    gateways.set('slack', new SlackGateway(deliveryClient));
    // Answers to clicks are sent at most once: a retry after a timeout showed a refusal twice.
    answerClient = new WebClient(env.SLACK_BOT_TOKEN, { ...clientOptions, retryConfig: answerRetries, logLevel: slackLogLevel(env.LOG_LEVEL) });
    // Readiness asks Slack at most every 30 s (auth.test is Tier 4, but probes come often).
    slackCheck = cachedCheck(async () => (await deliveryClient.auth.test()).ok === true, 30_000);
    const common = {
      token: env.SLACK_BOT_TOKEN,
      clientOptions,
      logLevel: slackLogLevel(env.LOG_LEVEL),
      // Skip the eager auth.test in the constructor: an unreachable Slack would crash
      // the process from an unhandled rejection (Bolt App.js singleAuthorization).
      deferInitialization: true,
    };
    if (config.slack.mode === 'socket') {
      socketReceiver = new SocketModeReceiver({ appToken: env.SLACK_APP_TOKEN!, installerOptions: { clientOptions } });
      slackApp = new App({ ...common, receiver: socketReceiver });
    } else {
      // Signature, age and replay are checked before Bolt sees the request.
      http.use('/slack/events', slackGuard({ signingSecret: env.SLACK_SIGNING_SECRET!, store, log, maxBytes: MAX_BODY_BYTES }));
      const receiver = new ExpressReceiver({ signingSecret: env.SLACK_SIGNING_SECRET!, endpoints: '/slack/events', app: http, processBeforeResponse: false });
      slackApp = new App({ ...common, receiver });
    }
  }

  // Before Teams, whose bot answers the storm cards' buttons; it reads the gateways when it posts.
  const storms = new StormService({
    store, config, clock, log, outbox, cases, gateways, sources, limits,
    capacityPerMinute: (p) => 60_000 / Math.max(1, limits.spec(`${p}.post`)?.minTimeMs ?? 1000),
    updateSpacingMs: (p) => limits.spec(`${p}.update`)?.minTimeMs ?? 1200,
  });
  const teams = await startTeams({ env, config, store, cases, commands, sources, storms, clock, log, names, interactions: new CaseInteractions({ cases, config, clock, outbox, people: (g) => workflow.router.people(g) }) });
  if (teams.gateway) gateways.set('teams', teams.gateway);
  // JSON parsing on this route only: Slack's route needs the raw body to check signatures.
  http.post('/api/messages', express.json({ limit: '1mb' }), (req, res) => teams.handle(req, res));

  registerDeliveries({ config, cases, outbox, gateways, sources, log, dryRun: env.DRY_RUN, limits });
  storms.registerDeliveries();
  cases.onChange((prev, next) => storms.onCaseChange(prev, next));
  registerBudgetCommand(commands, { store, config, replyWindows: () => replyWindows(config, limits) });

  if (slackApp) {
    registerSlackListeners(slackApp, { cases, config, outbox, sources, commands, clock, log, uploadImage: uploadSlackImage, people: (g) => workflow.router.people(g), answers: answerClient });
    registerStormListeners(slackApp, { storms, log, answers: answerClient });
    workflow.attachSlack(slackApp);
    const slackClient = slackApp.client;
    const byName = slackNameResolver(log);
    names.use(async (a) => (a.platform === 'slack' ? (await byName(slackClient, { platform: 'slack', id: a.id })).name : undefined));
    await slackApp.init();
  }

  let draining = false;
  metrics = mountOpsRoutes(http, {
    config, store, limits,
    chatChecks: slackCheck ? { slack: slackCheck } : {},
    sourceHealth: () => Object.fromEntries(health),
    draining: () => draining,
    metrics: {
      outboxDepth: () => outbox.depth(),
      deadLetters: () => outbox.deadLetters(),
      inFlight: () => outbox.inFlight(),
      jobsLastSuccess: () => Object.fromEntries([...health.entries()].map(([name, h]) => [`listen-${name}`, h.lastSuccess ? Date.parse(h.lastSuccess) : undefined])),
      budgets: () => sourceBudgets(config, store, clock.now().getTime()),
      replyWindows: () => replyWindows(config, limits),
      stormGroups: async () => (await Promise.all(config.groups.map((g) => storms.mode(g.id)))).filter((m) => m === 'storm').length,
    },
  });

  // Staff decisions (re-routes, tag corrections, ignores) teach the model, on every instance.
  const learner = new Learner({ store, log, base: model, pii: config });
  learner.attach(cases);
  // Replays the labels recorded so far in the background; the first screening waits for it.
  learner.catchUp().catch((e: unknown) => log.warn({ err: e }, 'could not replay staff labels'));
  const pipelineDeps: PipelineDeps = { store, config, clock, log, outbox, cases, storms, model: () => learner.current(), corrections: () => learner.corrections() };
  // One run at a time; what arrives during a run is screened by one more run after it.
  const inbox = createInboxRunner({ log, screen: () => processInbox(pipelineDeps), catchUp: () => learner.catchUp() });
  const runInbox = inbox.run;

  const server: Server = await new Promise((resolve, reject) => {
    const s = http.listen(env.PORT, env.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  if (socketReceiver) await socketReceiver.start();

  outbox.start(opts.outboxIntervalMs ?? 250);
  const ticks = createTicks([
    // The inbox is also swept on a timer: after a restart, and in case a job's message was lost.
    { everyMs: 5000, run: runInbox, failure: 'inbox processing failed' },
    // Changes that a crash cut off before their follow-ups were queued (a reply never sent).
    { everyMs: 5000, run: () => cases.resumeFollowUps(), failure: 'resuming cut-off case changes failed' },
    // Lets a group that went quiet leave storm mode even when no mention arrives.
    { everyMs: Math.max(250, Math.min(5000, config.storm.window / 12)), run: () => storms.tick(), failure: 'storm check failed' },
  ], log);
  ticks.start();
  await runInbox();

  const opsNotice = async (text: string) => {
    const ops = config.slack.opsChannel;
    const g = gateways.get('slack');
    if (ops && g?.postNotice) await g.postNotice(ops, maskPersonalData(text, config)).catch((e: unknown) => log.warn({ err: e }, 'could not post to the ops channel'));
  };

  const onJobMessage = (job: string, message: JobMessage) => {
    if (message.type === 'job-due') { workflow.onJobMessage(message); return; }
    if (message.type === 'digest-due') {
      runDigest({ store, repo, config, outbox, charts: renderCharts, names }, clock.now())
        .then((r) => log.info({ result: r }, 'digest'), (e: unknown) => log.error({ err: e }, 'digest failed'));
      return;
    }
    if (message.type === 'listened') {
      board.listened(job, message.outcome);
      if (message.outcome.added > 0) runInbox().catch((e: unknown) => log.error({ err: e }, 'inbox processing failed'));
      return;
    }
    // A network asking us to wait is not broken: the next tick after the window tries again.
    if (message.code === 'DELIVERY_RATE_LIMITED') {
      log.warn({ job, source: message.source, error: message.error }, 'listening paused by the network\'s rate limit');
      return;
    }
    board.failed(job, message.source, message.error);
  };

  const scheduler = opts.schedule === false ? undefined : createScheduler({
    config, instanceId, storeUrl: env.STORE_URL, namespace: env.STORE_NAMESPACE, log,
    onMessage: onJobMessage,
    onError: (job, error) => log.error({ job, err: error }, 'job failed'),
  });
  if (scheduler) await scheduler.start();
  log.info({ port, store: store.kind, sources: [...sources.keys()], slack: slackApp ? config.slack.mode : 'off', teams: teams.mode, dryRun: env.DRY_RUN }, 'Earshot is listening');

  let stopped = false;
  return {
    port, store, outbox, cases, commands, sources, health, storms, limits, workflow,
    processInbox: runInbox,
    async stop() {
      if (stopped) return;
      stopped = true;
      draining = true;
      ticks.stop();
      if (scheduler) await scheduler.stop();
      await inbox.stop();
      await workflow.stop();
      // Deliveries under way finish (and are recorded); the rest wait in the store for the next start.
      await outbox.stop();
      await limits.stop();
      if (socketReceiver) await socketReceiver.client.disconnect().catch(() => undefined);
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
      await store.close();
    },
  };
}
