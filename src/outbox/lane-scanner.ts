import { PARKED, PENDING, WINDOW, type OutboxItem, type OutboxOptions } from './outbox-item.js';
import type { PendingItems } from './pending-items.js';

/** What a pass needs of the outbox it looks for work for. */
export interface ScanTarget {
  /** Lanes (keys) being delivered by this instance, with their promise. */
  readonly running: ReadonlyMap<string, Promise<void>>;
  /** Asked before each lane: the outbox may be stopped while a pass is under way. */
  isStopped(): boolean;
  /** Delivers a lane whose head may go now; it calls {@link LaneScanner.release} with `resource` when the lane ends. */
  startLane(key: string, lane: OutboxItem[], resource: string | undefined): void;
}

/**
 * The outbox's scanner: one pass reads the due items, groups them into lanes (by key, in
 * enqueue order) and starts every lane whose head is due and whose resource has room here
 * (lanes under way per resource, below the gate's capacity) and at the gate (shared by the
 * instances). A head the gate refuses is parked until the gate may be asked again.
 */
export class LaneScanner {
  /** Lanes under way on this instance, by the resource their head spends. */
  private readonly perResource = new Map<string, number>();
  /** Resources whose gate refused, and until when (real time) it is not asked again. */
  private readonly gateClosedUntil = new Map<string, number>();

  constructor(private readonly opts: OutboxOptions, private readonly pending: PendingItems, private readonly concurrency: number) {}

  /** One pass: starts every lane whose head is due and whose resource has room. Returns the next wake-up time. */
  async pass(target: ScanTarget): Promise<number> {
    const { store, clock } = this.opts;
    const now = clock.now().getTime();
    const realNow = Date.now();
    const view = this.pending;
    if (realNow >= view.nextParkCheck) await view.unpark(now, realNow);
    const pending = await store.zRangeByScore(PENDING, 0, PARKED - 1, WINDOW);
    const ids = new Set(pending.map((p) => Number(p.member)));
    for (const id of view.cache.keys()) if (!ids.has(id) && !this.isRunningId(target, id) && !view.parkedLanes.has(view.cache.get(id)!.key)) view.forget(id);
    await view.load([...ids]);

    // Lanes in enqueue order; only the head of each lane may go.
    const lanes = new Map<string, OutboxItem[]>();
    for (const id of ids) {
      const item = view.cache.get(id);
      if (!item) continue;
      const lane = lanes.get(item.key);
      if (lane) lane.push(item); else lanes.set(item.key, [item]);
    }
    let nextWake = view.nextParkCheck;
    for (const [key, lane] of lanes) {
      if (target.isStopped() || target.running.size >= this.concurrency) break;
      if (target.running.has(key) || view.parkedLanes.has(key)) continue;
      const head = lane[0]!;
      if (head.notBefore > now) { nextWake = Math.min(nextWake, realNow + (head.notBefore - now)); continue; }
      const resource = await view.resourceFor(head);
      if (resource && !(await this.admits(resource, head, now, realNow))) continue;
      if (resource) this.perResource.set(resource, (this.perResource.get(resource) ?? 0) + 1);
      target.startLane(key, lane, resource);
    }
    return Math.min(nextWake, view.nextParkCheck);
  }

  /** A lane on `resource` ended: its room is free again. */
  release(resource: string | undefined): void {
    if (!resource) return;
    const n = (this.perResource.get(resource) ?? 1) - 1;
    if (n <= 0) this.perResource.delete(resource); else this.perResource.set(resource, n);
  }

  /** May a lane whose head spends `resource` start now? A head the gate refuses is parked. */
  private async admits(resource: string, head: OutboxItem, now: number, realNow: number): Promise<boolean> {
    const { gate } = this.opts;
    if ((this.perResource.get(resource) ?? 0) >= (gate?.capacity(resource) ?? 4)) return false;
    const closed = this.gateClosedUntil.get(resource) ?? 0;
    if (closed > realNow) { await this.pending.park(head, closed, now, realNow); return false; }
    if (gate && !(await gate.admit(resource))) {
      const until = realNow + (this.opts.gateRetryMs ?? 1000);
      this.gateClosedUntil.set(resource, until);
      await this.pending.park(head, until, now, realNow);
      return false;
    }
    return true;
  }

  private isRunningId(target: ScanTarget, id: number): boolean {
    const item = this.pending.cache.get(id);
    return !!item && target.running.has(item.key);
  }
}
