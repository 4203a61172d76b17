import Bottleneck from 'bottleneck';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';

/**
 * How fast one kind of call may go. A resource is named `<kind>:<key>` (for example
 * `slack.post:C0123ABCD`); each key of a kind gets its own limiter with these settings.
 */
export interface LimitSpec {
  /** Minimum time between the starts of two calls (a steady pace, e.g. 1 s per Slack channel). */
  minTimeMs?: number;
  /** At most this many calls per `windowMs` (X's 15-minute windows). */
  perWindow?: number;
  windowMs?: number;
  /** Calls running at once. */
  maxConcurrent?: number;
  /**
   * Deliveries the outbox keeps in flight for one resource: one running and one waiting
   * in the limiter keeps a steady pace without gaps; window budgets use 1 so nothing
   * waits minutes inside the limiter.
   */
  inFlight?: number;
}

/**
 * The documented limits (platform notes §1.7, §2.1, §3.7). Slack: chat.postMessage about one
 * message per second per channel; chat.update and conversations.history are Tier 3 (50+ per
 * minute, per workspace). Teams: 60 messages per 30 s per conversation, 50 RPS per app.
 * X: posting 100 per 15 minutes per user.
 */
export const DEFAULT_LIMITS: Readonly<Record<string, LimitSpec>> = {
  'slack.post': { minTimeMs: 1000, maxConcurrent: 1, inFlight: 2 },
  'slack.update': { minTimeMs: 1200, maxConcurrent: 2, inFlight: 2 },
  'slack.read': { minTimeMs: 1200, maxConcurrent: 2, inFlight: 2 },
  // views.publish is Tier 4 (100+ per minute): about 85 a minute leaves room for the rest.
  'slack.home': { minTimeMs: 700, maxConcurrent: 1, inFlight: 2 },
  'teams.post': { minTimeMs: 500, maxConcurrent: 1, inFlight: 2 },
  'teams.update': { minTimeMs: 500, maxConcurrent: 1, inFlight: 2 },
  'x.reply': { perWindow: 100, windowMs: 900_000, maxConcurrent: 1, inFlight: 1 },
};

/** Divides every interval by `factor` (benchmarks that compress time). */
export function scaleLimits(specs: Readonly<Record<string, LimitSpec>>, factor: number): Record<string, LimitSpec> {
  const out: Record<string, LimitSpec> = {};
  for (const [kind, s] of Object.entries(specs)) {
    out[kind] = {
      ...s,
      ...(s.minTimeMs !== undefined ? { minTimeMs: s.minTimeMs / factor } : {}),
      ...(s.windowMs !== undefined ? { windowMs: s.windowMs / factor } : {}),
    };
  }
  return out;
}

/** What the rate limits need of the store to share them between instances. */
export type SharedLimitStore = Pick<Store, 'reservePace' | 'holdPace' | 'takeFromWindow'>;

export interface RateLimitsOptions {
  /** Overrides per kind, merged over {@link DEFAULT_LIMITS}. */
  specs?: Partial<Record<string, LimitSpec>>;
  /**
   * Share the limits between instances through the store (any kind: SQLite, Redis,
   * PostgreSQL), so two instances together still post one message per second per channel
   * and spend one reply window. Without it each process keeps its own limits.
   */
  shared?: SharedLimitStore;
  log: Logger;
}

/** Thrown to a call still waiting for its turn when the limits stop (shutting down). */
export class RateLimitsStoppedError extends Error {
  constructor() {
    super('the rate limits stopped (shutting down) before this call had its turn; it was not made');
    this.name = 'RateLimitsStoppedError';
  }
}

/**
 * Rate limits for every API the outbox calls. Calls wait their turn in
 * {@link RateLimits.schedule}; the outbox asks {@link RateLimits.capacity} and
 * {@link RateLimits.admit} before it starts a delivery, so deliveries for a busy
 * channel wait in the store rather than in memory, and one busy channel never holds up
 * another.
 *
 * With a shared store, the pace of each resource (its next start) and its window (calls
 * taken) are kept in the store, reserved atomically per call, so every instance on that
 * store spends one budget; bottleneck only caps the calls this process runs at once.
 * Without one, bottleneck keeps the pace and the windows in this process.
 */
export class RateLimits {
  private readonly specs: Record<string, LimitSpec>;
  private readonly groups = new Map<string, Bottleneck.Group>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly stopping = new AbortController();
  private stopped = false;

  constructor(private readonly opts: RateLimitsOptions) {
    this.specs = { ...DEFAULT_LIMITS } as Record<string, LimitSpec>;
    for (const [k, v] of Object.entries(opts.specs ?? {})) if (v) this.specs[k] = { ...this.specs[k], ...v };
  }

  /** Are the limits shared with other instances through the store? */
  get shared(): boolean {
    return this.opts.shared !== undefined;
  }

  /** The settings for one kind (after overrides); unknown kinds are unlimited. */
  spec(kind: string): LimitSpec | undefined {
    return this.specs[kind];
  }

  /** How many deliveries the outbox may keep in flight for this resource. */
  capacity(resource: string): number {
    return this.spec(kindOf(resource))?.inFlight ?? 4;
  }

