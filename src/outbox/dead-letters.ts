import type { Store } from '../store/store.js';
import { DEAD, ITEM, PENDING, type OutboxItem } from './outbox-item.js';

/**
 * Moves an item that failed for good to the dead letters: it stays in the store with its
 * last error (for a person to look at), out of the queue.
 */
export async function buryItem(store: Store, item: OutboxItem, err: Error): Promise<void> {
  await store.set(ITEM(item.id), { ...item, lastError: err.message });
  await store.zAdd(DEAD, String(item.id), item.id);
  await store.zRemove(PENDING, String(item.id));
}

/** How many items are in the dead letters. */
export function deadLetterCount(store: Store): Promise<number> {
  return store.zCard(DEAD);
}
