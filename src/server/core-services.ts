import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { CaseRepository } from '../app/case-repository.js';
import { CaseService } from '../app/case-service.js';
import { CommandRouter } from '../app/commands.js';
import { PeopleNames } from '../app/people-directory.js';
import { registerAuthorLinkCommands } from '../app/author-links.js';
import { deliveryResource } from '../app/delivery-resources.js';
import { registerMetricsCommands, trackMetrics } from '../app/metrics-commands.js';
import type { ChatGateway } from '../app/chat-gateway.js';
import type { Env } from '../config/env.js';
import { Handoff } from '../app/private-channel.js';
import type { Config } from '../config/schema.js';
import type { CardView } from '../domain/case.js';
import type { MetricsSummary } from '../metrics/summary.js';
import { loadModelFile } from '../models/load-model-file.js';
import { Outbox } from '../outbox/outbox.js';
import type { LimitSpec } from '../outbox/rate-limits.js';
import { createSources } from '../sources/create-sources.js';
import type { MentionSource } from '../sources/mention-source.js';
import { openStore } from '../store/open-store.js';
import { linkHosts } from '../text-links/link-hosts.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { createRateLimits } from './operations.js';
import { createOpsNotice } from './ops-notice.js';
import type { OpsMetrics } from './ops-metrics.js';
import { SourceHealthBoard } from './source-health.js';
import { wireWorkflow } from './workflow-wiring.js';

/** What the core needs of the start options (see EarshotOptions). */
export interface CoreOptions {
  config: Config;
  env: Env;
  log: Logger;
  clock?: Clock | undefined;
  sources?: Map<string, MentionSource> | undefined;
  rateLimits?: Partial<Record<string, LimitSpec>> | undefined;
}

/** Charts load vega, vega-lite and resvg on first use: most starts never draw one. */
const renderCharts = async (summary: MetricsSummary): Promise<Array<{ filename: string; title: string; png: Buffer }>> =>
  (await import('../charts/render-metrics-charts.js')).renderMetricsCharts(summary);

export type CoreServices = Awaited<ReturnType<typeof openCoreServices>>;

/** The store and the services every surface shares: outbox, cases, commands, routing and the leased jobs. */
export async function openCoreServices(opts: CoreOptions) {
  const { config, env, log } = opts;
  const clock = opts.clock ?? systemClock;
  const instanceId = env.INSTANCE_ID ?? `${hostname()}-${process.pid}`;
  // A trained screening model, if the team made one (`earshot train`); read once at start.
  const model = env.SCREENING_MODEL ? loadModelFile(resolvePath(env.SCREENING_MODEL)) : undefined;
  const store = await openStore(env.STORE_URL, { namespace: env.STORE_NAMESPACE });
  // The store keeps the networks' sessions and tokens, so listening ticks do not log in each time.
  // `warn` is how an adapter reports, once, what needs a person (X refusing DMs for the app's plan).
  const sources = opts.sources ?? createSources(config, env, { cache: store, warn: (fields, message) => log.warn(fields, message) });
  const gateways = new Map<CardView['platform'], ChatGateway>();
  const notice = createOpsNotice({ config, gateways, log });
  const board = new SourceHealthBoard({ sources: sources.keys(), log, clock, notice: (text) => { void notice(text); } });
  const limits = createRateLimits(store, config, log, opts.rateLimits);
  const repo = new CaseRepository(store);
  // The ops metrics exist once their routes are mounted; the outbox reports to them from then on.
  let metrics: OpsMetrics | undefined;
  // Each item waits for room on the resource it spends (a channel's pace, an X window).
  const outbox = new Outbox({
    store, clock, log, instanceId, gate: limits, gateRetryMs: 2000, resourceOf: (item) => deliveryResource(item, repo),
    onDelivered: (item, ms) => metrics?.onDelivered(item, ms), onRateLimited: (item) => metrics?.onRateLimited(item), onDead: (item) => metrics?.onDead(item),
  });
  const handoff = new Handoff(config, env.HANDOFF_SECRET);
  const cases = new CaseService({ repo, outbox, config, clock, log, sources, linkHosts, handoff });
  const commands = new CommandRouter(config);
  // Display names for metrics answers: Slack is asked once Slack is up; Teams names are remembered as people talk to the bot.
  const names = new PeopleNames(store);
  trackMetrics(cases, store, config);
  registerMetricsCommands(commands, { store, repo, config, log, charts: renderCharts, names });
  registerAuthorLinkCommands(commands, { store });
  const workflow = wireWorkflow({ config, store, cases, outbox, clock, log, commands, gateways, instanceId });
  const countInto = (m: OpsMetrics) => { metrics = m; };
  return { config, log, charts: renderCharts, clock, instanceId, model, store, sources, gateways, board, limits, repo, outbox, cases, commands, names, workflow, countInto };
}
