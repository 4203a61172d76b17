import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Bree from 'bree';
import type { Config } from '../config/schema.js';
import type { ListenOutcome } from '../jobs/run-listen.js';
import type { Logger } from '../util/logger.js';

/** The compiled worker file: next to this module when built, else under dist/. */
function jobPath(name: string): string {
  const candidates = [
    fileURLToPath(new URL(`../../jobs/${name}.js`, import.meta.url)),
    fileURLToPath(new URL(`../../dist/jobs/${name}.js`, import.meta.url)),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`job file ${name}.js not found; run "npm run build" first`);
  return found;
}

/** Jobs whose work runs in the main process under a lease (src/jobs/leased-job.ts). */
export type LeasedJob = 'sla-sweep' | 'retention' | 'metrics-seal';

export type JobMessage =
  | { type: 'digest-due' }
  | { type: 'job-due'; job: LeasedJob }
  | { type: 'listened'; outcome: ListenOutcome }
  | { type: 'listen-failed'; source: string; error: string; code: string | null };

export interface SchedulerOptions {
  config: Config;
  instanceId: string;
  storeUrl: string;
  namespace: string;
  log: Logger;
  onMessage: (job: string, message: JobMessage) => void;
  onError: (job: string, error: Error) => void;
}

/**
 * bree runs one listening job per enabled source, each on its own interval, in a
 * worker thread. `timeout: 0` makes the first poll happen at start. bree skips a
 * tick while the previous run of the same job is still going.
 */
export function createScheduler(opts: SchedulerOptions): Bree {
  const path = jobPath('listen');
  const jobs = opts.config.sources.filter((s) => s.enabled).map((s) => ({
    name: `listen-${s.name}`,
    path,
    interval: s.interval,
    timeout: 0,
    closeWorkerAfterMs: Math.max(60_000, s.interval * 3),
    worker: { workerData: { config: opts.config, sourceName: s.name, instanceId: opts.instanceId, storeUrl: opts.storeUrl, namespace: opts.namespace } },
  }));
  const digest = opts.config.metrics.digest;
  const jobList: Array<Record<string, unknown>> = [...jobs];
  if (digest) {
    const [hh, mm] = digest.at.split(':').map(Number);
    jobList.push({
      name: 'digest',
      path: jobPath('digest'),
      cron: `${mm} ${hh} * * ${digest.every === 'weekly' ? '1' : '*'}`,
      timezone: digest.timezone ?? opts.config.metrics.timezone,
    });
  }
  // The sweep runs whatever the config: snoozes and reopened cases need it anyway.
  jobList.push({ name: 'sla-sweep', path: jobPath('sla-sweep'), interval: opts.config.jobs.sweepInterval, timeout: 0 });
  if (opts.config.retention) {
    jobList.push({ name: 'retention', path: jobPath('retention'), interval: opts.config.jobs.retentionInterval, timeout: 0 });
  }
  // Rollups are written whatever the config, so their finished days are sealed too.
  jobList.push({ name: 'metrics-seal', path: jobPath('metrics-seal'), interval: opts.config.jobs.metricsSealInterval, timeout: 0 });
  const log = opts.log;
  return new Bree({
    root: false,
    doRootCheck: false,
    logger: { info: (...a: unknown[]) => log.debug({ bree: a.map(String).join(' ') }), warn: (...a: unknown[]) => log.warn({ bree: a.map(String).join(' ') }), error: (...a: unknown[]) => log.error({ bree: a.map(String).join(' ') }) } as unknown as Bree.BreeLogger,
    jobs: jobList as Bree.JobOptions[],
    errorHandler: (error: unknown, meta: { name: string }) => opts.onError(meta.name, error instanceof Error ? error : new Error(String(error))),
    workerMessageHandler: ({ name, message }: { name: string; message: unknown }) => {
      if (message && typeof message === 'object' && 'type' in message) opts.onMessage(name, message as JobMessage);
    },
  } as Bree.BreeOptions);
}