  private limiter(resource: string): Bottleneck | undefined {
    const kind = kindOf(resource);
    const spec = this.spec(kind);
    if (!spec) return undefined;
    let group = this.groups.get(kind);
    if (!group) {
      group = new Bottleneck.Group(this.opts.shared ? { maxConcurrent: spec.maxConcurrent ?? 1 } : localSettings(spec));
      group.on('error', (e: unknown) => this.opts.log.warn({ err: e, kind }, 'rate limiter error'));
      this.groups.set(kind, group);
    }
    return group.key(keyOf(resource));
  }

  /** Runs `fn` when the resource allows it. Unknown kinds run at once. */
  schedule<T>(resource: string | undefined, fn: () => Promise<T>): Promise<T> {
    const l = resource && !this.stopped ? this.limiter(resource) : undefined;
    if (!l) return fn();
    if (!this.opts.shared) return l.schedule(fn);
    return l.schedule(async () => {
      await this.sharedTurn(resource!);
      return fn();
    });
  }

  /**
   * Waits for this call's turn on the shared limits: a start reserved on the resource's
   * pace (held by any instance's 429), then a call taken from its window, if it has one
   * (a full window waits for the next).
   */
  private async sharedTurn(resource: string): Promise<void> {
    const shared = this.opts.shared!;
    const spec = this.spec(kindOf(resource))!;
    await this.sleep(await shared.reservePace(resource, Math.max(1, spec.minTimeMs ?? 0)));
    const w = windowOf(spec);
    if (!w) return;
    for (;;) {
      const take = await shared.takeFromWindow(resource, w.perWindow, w.windowMs);
      if (take.taken) return;
      await this.sleep(take.resetInMs + 1);
    }
  }

  /** Sleeps, unless the limits stop first: then the waiting call is not made. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    const signal = this.stopping.signal;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new RateLimitsStoppedError());
      const onStop = () => {
        clearTimeout(timer);
        reject(new RateLimitsStoppedError());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onStop);
        resolve();
      }, ms);
      signal.addEventListener('abort', onStop, { once: true });
    });
  }

  /**
   * Would a call on this resource start now? Used before starting a delivery on a
   * window budget, so an exhausted window defers the item instead of parking it.
   */
  async admit(resource: string): Promise<boolean> {
    if ((this.pausedUntil.get(resource) ?? 0) > Date.now()) return false;
    const left = await this.remaining(resource);
    return left === undefined || left > 0;
  }

  /** Calls left in the current window of a windowed resource (for /metrics); undefined when unlimited. */
  async remaining(resource: string): Promise<number | undefined> {
    const spec = this.spec(kindOf(resource));
    const w = spec && windowOf(spec);
    if (!w) return undefined;
    if (this.opts.shared) return (await this.opts.shared.takeFromWindow(resource, w.perWindow, w.windowMs, 0)).remaining;
    return (await this.limiter(resource)?.currentReservoir()) ?? undefined;
  }

  /**
   * The API said 429: hold every call on this resource for `ms`, unless a longer hold is
   * on. Shared: the hold is kept in the store, so every instance waits it out. Local: a
   * job sleeps in the limiter's only slot, ahead of anything waiting.
   */
  penalize(resource: string, ms: number): void {
    const until = Date.now() + ms;
    if ((this.pausedUntil.get(resource) ?? 0) >= until) return;
    this.pausedUntil.set(resource, until);
    if (!this.spec(kindOf(resource))) return;
    if (this.opts.shared) {
      this.opts.shared.holdPace(resource, ms).catch((e: unknown) => this.opts.log.warn({ err: e, resource }, 'could not share a rate-limit hold'));
      return;
    }
    const l = this.limiter(resource);
    if (!l) return;
    // The weight takes every concurrent slot, so nothing else runs during the hold.
    const weight = this.spec(kindOf(resource))?.maxConcurrent ?? 1;
    l.schedule({ priority: 0, weight }, () => this.sleep(ms)).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await Promise.all([...this.groups.values()].map(async (g) => {
      await Promise.all(g.limiters().map(({ limiter }) => limiter.stop({ dropWaitingJobs: false }).catch(() => undefined)));
      // Group.disconnect returns nothing for the local datastore.
      await Promise.resolve(g.disconnect(false)).catch(() => undefined);
    }));
    this.groups.clear();
  }
}

/** A kind's window, its length in whole milliseconds (scaled limits may give fractions). */
function windowOf(spec: LimitSpec): { perWindow: number; windowMs: number } | undefined {
  if (spec.perWindow === undefined || spec.windowMs === undefined) return undefined;
  return { perWindow: spec.perWindow, windowMs: Math.max(1, Math.round(spec.windowMs)) };
}

/** bottleneck's settings when this process keeps the limits alone. */
function localSettings(spec: LimitSpec): Bottleneck.ConstructorOptions {
  const w = windowOf(spec);
  return {
    maxConcurrent: spec.maxConcurrent ?? 1,
    minTime: spec.minTimeMs ?? 0,
    ...(w ? { reservoir: w.perWindow, reservoirRefreshAmount: w.perWindow, reservoirRefreshInterval: w.windowMs } : {}),
    // The default heartbeat (250 ms) would refill windows late.
    heartbeatInterval: w ? Math.max(10, Math.min(250, w.windowMs / 20)) : 250,
  };
}

export const kindOf = (resource: string): string => {
  const i = resource.indexOf(':');
  return i === -1 ? resource : resource.slice(0, i);
};
const keyOf = (resource: string): string => {
  const i = resource.indexOf(':');
  return i === -1 ? '*' : resource.slice(i + 1);
};
