import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { DeliveryPermanentError, DeliveryRateLimitedError, DeliveryTimeoutError } from './delivery-errors.js';

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

/**
 * What the outbox asks a rate limiter before it starts a delivery (see rate-limits.ts).
 * Resources are named `<kind>:<key>`, e.g. `slack.post:C0123ABCD`.
 */
export interface DeliveryGate {
  /** Deliveries that may be in flight at once for this resource. */
  capacity(resource: string): number;
  /** False when a delivery on this resource could not start now (an exhausted window, a 429 hold). */
  admit(resource: string): Promise<boolean>;
  /** The API answered 429: hold the resource. */
  penalize(resource: string, ms: number): void;
}

export interface OutboxOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  instanceId: string;
  /** Keys delivered at once, over all resources. */
  concurrency?: number;
  /** Attempts before an item goes to the dead-letter list. */
  maxAttempts?: number;
  /** How long one instance may hold a key (the item it is delivering) before another may take it over. */
  leaseMs?: number;
  /** A delivery still running after this long is treated as failed (and retried with care). */
  handlerTimeoutMs?: number;
  /** Which rate-limited resource an item spends (undefined: none). Asked once per item. */
  resourceOf?: (item: OutboxItem) => string | undefined | Promise<string | undefined>;
  gate?: DeliveryGate;
  /** How long to wait before asking a closed gate again. */
  gateRetryMs?: number;
  /** Called for every item that failed for good (after it is moved to the dead letters). */
  onDead?: (item: OutboxItem, error: Error) => void;
  onDelivered?: (item: OutboxItem, latencyMs: number) => void;
  onRateLimited?: (item: OutboxItem, retryAfterMs: number) => void;
}

const ITEM = (id: number) => `outbox:item:${id}`;
const PENDING = 'outbox:pending';
const DEAD = 'outbox:dead';
const COALESCE = (k: string) => `outbox:coalesce:${k}`;
/** Pending items read per pass; later ones wait for the next pass (oldest first). */
const WINDOW = 2000;
/**
 * Items whose resource refused them for a while (an exhausted X window) are parked: their
 * score moves above this base, so they stop filling the window of due items. Scores
 * below it are item ids (enqueue order).
 */
