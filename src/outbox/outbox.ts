import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { DeliveryPermanentError, DeliveryRateLimitedError } from './delivery-errors.js';

/** One message waiting to be delivered to chat or to a social network. */
export interface OutboxItem {
  id: number;
  kind: string;
  /** Items with the same key are delivered in the order they were enqueued (a case id). */
  key: string;
  payload: Record<string, unknown>;
  /** Deliveries started so far; > 0 at the start of a delivery means an earlier attempt may have landed. */
  attempts: number;
  notBefore: number;
  createdAt: number;
  /** Coalescing key: while an item with this key waits, equal enqueues are dropped. */
  coalesce?: string | undefined;
  lastError?: string | undefined;
}

export type DeliveryHandler = (item: OutboxItem) => Promise<void>;

export interface OutboxOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  instanceId: string;
  /** How many keys are delivered at once. */
  concurrency?: number;
  /** Attempts before an item goes to the dead-letter list. */
  maxAttempts?: number;
  /** How long one instance may hold an item before another may take it over. */
  leaseMs?: number;
  /** Called for every item that failed for good (after it is moved to the dead letters). */
  onDead?: (item: OutboxItem, error: Error) => void;
  onDelivered?: (item: OutboxItem, latencyMs: number) => void;
  onRateLimited?: (item: OutboxItem, retryAfterMs: number) => void;
}

const ITEM = (id: number) => `outbox:item:${id}`;
const PENDING = 'outbox:pending';
const DEAD = 'outbox:dead';
const COALESCE = (k: string) => `outbox:coalesce:${k}`;

/**
 * A durable outbox on the Store. Every message is written first and delivered by
 * {@link Outbox.drain}: items keep their order per key, a failure holds back later items
 * of the same key, 429s wait for Retry-After, other errors back off exponentially, and
 * anything not yet delivered when the process dies is delivered after restart.
 */
