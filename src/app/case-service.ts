import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Actor } from '../domain/actor.js';
import { sameView, type Case, type CardView } from '../domain/case.js';
import type { LinkHosts, Membership } from '../cases/policy.js';
import { describePii, findPii } from '../screening/find-pii.js';
import { transition, type CaseCommand, type TransitionContext } from '../cases/workflow.js';
import type { Outbox } from '../outbox/outbox.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { CaseConflictError, type CaseRepository, type PendingChange } from './case-repository.js';
import { privateCheck, type Handoff } from './private-channel.js';
import { membershipOf, type PeopleDirectory } from './people-directory.js';
import { FOLLOW_UP_GRACE_MS, moveOf, queueFollowUps, type ApplyResult } from './case-changes.js';
import { CaseListeners, type CaseListener, type DurableListener, type PlannedWork } from './case-listeners.js';

// The change bookkeeping and the listeners live beside the service; callers keep importing them from here.
export { DELIVERY, FOLLOW_UP_GRACE_MS, type ApplyResult } from './case-changes.js';
export type { CaseListener, DurableListener, DurableWork } from './case-listeners.js';

export interface CaseServiceDeps {
  repo: CaseRepository;
  outbox: Outbox;
  config: Config;
  clock: Clock;
  log: Logger;
  sources: ReadonlyMap<string, MentionSource>;
  /** Slack user groups named in the policy are resolved through this (the Slack adapter). */
  directory?: PeopleDirectory | undefined;
  /** The secure hand-off (privateChannel.handoff and HANDOFF_SECRET); without it no case is hand-off-only. */
  handoff?: Handoff | undefined;
  /** Finds links in replies for policy.linkAllowlist; the server passes X's rules. Without it, the policy's plain finder. */
  linkHosts?: LinkHosts | undefined;
}

/**
 * Applies commands to cases: the one place where the pure workflow meets the store.
 * Each change is atomic (compare-and-set), and is followed by durable deliveries:
 * refresh every view of the card, a note in the card's thread, and the reply itself
 * when a case starts sending.
 */
export class CaseService {
  private readonly listeners: CaseListeners;

  constructor(private readonly deps: CaseServiceDeps) {
    this.listeners = new CaseListeners(deps.outbox, deps.log);
  }

  /** In-process, may be lost: see {@link CaseListener}. */
  onChange(listener: CaseListener): void {
    this.listeners.add(listener);
  }

  /** Exactly once per change, across crashes and failures: see {@link DurableListener}. */
  onChangeDurably(listener: DurableListener): void {
    this.listeners.addDurable(listener);
  }

  /** Sets where Slack user groups are resolved (the Slack adapter is created after the service). */
  useDirectory(directory: PeopleDirectory): void {
    this.deps.directory = directory;
  }

  /** Where Slack user groups are resolved, once the Slack adapter set it. */
  get directory(): PeopleDirectory | undefined {
    return this.deps.directory;
  }

  /** A case as stored, or undefined. */
  get(id: string): Promise<Case | undefined> {
    return this.deps.repo.get(id);
  }

  /** The author's earlier cases, newest first (the card lists them). */
  earlierCases(c: Case): ReturnType<CaseRepository['earlierCases']> {
    return this.deps.repo.earlierCases(c);
  }

  /** The case a chat card (a view) belongs to. */
  caseForCard(view: CardView): Promise<string | undefined> {
    return this.deps.repo.caseForCard(view);
  }

  /** The author's case in a conversation, for a follow-up post. */
  caseForFollowUp(network: string, authorId: string, conversationId: string | undefined, inReplyToId: string | undefined): Promise<string | undefined> {
    return this.deps.repo.caseForFollowUp(network, authorId, conversationId, inReplyToId);
  }

  /** Every case of an author on a network. */
  caseIdsOfAuthor(network: string, authorId: string): Promise<string[]> {
    return this.deps.repo.caseIdsOfAuthor(network, authorId);
  }

  /** Stores a new case, once (set-if-absent): false when it existed already. */
  create(c: Case): Promise<boolean> {
    return this.deps.repo.create(c);
  }

  /** Records where a card of the case is shown (once per view). */
  attachView(caseId: string, view: CardView): Promise<Case | undefined> {
    return this.deps.repo.modify(caseId, (cur) => (cur.views.some((v) => sameView(v, view)) ? undefined : { ...cur, views: [...cur.views, view] }));
  }