const PARKED = 2 ** 50;
/** How often parked items are looked at even when none is due (another instance may park). */
const PARK_CHECK_MS = 5000;

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
  private readonly concurrency: number;
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
  private readonly perResource = new Map<string, number>();
  /** Items as last read, by id, so a pass does not re-read every waiting item. */
  private readonly cache = new Map<number, OutboxItem>();
  private readonly resources = new Map<number, string | null>();
  private readonly gateClosedUntil = new Map<string, number>();
  /** Lanes with a parked head, and until when (real time). */
  private parkedLanes = new Map<string, number>();
  private nextParkCheck = 0;

  constructor(private readonly opts: OutboxOptions) {
    this.concurrency = opts.concurrency ?? 64;
    this.maxAttempts = opts.maxAttempts ?? 12;
    this.leaseMs = opts.leaseMs ?? 120_000;
    this.handlerTimeoutMs = opts.handlerTimeoutMs ?? 60_000;
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
    if (opts.coalesce && !(await this.takeSlot(COALESCE(opts.coalesce), id))) {
      await store.delete(ITEM(id));
      return false;
    }
    await store.zAdd(PENDING, String(id), id);
    this.cache.set(id, item);
    this.kick();
    return true;
  }

  /**
   * Takes the coalescing slot for item `id`; false when the item holding it will carry this
   * change too (handlers render the current state when they run). The holder may be:
   * - waiting in the queue (or parked): join it;
   * - stored but not queued: its enqueue is under way, or its process died right after
   *   taking the slot. Queue it (twice is harmless) and join it: left alone, a dead
   *   enqueue's slot would swallow every later change of that card;
   * - gone, or buried after its last attempt: take the slot over.
   */
  private async takeSlot(slot: string, id: number): Promise<boolean> {
    const { store } = this.opts;
    for (let round = 0; round < 3; round++) {
      if (await store.insertIfAbsent(slot, id)) return true;
      const held = await store.getVersioned<number>(slot);
      if (!held) continue;
      const h = held.value;
      if (h === id) return true;
      if (await this.isQueued(h)) return false;
      const holder = await store.get<OutboxItem>(ITEM(h));
      const buried = holder ? (await store.zRangeByScore(DEAD, h, h, 1)).length > 0 : true;
      if (!buried) {
        await store.zAdd(PENDING, String(h), h);
        return false;
      }
      if (await store.compareAndSet(slot, held.token, id)) return true;
    }
    return false;
  }

  private async isQueued(id: number): Promise<boolean> {
    const { store } = this.opts;
    return (await store.zRangeByScore(PENDING, id, id, 1)).length > 0 || (await store.zRangeByScore(PENDING, PARKED + id, PARKED + id, 1)).length > 0;
  }

  /** Items waiting (for /metrics and /readyz). */
  depth(): Promise<number> {
    return this.opts.store.zCard(PENDING);
  }

  deadLetters(): Promise<number> {
    return this.opts.store.zCard(DEAD);
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
        const next = await this.scanOnce();
        if (Number.isFinite(next)) this.wake(next - Date.now());
      } while (this.again && !this.stopped);
    })().finally(() => { this.scanning = undefined; });
    return this.scanning;
  }

  /** One pass: starts every lane whose head is due and whose resource has room. Returns the next wake-up time. */
  private async scanOnce(): Promise<number> {
    const { store, clock } = this.opts;
    const now = clock.now().getTime();
    const realNow = Date.now();
    if (realNow >= this.nextParkCheck) await this.unpark(now, realNow);
    const pending = await store.zRangeByScore(PENDING, 0, PARKED - 1, WINDOW);
    const ids = new Set(pending.map((p) => Number(p.member)));
    for (const id of this.cache.keys()) if (!ids.has(id) && !this.isRunningId(id) && !this.parkedLanes.has(this.cache.get(id)!.key)) this.forget(id);
    await this.load([...ids]);

    // Lanes in enqueue order; only the head of each lane may go.
    const lanes = new Map<string, OutboxItem[]>();
    for (const id of ids) {
      const item = this.cache.get(id);
      if (!item) continue;
      const lane = lanes.get(item.key);
      if (lane) lane.push(item); else lanes.set(item.key, [item]);
    }
    let nextWake = this.nextParkCheck;
    for (const [key, lane] of lanes) {
      if (this.stopped || this.running.size >= this.concurrency) break;
      if (this.running.has(key) || this.parkedLanes.has(key)) continue;
      const head = lane[0]!;
      if (head.notBefore > now) { nextWake = Math.min(nextWake, realNow + (head.notBefore - now)); continue; }
      const resource = await this.resourceFor(head);
      if (resource) {
        if ((this.perResource.get(resource) ?? 0) >= (this.opts.gate?.capacity(resource) ?? 4)) continue;
        const closed = this.gateClosedUntil.get(resource) ?? 0;
        if (closed > realNow) { await this.park(head, closed, now, realNow); continue; }
        if (this.opts.gate && !(await this.opts.gate.admit(resource))) {
          const until = realNow + (this.opts.gateRetryMs ?? 1000);
          this.gateClosedUntil.set(resource, until);
          await this.park(head, until, now, realNow);
          continue;
        }
      }
      this.startLane(key, lane, resource);
    }
    return Math.min(nextWake, this.nextParkCheck);
  }

  private async load(ids: number[]): Promise<void> {
    const missing = ids.filter((id) => !this.cache.has(id));
    const loaded = await Promise.all(missing.map((id) => this.opts.store.get<OutboxItem>(ITEM(id))));
    loaded.forEach((item) => { if (item) this.cache.set(item.id, item); });
  }

  /** Moves a lane's head out of the way until `untilReal`; no attempt is counted. */
  private async park(item: OutboxItem, untilReal: number, now: number, realNow: number): Promise<void> {
    const parked = { ...item, notBefore: now + (untilReal - realNow) };
    await this.opts.store.set(ITEM(item.id), parked);
    await this.opts.store.zAdd(PENDING, String(item.id), PARKED + item.id);
    this.cache.set(item.id, parked);
    this.parkedLanes.set(item.key, untilReal);
    this.nextParkCheck = Math.min(this.nextParkCheck, untilReal);
  }

  /** Returns parked items that are due to the window of due items, and notes which lanes stay parked. */
  private async unpark(now: number, realNow: number): Promise<void> {
    const { store } = this.opts;
    const parked = await store.zRangeByScore(PENDING, PARKED, Number.MAX_SAFE_INTEGER, 10_000);
    const ids = parked.map((p) => Number(p.member) );
    await this.load(ids);
    const lanes = new Map<string, number>();
    let next = realNow + PARK_CHECK_MS;
    for (const id of ids) {
      const item = this.cache.get(id);
      if (!item) continue;
      if (item.notBefore <= now) {
        await store.zAdd(PENDING, String(id), id);
      } else {
        const until = realNow + (item.notBefore - now);
        lanes.set(item.key, Math.min(lanes.get(item.key) ?? until, until));
        next = Math.min(next, until);
      }
    }
    this.parkedLanes = lanes;
    this.nextParkCheck = next;
  }

  private isRunningId(id: number): boolean {
    const item = this.cache.get(id);
    return !!item && this.running.has(item.key);
  }

  private async resourceFor(item: OutboxItem): Promise<string | undefined> {
    if (!this.opts.resourceOf) return undefined;
    const known = this.resources.get(item.id);
    if (known !== undefined) return known ?? undefined;
    let r: string | undefined;
    try {
      r = await this.opts.resourceOf(item);
    } catch (e) {
      this.opts.log.warn({ err: e, id: item.id, kind: item.kind }, 'could not tell which rate limit an outbox item spends');
    }
    this.resources.set(item.id, r ?? null);
    return r;
  }

  private startLane(key: string, lane: OutboxItem[], resource: string | undefined): void {
    if (resource) this.perResource.set(resource, (this.perResource.get(resource) ?? 0) + 1);
    const run = (async () => {
      for (const item of lane) {
        if (this.stopped) break;
        if (item !== lane[0]) {
          // Later items of the lane go on only while they spend the same resource.
          if (item.notBefore > this.opts.clock.now().getTime()) break;
          if ((await this.resourceFor(item)) !== resource) break;
        }
        const outcome = await this.deliver(item, resource);
        if (outcome !== 'delivered') break;
      }
    })()
      .catch((e: unknown) => this.opts.log.error({ err: e, key }, 'outbox lane failed'))
      .finally(() => {
        this.running.delete(key);
        if (resource) {
          const n = (this.perResource.get(resource) ?? 1) - 1;
          if (n <= 0) this.perResource.delete(resource); else this.perResource.set(resource, n);
        }
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
        this.forget(stale.id);
        return 'delivered';
      }
      // Another instance may have rescheduled it since this one read it.
      if (item.notBefore > clock.now().getTime()) { this.cache.set(item.id, item); return 'wait'; }
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
        await this.withTimeout(handler(item), item);
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
        this.cache.set(item.id, retry);
        return 'wait';
      }
      await store.zRemove(PENDING, String(item.id));
      await store.delete(ITEM(item.id));
      this.forget(item.id);
      this.delivered += 1;
      this.opts.onDelivered?.(item, clock.now().getTime() - item.createdAt);
      return 'delivered';
    } finally {
      await store.releaseLease(lease, instanceId);
    }
  }

  private withTimeout(work: Promise<void>, item: OutboxItem): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeliveryTimeoutError(this.handlerTimeoutMs, item.kind)), this.handlerTimeoutMs);
    });
    // A late failure of an abandoned attempt must not become an unhandled rejection.
    work.catch(() => undefined);
    return Promise.race([work, limit]).finally(() => clearTimeout(timer));
  }

  private forget(id: number): void {
    this.cache.delete(id);
    this.resources.delete(id);
  }

  private async bury(item: OutboxItem, err: Error): Promise<void> {
    const { store } = this.opts;
    await store.set(ITEM(item.id), { ...item, lastError: err.message });
    await store.zAdd(DEAD, String(item.id), item.id);
    await store.zRemove(PENDING, String(item.id));
    this.forget(item.id);
  }
}
