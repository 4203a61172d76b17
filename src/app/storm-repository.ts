import type { Case } from '../domain/case.js';
import { StormSchema, type Storm } from '../domain/storm.js';
import type { StormState } from '../routing/detect-storm.js';
import type { Store, Versioned } from '../store/store.js';
import type { Clock } from '../util/clock.js';

const GROUP = (g: string) => `storm:group:${g}`;
const STORM = (id: string) => `storm:${id}`;
const MEMBERS = (id: string) => `storm:${id}:members`;
const REACH = (id: string) => `storm:${id}:reach`;
const STATS = (id: string) => `storm:${id}:stats`;
const JOINS = (id: string) => `storm:${id}:joins`;
const PLACE = (caseId: string) => `case-place:${caseId}`;
const LIVE = 'storms:live';

/** A group's storm detector state and its storms by topic. */
export interface GroupDoc { state?: StormState | undefined; storms: Record<string, string> }
export type Placement = { kind: 'card' } | { kind: 'storm'; stormId: string };
/** What a member's answer came to, counted on the card. */
export type MemberOutcome = 'queued' | 'skipped' | 'replied';

/**
 * Where storm mode keeps its state: the storm documents (changed by compare-and-set), their
 * members (join numbers, reach), the figures on the card, each case's placement and each
 * group's detector state. Keys are spelled here only.
 */
export class StormRepository {
  constructor(private readonly store: Store, private readonly clock: Clock) {}

  async get(id: string): Promise<Storm | undefined> {
    const raw = await this.store.get<unknown>(STORM(id));
    return raw === undefined ? undefined : StormSchema.parse(raw);
  }

  async create(id: string, group: string, topic: string, at: string): Promise<void> {
    const storm: Storm = { id, version: 0, group, topic, status: 'live', startedAt: at, updatedAt: at, views: [] };
    if (await this.store.insertIfAbsent(STORM(id), storm)) await this.store.setAdd(LIVE, id);
  }

  async nextId(): Promise<string> {
    return `s${await this.store.incr('seq:storm')}`;
  }

  /**
   * Changes a storm atomically. A change people can see (its state, its reply) takes the
   * next version, so a button or dialog showing the one before is refused as out of date;
   * bookkeeping (`bump: false`: where its card was posted) keeps the version, so a card
   * posted in a second channel does not turn everyone's open dialog stale.
   */
  async modify(id: string, fn: (s: Storm) => Storm | undefined, { bump = true } = {}): Promise<Storm | undefined> {
    for (let i = 0; i < 30; i++) {
      const v = await this.store.getVersioned<unknown>(STORM(id));
      if (!v) return undefined;
      const cur = StormSchema.parse(v.value);
      const changed = fn(cur);
      if (!changed) return cur;
      const next = { ...changed, version: bump ? cur.version + 1 : cur.version, updatedAt: this.clock.now().toISOString() };
      if (await this.store.compareAndSet(STORM(id), v.token, next)) return next;
    }
    throw new Error(`storm ${id} kept changing; gave up`);
  }

  /** Storms whose cards are still refreshed (their number shares out the update budget). */
  liveCount(): Promise<number> {
    return this.store.setSize(LIVE);
  }

  async leaveLive(id: string): Promise<void> {
    await this.store.setRemove(LIVE, id);
  }

  /**
   * Adds a case to a storm. The members set is the truth (count and who to answer); the
   * figures beside it are counted once per case thanks to the join marker.
   */
  async join(stormId: string, c: Case, highPriority: boolean): Promise<void> {
    const { store } = this;
    if (!(await store.insertIfAbsent(`${JOINS(stormId)}:${c.id}`, 1))) return;
    const seq = await store.incr(`${JOINS(stormId)}:seq`);
    await store.zAdd(MEMBERS(stormId), c.id, seq);
    await store.zAdd(REACH(stormId), c.id, -c.mention.author.followers);
    await store.hIncr(STATS(stormId), c.screening.sentiment ?? 'neutral');
    if (highPriority) await store.hIncr(STATS(stormId), 'foldedHigh');
    await store.set(`${STATS(stormId)}:last`, c.mention.createdAt);
  }

  /** Members so far (the count on the card). */
  count(id: string): Promise<number> {
    return this.store.zCard(MEMBERS(id));
  }

  /** Member case ids with join numbers in (after, through]. */
  async members(id: string, after: number, through: number, limit: number): Promise<Array<{ caseId: string; seq: number }>> {
    const rows = await this.store.zRangeByScore(MEMBERS(id), after + 1, through, limit);
    return rows.map((r) => ({ caseId: r.member, seq: r.score }));
  }

  /** The highest join number so far: the members a send now covers. */
  async maxSeq(id: string): Promise<number> {
    const n = await this.store.zCard(MEMBERS(id));
    // Join numbers are 1..n unless a crash left a gap; then the highest is above n.
    const above = await this.store.zRangeByScore(MEMBERS(id), n, Number.POSITIVE_INFINITY, 1000);
    return above.reduce((max, m) => Math.max(max, m.score), n);
  }

  /** The figures on the card: sentiment, outcomes, the widest-reach members and the latest post. */
  async figures(id: string): Promise<{ stats: Record<string, number>; top: string[]; last: string | undefined }> {
    const [stats, top, last] = await Promise.all([
      this.store.hGetAll(STATS(id)),
      this.store.zRangeByScore(REACH(id), Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 12),
      this.store.get<string>(`${STATS(id)}:last`),
    ]);
    return { stats, top: top.map((t) => t.member), last };
  }

  async countOutcome(id: string, outcome: MemberOutcome): Promise<void> {
    await this.store.hIncr(STATS(id), outcome);
  }

  placement(caseId: string): Promise<Placement | undefined> {
    return this.store.get<Placement>(PLACE(caseId));
  }

  /** Records a case's placement once; a placement recorded earlier (before a crash, or by another instance) wins. */
  async settle(caseId: string, p: Placement): Promise<Placement> {
    if (await this.store.insertIfAbsent(PLACE(caseId), p)) return p;
    return (await this.store.get<Placement>(PLACE(caseId))) ?? p;
  }

  groupDoc(group: string): Promise<Versioned<GroupDoc> | undefined> {
    return this.store.getVersioned<GroupDoc>(GROUP(group));
  }

  async readGroup(group: string): Promise<GroupDoc | undefined> {
    return this.store.get<GroupDoc>(GROUP(group));
  }

  /** Writes a group's doc if nobody changed it since `seen` was read (or nobody wrote one yet). */
  writeGroup(group: string, seen: Versioned<GroupDoc> | undefined, next: GroupDoc): Promise<boolean> {
    return seen ? this.store.compareAndSet(GROUP(group), seen.token, next) : this.store.insertIfAbsent(GROUP(group), next);
  }
}
