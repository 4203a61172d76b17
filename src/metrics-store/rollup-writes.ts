/** Writing the rollups: counter increments as cases move, once per change where asked. */
import type { Case } from '../domain/case.js';
import type { Store } from '../store/store.js';
import {
  rollupUpdates, sentimentShiftUpdates,
  type FollowUp, type Increment, type RollupOptions,
} from '../metrics/rollup.js';

/** The counters store methods the rollups use. */
export type RollupStore = Pick<Store, 'hIncrMany' | 'zAdd'>;

/**
 * Applies increments with one `hIncrMany` (one commit on SQL stores, one MULTI on Redis,
 * so a transition's counters are written together), then, for ranked counters, records
 * the new value in the rank set. A crash between the two leaves a rank behind its
 * counter until the next increment of that hashtag (the top list may be off by one
 * transition, never corrupt); under concurrent writers a rank may lag its counter by
 * one increment the same way. Call once per stored transition.
 */
export async function applyIncrements(store: RollupStore, increments: readonly Increment[]): Promise<void> {
  if (increments.length === 0) return;
  const values = await store.hIncrMany(increments);
  await Promise.all(increments.map(async (i, k) => {
    if (i.rank) await store.zAdd(i.rank, i.field, -values[k]!);
  }));
}

/** Keeps the rollups current after `next` was stored in place of `prev` (undefined for a new case). */
export async function recordCaseChange(store: RollupStore, prev: Case | undefined, next: Case, opts?: RollupOptions): Promise<void> {
  await applyIncrements(store, rollupUpdates(prev, next, opts));
}

/** The hash that records which changes of a case the rollups counted, by change. */
export const ROLLUP_APPLIED = (caseId: string) => `metrics:applied:${caseId}`;

/**
 * {@link applyIncrements} once per change of a case, however often it is called for it
 * (a retry after a failure, or after a crash that came before the caller heard the
 * answer). The mark of the change is a counter in the same `hIncrMany` as the
 * increments, so the counters and the mark are written together on every store (one
 * statement on SQLite and PostgreSQL, one MULTI on Redis): a mark never says counted
 * what was not, nor the reverse. The mark is read first, so a repeat writes nothing.
 * Two calls at once (which the outbox's lane lease makes rare) may both pass the read:
 * the one whose mark comes back above 1 takes its increments back, mark included, in
 * one batch; a crash between the two is repaired by the next call, which finds the
 * mark above 1. Returns whether this call counted the change.
 *
 * The marks stay after the case is purged (the Store has no way to delete a counter):
 * one small counter per change, naming only the case number and the change.
 */
export async function applyIncrementsOnce(
  store: RollupStore & Pick<Store, 'hGetAll'>, caseId: string, change: string, increments: readonly Increment[],
): Promise<boolean> {
  const hash = ROLLUP_APPLIED(caseId);
  const undo = async (times: number) => {
    await applyIncrements(store, [...increments.map((i) => ({ ...i, by: -i.by * times })), { hash, field: change, by: -times }]);
  };
  const seen = (await store.hGetAll(hash))[change] ?? 0;
  if (seen > 0) {
    if (seen > 1) await undo(seen - 1);
    return false;
  }
  const marked: Increment = { hash, field: change, by: 1 };
  const values = await store.hIncrMany([...increments, marked]);
  const times = values[values.length - 1]!;
  await Promise.all(increments.map(async (i, k) => {
    if (i.rank) await store.zAdd(i.rank, i.field, -values[k]!);
  }));
  if (times > 1) await undo(times - 1);
  return times === 1;
}

/** Counts the sentiment shift when the author of answered case `c` posts again. */
export async function recordSentimentShift(store: RollupStore, c: Case, followUp: FollowUp, opts?: Pick<RollupOptions, 'timezone'>): Promise<void> {
  await applyIncrements(store, sentimentShiftUpdates(c, followUp, opts));
}
