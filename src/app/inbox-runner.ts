import type { Logger } from '../util/logger.js';
import type { ProcessReport } from './pipeline.js';

export interface InboxRunnerDeps {
  /** Screens and opens cases for everything waiting in the inbox now (processInbox). */
  screen: () => Promise<ProcessReport>;
  /** Reads what other instances learned since, before screening more; its failure is logged, not fatal. */
  catchUp?: () => Promise<unknown>;
  log: Logger;
}

export interface InboxRunner {
  /**
   * Screens the inbox. Asked while a run is under way, it runs once more after that run
   * (mentions may have arrived since it read the inbox) and resolves when both are done.
   */
  run(): Promise<void>;
  /** Waits for the run under way; runs asked for after this are not started (the store is closing). */
  stop(): Promise<void>;
}

/**
 * One inbox run at a time per instance: listening ticks, the timer and the start all ask
 * for runs, and two screening the same inbox at once would only race each other for the
 * same mentions. Requests made during a run collapse into one more run after it.
 */
export function createInboxRunner(deps: InboxRunnerDeps): InboxRunner {
  const { log } = deps;
  let processing: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const run = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (processing) { again = true; return processing; }
    processing = (async () => {
      let more = false;
      do {
        again = false;
        await deps.catchUp?.().catch((e: unknown) => log.warn({ err: e }, 'could not read new staff labels'));
        const r = await deps.screen();
        if (r.cases || r.dropped || r.failed) log.info(r, 'mentions screened');
        // A run stops at its limit: a burst larger than that is screened to the end now, not a tick later.
        more = r.more === true;
      } while (again || more);
    })().finally(() => { processing = undefined; });
    return processing;
  };

  return {
    run,
    async stop() {
      stopped = true;
      await processing;
    },
  };
}
