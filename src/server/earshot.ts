import type { LanguageModel } from '../app/language-model.js';
import { wireAssist, wireModelScreening } from './assist-wiring.js';
import { wireInsights } from './insight-wiring.js';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { CaseInteractions } from '../app/case-interactions.js';
import type { CaseService } from '../app/case-service.js';
import type { CommandRouter } from '../app/commands.js';
import { registerDeliveries } from '../app/deliveries.js';
import { StormService } from '../app/storms.js';
import type { MentionScreener } from '../app/mention-screener.js';
import { processInbox } from '../app/pipeline.js';
import { createInboxRunner, type InboxRunner } from '../app/inbox-runner.js';
import { trackSplits } from '../app/near-duplicates.js';
import { caseCard } from '../app/case-card.js';
import { runDigest } from '../app/digest.js';
import { Learner } from '../app/learning.js';
import { startTeams } from '../chat/teams/start-teams.js';
import type { Env } from '../config/env.js';
import type { Config } from '../config/schema.js';
import type { Outbox } from '../outbox/outbox.js';
import type { LimitSpec, RateLimits } from '../outbox/rate-limits.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { MentionStream } from '../sources/mention-stream.js';
import { createStreams } from '../sources/create-streams.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { openCoreServices, type CoreServices } from './core-services.js';
import { createHttpApp, listen } from './http-app.js';
import { createJobMessageHandler } from './job-message-handler.js';
import { mountOpsRoutes, stormPacing } from './operations.js';
import { createScheduler } from './scheduler.js';
import { createSlackApp } from './slack-app.js';
import { wireSlack } from './slack-wiring.js';
import type { SourceHealth } from './source-health.js';
import { startStreams, type StreamWiring, type StreamWiringDeps } from './streams.js';
import { createTicks } from './ticks.js';
import { wirePeople } from './people-wiring.js';
import { runPrivateListen } from '../jobs/run-private-listen.js';
import type { WorkflowWiring } from './workflow-wiring.js';

export interface EarshotOptions {
  config: Config;
  env: Env;
  log: Logger;
  clock?: Clock;
  /** Replace the configured sources (the sandbox's demo source, tests). */
  sources?: Map<string, MentionSource>;
  /** Where AI assist reads its knowledge base from (default: the working directory). */
  assistBaseDir?: string;
  /** A language model to use instead of the configured provider (benchmarks). */
  assistModel?: LanguageModel;
  /** Run the bree listening jobs (off in tests that drive polls by hand). */
  schedule?: boolean;
  /** Outbox poll interval. */
  outboxIntervalMs?: number;
  /** Rate limits per kind of call, over the documented defaults (tests and benchmarks that compress time). */
  rateLimits?: Partial<Record<string, LimitSpec>>;
  /** How long a Slack API call may take before it is abandoned (and retried by the outbox). */
  slackTimeoutMs?: number;
  /** Replace the streams of the sources in stream mode (tests), and their lease life and reconnect waits. */
  streams?: Map<string, MentionStream>;
  stream?: Pick<StreamWiringDeps, 'leaseMs' | 'backoff' | 'debounceMs'>;
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
  /** Reads every source's private messages now (the tick does it every privateChannel.pollEvery), then runs the inbox if any came. */
  listenPrivate(): Promise<void>;
  storms: StormService;
  limits: RateLimits;
  /** Routing to people and the leased jobs (SLA sweep, retention). */
  workflow: WorkflowWiring;
  /** The sources in stream mode, as this instance sees them. */
  streams: StreamWiring;
  stop(): Promise<void>;
}

