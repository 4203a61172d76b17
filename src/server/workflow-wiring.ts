import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { AgentRouter } from '../app/agent-router.js';
import { CaseRepository } from '../app/case-repository.js';
import type { CaseService } from '../app/case-service.js';
import type { CommandRouter } from '../app/commands.js';
import { allOf, ConfigHoursAvailability, platformGroupsNamed } from '../app/people-directory.js';
import { eraseAuthor, purgeExpired, registerRetentionDeliveries } from '../app/retention.js';
import { sealMetrics } from '../app/metrics-seal.js';
import { runSweep } from '../app/sweep-runner.js';
import type { ChatGateway } from '../app/chat-gateway.js';
import { SlackDirectory } from '../chat/slack/slack-directory.js';
import { registerThreadNotes } from '../chat/slack/slack-thread-notes.js';
import type { Config } from '../config/schema.js';
import type { Actor } from '../domain/actor.js';
import type { CardView } from '../domain/case.js';
import { runLeasedJob } from '../jobs/leased-job.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { JobMessage, LeasedJob } from './scheduler.js';

export interface WorkflowWiringDeps {
  config: Config;
  store: Store;
  cases: CaseService;
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  commands: CommandRouter;
  gateways: ReadonlyMap<CardView['platform'], ChatGateway>;
  instanceId: string;
}

/** The case workflow's moving parts beyond single clicks, as the server starts them. */
export interface WorkflowWiring {
  router: AgentRouter;
  /** Adds Slack's people directory, presence and thread notes once the Slack app exists. */
  attachSlack(app: App, resolve?: (client: WebClient, actor: Actor) => Promise<Actor>): void;
  /** Runs a leased job for a scheduler message; false when the message is not one of ours. */
  onJobMessage(message: JobMessage): boolean;
  /** Runs one tick of a job now, under its lease (what the scheduler's message triggers). */
  runJob(job: LeasedJob): Promise<boolean>;
  /** Waits for a job under way to finish. */
  stop(): Promise<void>;
}

/**
 * Wires routing to people, the SLA sweep, retention, erasure and the sealing of
 * finished metrics days into a running Earshot: case listeners, scheduled jobs (each
 * under a lease in the shared store, so one instance runs each tick), the erase-author
 * chat command, and Slack's directory.
 */
export function wireWorkflow(deps: WorkflowWiringDeps): WorkflowWiring {
  const { config, store, cases, outbox, clock, log, commands } = deps;
  // Retention and erasure read and purge the stored cases themselves (no workflow transition).
  const repo = new CaseRepository(store);
  const router = new AgentRouter({ cases, config, store, clock, log, availability: new ConfigHoursAvailability(config) });
  const running = new Map<LeasedJob, Promise<boolean>>();

  registerRetentionDeliveries(outbox, deps.gateways);

  // A new case in a group that routes to people (or one just moved into such a group) is
  // offered to an agent at once, and so is a case whose agent just declined it (to the next
  // one); the sweep repairs anything this misses (a crash between creating and offering).
  cases.onChange(async (prev, next) => {
    const declined = prev !== undefined && next.audit.length > prev.audit.length && next.audit.at(-1)?.action === 'decline';
    if ((prev && prev.group === next.group && !declined) || !config.groups.find((g) => g.id === next.group)?.assign) return;
    await router.offer(next);
  });

  registerEraseAuthor(deps);

  const jobs: Record<LeasedJob, { intervalMs: number; run: () => Promise<unknown> }> = {
    'sla-sweep': { intervalMs: config.jobs.sweepInterval, run: () => runSweep({ cases, config, store, clock, log, outbox, router }) },
    retention: { intervalMs: config.jobs.retentionInterval, run: () => purgeExpired({ store, repo, config, clock, log, outbox }) },
    'metrics-seal': { intervalMs: config.jobs.metricsSealInterval, run: () => sealMetrics({ store, config, clock, log }) },
  };

  const runJob = (job: LeasedJob): Promise<boolean> => {
    const under = running.get(job);
    // The previous tick of this job is still going here: skip, as bree does for its workers.
    if (under) return under.then(() => false);
    const p = runLeasedJob({ store, job, instanceId: deps.instanceId, intervalMs: jobs[job].intervalMs, now: () => clock.now(), run: jobs[job].run })
      .then((r) => {
        if (r.ran) log.debug({ job, instance: deps.instanceId }, 'job ran');
        return r.ran;
      }, (e: unknown) => {
        log.error({ err: e, job }, 'job failed; the next tick tries again');
        return false;
      })
      .finally(() => running.delete(job));
    running.set(job, p);
    return p;
  };

  return {
    router,
    attachSlack(app, resolve) {
      const named = platformGroupsNamed(config);
      const wantsPresence = config.groups.some((g) => g.assign?.presence);
      if (named.length > 0 || wantsPresence) {
        const directory = new SlackDirectory(app.client, named, log);
        cases.useDirectory(directory);
        commands.useDirectory(directory);
        router.useDirectory(directory);
        if (wantsPresence) router.useAvailability(allOf(new ConfigHoursAvailability(config), directory));
      }
      registerThreadNotes(app, { cases, log, now: () => clock.now(), ...(resolve ? { resolve } : {}) });
    },
    onJobMessage(message) {
      if (message.type !== 'job-due') return false;
      void runJob(message.job);
      return true;
    },
    runJob,
    async stop() {
      await Promise.all(running.values());
    },
  };
}

/** The erase-author chat command: everything about one author, on request. */
function registerEraseAuthor({ store, outbox, log, commands }: WorkflowWiringDeps): void {
  const repo = new CaseRepository(store);
  commands.register({
    name: 'erase-author',
    usage: 'erase-author <network>:<handle or id>',
    // Approvers only, and only in private: the router checks the table before this runs.
    permission: 'authors.erase',
    description: 'Erase everything about one author (their cases, posts and cards) on request; approvers only',
    async run(args, ctx) {
      const ref = args[0];
      if (!ref) return { lines: ['Say whom to erase: erase-author x:handle (or x:<user id>).'] };
      try {
        const r = await eraseAuthor({ store, repo, outbox, log }, ref);
        return { lines: [r.cases + r.waiting === 0 ? `Nothing found for ${ref}.` : `Erased ${ref}: ${r.cases} case(s) and ${r.waiting} waiting post(s). Their cards are being replaced by a removal notice.`] };
      } catch (e) {
        return { lines: [(e as Error).message] };
      }
    },
  });
}