  /** Forgets a card of the case that was retired or removed. */
  async detachView(caseId: string, view: CardView): Promise<void> {
    await this.deps.repo.modify(caseId, (cur) => (cur.views.some((v) => sameView(v, view)) ? { ...cur, views: cur.views.filter((v) => !sameView(v, view)) } : undefined));
  }

  /**
   * Changes what the case keeps about posts folded into it (near-duplicates), outside the
   * workflow: no status, owner or audit changes, so no transition is involved.
   */
  foldRecord(caseId: string, fn: (c: Case) => Case | undefined): Promise<Case | undefined> {
    return this.deps.repo.modify(caseId, fn);
  }

  /** The secure hand-off, if configured (see {@link CaseServiceDeps.handoff}). */
  get handoff(): Handoff | undefined {
    return this.deps.handoff;
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

  /** The hand-off rule of a case, when the policy makes it hand-off-only. */
  private handoffRule(c: Case): TransitionContext['handoff'] {
    const h = this.deps.handoff;
    if (!h?.only(c)) return undefined;
    return { only: true, carries: (t) => h.carries(c.id, t, this.deps.clock.now().getTime()), rule: 'privateChannel.handoff.only' };
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
      checkPrivate: privateCheck(c, config, this.deps.sources),
      handoff: this.handoffRule(c),
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
      const work = this.listeners.plan(prev, result.case);
      const pending: PendingChange = { id: caseId, version: result.case.version, from: move?.group, by: move?.by };
      const last = result.case.audit[result.case.audit.length - 1];
      if (work.length > 0 && last) {
        // Its own name per attempt: a racer that loses its compare-and-set removes its own
        // entry and work, never the winner's.
        pending.work = randomUUID();
        await repo.saveChangeWork(pending.work, { caseId, version: result.case.version, auditLength: result.case.audit.length, last, items: work });
      }
      await repo.beginChange(pending, this.deps.clock.now().getTime());
      if (await repo.replace(current.token, prev, result.case)) {
        try {
          // A note came from the card's thread: echoing it there would only repeat it.
          await this.afterChange(prev, result.case, result.summary, { threadNote: cmd.type !== 'note', work });
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
    await this.listeners.runDurably(c, this.listeners.plan(undefined, c));
    await this.listeners.notify(undefined, c);
  }

  /**
   * The durable work of opening a case, again: for a mention processed a second time (a
   * crash may have come between creating its case and that work). Only while the case is
   * as it was opened; done once per case whatever the number of calls.
   */
  async repeatCreateWork(c: Case): Promise<void> {
    if (c.version !== 0 || c.audit.length > 0) return;
    await this.listeners.runDurably(c, this.listeners.plan(undefined, c));
  }

  /** Durable follow-ups of a change (deliveries, then durable listeners' work), then in-process listeners. */
  private async afterChange(prev: Case | undefined, next: Case, summary: string, opts: { threadNote?: boolean; work: PlannedWork }): Promise<void> {
    const last = next.audit[next.audit.length - 1];
    await queueFollowUps(this.deps.outbox, next, {
      note: opts.threadNote !== false ? { text: summary, at: last?.at ?? next.updatedAt, note: last?.note ?? null } : undefined,
      movedFrom: moveOf(prev, next),
      reply: next.status === 'sending' && prev?.status !== 'sending' ? 'new' : undefined,
    });
    await this.listeners.runDurably(next, opts.work);
    await this.listeners.notify(prev, next);
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
        await queueFollowUps(this.deps.outbox, c, {
          movedFrom: p.from !== undefined && p.from !== c.group ? { group: p.from, by: p.by ?? '' } : undefined,
          reply: c.status === 'sending' ? 'resumed' : undefined,
        });
        // Queued, not run here: the listeners' work may already be done (the crash came
        // after it), and their `run` does it once per change.
        const work = p.work ? await repo.changeWork(p.work) : undefined;
        if (work) await this.listeners.requeue(c, work);
        resumed++;
        log.warn({ caseId: c.id, version: p.version, status: c.status }, 'resumed the follow-ups of a change cut off by a crash');
      }
      await repo.endChange(p);
    }
    return resumed;
  }
}
