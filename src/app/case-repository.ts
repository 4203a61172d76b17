import { CaseSchema, isOpen, type AuditEntry, type Case, type CardView } from '../domain/case.js';
import type { Network } from '../domain/mention.js';
import type { Store, Versioned } from '../store/store.js';

export const caseKey = (id: string) => `case:${id}`;
export const OPEN_INDEX = (group: string) => `open:${group}`;
export const BY_CREATED = 'cases:by-created';
/**
 * Case changes whose follow-ups (card refresh, card move, the reply) may not all be queued
 * yet, scored by when the change began. An entry is written before the change and removed
 * once its follow-ups are queued: one left behind names a change that a crash cut off.
 */
export const PENDING_FOLLOW_UPS = 'cases:pending-follow-ups';

/** A change under way: the case, the version it makes, and the group it leaves (a move). */
export interface PendingChange {
  id: string;
  version: number;
  from?: string | undefined;
  by?: string | undefined;
  /**
   * Names the change's durable work (see {@link ChangeWork}), stored apart under
   * {@link CHANGE_WORK}: it can be larger than a scored set's member may be.
   */
  work?: string | undefined;
}

/**
 * The durable work a change asks for (metrics rollups, a staff label), worked out from the
 * case before and after the change, when both are known, and stored before the change is
 * made: a crash after the change leaves it for `resumeFollowUps`, which could not work it
 * out again from the case alone (the case before the change is gone).
 */
export interface ChangeWork {
  caseId: string;
  version: number;
  /** The case's audit length after the change, and its last entry: tells whether this attempt's change is the one stored. */
  auditLength: number;
  last: AuditEntry;
  items: Array<{ kind: string; payload: Record<string, unknown> }>;
}
export const CHANGE_WORK = (work: string) => `case-change:${work}`;
const CHANGE_WORK_TTL_MS = 30 * 86_400_000;

/** One spelling per change, so the entry written before the change is the one removed after it. */
const pendingMember = (p: PendingChange): string =>
  JSON.stringify(p.work ? [p.id, p.version, p.from ?? null, p.by ?? null, p.work] : [p.id, p.version, p.from ?? null, p.by ?? null]);

function parsePending(member: string): PendingChange | undefined {
  try {
    const [id, version, from, by, work] = JSON.parse(member) as unknown[];
    if (typeof id !== 'string' || typeof version !== 'number') return undefined;
    return {
      id, version,
      from: typeof from === 'string' ? from : undefined,
      by: typeof by === 'string' ? by : undefined,
      ...(typeof work === 'string' ? { work } : {}),
    };
  } catch {
    return undefined;
  }
}
/** An author's cases (scored by creation time): the card shows earlier ones, erasure finds them all. */
export const AUTHOR_INDEX = (network: string, authorId: string) => `author:${network}:${authorId}`;
/** The author id behind a handle, for erasure requests that name a handle. */
export const AUTHOR_HANDLE = (network: string, handle: string) => `author-handle:${network}:${handle.toLowerCase()}`;
/** The case of an author in a conversation: a later post there is folded into it. */
export const CONVERSATION = (network: string, conversationId: string, authorId: string) => `conversation:${network}:${conversationId}:${authorId}`;
/** The case a reply of ours belongs to: an answer to that reply is folded into it. */
export const REPLY_CASE = (network: string, replyId: string) => `reply-case:${network}:${replyId}`;
/** The case behind a posted card, so replies in the card's thread become notes. */
export const CARD_VIEW = (v: CardView) => (v.platform === 'slack' ? `card:slack:${v.channel}:${v.ts}` : `card:teams:${v.conversationId}:${v.activityId}`);

export class CaseConflictError extends Error {
  readonly code = 'CASE_CONFLICT';
  constructor(id: string) {
    super(`case ${id} kept changing under us; gave up after several attempts`);
    this.name = 'CaseConflictError';
  }
}

/** Cases in the Store: versioned documents changed only by compare-and-set, plus indexes. */
export class CaseRepository {
  constructor(private readonly store: Store) {}

