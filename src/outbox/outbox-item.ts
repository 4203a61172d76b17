import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

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

// Where the outbox keeps its items in the store: one record per item, the queue of pending
// ids (scored by id, or above PARKED), the dead letters, and the coalescing slots.
export const ITEM = (id: number) => `outbox:item:${id}`;
export const PENDING = 'outbox:pending';
export const DEAD = 'outbox:dead';
export const COALESCE = (k: string) => `outbox:coalesce:${k}`;
/** Pending items read per pass; later ones wait for the next pass (oldest first). */
export const WINDOW = 2000;
/**
 * Items whose resource refused them for a while (an exhausted X window) are parked: their
 * score moves above this base, so they stop filling the window of due items. Scores
 * below it are item ids (enqueue order).
 */
export const PARKED = 2 ** 50;
/** How often parked items are looked at even when none is due (another instance may park). */
export const PARK_CHECK_MS = 5000;
