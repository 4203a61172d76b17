import type { Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import type { Policy } from '../config/schema.js';

/** Why an action was refused: a stable code, the rule that refused, and words for the person. */
export interface Refusal {
  code: 'stale' | 'not_allowed' | 'invalid_transition' | 'invalid_input' | 'not_found';
  message: string;
  /** The policy rule that refused, e.g. `policy.approvers`. */
  rule?: string;
}

export const actorRef = (a: Actor): string => `${a.platform}:${a.id}`;

const listed = (list: readonly string[], a: Actor) => list.includes(actorRef(a));

export function isApprover(policy: Policy, actor: Actor): boolean {
  return listed(policy.approvers, actor);
}

/** Agents may claim, draft and send. An empty agents list means everyone in the channel. */
export function isAgent(policy: Policy, actor: Actor): boolean {
  return policy.agents.length === 0 || listed(policy.agents, actor) || isApprover(policy, actor);
}

export function checkAgent(policy: Policy, actor: Actor, what: string): Refusal | undefined {
  if (actor.platform === 'system' || isAgent(policy, actor)) return undefined;
  return { code: 'not_allowed', rule: 'policy.agents', message: `Only the agents listed in policy.agents may ${what}; you are not on that list.` };
}

export function checkApprover(policy: Policy, actor: Actor, c: Case): Refusal | undefined {
  if (!isApprover(policy, actor)) {
    return { code: 'not_allowed', rule: 'policy.approvers', message: 'Only approvers (policy.approvers) may approve or reject drafts; you are not one of them.' };
  }
  if (!policy.allowSelfApproval && c.draft && c.draft.by.platform === actor.platform && c.draft.by.id === actor.id) {
    return { code: 'not_allowed', rule: 'policy.allowSelfApproval', message: 'You wrote this draft, and policy.allowSelfApproval is off: another approver must approve it.' };
  }
  return undefined;
}

/** How many distinct approvals a case needs before it may be sent. */
export function approvalsNeeded(policy: Policy, c: Case): number {
  if (!policy.requireApproval && !c.screening.secondApprover) return 0;
  return c.screening.secondApprover ? 2 : 1;
}

/** Banned phrases are checked on the draft when it is written and again at send. */
export function checkReplyText(policy: Policy, text: string): Refusal | undefined {
  const lower = text.toLocaleLowerCase();
  const banned = policy.bannedPhrases.find((p) => lower.includes(p.toLocaleLowerCase()));
  if (banned) return { code: 'invalid_input', rule: 'policy.bannedPhrases', message: `The reply contains "${banned}", which policy.bannedPhrases forbids.` };
  return undefined;
}
