/**
 * bree worker: one listening tick for one source. bree starts a fresh worker thread
 * per run; everything it needs comes in workerData, and what it did goes back to the
 * main process as a message (which then screens and posts what was heard).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseEnv } from '../src/config/load-config.js';
import type { Config } from '../src/config/schema.js';
import { runListen } from '../src/jobs/run-listen.js';
import { createSource } from '../src/sources/create-sources.js';
import { openStore } from '../src/store/open-store.js';

interface ListenWorkerData { config: Config; sourceName: string; instanceId: string; storeUrl: string; namespace: string }

const data = workerData as ListenWorkerData;
const env = parseEnv(process.env);
const sourceConfig = data.config.sources.find((s) => s.name === data.sourceName);
if (!sourceConfig) throw new Error(`no source named ${data.sourceName}`);
const store = await openStore(data.storeUrl, { namespace: data.namespace });
try {
  const outcome = await runListen({ store, source: createSource(sourceConfig, data.config, env, { cache: store }), instanceId: data.instanceId, intervalMs: sourceConfig.interval, budget: sourceConfig.budget, requestsPerPoll: sourceConfig.queries.length });
  parentPort?.postMessage({ type: 'listened', outcome });
} catch (e) {
  const err = e as Error & { code?: string };
  parentPort?.postMessage({ type: 'listen-failed', source: data.sourceName, error: err.message, code: err.code ?? null });
} finally {
  await store.close();
}
parentPort?.postMessage('done');
