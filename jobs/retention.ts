/**
 * bree worker: a retention tick is due (purge cases older than retention.days). The
 * main process runs it under the job's lease in the shared store, once per tick
 * across instances (see src/jobs/leased-job.ts).
 */
import { parentPort } from 'node:worker_threads';

parentPort?.postMessage({ type: 'job-due', job: 'retention' });
parentPort?.postMessage('done');
