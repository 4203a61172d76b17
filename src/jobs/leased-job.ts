import type { Store } from '../store/store.js';

/** The last run of a scheduled job, kept in the shared store (for operators and tests). */
export interface JobRun {
  job: string;
  instanceId: string;
  at: string;
  /** Runs of this job so far, across every instance. */
  runs: number;
}

export const JOB_LEASE = (job: string) => `job:${job}`;
export const JOB_RUN = (job: string) => `job-run:${job}`;
/** When each run of a job started (member `<run>:<instance>`, score epoch ms), for the last day. */
export const JOB_HISTORY = (job: string) => `job-history:${job}`;
const HISTORY_MS = 86_400_000;

/**
 * Runs one tick of a scheduled job on at most one instance: the tick takes the job's
 * lease in the shared store for just under one interval, so the other instances'
 * ticks in that interval find it taken. The lease is kept (not released) after the
 * run for that reason; if the holder dies, it lapses and another instance runs the
 * next tick, within one interval. The same pattern as the listening job.
 */
export async function runLeasedJob<T>(opts: {
  store: Store;
  job: string;
  instanceId: string;
  intervalMs: number;
  now: () => Date;
  run: () => Promise<T>;
}): Promise<{ ran: false } | { ran: true; result: T }> {
  const { store, job, instanceId } = opts;
  if (!(await store.acquireLease(JOB_LEASE(job), instanceId, Math.max(1000, Math.floor(opts.intervalMs * 0.9))))) return { ran: false };
  // Wall-clock time of the start, not the app clock: it dates the lease, which is real time.
  const started = Date.now();
  const runs = await store.incr(`job-runs:${job}`);
  await store.zAdd(JOB_HISTORY(job), `${runs}:${instanceId}`, started);
  const old = await store.zRangeByScore(JOB_HISTORY(job), Number.NEGATIVE_INFINITY, started - HISTORY_MS, 100);
  if (old.length > 0) await store.zRemove(JOB_HISTORY(job), ...old.map((o) => o.member));
  const result = await opts.run();
  const record: JobRun = { job, instanceId, at: opts.now().toISOString(), runs };
  await store.set(JOB_RUN(job), record);
  return { ran: true, result };
}
