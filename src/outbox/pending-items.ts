import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import { ITEM, PARK_CHECK_MS, PARKED, PENDING, type OutboxItem, type OutboxOptions } from './outbox-item.js';

/**
 * This instance's view of the queue: the items as last read (so a pass does not re-read
 * every waiting item), the resource each spends (asked once per item), and the lanes whose
 * head is parked while its resource refuses it.
 */
export class PendingItems {
  /** Items as last read, by id. */
  readonly cache = new Map<number, OutboxItem>();
  private readonly resources = new Map<number, string | null>();
  /** Lanes with a parked head, and until when (real time). */
  parkedLanes = new Map<string, number>();
  /** When parked items are looked at next (real time). */
  nextParkCheck = 0;

  constructor(private readonly store: Store, private readonly log: Logger, private readonly resourceOf: OutboxOptions['resourceOf']) {}

  async load(ids: number[]): Promise<void> {
    const missing = ids.filter((id) => !this.cache.has(id));
    const loaded = await Promise.all(missing.map((id) => this.store.get<OutboxItem>(ITEM(id))));
    loaded.forEach((item) => { if (item) this.cache.set(item.id, item); });
  }

  forget(id: number): void {
    this.cache.delete(id);
    this.resources.delete(id);
  }

  async resourceFor(item: OutboxItem): Promise<string | undefined> {
    if (!this.resourceOf) return undefined;
    const known = this.resources.get(item.id);
    if (known !== undefined) return known ?? undefined;
    let r: string | undefined;
    try {
      r = await this.resourceOf(item);
    } catch (e) {
      this.log.warn({ err: e, id: item.id, kind: item.kind }, 'could not tell which rate limit an outbox item spends');
    }
    this.resources.set(item.id, r ?? null);
    return r;
  }

  /** Moves a lane's head out of the way until `untilReal`; no attempt is counted. */
  async park(item: OutboxItem, untilReal: number, now: number, realNow: number): Promise<void> {
    const parked = { ...item, notBefore: now + (untilReal - realNow) };
    await this.store.set(ITEM(item.id), parked);
    await this.store.zAdd(PENDING, String(item.id), PARKED + item.id);
    this.cache.set(item.id, parked);
    this.parkedLanes.set(item.key, untilReal);
    this.nextParkCheck = Math.min(this.nextParkCheck, untilReal);
  }

  /** Returns parked items that are due to the window of due items, and notes which lanes stay parked. */
  async unpark(now: number, realNow: number): Promise<void> {
    const { store } = this;
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
}