/** Wires every part together and starts serving. What `earshot start` runs. */
export async function startEarshot(opts: EarshotOptions): Promise<Earshot> {
  const { config, env, log } = opts;
  const core = await openCoreServices(opts);
  const { clock, instanceId, model, store, sources, gateways, board, limits, repo, outbox, cases, commands, names, workflow } = core;

  const http = createHttpApp();
  const slack = createSlackApp({ config, env, http, store, log, timeoutMs: opts.slackTimeoutMs });
  if (slack) gateways.set('slack', slack.gateway);
  // Before Teams, whose bot answers the storm cards' buttons; it reads the gateways when it posts.
  const storms = new StormService({ store, config, clock, log, outbox, cases, gateways, sources, limits, ...stormPacing(limits) });
  // One set of decisions about clicks and forms, whichever surface they come from.
  // AI assist, only when configured: otherwise nothing is ever sent to a model.
  const assist = await wireAssist({ config, env, store, cases, clock, log, baseDir: opts.assistBaseDir, model: opts.assistModel });
  // Its summaries, briefs and translations, written off the card's path (their own outbox lanes).
  const insight = wireInsights({ config, env, store, cases, outbox, clock, log, model: opts.assistModel });
  const interactions = new CaseInteractions({
    cases, config, clock, outbox, people: (g) => workflow.router.people(g), leads: (g) => workflow.router.leads(g), names, sources, handoff: cases.handoff, assist,
    translator: insight?.translator, escalationNotice: insight ? (c, lines) => insight.service.announceEscalation(c, lines) : undefined,
  });
  const bindings = config.groups.flatMap((g) => (g.teams ? [{ group: g.id, channel: g.teams.channel }] : []));
  // Alerts and the personal queue read the gateways when they deliver: Teams' is added below.
  const { home, queues } = wirePeople(core);
  const teams = await startTeams({ env, bindings, store, cases, commands, cardOf: caseCard({ config, sources, cases, names, clock, insights: insight?.store }), queue: (p, now) => queues.of(p, now), storms, clock, log, names, interactions });
  if (teams.gateway) gateways.set('teams', teams.gateway);
  // JSON parsing on this route only: Slack's route needs the raw body to check signatures.
  http.post('/api/messages', express.json({ limit: '1mb' }), (req, res) => teams.handle(req, res));

  registerDeliveries({ config, cases, outbox, gateways, sources, log, clock, dryRun: env.DRY_RUN, limits, names, insights: insight?.store });
  storms.registerDeliveries();
  // In-process, not durable: the storm card's count of replies posted is a progress
  // figure; a crash at the wrong moment leaves it one short, and the replies themselves are
  // durable deliveries.
  cases.onChange((prev, next) => storms.onCaseChange(prev, next));
  if (slack) await wireSlack(slack, { interactions, commands, storms, workflow, names, clock, log, home, nameCache: store, typedStore: store, slackApiUrl: env.SLACK_API_URL });

  let draining = false;
  core.countInto(mountOpsRoutes(http, {
    config, store, limits, clock, outbox, health: board.health, stormMode: (g) => storms.mode(g),
    chatChecks: slack ? { slack: slack.check } : {},
    draining: () => draining,
  }));

  const inbox = startScreening(core, storms, wireModelScreening({ config, env, store, log, model: opts.assistModel }));

  const server = await listen(http, env.PORT, env.HOST);
  await slack?.start();
  outbox.start(opts.outboxIntervalMs ?? 250);
  const listenPrivate = privateListening(core, inbox.run);
  const ticks = startTicks(core, storms, inbox, listenPrivate);
  await inbox.run();

  const streams = startStreams({ config, store, instanceId, log, sources, runInbox: inbox.run, board, ...opts.stream, streams: opts.streams ?? createStreams(config, env, { cache: store }) });
  const scheduler = opts.schedule === false ? undefined : jobScheduler(core, env, inbox);
  if (scheduler) await scheduler.start();
  const port = (server.address() as AddressInfo).port;
  log.info({ port, store: store.kind, sources: [...sources.keys()], slack: slack ? config.slack.mode : 'off', teams: teams.mode, dryRun: env.DRY_RUN }, 'Earshot is listening');

  let stopped = false;
  return {
    port, store, outbox, cases, commands, sources, health: board.health, storms, limits, workflow, streams,
    processInbox: inbox.run,
    listenPrivate,
    async stop() {
      if (stopped) return;
      stopped = true;
      draining = true;
      ticks.stop();
      if (scheduler) await scheduler.stop();
      await streams.stop();
      await inbox.stop();
      await workflow.stop();
      // Deliveries under way finish (and are recorded); the rest wait in the store for the next start.
      await outbox.stop();
      await limits.stop();
      await slack?.stop();
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
      await store.close();
    },
  };
}

