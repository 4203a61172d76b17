import { IANAZone } from 'luxon';
import * as z from 'zod';
import { INTENTS, PRIORITIES } from '../domain/screening.js';
import { durationField } from './duration.js';

/**
 * The parts of earshot.yaml that govern how cases are worked: the participation
 * policy, routing to people, working hours, the SLA clock and retention. Kept apart
 * from schema.ts so the case workflow's configuration reads in one place.
 */

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, {
  error: 'use lower-case letters, digits, "-" or "_" (max 40), starting with a letter or digit',
});
const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'a time like 09:00' });
const HHMM_OR_MIDNIGHT = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, { error: 'a time like 17:30 (24:00 for midnight)' });
const Zone = z.string().refine((z) => IANAZone.isValidZone(z), { error: 'an IANA time zone like Europe/London or America/New_York' });

/**
 * Who a rule names:
 * - `slack:U0123ABCD` — one Slack user;
 * - `teams:<AAD object id>` — one Teams user;
 * - `slack-group:S0123ABCD` — a Slack user group (subteam), resolved through Slack;
 * - `group:<name>` — a group of people defined under `policy.people`;
 * - `*` — everyone in the skill group's channel.
 */
export const PrincipalSchema = z.string().regex(/^(\*|(slack|teams):[A-Za-z0-9._@-]+|slack-group:S[A-Z0-9]{2,}|group:[a-z0-9][a-z0-9_-]{0,39})$/, {
  error: 'name people as slack:U0123ABCD, teams:<AAD object id>, slack-group:S0123ABCD (a Slack user group), group:<name> (policy.people) or *',
});
export type Principal = z.infer<typeof PrincipalSchema>;

/** Matches cases by what screening found. Every condition given must hold; none given matches every case. */
export const CaseMatchSchema = z.strictObject({
  priorities: z.array(z.enum(PRIORITIES)).optional(),
  topics: z.array(z.string().min(1)).optional(),
  intents: z.array(z.enum(INTENTS)).optional(),
  tags: z.array(z.string().min(1)).optional(),
});
export type CaseMatch = z.infer<typeof CaseMatchSchema>;

/** Local opening hours on given weekdays, minus holidays. */
export const BusinessHoursSchema = z.strictObject({
  timezone: Zone.default('UTC'),
  days: z.array(Weekday).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
  from: HHMM.default('09:00'),
  to: HHMM_OR_MIDNIGHT.default('17:00'),
  /** Local dates (YYYY-MM-DD) nobody works. */
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'a date like 2026-12-25' })).default([]),
}).refine((h) => h.to === '24:00' || h.to > h.from, { error: '"to" must be after "from"', path: ['to'] });
export type BusinessHoursConfig = z.infer<typeof BusinessHoursSchema>;

const SecondApproverSchema = CaseMatchSchema.extend({
  /** Who may give the second approval (default: any approver other than the first). */
  by: z.array(PrincipalSchema).optional(),
});

/** One skill group's own participation rules; anything left out falls back to the policy-wide rule. */
export const GroupPolicySchema = z.strictObject({
  claim: z.array(PrincipalSchema).optional(),
  draft: z.array(PrincipalSchema).optional(),
  approve: z.array(PrincipalSchema).optional(),
  send: z.array(PrincipalSchema).optional(),
  requireApproval: z.union([z.boolean(), CaseMatchSchema]).optional(),
  secondApprover: SecondApproverSchema.optional(),
  claimTimeout: durationField(60_000, 'like 30m or 2h; at least 1m').optional(),
});

export const PolicySchema = z.strictObject({
  /** Who may approve or send back drafts. */
  approvers: z.array(PrincipalSchema).default([]),
  /**
   * `true`: every reply is approved before it is sent; `false`: never; or conditions
   * (priorities, topics, intents, tags): only matching cases need approval.
   */
  requireApproval: z.union([z.boolean(), CaseMatchSchema]).default(true),
  /** May the drafter approve their own draft? */
  allowSelfApproval: z.boolean().default(false),
  /** Who may claim, draft and send; empty means everyone in the channel. */
  agents: z.array(PrincipalSchema).default([]),
  bannedPhrases: z.array(z.string().min(1)).default([]),
  /** Cases that need a second, different approver (besides routing rules with `secondApprover`). */
  secondApprover: SecondApproverSchema.optional(),
  /** Hosts replies may link to (subdomains included); empty allows any link. */
  linkAllowlist: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, { error: 'a host name like acme.com' })).default([]),
  /** No replies are sent in this window (it may cross midnight). */
  quietHours: z.strictObject({
    timezone: Zone.default('UTC'),
    from: HHMM,
    to: HHMM,
    days: z.array(Weekday).optional(),
  }).optional(),
  /** A claim is a lease: an owner who does nothing for this long gives the case back to the channel. */
  claimTimeout: durationField(60_000, 'like 30m or 2h; at least 1m').optional(),
  /** Named groups of people, used as `group:<name>` in any rule. */
  people: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/), z.array(PrincipalSchema)).default({}),
  /** Per skill group: who may claim, draft, approve and send there, and its own approval rules. */
  groups: z.record(z.string(), GroupPolicySchema).default({}),
});

