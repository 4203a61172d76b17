import type { Logger } from '../util/logger.js';

/** Work the server repeats on a timer in this process (not a leased job: every instance runs it). */
export interface Tick {
  everyMs: number;
  run: () => Promise<unknown>;
  /** Logged with the error when a run fails; the next tick tries again. */
  failure: string;
}

export interface Ticks {
  start(): void;
  /** Clears the timers; a run under way finishes on its own (its owner waits for it). */
  stop(): void;
}

/**
 * The server's periodic work in one place. A failed tick is logged, never thrown: a timer
 * callback that rejects would be an unhandled rejection, and the next tick repairs it anyway.
 */
export function createTicks(ticks: readonly Tick[], log: Logger): Ticks {
  let timers: Array<ReturnType<typeof setInterval>> = [];
  return {
    start() {
      if (timers.length > 0) return;
      timers = ticks.map((t) => setInterval(() => {
        t.run().catch((e: unknown) => log.error({ err: e }, t.failure));
      }, t.everyMs));
    },
    stop() {
      for (const t of timers) clearInterval(t);
      timers = [];
    },
  };
}
