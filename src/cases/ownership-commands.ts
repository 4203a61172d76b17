/** Who has a case: claiming, releasing, handing over, routing's offers and lapsed claims. */
import { actorLabel, sameActor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import { describeState } from './describe-state.js';
import { checkRole, claimTimeoutMs, roleRule } from './policy.js';
import { refuse, hhmm, UNOWNED, type Cmd, type Step, type TransitionResult } from './transition-step.js';

/** Take a new or escalated case. */
export function claimCommand(s: Step): TransitionResult {
  const { c, actor, now, isOwner, who, next, role, assignedElsewhere } = s;
  const denied = role('claim', 'claim cases');
  if (denied) return { ok: false, refusal: denied };
  if (c.owner && isOwner && c.status !== 'new') return refuse('invalid_transition', 'You already own this case.');
  if (c.owner && c.status !== 'new') return refuse('invalid_transition', `${actorLabel(c.owner)} already owns this case.`);
  if (c.status !== 'new' && c.status !== 'escalated') return refuse('invalid_transition', `This case cannot be claimed: ${describeState(c)}.`);
  const elsewhere = assignedElsewhere();
  if (elsewhere) return elsewhere;
  return next(c.status === 'escalated' ? 'escalated' : 'claimed', { owner: actor, claimedAt: now, activeAt: now, assignment: undefined }, `${who} claimed the case`);
}

/** Give an owned case back to the channel. */
export function releaseCommand(s: Step): TransitionResult {
  const { c, isOwner, who, next } = s;
  if (!isOwner) return refuse('not_allowed', c.owner ? `Only ${actorLabel(c.owner)}, who owns this case, can release it.` : 'Nobody owns this case.');
  if (!['claimed', 'drafted', 'rejected', 'escalated'].includes(c.status)) return refuse('invalid_transition', `This case cannot be released: ${describeState(c)}.`);
  return next(c.status === 'escalated' ? 'escalated' : 'new', { ...UNOWNED, approvals: [] }, `${who} released the case back to the channel`);
}

/** Hand the case to another agent (the owner, a lead, or anyone while nobody owns it). */
export function reassignCommand(s: Step, cmd: Cmd<'reassign'>): TransitionResult {
  const { c, policy, now, memberOf, isOwner, isSystem, isLead, who, next, role } = s;
  const target = cmd.to;
  if (sameActor(target, c.owner)) return refuse('invalid_transition', `${actorLabel(target)} already owns this case.`);
  if (!['new', 'claimed', 'drafted', 'rejected', 'approved', 'escalated'].includes(c.status)) return refuse('invalid_transition', `This case cannot be handed over: ${describeState(c)}.`);
  if (c.owner && !isOwner && !isLead && !isSystem) return refuse('not_allowed', `Only ${actorLabel(c.owner)}, who owns this case, or a lead (${roleRule(policy, c.group, 'approve').rule}) can hand it to someone else.`, roleRule(policy, c.group, 'approve').rule);
  if (!c.owner) {
    const denied = role('claim', 'hand cases to someone');
    if (denied) return { ok: false, refusal: denied };
  }
  const targetDenied = checkRole(policy, c, 'claim', target, memberOf);
  if (targetDenied) return refuse('not_allowed', `${actorLabel(target)} may not work cases in ${c.group} (${targetDenied.rule}).`, targetDenied.rule);
  return next(c.status === 'new' ? 'claimed' : c.status, { owner: target, claimedAt: now, activeAt: now, assignment: undefined }, `${who} handed the case to ${actorLabel(target)}`);
}

/** Routing offers the case to an agent, or gives it back to the channel. */
export function assignCommand(s: Step, cmd: Cmd<'assign'>): TransitionResult {
  const { c, now, isSystem, next } = s;
  if (!isSystem) return refuse('not_allowed', 'Cases are assigned by routing; use Reassign to hand a case to someone.');
  if (c.status !== 'new' || c.owner) return refuse('invalid_transition', `This case is no longer waiting: ${describeState(c)}.`);
  if (!cmd.to) {
    if (!c.assignment) return refuse('invalid_transition', 'This case is not assigned to anyone.');
    return next('new', { assignment: undefined }, `Nobody picked the case up; it is back in the channel for anyone to claim`, `not picked up by ${actorLabel(c.assignment.to)}`);
  }
  const mode = cmd.mode ?? 'suggest';
  const offered = [...(c.offered ?? []), cmd.to];
  const verb = mode === 'assign' ? 'assigned' : 'suggested';
  return next('new', { assignment: { to: cmd.to, mode, at: now }, offered }, `The case was ${verb} to ${actorLabel(cmd.to)}`, c.assignment ? `not picked up by ${actorLabel(c.assignment.to)}` : undefined);
}

/**
 * The agent a case is offered to turns it down (Decline, on the card or in their DM): the
 * offer is cleared and they are recorded in `declined`, so routing offers the case to the
 * next agent (never again to them) or, with nobody left to try, leaves it to the channel.
 * Only the person offered may decline; anyone may still claim the case afterwards.
 */
export function declineCommand(s: Step): TransitionResult {
  const { c, actor, who, next } = s;
  const a = c.assignment;
  if (c.status !== 'new' || c.owner || !a) return refuse('invalid_transition', `There is no offer to decline: ${describeState(c)}.`);
  if (!sameActor(a.to, actor)) return refuse('not_allowed', `This case is offered to ${actorLabel(a.to)}; only they can decline it.`);
  const declined = [...(c.declined ?? []).filter((d) => !sameActor(d, actor)), actor];
  return next('new', { assignment: undefined, declined }, `${who} declined the case; it goes to the next agent or stays in the channel`, `declined by ${who}`);
}

/** Has the latest offer of a case been declined (and none made since)? */
export function lastOfferDeclined(c: Pick<Case, 'assignment' | 'offered' | 'declined'>): boolean {
  const last = c.offered?.at(-1);
  return !c.assignment && !!last && !!c.declined?.some((d) => sameActor(d, last));
}

/** The claim lease ran out: the case goes back to the channel. */
export function expireClaimCommand(s: Step): TransitionResult {
  const { c, policy, now, isSystem, next } = s;
  if (!isSystem) return refuse('not_allowed', 'Claims lapse on their own; use Release to give a case back.');
  if (!c.owner || !['claimed', 'rejected'].includes(c.status)) return refuse('invalid_transition', `There is no idle claim: ${describeState(c)}.`);
  const timeout = claimTimeoutMs(policy, c.group);
  if (timeout === undefined) return refuse('invalid_transition', 'Claims do not lapse in this group (policy.claimTimeout).');
  const since = c.activeAt ?? c.claimedAt ?? c.updatedAt;
  if (Date.parse(now) < Date.parse(since) + timeout) return refuse('invalid_transition', `${actorLabel(c.owner)} was active at ${hhmm(since)}; the claim has not lapsed.`);
  const minutes = Math.round(timeout / 60_000);
  return next('new', { ...UNOWNED, approvals: [] }, `${actorLabel(c.owner)} did nothing for ${minutes} min, so the claim lapsed and the case is back in the channel`, `claim lapsed (policy.claimTimeout ${minutes} min)`);
}