  async get(id: string): Promise<Case | undefined> {
    const raw = await this.store.get<unknown>(caseKey(id));
    return raw === undefined ? undefined : CaseSchema.parse(raw);
  }

  async getVersioned(id: string): Promise<Versioned<Case> | undefined> {
    const v = await this.store.getVersioned<unknown>(caseKey(id));
    return v && { value: CaseSchema.parse(v.value), token: v.token };
  }

  /** Writes a new case unless one exists; indexes it either way (idempotent). */
  async create(c: Case): Promise<boolean> {
    const created = await this.store.insertIfAbsent(caseKey(c.id), c);
    const current = created ? c : (await this.get(c.id)) ?? c;
    await this.reindex(undefined, current);
    return created;
  }

  /** Notes a change about to be made (see {@link PENDING_FOLLOW_UPS}). */
  beginChange(p: PendingChange, at: number): Promise<void> {
    return this.store.zAdd(PENDING_FOLLOW_UPS, pendingMember(p), at);
  }

  /**
   * Stores a change's durable work before the change is made (see {@link ChangeWork}). It
   * expires: a crash between this write and the pending entry would leave it to no one,
   * and a cut-off change is resumed within seconds of any instance running.
   */
  saveChangeWork(work: string, w: ChangeWork): Promise<void> {
    return this.store.set(CHANGE_WORK(work), w, CHANGE_WORK_TTL_MS);
  }

  changeWork(work: string): Promise<ChangeWork | undefined> {
    return this.store.get<ChangeWork>(CHANGE_WORK(work));
  }

  /** The change's follow-ups are queued, or it was not made. */
  async endChange(p: PendingChange): Promise<void> {
    await this.store.zRemove(PENDING_FOLLOW_UPS, pendingMember(p));
    // After the entry: an entry never names work that is gone while the change may still need it.
    if (p.work) await this.store.delete(CHANGE_WORK(p.work));
  }

  /**
   * Changes begun before `before` and never ended, oldest first. An entry that cannot be
   * read is dropped: it names no case to look after.
   */
  async unfinishedChanges(before: number, limit = 100): Promise<PendingChange[]> {
    const rows = await this.store.zRangeByScore(PENDING_FOLLOW_UPS, Number.NEGATIVE_INFINITY, before, limit);
    const out: PendingChange[] = [];
    for (const r of rows) {
      const p = parsePending(r.member);
      if (p) out.push(p);
      else await this.store.zRemove(PENDING_FOLLOW_UPS, r.member);
    }
    return out;
  }

  /** Replaces a case if unchanged since `token`; keeps the indexes in step. */
  async replace(token: string, prev: Case, next: Case): Promise<boolean> {
    if (!(await this.store.compareAndSet(caseKey(next.id), token, next))) return false;
    await this.reindex(prev, next);
    return true;
  }

  /**
   * Read-modify-write with retries for changes that are not workflow transitions
   * (recording where a card was posted). `fn` returns undefined for "no change".
   */
  async modify(id: string, fn: (c: Case) => Case | undefined, attempts = 20): Promise<Case | undefined> {
    for (let i = 0; i < attempts; i++) {
      const v = await this.getVersioned(id);
      if (!v) return undefined;
      const next = fn(v.value);
      if (!next) return v.value;
      if (await this.replace(v.token, v.value, next)) return next;
    }
    throw new CaseConflictError(id);
  }

  /**
   * The author's cases opened before this one, newest first. A card shown again later (an
   * update, a redraw) must not list cases that came after it as "earlier".
   */
  async earlierCases(c: Case, limit = 10): Promise<Array<{ id: string; status: Case['status']; createdAt: string }>> {
    const at = Date.parse(c.createdAt);
    // The index is scored by creation time; within one millisecond the older case has the smaller id.
    const ids = await this.store.zRangeByScore(AUTHOR_INDEX(c.mention.network, c.mention.author.id), Number.NEGATIVE_INFINITY, at);
    const before = (x: { member: string; score: number }) => x.score < at || compareIds(x.member, c.id) < 0;
    const others = ids.filter((x) => x.member !== c.id && before(x)).reverse().slice(0, limit);
    const found = await Promise.all(others.map((x) => this.get(x.member)));
    return found.filter((o): o is Case => !!o).map((o) => ({ id: o.id, status: o.status, createdAt: o.createdAt }));
  }

