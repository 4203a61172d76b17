import type { Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import type { Policy } from '../config/schema.js';
import type { CaseMatch, Principal } from '../config/workflow-schema.js';
import { instantIn } from '../domain/days.js';
import { plainLinkHosts } from './plain-link-hosts.js';

/** Why an action was refused: a stable code, the rule that refused, and words for the person. */
export interface Refusal {
  code: 'stale' | 'not_allowed' | 'invalid_transition' | 'invalid_input' | 'not_found';
  message: string;
  /** The policy rule that refused, e.g. `policy.approvers` or `policy.groups.baggage.send`. */
  rule?: string;
}

/** What a person may do in a skill group. */
export type Role = 'claim' | 'draft' | 'approve' | 'send';

/**
 * The Slack user groups (`slack-group:S…`) a person belongs to. Membership lives in
 * Slack, so the adapter resolves it and hands the answer in; the policy stays pure.
 */
export type Membership = (actor: Actor) => readonly string[];

export const actorRef = (a: Actor): string => `${a.platform}:${a.id}`;

/**
 * Does `actor` match any of `principals`? `group:<name>` expands through
 * `policy.people` (cycles are ignored), `slack-group:S…` asks `memberOf`.
 */
export function matchesPrincipal(policy: Policy, principals: readonly Principal[], actor: Actor, memberOf?: Membership): boolean {
  const ref = actorRef(actor);
  const seen = new Set<string>();
  let groups: readonly string[] | undefined;
  const walk = (list: readonly string[]): boolean => list.some((p) => {
    if (p === '*' || p === ref) return true;
    if (p.startsWith('group:')) {
      const name = p.slice(6);
      if (seen.has(name)) return false;
      seen.add(name);
      return walk(policy.people[name] ?? []);
    }
    if (p.startsWith('slack-group:') && actor.platform === 'slack' && memberOf) {
      groups ??= memberOf(actor);
      return groups.includes(p);
    }
    return false;
  });
  return walk(principals);
}

/** Every individual user named by `principals` (groups of people expanded; Slack user groups and `*` left as they are). */
export function expandPrincipals(policy: Policy, principals: readonly Principal[]): string[] {
  const out = new Set<string>();
  const seen = new Set<string>();
  const walk = (list: readonly string[]) => {
    for (const p of list) {
      if (p.startsWith('group:')) {
        const name = p.slice(6);
        if (seen.has(name)) continue;
        seen.add(name);
        walk(policy.people[name] ?? []);
      } else out.add(p);
    }
  };
  walk(principals);
  return [...out];
}

/** The list that governs `role` in `group`, and the config path that names it. */
export function roleRule(policy: Policy, group: string, role: Role): { list: readonly Principal[]; rule: string } {
  const own = policy.groups[group]?.[role];
  if (own) return { list: own, rule: `policy.groups.${group}.${role}` };
  return role === 'approve' ? { list: policy.approvers, rule: 'policy.approvers' } : { list: policy.agents, rule: 'policy.agents' };
}

/** A policy-wide approver (metrics use this to decide who sees everyone's numbers). */
export function isApprover(policy: Policy, actor: Actor, memberOf?: Membership): boolean {
  return matchesPrincipal(policy, policy.approvers, actor, memberOf);
}

/** Policy-wide agents may claim, draft and send. An empty agents list means everyone in the channel. */
export function isAgent(policy: Policy, actor: Actor, memberOf?: Membership): boolean {
  return policy.agents.length === 0 || matchesPrincipal(policy, policy.agents, actor, memberOf) || isApprover(policy, actor, memberOf);
}

/** May `actor` do `role` in `group`? The approvers of a group may also do the agents' work there. */
export function mayAct(policy: Policy, group: string, role: Role, actor: Actor, memberOf?: Membership): boolean {
  if (actor.platform === 'system') return true;
  const { list } = roleRule(policy, group, role);
  if (role === 'approve') return matchesPrincipal(policy, list, actor, memberOf);
  if (list.length === 0) return true;
  return matchesPrincipal(policy, list, actor, memberOf) || matchesPrincipal(policy, roleRule(policy, group, 'approve').list, actor, memberOf);
}

const ROLE_WORDS: Record<Role, string> = {
  claim: 'work cases',
  draft: 'draft replies',
  approve: 'approve or send back drafts',
  send: 'send replies',
};

/** A refusal naming the rule, or undefined when `actor` may do `role` in the case's group. */
export function checkRole(policy: Policy, c: Pick<Case, 'group'>, role: Role, actor: Actor, memberOf?: Membership, what = ROLE_WORDS[role]): Refusal | undefined {
  if (mayAct(policy, c.group, role, actor, memberOf)) return undefined;
  const { list, rule } = roleRule(policy, c.group, role);
  const none = role === 'approve' && list.length === 0;
  return {
    code: 'not_allowed',
    rule,
    message: none
      ? `Nobody may ${what} in ${c.group}: ${rule} lists no one. Ask an admin to name approvers.`
      : `Only the people listed in ${rule} may ${what} in ${c.group}; you are not on that list.`,
  };
}

/** Does a case match conditions on what screening found? Every condition given must hold. */
export function matchesCase(m: CaseMatch, c: Pick<Case, 'screening'>): boolean {
  const s = c.screening;
  if (m.priorities && !m.priorities.includes(s.priority)) return false;
  if (m.topics && !(s.topic && m.topics.includes(s.topic))) return false;
  if (m.intents && !(s.intent && m.intents.includes(s.intent))) return false;
  if (m.tags && !m.tags.some((t) => s.tags.includes(t))) return false;
  return true;
}

/** The second-approver rule that applies to a case, if any (a routing rule's flag or the policy's conditions). */
export function secondApproverRule(policy: Policy, c: Pick<Case, 'group' | 'screening'>): { by?: readonly Principal[] | undefined; rule: string } | undefined {
  const own = policy.groups[c.group]?.secondApprover;
  const cond = own ?? policy.secondApprover;
  const rule = own ? `policy.groups.${c.group}.secondApprover` : 'policy.secondApprover';
  if (cond && matchesCase(cond, c)) return { by: cond.by, rule };
  if (c.screening.secondApprover) return { by: cond?.by, rule: 'routing.rules[].then.secondApprover' };
  return undefined;
}

/** How many distinct approvals a case needs before it may be sent: 0, 1, or 2 for sensitive cases. */
export function approvalsNeeded(policy: Policy, c: Pick<Case, 'group' | 'screening'>): number {
  if (secondApproverRule(policy, c)) return 2;
  const req = policy.groups[c.group]?.requireApproval ?? policy.requireApproval;
  return req === true || (typeof req === 'object' && matchesCase(req, c)) ? 1 : 0;
}

/** The config path of the approval rule for a case (for refusal messages). */
export function approvalRule(policy: Policy, group: string): string {
  return policy.groups[group]?.requireApproval !== undefined ? `policy.groups.${group}.requireApproval` : 'policy.requireApproval';
}

/**
 * Finds the hosts of the links in a text, lower-cased. Which strings are links is a
 * network's rule (X links `acme.org` but not `e.g.`), so the finder is passed in from the
 * edge (src/text-links, twitter-text) and the policy stays free of text libraries.
 */
export type LinkHosts = (text: string) => string[];

/**
 * Checks a reply's text against the policy: banned phrases, then the link allowlist.
 * Run on the draft when it is written and again at send. Without a `linkHosts` finder,
 * the plain one is used, which finds at least as much as a reader would call a link.
 */
export function checkReplyText(policy: Policy, text: string, linkHosts: LinkHosts = plainLinkHosts): Refusal | undefined {
  const lower = text.toLocaleLowerCase();
  const banned = policy.bannedPhrases.find((p) => lower.includes(p.toLocaleLowerCase()));
  if (banned) return { code: 'invalid_input', rule: 'policy.bannedPhrases', message: `The reply contains "${banned}", which policy.bannedPhrases forbids.` };
  if (policy.linkAllowlist.length > 0) {
    const allowed = policy.linkAllowlist.map((h) => h.toLowerCase());
    const bad = linkHosts(text).find((host) => !allowed.some((a) => host === a || host.endsWith(`.${a}`)));
    if (bad) {
      return { code: 'invalid_input', rule: 'policy.linkAllowlist', message: `The reply links to ${bad}, which is not on policy.linkAllowlist (${allowed.join(', ')}).` };
    }
  }
  return undefined;
}

const WEEKDAY = ['', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A refusal when `now` falls in the policy's quiet hours (no sending then). */
export function checkQuietHours(policy: Policy, now: string): Refusal | undefined {
  const q = policy.quietHours;
  if (!q) return undefined;
  const local = instantIn(now, q.timezone);
  const hhmm = local.toFormat('HH:mm');
  const day = WEEKDAY[local.weekday]!;
  if (q.days && !q.days.includes(day)) return undefined;
  const quiet = q.from < q.to ? hhmm >= q.from && hhmm < q.to : hhmm >= q.from || hhmm < q.to;
  if (!quiet) return undefined;
  return {
    code: 'not_allowed',
    rule: 'policy.quietHours',
    message: `No replies are sent in quiet hours (${q.from}–${q.to}, ${q.timezone}); it is ${hhmm} there now. Send it after ${q.to}.`,
  };
}

/** How long an owner may do nothing before the claim lapses (ms), if claims are leases in this group. */
export function claimTimeoutMs(policy: Policy, group: string): number | undefined {
  return policy.groups[group]?.claimTimeout ?? policy.claimTimeout;
}
