/**
 * What every command handler of the workflow starts from: the case, the command, who asks
 * and what they may do, and `next`, which builds the next case with its audit entry.
 */
import type { Actor } from '../domain/actor.js';
import { actorLabel, sameActor } from '../domain/actor.js';
import type { Case, CaseStatus } from '../domain/case.js';
import type { Policy } from '../config/schema.js';
import { ANNOTATIONS, type CaseCommand, type CommandType } from './case-command.js';
import { checkRole, mayAct, type Membership, type Refusal } from './policy.js';
import type { TransitionContext } from './transition-context.js';

export { hhmm } from './describe-state.js';

export type TransitionResult =
  | { ok: true; case: Case; summary: string }
  | { ok: false; refusal: Refusal };

/** The command of one type, for a handler that reads its fields. */
export type Cmd<T extends CommandType> = Extract<CaseCommand, { type: T }>;

export const refuse = (code: Refusal['code'], message: string, rule?: string): TransitionResult => ({
  ok: false,
  refusal: { code, message, ...(rule ? { rule } : {}) },
});

export const MAX_DRAFT = 10_000;
export const MAX_NOTE = 2_000;
/** The longest a case may be snoozed. */
export const MAX_SNOOZE_MS = 30 * 86_400_000;

/** Fields that belong to whoever owns a case; cleared together when it goes back to the channel. */
export const UNOWNED: Partial<Case> = { owner: undefined, claimedAt: undefined, activeAt: undefined };

export interface Step {
  c: Case;
  ctx: TransitionContext;
  actor: Actor;
  policy: Policy;
  now: string;
  memberOf: Membership | undefined;
  isOwner: boolean;
  isSystem: boolean;
  /** May approve in the case's group (and is a person). */
  isLead: boolean;
  /** The actor's label, for summaries. */
  who: string;
  /** The next case: status `to` with `patch`, version + 1 (not for annotations), an audit entry. */
  next: (to: CaseStatus, patch: Partial<Case>, summary: string, note?: string) => TransitionResult;
  role: (r: Parameters<typeof checkRole>[2], what?: string) => Refusal | undefined;
  /** In `assign` mode only the assignee (or a lead) may take the case until the offer lapses. */
  assignedElsewhere: () => TransitionResult | undefined;
  /** Someone else owns the case and the actor is not a lead: a refusal saying so. */
  ownedElsewhere: (what: string) => TransitionResult | undefined;
}

/** The step for one command on one case. */
export function transitionStep(c: Case, cmd: CaseCommand, ctx: TransitionContext): Step {
  const { actor, policy, now, memberOf } = ctx;
  const isOwner = sameActor(c.owner, actor);
  const isSystem = actor.platform === 'system';
  const annotation = ANNOTATIONS.includes(cmd.type);
  const next = (to: CaseStatus, patch: Partial<Case>, summary: string, note?: string): TransitionResult => {
    const updated: Case = {
      ...c,
      ...patch,
      status: to,
      version: annotation ? c.version : c.version + 1,
      updatedAt: now,
      audit: cmd.type === 'note' ? c.audit : [...c.audit, { at: now, actor, action: cmd.type === 'sla_mark' ? cmd.key : cmd.type, from: c.status, to, ...(note ? { note } : {}) }],
    };
    // Whatever the owner does renews the claim lease.
    if (updated.owner && sameActor(updated.owner, actor)) updated.activeAt = now;
    for (const k of Object.keys(updated) as Array<keyof Case>) if (updated[k] === undefined) delete updated[k];
    return { ok: true, case: updated, summary };
  };
  const who = actorLabel(actor);
  const isLead = mayAct(policy, c.group, 'approve', actor, memberOf) && !isSystem;
  const role = (r: Parameters<typeof checkRole>[2], what?: string) => checkRole(policy, c, r, actor, memberOf, what);
  /** In `assign` mode only the assignee (or a lead) may take the case until the offer lapses. */
  const assignedElsewhere = (): TransitionResult | undefined => {
    const a = c.assignment;
    if (!a || a.mode !== 'assign' || c.owner || sameActor(a.to, actor) || isLead || isSystem) return undefined;
    return refuse('not_allowed', `This case is assigned to ${actorLabel(a.to)}; it goes back to the channel if they do not pick it up.`, `groups.${c.group}.assign`);
  };
  const ownedElsewhere = (what: string): TransitionResult | undefined => {
    if (!c.owner || isOwner || isLead || isSystem) return undefined;
    return refuse('not_allowed', `${actorLabel(c.owner)} owns this case; only they or a lead may ${what}.`);
  };
  return { c, ctx, actor, policy, now, memberOf, isOwner, isSystem, isLead, who, next, role, assignedElsewhere, ownedElsewhere };
}