  /** Every case id of an author on a network (any status). */
  async caseIdsOfAuthor(network: Network | string, authorId: string): Promise<string[]> {
    const rows = await this.store.zRangeByScore(AUTHOR_INDEX(network, authorId), Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    return rows.map((r) => r.member);
  }

  /** The author id last seen with this handle on a network. */
  authorIdOfHandle(network: string, handle: string): Promise<string | undefined> {
    return this.store.get<string>(AUTHOR_HANDLE(network, handle.replace(/^@/, '')));
  }

  /** The case an earlier post of this author in this conversation opened, or that our reply answered. */
  async caseForFollowUp(network: string, authorId: string, conversationId: string | undefined, inReplyToId: string | undefined): Promise<string | undefined> {
    if (conversationId) {
      const id = await this.store.get<string>(CONVERSATION(network, conversationId, authorId));
      if (id) return id;
    }
    if (!inReplyToId) return undefined;
    // Networks without conversation ids: an answer to our reply, or to the author's own earlier post.
    return (await this.store.get<string>(REPLY_CASE(network, inReplyToId))) ?? this.store.get<string>(CONVERSATION(network, inReplyToId, authorId));
  }

  /** The case whose card this is. */
  caseForCard(view: CardView): Promise<string | undefined> {
    return this.store.get<string>(CARD_VIEW(view));
  }

  /**
   * Deletes a case and every index entry that points at it (retention, erasure). The
   * mention stays mapped to a tombstone by the caller, so the post never comes back.
   */
  async purge(c: Case): Promise<void> {
    const { store } = this;
    const m = c.mention;
    await store.zRemove(BY_CREATED, c.id);
    await store.setRemove(OPEN_INDEX(c.group), c.id);
    await store.zRemove(AUTHOR_INDEX(m.network, m.author.id), c.id);
    if ((await store.zRangeByScore(AUTHOR_INDEX(m.network, m.author.id), Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 1)).length === 0) {
      await store.delete(AUTHOR_HANDLE(m.network, m.author.handle));
    }
    const conversation = CONVERSATION(m.network, m.conversationId ?? m.id, m.author.id);
    if ((await store.get<string>(conversation)) === c.id) await store.delete(conversation);
    if (c.reply) await store.delete(REPLY_CASE(m.network, c.reply.id));
    for (const v of c.views) await store.delete(CARD_VIEW(v));
    await store.delete(caseKey(c.id));
  }

  private async reindex(prev: Case | undefined, next: Case): Promise<void> {
    const { store } = this;
    if (!prev) {
      const m = next.mention;
      await store.zAdd(BY_CREATED, next.id, Date.parse(next.createdAt));
      await store.zAdd(AUTHOR_INDEX(m.network, m.author.id), next.id, Date.parse(next.createdAt));
      await store.set(AUTHOR_HANDLE(m.network, m.author.handle), m.author.id);
      // The first case of an author in a conversation keeps it; later posts there fold into it.
      await store.insertIfAbsent(CONVERSATION(m.network, m.conversationId ?? m.id, m.author.id), next.id);
    }
    if (next.reply && next.reply.id !== prev?.reply?.id) await store.set(REPLY_CASE(next.mention.network, next.reply.id), next.id);
    for (const v of next.views) {
      if (!prev?.views.some((p) => CARD_VIEW(p) === CARD_VIEW(v))) await store.set(CARD_VIEW(v), next.id);
    }
    if (prev && prev.group !== next.group) await store.setRemove(OPEN_INDEX(prev.group), next.id);
    if (isOpen(next.status)) await store.setAdd(OPEN_INDEX(next.group), next.id);
    else await store.setRemove(OPEN_INDEX(next.group), next.id);
  }
}

/** Case ids are decimal counters: a shorter id is an older one. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
