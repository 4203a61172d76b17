/**
 * bree worker: an SLA sweep tick is due (claim leases, snoozes, assignments, SLA
 * reminders and escalations). The main process runs it under the job's lease in the
 * shared store, so one instance sweeps per tick (see src/jobs/leased-job.ts).
 */
import { parentPort } from 'node:worker_threads';

parentPort?.postMessage({ type: 'job-due', job: 'sla-sweep' });
parentPort?.postMessage('done');