/** The timers of a running server (a bree job covers what runs once per tick across instances). */
function startTicks(core: CoreServices, storms: StormService, inbox: InboxRunner, listenPrivate: () => Promise<void>): ReturnType<typeof createTicks> {
  const { config, cases, log } = core;
  const ticks = createTicks([
    { everyMs: config.privateChannel.pollEvery, run: listenPrivate, failure: 'private-message listening failed' },
    // The inbox is also swept on a timer: after a restart, and in case a job's message was lost.
    { everyMs: 5000, run: inbox.run, failure: 'inbox processing failed' },
    // Changes that a crash cut off before their follow-ups were queued (a reply never sent).
    { everyMs: 5000, run: () => cases.resumeFollowUps(), failure: 'resuming cut-off case changes failed' },
    // Lets a group that went quiet leave storm mode even when no mention arrives.
    { everyMs: Math.max(250, Math.min(5000, config.storm.window / 12)), run: () => storms.tick(), failure: 'storm check failed' },
  ], log);
  ticks.start();
  return ticks;
}

/** The leased jobs' scheduler: their messages run the inbox, the workflow's due work and the digest. */
function jobScheduler(core: CoreServices, env: Env, inbox: InboxRunner): ReturnType<typeof createScheduler> {
  const { config, instanceId, log, board, clock, workflow, store, repo, outbox, names } = core;
  return createScheduler({
    config, instanceId, storeUrl: env.STORE_URL, namespace: env.STORE_NAMESPACE, log,
    onMessage: createJobMessageHandler({
      board, clock, log, runInbox: inbox.run,
      jobDue: (message) => workflow.onJobMessage(message),
      digest: (now) => runDigest({ store, repo, config, outbox, charts: core.charts, names }, now),
    }),
    onError: (job, error) => log.error({ job, err: error }, 'job failed'),
  });
}

/**
 * Screening as this server runs it: staff decisions (re-routes, tag corrections, ignores)
 * teach the model on every instance, and the inbox is screened one run at a time.
 */
function startScreening(core: CoreServices, storms: StormService, screener: MentionScreener | undefined): InboxRunner {
  const { store, config, clock, log, outbox, cases, model } = core;
  const learner = new Learner({ store, log, base: model, pii: config });
  learner.attach(cases);
  // Replays the labels recorded so far in the background; the first screening waits for it.
  learner.catchUp().catch((e: unknown) => log.warn({ err: e }, 'could not replay staff labels'));
  const pipeline = { store, config, clock, log, outbox, cases, storms, model: () => learner.current(), corrections: () => learner.corrections(), screener };
  // What arrives during a run is screened by one more run after it.
  const runner = createInboxRunner({ log, screen: () => processInbox(pipeline), catchUp: () => learner.catchUp() });
  // A post split out of a case goes back into the inbox for a case of its own.
  trackSplits(cases, store, () => { runner.run().catch((e: unknown) => log.error({ err: e }, 'inbox processing failed')); });
  return runner;
}

/** Private messages: a leased read per source that has them; what is heard joins its case on the inbox run that follows. */
function privateListening(core: CoreServices, runInbox: () => Promise<void>): () => Promise<void> {
  const { config, instanceId, log, sources, store } = core;
  return async () => {
    for (const source of [...sources.values()].filter((x) => x.private)) {
      try {
        const r = await runPrivateListen({ store, source, instanceId, intervalMs: config.privateChannel.pollEvery });
        if (r.added > 0) await runInbox();
      } catch (e) {
        log.warn({ err: e, source: source.name }, 'reading private messages failed; the next tick tries again');
      }
    }
  };
}
