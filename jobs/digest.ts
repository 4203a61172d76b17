/**
 * bree worker: the managers' digest is due (cron from metrics.digest). The main process
 * composes it; it is sent at most once per period across instances (see src/app/digest.ts).
 */
import { parentPort } from 'node:worker_threads';

parentPort?.postMessage({ type: 'digest-due' });
parentPort?.postMessage('done');
