import { StreamJob, type StreamStatus } from '../jobs/stream-job.js';
import type { StreamBackoff } from '../jobs/stream-backoff.js';
import type { Config } from '../config/schema.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { MentionStream } from '../sources/mention-stream.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import type { SourceHealthBoard } from './source-health.js';

export interface StreamWiringDeps {
  config: Config;
  store: Store;
  instanceId: string;
  log: Logger;
  streams: Map<string, MentionStream>;
  sources: Map<string, MentionSource>;
  /** Screens the inbox (the inbox runner). */
  runInbox: () => Promise<void>;
  /** Source health: each stream's status is shown with its source's (/readyz, /metrics). */
  board?: Pick<SourceHealthBoard, 'watchStream'> | undefined;
  /** Lease life (default 10 s) and reconnect waits, for tests and benchmarks that compress time. */
  leaseMs?: number | undefined;
  backoff?: Partial<StreamBackoff> | undefined;
  /** How long after a batch the inbox is screened, to take a burst in one run (default 25 ms). */
  debounceMs?: number | undefined;
}

export interface StreamWiring {
  /** Each stream's status on this instance, by source. */
  status(): Map<string, StreamStatus>;
  stop(): Promise<void>;
}

/**
 * Starts one {@link StreamJob} per source in stream mode. Every instance runs them; the
 * lease lets one hold each connection. What a stream hears goes to the inbox, which is
 * screened shortly after each batch (debounced, so a burst is one run).
 */
export function startStreams(deps: StreamWiringDeps): StreamWiring {
  const { log } = deps;
  let timer: NodeJS.Timeout | undefined;
  const kick = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      deps.runInbox().catch((e: unknown) => log.error({ err: e }, 'inbox processing failed'));
    }, deps.debounceMs ?? 25);
  };
  const jobs: StreamJob[] = [];
  for (const [name, stream] of deps.streams) {
    const source = deps.sources.get(name);
    if (!source) continue;
    const config = deps.config.sources.find((s) => s.name === name);
    const job = new StreamJob({
      store: deps.store, stream, source, instanceId: deps.instanceId, log, onBatch: kick,
      leaseMs: deps.leaseMs, backoff: deps.backoff, budget: config?.budget,
    });
    job.start();
    jobs.push(job);
    deps.board?.watchStream(name, job.status);
  }
  if (jobs.length > 0) log.info({ streams: jobs.map((j) => j.name) }, 'stream mode: connecting');
  return {
    status: () => new Map(jobs.map((j) => [j.name, j.status])),
    async stop() {
      await Promise.all(jobs.map((j) => j.stop()));
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
