import type { Config } from '../config/schema.js';
import { actorLabel, type Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import type { LinkHosts, Membership, Refusal } from '../cases/policy.js';
import { describePii, findPii } from '../screening/find-pii.js';
import { transition, type CaseCommand, type TransitionContext } from '../cases/workflow.js';
import type { Outbox } from '../outbox/outbox.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { CaseConflictError, type CaseRepository, type PendingChange } from './case-repository.js';
import { membershipOf, type PeopleDirectory } from './people-directory.js';

export type ApplyResult =
  | { ok: true; case: Case; summary: string }
  | { ok: false; refusal: Refusal; case?: Case | undefined };

/** Called after every change of a case (metrics rollups, learning from decisions…). */
export type CaseListener = (prev: Case | undefined, next: Case) => void | Promise<void>;

export interface CaseServiceDeps {
  repo: CaseRepository;
  outbox: Outbox;
  config: Config;
  clock: Clock;
  log: Logger;
  sources: ReadonlyMap<string, MentionSource>;
  /** Slack user groups named in the policy are resolved through this (the Slack adapter). */
  directory?: PeopleDirectory | undefined;
  /** Finds links in replies for policy.linkAllowlist; the server passes X's rules. Without it, the policy's plain finder. */
  linkHosts?: LinkHosts | undefined;
}

/** Outbox kinds the app enqueues; handlers are in deliveries.ts. */
export const DELIVERY = {
  postCard: 'card.post',
  updateCard: 'card.update',
  note: 'thread.note',
  sendReply: 'reply.send',
  /** The case moved to another group: retire its cards in the old group's channels, post it in the new one's. */
  moveCard: 'card.move',
} as const;

/** The group a change moved the case out of, and who moved it (undefined: no move). */
function moveOf(prev: Case | undefined, next: Case): { group: string; by: string } | undefined {
  if (!prev || prev.group === next.group) return undefined;
  const last = next.audit[next.audit.length - 1];
  return { group: prev.group, by: last ? actorLabel(last.actor) : '' };
}

/** How long a change may take before its unfinished follow-ups are taken for a crash's. */
export const FOLLOW_UP_GRACE_MS = 10_000;

/**
 * Applies commands to cases: the one place where the pure workflow meets the store.
 * Each change is atomic (compare-and-set), and is followed by durable deliveries:
 * refresh every view of the card, a note in the card's thread, and the reply itself
 * when a case starts sending.
 */
export class CaseService {
  private readonly listeners: CaseListener[] = [];

  constructor(private readonly deps: CaseServiceDeps) {}

  onChange(listener: CaseListener): void {
    this.listeners.push(listener);
  }

  /** Sets where Slack user groups are resolved (the Slack adapter is created after the service). */
  useDirectory(directory: PeopleDirectory): void {
    this.deps.directory = directory;
  }

  /** The service's clock (cards show SLA time left as of now). */
  now(): Date {
    return this.deps.clock.now();
  }

  get repo(): CaseRepository {
    return this.deps.repo;
  }

  /** The link finder replies are checked with (see {@link CaseServiceDeps.linkHosts}). */
  get linkHosts(): LinkHosts | undefined {
    return this.deps.linkHosts;
  }

  /** The network's reply check for a case (length rules), if its source is known. */
  replyCheck(c: Case): (text: string) => string | undefined {
    const source = this.deps.sources.get(c.mention.source);
    return (t) => {
      // A public reply must never carry personal data, whoever typed it.
      const pii = findPii(t, this.deps.config);
      if (pii.length > 0) return `The reply contains personal data (${describePii(pii)}), and replies are public. Remove it, or answer privately with Move to DM.`;
      return source?.checkReply(t, c.mention);
    };
  }

  /** Everything the workflow needs to judge `cmd` by `actor` on `c` now. */
  private async context(c: Case, cmd: CaseCommand, actor: Actor, expectedVersion: number | undefined, memberOf?: Membership): Promise<TransitionContext> {
    const { clock, config } = this.deps;
    return {
      policy: config.policy,
      actor,
      now: clock.now().toISOString(),
      expectedVersion,
      checkReply: this.replyCheck(c),
      linkHosts: this.deps.linkHosts,
      memberOf: memberOf ?? (await membershipOf(this.deps.directory, cmd.type === 'reassign' || (cmd.type === 'assign' && cmd.to) ? [actor, cmd.to!] : [actor])),
      templates: config.templates,
      groups: config.groups.map((g) => g.id),
    };
  }

  /**
   * Would `cmd` be accepted now? Runs the workflow with the same context as
   * {@link apply} and writes nothing (a form checks this before it opens).
   */
  async probe(caseId: string, cmd: CaseCommand, actor: Actor, expectedVersion?: number): Promise<ApplyResult> {
    const c = await this.deps.repo.get(caseId);
    if (!c) return { ok: false, refusal: { code: 'not_found', message: `There is no case ${caseId}.` } };
    const result = transition(c, cmd, await this.context(c, cmd, actor, expectedVersion));
    return result.ok ? result : { ok: false, refusal: result.refusal, case: c };
  }

  async apply(caseId: string, cmd: CaseCommand, actor: Actor, expectedVersion?: number): Promise<ApplyResult> {
    const { repo } = this.deps;
    let memberOf: Membership | undefined;
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await repo.getVersioned(caseId);
      if (!current) return { ok: false, refusal: { code: 'not_found', message: `There is no case ${caseId}.` } };
      const ctx = await this.context(current.value, cmd, actor, expectedVersion, memberOf);
      memberOf = ctx.memberOf;
      const result = transition(current.value, cmd, ctx);
      if (!result.ok) return { ok: false, refusal: result.refusal, case: current.value };
      // Noted before the change: a crash between the change and its follow-ups leaves
      // this entry, and `resumeFollowUps` queues what the change still needs.
      const prev = current.value;
      const move = moveOf(prev, result.case);
      const pending: PendingChange = { id: caseId, version: result.case.version, from: move?.group, by: move?.by };
      await repo.beginChange(pending, this.deps.clock.now().getTime());
      if (await repo.replace(current.token, prev, result.case)) {
        try {
          // A note came from the card's thread: echoing it there would only repeat it.
          await this.afterChange(prev, result.case, result.summary, { threadNote: cmd.type !== 'note' });
          await repo.endChange(pending);
        } catch (e) {
          // The change is saved: the person who made it must not be told it failed (they
          // would try again, or read a refusal meant for the losers of a race). The pending
          // entry stays, so `resumeFollowUps` queues what the change still needs.
          this.deps.log.error({ err: e, caseId, version: result.case.version }, 'a case change was saved but its follow-ups could not all be queued; they will be resumed');
        }
        return { ok: true, case: result.case, summary: result.summary };
      }
      await repo.endChange(pending);
      // Lost a race: re-read. With an expected version the next round refuses as stale
      // and tells this actor what the winner did.
    }
    throw new CaseConflictError(caseId);
  }

  /** Tells listeners about a case that was just opened. */
  async afterCreate(c: Case): Promise<void> {
    await this.notify(undefined, c);
  }

  private async notify(prev: Case | undefined, next: Case): Promise<void> {
    for (const l of this.listeners) {
      try { await l(prev, next); } catch (e) { this.deps.log.error({ err: e, caseId: next.id }, 'case listener failed'); }
    }
  }

  /** Durable follow-ups of a change, then in-process listeners. */
  async afterChange(prev: Case | undefined, next: Case, summary: string, opts: { threadNote?: boolean } = {}): Promise<void> {
    const last = next.audit[next.audit.length - 1];
    await this.queueFollowUps(next, {
      note: opts.threadNote !== false ? { text: summary, at: last?.at ?? next.updatedAt, note: last?.note ?? null } : undefined,
      movedFrom: moveOf(prev, next),
      reply: next.status === 'sending' && prev?.status !== 'sending' ? 'new' : undefined,
    });
    await this.notify(prev, next);
  }

  /** The outbox items that carry a change out: card refresh, thread note, card move, reply. */
  private async queueFollowUps(next: Case, f: {
    note?: { text: string; at: string; note: string | null } | undefined;
    movedFrom?: { group: string; by: string } | undefined;
    /** `resumed`: an earlier life may have posted it, so the delivery looks for it first. */
    reply?: 'new' | 'resumed' | undefined;
  }): Promise<void> {
    const { outbox } = this.deps;
    const key = `case:${next.id}`;
    await outbox.enqueue(DELIVERY.updateCard, key, { caseId: next.id }, { coalesce: `update:${next.id}` });
    if (f.note) await outbox.enqueue(DELIVERY.note, key, { caseId: next.id, ...f.note });
    // After the note, so the old card's thread says where the case went.
    if (f.movedFrom) await outbox.enqueue(DELIVERY.moveCard, key, { caseId: next.id, group: next.group, from: f.movedFrom.group, by: f.movedFrom.by });
    if (f.reply) {
      // Its own lane: a slow chat API must not hold back the reply, nor the reverse.
      await outbox.enqueue(DELIVERY.sendReply, `reply:${next.id}`, { caseId: next.id, version: next.version, ...(f.reply === 'resumed' ? { resumed: true } : {}) });
    }
  }

  /**
   * Queues the follow-ups of changes that a crash cut off between the change and its
   * outbox items (the entries `apply` leaves behind), so no case waits for ever: a case
   * stuck in `sending` gets its reply delivery (which first looks for a reply an earlier
   * life posted), a moved case its card move, and every such case a card refresh. A thread
   * note that was not queued is not repeated: it might have been, and a note is never
   * posted twice. Entries younger than `graceMs` may belong to a change still under way
   * on another instance, and wait. Safe to run on every instance at once: each follow-up
   * is idempotent (refreshes coalesce, the reply delivery checks the case first).
   * Returns how many changes it resumed.
   */
  async resumeFollowUps(graceMs = FOLLOW_UP_GRACE_MS): Promise<number> {
    const { repo, clock, log } = this.deps;
    let resumed = 0;
    for (const p of await repo.unfinishedChanges(clock.now().getTime() - graceMs)) {
      const c = await repo.get(p.id);
      // An older version: the change lost its compare-and-set and was never made.
      if (c && c.version >= p.version) {
        await this.queueFollowUps(c, {
          movedFrom: p.from !== undefined && p.from !== c.group ? { group: p.from, by: p.by ?? '' } : undefined,
          reply: c.status === 'sending' ? 'resumed' : undefined,
        });
        resumed++;
        log.warn({ caseId: c.id, version: p.version, status: c.status }, 'resumed the follow-ups of a change cut off by a crash');
      }
      await repo.endChange(p);
    }
    return resumed;
  }
}