/** Routing to people within a skill group. */
export const AssignSchema = z.strictObject({
  /** `assign`: only the chosen agent may claim until the pickup time runs out; `suggest`: anyone may. */
  mode: z.enum(['assign', 'suggest']).default('suggest'),
  strategy: z.enum(['round-robin', 'least-load']).default('least-load'),
  /** Candidates: users, Slack user groups or `group:<name>`. */
  members: z.array(PrincipalSchema).min(1, { error: 'list at least one member' }),
  /** An agent with this many open cases gets no more. */
  maxOpen: z.number().int().positive().default(5),
  /** Not picked up in time: the next agent, then back to the channel. */
  pickupTimeout: durationField(60_000, 'like 10m; at least 1m').default(900_000),
  /** How many agents are tried before the case goes back to the channel. */
  maxTries: z.number().int().positive().default(3),
  /** Ask the chat platform whether people are online (Slack presence, Teams availability). */
  presence: z.boolean().default(false),
});

/** When people are available for assignment. */
export const AvailabilitySchema = z.strictObject({
  /** Working hours for everyone not listed under `people`; absent means always available. */
  default: BusinessHoursSchema.optional(),
  /** Per person (`slack:U…` or `teams:…`). */
  people: z.record(z.string(), BusinessHoursSchema).default({}),
});

const SlaTargetSchema = z.strictObject({
  group: id.optional(),
  priority: z.enum(PRIORITIES).optional(),
  /** Business time to the first public reply. */
  firstResponse: durationField(60_000, 'like 30m or 4h (business time)').optional(),
  /** Business time to closing the case, not counting time spent waiting on the author. */
  resolution: durationField(60_000, 'like 8h (business time)').optional(),
  /** These targets' own business hours (default: sla.hours). */
  hours: BusinessHoursSchema.optional(),
});

export const SlaSchema = z.strictObject({
  hours: BusinessHoursSchema.default(BusinessHoursSchema.parse({})),
  /** The reminder comes this much business time before the deadline. */
  remindBefore: durationField(0).default(900_000),
  /** The most specific target wins: group and priority, then group, then priority, then neither. */
  targets: z.array(SlaTargetSchema).min(1, { error: 'list at least one target' }),
});
export type SlaConfig = z.infer<typeof SlaSchema>;

export const RetentionSchema = z.strictObject({
  /** Cases (with the author's posts and names) are purged this many days after they were last changed. */
  days: z.number().int().positive(),
  /** Also purge cases still open after this many days (default: never). */
  openDays: z.number().int().positive().optional(),
});

export const JobsSchema = z.strictObject({
  /** How often the SLA sweep runs (claim leases, snoozes, assignments, reminders). */
  sweepInterval: durationField(1_000, 'like 60s; at least 1s').default(60_000),
  retentionInterval: durationField(60_000, 'like 1h').default(3_600_000),
  /**
   * How often finished metrics days (and weeks, months) are sealed ahead of the first
   * answer that reads them; a day becomes sealable 2 h after its end.
   */
  metricsSealInterval: durationField(60_000, 'like 1h').default(3_600_000),
});

/** Cross-checks that need the whole file: unknown groups and people named in rules. */
export function checkWorkflowConfig(cfg: Partial<Record<string, unknown>>, groups: Set<string>, addIssue: (path: PropertyKey[], message: string) => void): void {
  const policy = (cfg.policy ?? {}) as { people?: unknown; groups?: unknown; approvers?: unknown; agents?: unknown };
  const people = new Set(Object.keys(policy.people && typeof policy.people === 'object' ? policy.people : {}));
  const known = [...groups].join(', ');
  const checkRefs = (list: unknown, path: PropertyKey[]) => {
    if (!Array.isArray(list)) return;
    list.forEach((p, i) => {
      if (typeof p === 'string' && p.startsWith('group:') && !people.has(p.slice(6))) {
        addIssue([...path, i], `no group of people "${p.slice(6)}" under policy.people (has: ${[...people].join(', ') || 'none'})`);
      }
    });
  };
  checkRefs(policy.approvers, ['policy', 'approvers']);
  checkRefs(policy.agents, ['policy', 'agents']);
  if (policy.groups && typeof policy.groups === 'object') {
    for (const [g, rules] of Object.entries(policy.groups as Record<string, unknown>)) {
      if (!groups.has(g)) addIssue(['policy', 'groups', g], `unknown group "${g}" (groups: ${known})`);
      if (rules && typeof rules === 'object') {
        for (const k of ['claim', 'draft', 'approve', 'send']) checkRefs((rules as Record<string, unknown>)[k], ['policy', 'groups', g, k]);
      }
    }
  }
  const groupList = Array.isArray(cfg.groups) ? (cfg.groups as Array<{ assign?: { members?: unknown } } | undefined>) : [];
  groupList.forEach((g, i) => checkRefs(g?.assign?.members, ['groups', i, 'assign', 'members']));
  const sla = (cfg.sla ?? {}) as { targets?: unknown };
  if (Array.isArray(sla.targets)) {
    sla.targets.forEach((t: { group?: unknown } | undefined, i) => {
      if (typeof t?.group === 'string' && !groups.has(t.group)) addIssue(['sla', 'targets', i, 'group'], `unknown group "${t.group}" (groups: ${known})`);
    });
  }
}
