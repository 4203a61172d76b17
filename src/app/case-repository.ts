import { CaseSchema, isOpen, type Case } from '../domain/case.js';
import type { Store, Versioned } from '../store/store.js';

export const caseKey = (id: string) => `case:${id}`;
export const OPEN_INDEX = (group: string) => `open:${group}`;
export const BY_CREATED = 'cases:by-created';
export const SENDING = 'cases:sending';

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

  private async reindex(prev: Case | undefined, next: Case): Promise<void> {
    const { store } = this;
    if (!prev) await store.zAdd(BY_CREATED, next.id, Date.parse(next.createdAt));
    if (prev && prev.group !== next.group) await store.setRemove(OPEN_INDEX(prev.group), next.id);
    if (isOpen(next.status)) await store.setAdd(OPEN_INDEX(next.group), next.id);
    else await store.setRemove(OPEN_INDEX(next.group), next.id);
    if (next.status === 'sending') await store.setAdd(SENDING, next.id);
    else if (prev?.status === 'sending') await store.setRemove(SENDING, next.id);
  }
}
