import type { Store } from '../store/store.js';
import { DEAD, ITEM, PARKED, PENDING, type OutboxItem } from './outbox-item.js';

/**
 * Takes the coalescing slot for item `id`; false when the item holding it will carry this
 * change too (handlers render the current state when they run). The holder may be:
 * - waiting in the queue (or parked): join it;
 * - stored but not queued: its enqueue is under way, or its process died right after
 *   taking the slot. Queue it (twice is harmless) and join it: left alone, a dead
 *   enqueue's slot would swallow every later change of that card;
 * - gone, or buried after its last attempt: take the slot over.
 */
export async function takeCoalescingSlot(store: Store, slot: string, id: number): Promise<boolean> {
  for (let round = 0; round < 3; round++) {
    if (await store.insertIfAbsent(slot, id)) return true;
    const held = await store.getVersioned<number>(slot);
    if (!held) continue;
    const h = held.value;
    if (h === id) return true;
    if (await isQueued(store, h)) return false;
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

async function isQueued(store: Store, id: number): Promise<boolean> {
  return (await store.zRangeByScore(PENDING, id, id, 1)).length > 0 || (await store.zRangeByScore(PENDING, PARKED + id, PARKED + id, 1)).length > 0;
}
