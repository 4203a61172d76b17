import Bottleneck from 'bottleneck';
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

export interface RateLimitsOptions {
  /** Overrides per kind, merged over {@link DEFAULT_LIMITS}. */
  specs?: Partial<Record<string, LimitSpec>>;
  /**
   * Share the limits between instances through Redis (bottleneck's clustering), so two
   * instances together still post one message per second per channel.
   */
  redis?: { url: string; namespace: string };
  log: Logger;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Rate limits for every API the outbox calls, built on bottleneck. Calls wait their turn
 * in {@link RateLimits.schedule}; the outbox asks {@link RateLimits.capacity} and
 * {@link RateLimits.admit} before it starts a delivery, so deliveries for a busy
 * channel wait in the store rather than in memory, and one busy channel never holds up
 * another.
 */
export class RateLimits {
  private readonly specs: Record<string, LimitSpec>;
  private readonly groups = new Map<string, Bottleneck.Group>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly clientOptions: Record<string, unknown> | undefined;
  private stopped = false;

  constructor(private readonly opts: RateLimitsOptions) {
    this.specs = { ...DEFAULT_LIMITS } as Record<string, LimitSpec>;
    for (const [k, v] of Object.entries(opts.specs ?? {})) if (v) this.specs[k] = { ...this.specs[k], ...v };
    if (opts.redis) {
      const u = new URL(opts.redis.url);
      this.clientOptions = {
        host: u.hostname || '127.0.0.1',
        port: Number(u.port || 6379),
        ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
        ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
        ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) || 0 } : {}),
        ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
        lazyConnect: false,
      };
    }
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
      const windowed = spec.perWindow !== undefined && spec.windowMs !== undefined;
      const settings: Bottleneck.ConstructorOptions = {
        maxConcurrent: spec.maxConcurrent ?? 1,
        minTime: spec.minTimeMs ?? 0,
        ...(windowed ? { reservoir: spec.perWindow!, reservoirRefreshAmount: spec.perWindow!, reservoirRefreshInterval: spec.windowMs! } : {}),
        // The default heartbeat (250 ms, 5 s with Redis) would refill windows late.
        heartbeatInterval: windowed ? Math.max(10, Math.min(250, spec.windowMs! / 20)) : 250,
        ...(this.clientOptions
          ? { datastore: 'ioredis', clientOptions: this.clientOptions, id: `${this.opts.redis!.namespace}:limits:${kind}`, timeout: 3_600_000 }
          : {}),
      };
      group = new Bottleneck.Group(settings);
      group.on('error', (e: unknown) => this.opts.log.warn({ err: e, kind }, 'rate limiter error'));
      this.groups.set(kind, group);
    }
    return group.key(keyOf(resource));
  }

  /** Runs `fn` when the resource allows it. Unknown kinds run at once. */
  schedule<T>(resource: string | undefined, fn: () => Promise<T>): Promise<T> {
    const l = resource && !this.stopped ? this.limiter(resource) : undefined;
    return l ? l.schedule(fn) : fn();
  }

  /**
   * Would a call on this resource start now? Used before starting a delivery on a
   * window budget, so an exhausted window defers the item instead of parking it.
   */
  async admit(resource: string): Promise<boolean> {
    if ((this.pausedUntil.get(resource) ?? 0) > Date.now()) return false;
    const spec = this.spec(kindOf(resource));
    if (!spec || spec.perWindow === undefined) return true;
    const l = this.limiter(resource);
    if (!l) return true;
    const left = await l.currentReservoir();
    return left === null || left > 0;
  }

  /** Calls left in the current window of a windowed resource (for /metrics); undefined when unlimited. */
  async remaining(resource: string): Promise<number | undefined> {
    const spec = this.spec(kindOf(resource));
    if (!spec || spec.perWindow === undefined) return undefined;
    return (await this.limiter(resource)?.currentReservoir()) ?? undefined;
  }

  /**
   * The API said 429: hold every call on this resource for `ms` (a job that sleeps in
   * the limiter's only slot, ahead of anything waiting), unless a longer hold is on.
   */
  penalize(resource: string, ms: number): void {
    const until = Date.now() + ms;
    if ((this.pausedUntil.get(resource) ?? 0) >= until) return;
    this.pausedUntil.set(resource, until);
    const l = this.limiter(resource);
    if (!l) return;
    // The weight takes every concurrent slot, so nothing else runs during the hold.
    const weight = this.spec(kindOf(resource))?.maxConcurrent ?? 1;
    l.schedule({ priority: 0, weight }, () => sleep(ms)).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.groups.values()].map(async (g) => {
      await Promise.all(g.limiters().map(({ limiter }) => limiter.stop({ dropWaitingJobs: false }).catch(() => undefined)));
      // Group.disconnect returns nothing for the local datastore.
      await Promise.resolve(g.disconnect(false)).catch(() => undefined);
    }));
    this.groups.clear();
  }
}

export const kindOf = (resource: string): string => {
  const i = resource.indexOf(':');
  return i === -1 ? resource : resource.slice(0, i);
};
const keyOf = (resource: string): string => {
  const i = resource.indexOf(':');
  return i === -1 ? '*' : resource.slice(i + 1);
};
