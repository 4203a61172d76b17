import type { Case } from '../domain/case.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Logger } from '../util/logger.js';
import type { ChangeWork } from './case-repository.js';
import { changeKey, made } from './case-changes.js';
import { deliveryKinds, enqueueDelivery, isDurableKind, type DurableKind } from './delivery-kinds.js';

/**
 * Called after every change of a case, in this process only: a listener that fails, or a
 * crash before it runs, loses what it would have done. For work that may be lost or is
 * repaired elsewhere (storm counts, offers to agents that the sweep repeats); work that
 * must not be lost is a {@link DurableListener}.
 */
export type CaseListener = (prev: Case | undefined, next: Case) => void | Promise<void>;

/** One change's share of a durable listener's work, as its `run` receives it. */
export interface DurableWork {
  caseId: string;
  /**
   * Names the change within its case (`<version>:<audit length>`; an annotation keeps the
   * version but adds an audit entry): the key that makes `run` exactly-once.
   */
  change: string;
  payload: Record<string, unknown>;
}

/**
 * Work a case change must cause exactly once, even across a crash or a failure (metrics
 * rollups, learning from staff decisions). `plan` works out what the change asks for from
 * the case before and after it, when the change is made; `run` carries it out at once, and
 * if that fails the outbox retries it as an item of `kind` (with backoff; a permanent
 * failure lands in the dead letters). A crash between the change and `run` is resumed
 * from the work stored with the change's pending entry. So `run` may see one change more
 * than once, and must do its work once per {@link DurableWork.change}.
 */
export interface DurableListener {
  /** Its kind in the table of outbox kinds (delivery-kinds.ts), which checks the work read back. */
  kind: DurableKind;
  /** Pure and quick; undefined when the change asks nothing of this listener. */
  plan(prev: Case | undefined, next: Case): Record<string, unknown> | undefined;
  run(work: DurableWork): Promise<void>;
}

/** Each durable listener's share of a change, as stored with it (`ChangeWork.items`). */
export type PlannedWork = Array<{ kind: DurableKind; payload: Record<string, unknown> }>;

/**
 * The listeners of case changes, for the case service: the in-process ones, told after a
 * change and allowed to fail, and the durable ones, whose work is planned with the change,
 * run at once, and queued for the outbox when it fails or a crash cut it off.
 */
export class CaseListeners {
  private readonly listeners: CaseListener[] = [];
  private readonly durable = new Map<DurableKind, DurableListener>();

  constructor(private readonly outbox: Outbox, private readonly log: Logger) {}

  /** In-process, may be lost: see {@link CaseListener}. */
  add(listener: CaseListener): void {
    this.listeners.push(listener);
  }

  /** Exactly once per change, across crashes and failures: see {@link DurableListener}. */
  addDurable(listener: DurableListener): void {
    if (this.durable.has(listener.kind)) throw new Error(`a durable case listener of kind ${listener.kind} is registered already`);
    this.durable.set(listener.kind, listener);
    // The table reads the work back; a malformed item is never retried (dead letters).
    deliveryKinds.on(this.outbox, listener.kind, (w) => listener.run(w));
  }

  /**
   * What the durable listeners need to do for this change. A change that adds no audit
   * entry (a note from the card's thread) is not counted nor learned from, and could not
   * be told apart from the change before it.
   */
  plan(prev: Case | undefined, next: Case): PlannedWork {
    if (prev && next.audit.length === prev.audit.length) return [];
    const out: PlannedWork = [];
    for (const l of this.durable.values()) {
      const payload = l.plan(prev, next);
      if (payload) out.push({ kind: l.kind, payload });
    }
    return out;
  }

  /**
   * Runs a change's durable work now; what fails is queued for the outbox to retry. Only
   * a failure to queue it is thrown (the change's pending entry then stays, and
   * `resumeFollowUps` queues it).
   */
  async runDurably(next: Case, work: PlannedWork): Promise<void> {
    for (const { kind, payload } of work) {
      const listener = this.durable.get(kind);
      const w: DurableWork = { caseId: next.id, change: changeKey(next), payload };
      try {
        if (!listener) throw new Error(`no durable case listener of kind ${kind}`);
        await listener.run(w);
      } catch (e) {
        this.log.warn({ err: e, caseId: next.id, kind, change: w.change }, 'durable case work failed; queued for retry');
        await this.queueDurably(kind, w);
      }
    }
  }

  /**
   * Queues the durable work stored with a change that a crash cut off, if that change was
   * made in `c` (not run here: the work may already be done, the crash having come after
   * it, and the listeners' `run` does it once per change).
   */
  async requeue(c: Case, work: ChangeWork): Promise<void> {
    if (!made(c, work)) return;
    for (const { kind, payload } of work.items) {
      // Stored by an earlier life, which may have had listeners this one lacks.
      if (!isDurableKind(kind)) { this.log.error({ caseId: c.id, kind }, 'stored durable work of an unknown kind; dropped'); continue; }
      await this.queueDurably(kind, { caseId: c.id, change: `${work.version}:${work.auditLength}`, payload });
    }
  }

  /** Tells the in-process listeners; one that fails is logged, and the others are still told. */
  async notify(prev: Case | undefined, next: Case): Promise<void> {
    for (const l of this.listeners) {
      try { await l(prev, next); } catch (e) { this.log.error({ err: e, caseId: next.id }, 'case listener failed'); }
    }
  }

  private async queueDurably(kind: DurableKind, w: DurableWork): Promise<void> {
    // A lane per listener and case (the table's): a rollup that keeps failing holds back
    // neither the case's cards nor other cases' rollups.
    await enqueueDelivery(this.outbox, kind, { caseId: w.caseId, change: w.change, payload: w.payload });
  }
}