export class Outbox {
  private readonly handlers = new Map<string, DeliveryHandler>();
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private intervalMs: number | undefined;
  private draining: Promise<number> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: OutboxOptions) {
    this.concurrency = opts.concurrency ?? 8;
    this.maxAttempts = opts.maxAttempts ?? 12;
    this.leaseMs = opts.leaseMs ?? 120_000;
  }

  on(kind: string, handler: DeliveryHandler): this {
    this.handlers.set(kind, handler);
    return this;
  }

  /** Records an item; returns false when coalesced into one already waiting. */
  async enqueue(kind: string, key: string, payload: Record<string, unknown>, opts: { coalesce?: string; delayMs?: number } = {}): Promise<boolean> {
    const { store, clock } = this.opts;
    const id = await store.incr('outbox:seq');
    if (opts.coalesce && !(await store.insertIfAbsent(COALESCE(opts.coalesce), id))) return false;
    const now = clock.now().getTime();
    const item: OutboxItem = { id, kind, key, payload, attempts: 0, notBefore: now + (opts.delayMs ?? 0), createdAt: now, coalesce: opts.coalesce };
    await store.set(ITEM(id), item);
    await store.zAdd(PENDING, String(id), id);
    this.kick();
    return true;
  }

  /** Items waiting (for /metrics and /readyz). */
  depth(): Promise<number> {
    return this.opts.store.zCard(PENDING);
  }

  deadLetters(): Promise<number> {
    return this.opts.store.zCard(DEAD);
  }

  /** Starts delivering in the background, polling for due items every `intervalMs`. */
  start(intervalMs = 250): void {
    this.stopped = false;
    this.intervalMs = intervalMs;
    this.schedule(0);
  }

  /** Stops polling and waits for deliveries under way (graceful shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.draining;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain()
        .catch((e: unknown) => this.opts.log.error({ err: e }, 'outbox drain failed'))
        .finally(() => { if (!this.timer) this.schedule(this.intervalMs ?? 250); });
    }, delayMs);
  }

  /** Asks for a drain now (after an enqueue) rather than at the next poll. */
  private kick(): void {
    if (this.stopped || this.intervalMs === undefined) return;
    if (this.draining) { this.again = true; return; }
    this.schedule(0);
  }

  /** Delivers every item that is due now; returns how many were delivered. */
  drain(): Promise<number> {
    if (this.draining) { this.again = true; return this.draining; }
    this.draining = (async () => {
      let total = 0;
      do {
        this.again = false;
        total += await this.drainOnce();
      } while (this.again && !this.stopped);
      return total;
    })().finally(() => { this.draining = undefined; });
    return this.draining;
  }

  private async drainOnce(): Promise<number> {
    const { store, clock } = this.opts;
    const pending = await store.zRangeByScore(PENDING, 0, Number.MAX_SAFE_INTEGER, 1000);
    if (pending.length === 0) return 0;
    const items = (await Promise.all(pending.map((p) => store.get<OutboxItem>(ITEM(Number(p.member))))))
      .filter((i): i is OutboxItem => !!i);
    // Group by key in enqueue order; only the head of each key's queue may be delivered.
    const byKey = new Map<string, OutboxItem[]>();
    for (const item of items) {
      const list = byKey.get(item.key);
      if (list) list.push(item); else byKey.set(item.key, [item]);
    }
    const now = clock.now().getTime();
    const lanes = [...byKey.values()].filter((list) => list[0]!.notBefore <= now);
    let delivered = 0;
    let next = 0;
    const worker = async () => {
      while (next < lanes.length && !this.stopped) {
        const lane = lanes[next++]!;
        for (const item of lane) {
          if (item.notBefore > clock.now().getTime()) break;
          const ok = await this.deliver(item);
          if (!ok) break;
          delivered += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, lanes.length) }, worker));
    return delivered;
  }

  /** Delivers one item; false when it must wait (later items of its key wait too). */
  private async deliver(stale: OutboxItem): Promise<boolean> {
    const { store, clock, log, instanceId } = this.opts;
    const lease = `outbox:${stale.id}`;
    if (!(await store.acquireLease(lease, instanceId, this.leaseMs))) return false;
    try {
      const item = await store.get<OutboxItem>(ITEM(stale.id));
      if (!item) { await store.zRemove(PENDING, String(stale.id)); return true; }
      const handler = this.handlers.get(item.kind);
      if (!handler) {
        log.error({ kind: item.kind, id: item.id }, 'no handler for outbox item; moving it to the dead letters');
        await this.bury(item, new Error(`no handler for ${item.kind}`));
        return true;
      }
      // Free the coalescing slot before the handler reads current state, so a change
      // made during delivery enqueues a fresh item instead of being lost.
      if (item.coalesce) await store.delete(COALESCE(item.coalesce));
      // Count the attempt before making the call: after a crash the next attempt
      // knows an earlier one may have reached the network.
      const started = { ...item, attempts: item.attempts + 1 };
      await store.set(ITEM(item.id), started);
      try {
        await handler(item);
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        if (item.coalesce) await store.insertIfAbsent(COALESCE(item.coalesce), item.id);
        if (err instanceof DeliveryPermanentError || started.attempts >= this.maxAttempts) {
          log.error({ err, kind: item.kind, key: item.key, attempts: started.attempts }, 'delivery failed for good');
          await this.bury(started, err);
          this.opts.onDead?.(started, err);
          return true;
        }
        const wait = err instanceof DeliveryRateLimitedError
          ? err.retryAfterMs
          : Math.min(60_000, 500 * 2 ** (started.attempts - 1)) * (0.75 + Math.random() * 0.5);
        if (err instanceof DeliveryRateLimitedError) this.opts.onRateLimited?.(started, wait);
        log.warn({ kind: item.kind, key: item.key, attempts: started.attempts, retryInMs: Math.round(wait), error: err.message }, 'delivery will be retried');
        await store.set(ITEM(item.id), { ...started, notBefore: clock.now().getTime() + wait, lastError: err.message });
        return false;
      }
      await store.zRemove(PENDING, String(item.id));
      await store.delete(ITEM(item.id));
      this.opts.onDelivered?.(item, clock.now().getTime() - item.createdAt);
      return true;
    } finally {
      await store.releaseLease(lease, instanceId);
    }
  }

  private async bury(item: OutboxItem, err: Error): Promise<void> {
    const { store } = this.opts;
    await store.set(ITEM(item.id), { ...item, lastError: err.message });
    await store.zAdd(DEAD, String(item.id), item.id);
    await store.zRemove(PENDING, String(item.id));
  }
}
