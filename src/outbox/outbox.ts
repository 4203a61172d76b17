import { takeCoalescingSlot } from './coalescing-slot.js';
import { buryItem, deadLetterCount } from './dead-letters.js';
import { DeliveryPermanentError, DeliveryRateLimitedError, withDeliveryTimeout } from './delivery-errors.js';
import { LaneScanner, type ScanTarget } from './lane-scanner.js';
import { COALESCE, ITEM, PENDING, type DeliveryHandler, type OutboxItem, type OutboxOptions } from './outbox-item.js';
import { PendingItems } from './pending-items.js';

export type { DeliveryGate, DeliveryHandler, OutboxItem, OutboxOptions } from './outbox-item.js';

type Outcome = 'delivered' | 'wait';

/**
 * A durable outbox on the Store. Every message is written first and delivered by a
 * background loop: items keep their order per key (only the head of a key's lane is
 * delivered), a failure holds back later items of the same key, 429s wait for
 * Retry-After and hold the resource, other errors back off exponentially, and anything
 * not yet delivered when the process dies is delivered after restart.
 *
 * Rate limits: each item names the resource it spends (a Slack channel, an X account).
 * A lane starts only while its resource has room (see {@link DeliveryGate}), so items for
 * a busy channel wait in the store, not in memory, and never hold up other channels.
 */
export class Outbox {
  private readonly handlers = new Map<string, DeliveryHandler>();
  private readonly maxAttempts: number;
  private readonly leaseMs: number;
  private readonly handlerTimeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private intervalMs: number | undefined;
  private scanning: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private delivered = 0;
  /** Lanes (keys) being delivered by this instance, with their promise. */
  private readonly running = new Map<string, Promise<void>>();
  private readonly pending: PendingItems;
  private readonly scanner: LaneScanner;
  /** What the scanner sees of this outbox (see lane-scanner.ts). */
  private readonly target: ScanTarget = {
    running: this.running,
    isStopped: () => this.stopped,
    startLane: (key, lane, resource) => this.startLane(key, lane, resource),
  };

  constructor(private readonly opts: OutboxOptions) {
    this.pending = new PendingItems(opts.store, opts.log, opts.resourceOf);
    this.maxAttempts = opts.maxAttempts ?? 12;
    this.leaseMs = opts.leaseMs ?? 120_000;
    this.handlerTimeoutMs = opts.handlerTimeoutMs ?? 60_000;
    this.scanner = new LaneScanner(opts, this.pending, opts.concurrency ?? 64);
  }

  on(kind: string, handler: DeliveryHandler): this {
    this.handlers.set(kind, handler);
    return this;
  }

  /** The kinds with a handler here (a start-up check compares them with the app's table of kinds). */
  handledKinds(): string[] {
    return [...this.handlers.keys()];
  }

  /** Records an item; returns false when coalesced into one already waiting. */
  async enqueue(kind: string, key: string, payload: Record<string, unknown>, opts: { coalesce?: string; delayMs?: number } = {}): Promise<boolean> {
    const { store, clock } = this.opts;
    const id = await store.incr('outbox:seq');
    const now = clock.now().getTime();
    const item: OutboxItem = { id, kind, key, payload, attempts: 0, notBefore: now + (opts.delayMs ?? 0), createdAt: now, coalesce: opts.coalesce };
    // The item, then its coalescing slot, then the queue: an item no other enqueue may
    // join is never visible to delivery (two equal items delivered at once on two
    // instances could post a card twice), and a slot always names a stored item.
    await store.set(ITEM(id), item);
    if (opts.coalesce && !(await takeCoalescingSlot(store, COALESCE(opts.coalesce), id))) {
      await store.delete(ITEM(id));
      return false;
    }
    await store.zAdd(PENDING, String(id), id);
    this.pending.cache.set(id, item);
    this.kick();
    return true;
  }

  /** Items waiting (for /metrics and /readyz). */
  depth(): Promise<number> {
    return this.opts.store.zCard(PENDING);
  }

  deadLetters(): Promise<number> {
    return deadLetterCount(this.opts.store);
  }

  /** Deliveries under way in this process. */
  inFlight(): number {
    return this.running.size;
  }

  /** Starts delivering in the background, looking for due items at least every `intervalMs`. */
  start(intervalMs = 250): void {
    this.stopped = false;
    this.intervalMs = intervalMs;
    this.wake(0);
  }

  /** Stops starting deliveries and waits for those under way (graceful shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.scanning;
    await Promise.all(this.running.values());
  }

  /**
   * Delivers everything that is due, waiting until nothing more can start now (tests and
   * tools; the background loop does the same on its own). Returns items delivered.
   */
  async drain(): Promise<number> {
    const before = this.delivered;
    for (;;) {
      await this.scan(true);
      if (this.running.size === 0) {
        // One more look: a lane that just finished may have made its next item due.
        await this.scan(true);
        if (this.running.size === 0) break;
      }
      await Promise.race(this.running.values());
    }
    return this.delivered - before;
  }

