/**
 * The keep-alive watchdog of a websocket stream (Jetstream, Mastodon's streaming API): it
 * pings every third of `stallMs` and calls `stalled` once when nothing (no frame, no pong)
 * was heard for `stallMs`. Which socket it pings and what a stall does are the caller's
 * (websocket-stream.ts); the clock is injected so a test can move time by hand.
 */

/** What the watchdog reads the time from and schedules its checks with. */
export interface WatchdogClock {
  now(): number;
  /** Calls `fn` every `ms`; returns what cancels it. */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: WatchdogClock = {
  now: () => Date.now(),
  every: (ms, fn) => {
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  },
};

export interface WatchdogOptions {
  /** Nothing heard for this long is a stall. */
  stallMs: number;
  /** Sends a keep-alive the other side answers (a websocket ping); on every check that is not a stall. */
  ping(): void;
  /** Called once, at the first check that finds nothing heard for `stallMs`; the watchdog stops then. */
  stalled(): void;
  clock?: WatchdogClock | undefined;
}

/** How often the watchdog checks: a third of the stall time, not more often than every 50 ms. */
export const checkEvery = (stallMs: number): number => Math.max(50, Math.floor(stallMs / 3));

export class KeepAliveWatchdog {
  private readonly clock: WatchdogClock;
  private lastHeard: number;
  private cancel: (() => void) | undefined;

  constructor(private readonly opts: WatchdogOptions) {
    this.clock = opts.clock ?? systemClock;
    this.lastHeard = this.clock.now();
    this.cancel = this.clock.every(checkEvery(opts.stallMs), () => this.check());
  }

  /** Something arrived (the connection opened, a frame, a pong): the stall time starts again. */
  heard(): void {
    this.lastHeard = this.clock.now();
  }

  /** No more checks, pings or stall (the connection closed). */
  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  get running(): boolean {
    return this.cancel !== undefined;
  }

  private check(): void {
    if (!this.cancel) return;
    if (this.clock.now() - this.lastHeard >= this.opts.stallMs) {
      this.stop();
      this.opts.stalled();
    } else {
      this.opts.ping();
    }
  }
}
