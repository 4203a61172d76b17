/**
 * The misbehaviour model every fake vendor server shares.
 *
 * A fake asks {@link Misbehaviour.decide} once per request, with the request's route key
 * (for Slack the Web API method name, e.g. `chat.postMessage`; for X and the Bot Framework
 * connector `<HTTP method> <path template>`, e.g. `GET /2/tweets/search/recent`). The answer
 * is a {@link Fault} or `undefined`, chosen by, in order:
 *
 * 1. faults queued for that route with {@link Misbehaviour.schedule} (first in, first out),
 *    then faults queued for the wildcard route `*`;
 * 2. a seeded random draw: with probability `fraction` a fault from `mix` is picked, unless the
 *    route is exempt. The PRNG is seeded, so the same seed and the same sequence of requests
 *    give the same faults on every run.
 *
 * Decisions depend on the route, never on the global call order, so a test that schedules
 * "the next 2 `chat.update` calls fail" is not disturbed by other traffic.
 */
import { seededRandom } from '../../domain/seeded-random.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One way a fake can misbehave on a request. */
export type Fault =
  /** Answer 429 and tell the client to come back in `retryAfter` seconds (vendor-specific headers). */
  | { kind: '429'; retryAfter: number }
  /** Answer with a server error, 503 unless `status` says otherwise. */
  | { kind: '5xx'; status?: number }
  /** Wait `ms` milliseconds, then answer normally. */
  | { kind: 'slow'; ms: number }
  /** Never answer; the socket stays open until the client gives up or the fake closes. */
  | { kind: 'hang' }
  /** Destroy the TCP connection without answering. */
  | { kind: 'drop' };

/** Random fault injection, reproducible through `seed`. */
export interface RandomFaults {
  /** Probability in [0, 1] that a request gets a fault. */
  fraction: number;
  /** The faults to pick from, uniformly. */
  mix: readonly Fault[];
  /** PRNG seed; the same seed gives the same sequence of decisions. */
  seed: number;
  /** Routes that never get a random fault (scheduled faults still apply). */
  exempt?: (route: string) => boolean;
}

/** A fault that was actually applied, as recorded by {@link Misbehaviour.injected}. */
export interface InjectedFault {
  route: string;
  fault: Fault;
  source: 'scheduled' | 'random';
}

/** How a fake writes the vendor's own shape of a 429 or a 5xx answer. */
export interface FaultWriters {
  /** Writes a complete 429 answer (status, headers, body). */
  tooManyRequests(res: ServerResponse, retryAfter: number): void;
  /** Writes a complete server-error answer. */
  serverError(res: ServerResponse, status: number): void;
}

/** What the fake should do after {@link Misbehaviour.apply}. */
export type FaultOutcome = 'answered' | 'continue';

/** Mulberry32: a tiny, well-distributed 32-bit PRNG; returns floats in [0, 1). */
export const mulberry32 = seededRandom;

/**
 * Decides, per request, whether and how a fake misbehaves, and applies the decision to a
 * node `http` response. One instance per fake server; tests reach it as `fake.faults`.
 */
export class Misbehaviour {
  private readonly queues = new Map<string, Fault[]>();
  private randomCfg: RandomFaults | undefined;
  private rng: () => number = Math.random;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly hanging = new Set<IncomingMessage>();
  /** Every fault applied so far, in order. */
  readonly injected: InjectedFault[] = [];

  constructor(random?: RandomFaults) {
    this.setRandom(random);
  }

  /**
   * Queues `fault` for the next `times` requests of `route` (`'*'` matches any route that
   * has no queue of its own). Returns `this` for chaining.
   */
  schedule(route: string, fault: Fault | readonly Fault[], times = 1): this {
    const list = Array.isArray(fault) ? (fault as readonly Fault[]) : [fault as Fault];
    const queue = this.queues.get(route) ?? [];
    for (let i = 0; i < times; i++) queue.push(...list);
    this.queues.set(route, queue);
    return this;
  }

  /** Turns random injection on (with a fresh PRNG from `cfg.seed`) or off (`undefined`). */
  setRandom(cfg: RandomFaults | undefined): this {
    if (cfg && (cfg.fraction < 0 || cfg.fraction > 1 || cfg.mix.length === 0)) {
      throw new RangeError('random faults need 0 <= fraction <= 1 and a non-empty mix');
    }
    this.randomCfg = cfg;
    this.rng = cfg ? mulberry32(cfg.seed) : Math.random;
    return this;
  }

  /** Faults still queued for `route`. */
  pending(route: string): number {
    return this.queues.get(route)?.length ?? 0;
  }

  /** Drops every queued fault and turns random injection off. */
  clear(): this {
    this.queues.clear();
    return this.setRandom(undefined);
  }

  /** Picks the fault for one request of `route`, or `undefined` to behave. */
  decide(route: string): Fault | undefined {
    for (const key of [route, '*']) {
      const queue = this.queues.get(key);
      const fault = queue?.shift();
      if (fault) {
        this.injected.push({ route, fault, source: 'scheduled' });
        return fault;
      }
    }
    const cfg = this.randomCfg;
    if (!cfg || cfg.exempt?.(route)) return undefined;
    // Draw twice per request, always, so the sequence stays aligned whatever the outcome.
    const hit = this.rng() < cfg.fraction;
    const pick = cfg.mix[Math.floor(this.rng() * cfg.mix.length)];
    if (!hit || !pick) return undefined;
    this.injected.push({ route, fault: pick, source: 'random' });
    return pick;
  }

  /**
   * Applies `fault` to the response. Resolves `'answered'` when the fault produced the whole
   * outcome (429, 5xx, hang, drop) and `'continue'` when the fake should now answer normally
   * (no fault, or after a slow delay).
   */
  async apply(
    fault: Fault | undefined,
    req: IncomingMessage,
    res: ServerResponse,
    writers: FaultWriters,
  ): Promise<FaultOutcome> {
    if (!fault) return 'continue';
    switch (fault.kind) {
      case '429':
        writers.tooManyRequests(res, fault.retryAfter);
        return 'answered';
      case '5xx':
        writers.serverError(res, fault.status ?? 503);
        return 'answered';
      case 'slow':
        await this.sleep(fault.ms);
        return 'continue';
      case 'hang':
        // Keep the request referenced so close() can find and kill it.
        this.hanging.add(req);
        req.socket.once('close', () => this.hanging.delete(req));
        return 'answered';
      case 'drop':
        req.socket.destroy();
        return 'answered';
    }
  }

  /** Requests currently left hanging. */
  get hangingCount(): number {
    return this.hanging.size;
  }

  /** Cancels pending slow timers and destroys hanging sockets; the fake calls this on close. */
  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const req of this.hanging) req.socket.destroy();
    this.hanging.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }
}