  private wake(delayMs: number): void {
    if (this.stopped || this.intervalMs === undefined) return;
    const at = Date.now() + Math.max(0, delayMs);
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.scan(false)
        .catch((e: unknown) => this.opts.log.error({ err: e }, 'outbox pass failed'))
        .finally(() => this.wake(this.intervalMs ?? 250));
    }, Math.max(0, delayMs));
  }

  /** Asks for a pass now (after an enqueue or a finished delivery) rather than at the next tick. */
  private kick(): void {
    if (this.stopped || this.intervalMs === undefined) return;
    if (this.scanning) { this.again = true; return; }
    this.wake(0);
  }

  private scan(force: boolean): Promise<void> {
    if (this.stopped && !force) return Promise.resolve();
    if (this.scanning) { this.again = true; return this.scanning; }
    this.scanning = (async () => {
      do {
        this.again = false;
        const next = await this.scanner.pass(this.target);
        if (Number.isFinite(next)) this.wake(next - Date.now());
      } while (this.again && !this.stopped);
    })().finally(() => { this.scanning = undefined; });
    return this.scanning;
  }

  /** Delivers a lane the scanner started, head first, while its items are due and spend the same resource. */
  private startLane(key: string, lane: OutboxItem[], resource: string | undefined): void {
    const run = (async () => {
      for (const item of lane) {
        if (this.stopped) break;
        if (item !== lane[0]) {
          // Later items of the lane go on only while they spend the same resource.
          if (item.notBefore > this.opts.clock.now().getTime()) break;
          if ((await this.pending.resourceFor(item)) !== resource) break;
        }
        const outcome = await this.deliver(item, resource);
        if (outcome !== 'delivered') break;
      }
    })()
      .catch((e: unknown) => this.opts.log.error({ err: e, key }, 'outbox lane failed'))
      .finally(() => {
        this.running.delete(key);
        this.scanner.release(resource);
        this.kick();
      });
    this.running.set(key, run);
  }

  /** Delivers one item; 'wait' when it must wait (later items of its key wait too). */
  private async deliver(stale: OutboxItem, resource: string | undefined): Promise<Outcome> {
    const { store, clock, log, instanceId } = this.opts;
    // One lease per key, not per item: two instances never deliver items of one key at
    // once. Ids are taken before an item is queued, so an item with a lower id can turn up
    // while a later one of its key is being delivered elsewhere, and become the head of the
    // lane there; with a lease per item both would run, and two enqueues of one card's post
    // (two instances opening the same case) posted two cards. Behind the key's lease, the
    // second post sees the card the first one recorded.
    const lease = `outbox:key:${stale.key}`;
    if (!(await store.acquireLease(lease, instanceId, this.leaseMs))) return 'wait';
    try {
      const item = await store.get<OutboxItem>(ITEM(stale.id));
      if (!item) {
        await store.zRemove(PENDING, String(stale.id));
        this.pending.forget(stale.id);
        return 'delivered';
      }
      // Another instance may have rescheduled it since this one read it.
      if (item.notBefore > clock.now().getTime()) { this.pending.cache.set(item.id, item); return 'wait'; }
      const handler = this.handlers.get(item.kind);
      if (!handler) {
        log.error({ kind: item.kind, id: item.id }, 'no handler for outbox item; moving it to the dead letters');
        await this.bury(item, new Error(`no handler for ${item.kind}`));
        return 'delivered';
      }
      // Free the coalescing slot before the handler reads current state, so a change
      // made during delivery enqueues a fresh item instead of being lost.
      if (item.coalesce) await store.delete(COALESCE(item.coalesce));
      // Count the attempt before making the call: after a crash the next attempt
      // knows an earlier one may have reached the network.
      const started = { ...item, attempts: item.attempts + 1 };
      await store.set(ITEM(item.id), started);
      try {
        await withDeliveryTimeout(handler(item), this.handlerTimeoutMs, item.kind);
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        if (item.coalesce) await store.insertIfAbsent(COALESCE(item.coalesce), item.id);
        if (err instanceof DeliveryPermanentError || started.attempts >= this.maxAttempts) {
          log.error({ err, kind: item.kind, key: item.key, attempts: started.attempts }, 'delivery failed for good');
          await this.bury(started, err);
          this.opts.onDead?.(started, err);
          return 'delivered';
        }
        const wait = err instanceof DeliveryRateLimitedError
          ? err.retryAfterMs
          : Math.min(60_000, 500 * 2 ** (started.attempts - 1)) * (0.75 + Math.random() * 0.5);
        if (err instanceof DeliveryRateLimitedError) {
          if (resource) this.opts.gate?.penalize(resource, wait);
          this.opts.onRateLimited?.(started, wait);
        }
        log.warn({ kind: item.kind, key: item.key, attempts: started.attempts, retryInMs: Math.round(wait), error: err.message }, 'delivery will be retried');
        const retry = { ...started, notBefore: clock.now().getTime() + wait, lastError: err.message };
        await store.set(ITEM(item.id), retry);
        this.pending.cache.set(item.id, retry);
        return 'wait';
      }
      await store.zRemove(PENDING, String(item.id));
      await store.delete(ITEM(item.id));
      this.pending.forget(item.id);
      this.delivered += 1;
      this.opts.onDelivered?.(item, clock.now().getTime() - item.createdAt);
      return 'delivered';
    } finally {
      await store.releaseLease(lease, instanceId);
    }
  }

  private async bury(item: OutboxItem, err: Error): Promise<void> {
    await buryItem(this.opts.store, item, err);
    this.pending.forget(item.id);
  }
}
