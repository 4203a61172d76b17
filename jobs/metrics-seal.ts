/**
 * bree worker: a metrics-seal tick is due (seal the metrics of finished days, weeks and
 * months ahead of the first answer that reads them). The main process runs it under
 * the job's lease in the shared store, so one instance seals per tick (see
 * src/jobs/leased-job.ts).
 */
import { parentPort } from 'node:worker_threads';

parentPort?.postMessage({ type: 'job-due', job: 'metrics-seal' });
parentPort?.postMessage('done');
