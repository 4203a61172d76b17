import { describe, expect, it } from 'vitest';
import {
  approvalsNeeded, checkQuietHours, checkReplyText, expandPrincipals, matchesPrincipal, mayAct,
} from '../../src/cases/policy.js';
import { transition, type CaseCommand } from '../../src/cases/workflow.js';
import type { Policy } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case, CaseStatus } from '../../src/domain/case.js';
import { linkHosts } from '../../src/text-links/link-hosts.js';
import { alice, bob, carol, lead, lead2, makeCase, NOW, policy, system, templates } from './case-fixture.js';

const urgentLegal = { group: 'care', tags: ['legal'], priority: 'urgent' as const, drop: false, pii: [], rulesFired: [], secondApprover: false, topic: 'refunds' };

/** [name, status, command, actor, policy, case patch, rule that refuses (or the status it reaches)] */
type Row = [string, CaseStatus, CaseCommand, Actor, Partial<Record<keyof Policy, unknown>>, Partial<Case>, { rule: string } | { to: CaseStatus }, { now?: string; memberOf?: (a: Actor) => readonly string[] }?];

const baggage: Partial<Case> = { group: 'baggage', screening: { ...makeCase('new').screening, group: 'baggage' } };

const rows: Row[] = [
  // Who may claim, draft, approve and send: policy-wide lists…
  ['agents list: a stranger may not claim', 'new', { type: 'claim' }, bob, { agents: ['slack:UALICE'] }, {}, { rule: 'policy.agents' }],
  ['agents list: an agent may claim', 'new', { type: 'claim' }, alice, { agents: ['slack:UALICE'] }, {}, { to: 'claimed' }],
  ['agents list: an approver may also claim', 'new', { type: 'claim' }, lead, { agents: ['slack:UALICE'] }, {}, { to: 'claimed' }],
  ['approvers list: an agent may not approve', 'drafted', { type: 'approve' }, bob, {}, {}, { rule: 'policy.approvers' }],
  ['approvers list: nobody named, nobody approves', 'drafted', { type: 'approve' }, lead, { approvers: [] }, {}, { rule: 'policy.approvers' }],
  ['a Teams approver approves', 'drafted', { type: 'approve' }, lead2, {}, {}, { to: 'approved' }],
  // …and per skill group.
  ['group claim list refuses others', 'new', { type: 'claim' }, alice, { groups: { baggage: { claim: ['slack:UBOB'] } } }, baggage, { rule: 'policy.groups.baggage.claim' }],
  ['group claim list admits its member', 'new', { type: 'claim' }, bob, { groups: { baggage: { claim: ['slack:UBOB'] } } }, baggage, { to: 'claimed' }],
  ['group draft list', 'claimed', { type: 'draft', text: 'Hi' }, alice, { groups: { baggage: { draft: ['slack:UBOB'] } } }, baggage, { rule: 'policy.groups.baggage.draft' }],
  ['group approve list refuses a policy-wide approver', 'drafted', { type: 'approve' }, lead, { groups: { baggage: { approve: ['teams:00000000-0000-0000-0000-00000000000b'] } } }, baggage, { rule: 'policy.groups.baggage.approve' }],
  ['group approve list admits its approver', 'drafted', { type: 'approve' }, lead2, { groups: { baggage: { approve: ['teams:00000000-0000-0000-0000-00000000000b'] } } }, baggage, { to: 'approved' }],
  ['group send list refuses the drafter', 'approved', { type: 'send' }, alice, { groups: { baggage: { send: ['group:senders'] } }, people: { senders: ['slack:UBOB'] } }, baggage, { rule: 'policy.groups.baggage.send' }],
  ['group send list through a group of people', 'approved', { type: 'send' }, bob, { groups: { baggage: { send: ['group:senders'] } }, people: { senders: ['slack:UBOB'] } }, baggage, { to: 'sending' }],
  ['a Slack user group the adapter resolved', 'new', { type: 'claim' }, bob, { agents: ['slack-group:S0TEAM'] }, {}, { to: 'claimed' }, { memberOf: (a) => (a.id === 'UBOB' ? ['slack-group:S0TEAM'] : []) }],
  ['a Slack user group: not a member', 'new', { type: 'claim' }, alice, { agents: ['slack-group:S0TEAM'] }, {}, { rule: 'policy.agents' }, { memberOf: (a) => (a.id === 'UBOB' ? ['slack-group:S0TEAM'] : []) }],
  ['a Teams user by AAD id', 'new', { type: 'claim' }, carol, { agents: ['teams:carol-aad'] }, {}, { to: 'claimed' }],
  // Self-approval.
  ['the drafter may not approve their own draft', 'drafted', { type: 'approve' }, lead, {}, { owner: lead, draft: { text: 'x', by: lead, at: NOW } }, { rule: 'policy.allowSelfApproval' }],
  // When approval is needed.
  ['approval always: an unapproved draft cannot be sent', 'drafted', { type: 'send' }, alice, {}, {}, { rule: 'policy.requireApproval' }],
  ['approval off: sent straight from the draft', 'drafted', { type: 'send' }, alice, { requireApproval: false }, {}, { to: 'sending' }],
  ['approval only for urgent: a normal case goes straight out', 'drafted', { type: 'send' }, alice, { requireApproval: { priorities: ['urgent', 'high'] } }, {}, { to: 'sending' }],
  ['approval only for urgent: an urgent case needs it', 'drafted', { type: 'send' }, alice, { requireApproval: { priorities: ['urgent'] } }, { screening: urgentLegal }, { rule: 'policy.requireApproval' }],
  ['approval by topic in one group', 'drafted', { type: 'send' }, alice, { requireApproval: false, groups: { care: { requireApproval: { topics: ['refunds'] } } } }, { screening: urgentLegal }, { rule: 'policy.groups.care.requireApproval' }],
  // A second approver for sensitive topics.
  ['second approver: one approval is not enough', 'drafted', { type: 'approve' }, lead, { secondApprover: { tags: ['legal'] } }, { screening: urgentLegal }, { to: 'drafted' }],
  ['second approver: the same person twice', 'drafted', { type: 'approve' }, lead, { secondApprover: { tags: ['legal'] } }, { screening: urgentLegal, approvals: [lead] }, { rule: 'policy.secondApprover' }],
  ['second approver must be on the by list', 'drafted', { type: 'approve' }, lead2, { secondApprover: { tags: ['legal'], by: ['group:legal'] }, people: { legal: ['slack:UBOB'] } }, { screening: urgentLegal, approvals: [lead] }, { rule: 'policy.secondApprover.by' }],
  ['second approver on the by list completes it', 'drafted', { type: 'approve' }, bob, { approvers: ['slack:ULEAD', 'slack:UBOB'], secondApprover: { tags: ['legal'], by: ['slack:UBOB'] } }, { screening: urgentLegal, approvals: [lead] }, { to: 'approved' }],
  ['second approver flagged by a routing rule', 'drafted', { type: 'approve' }, lead, {}, { screening: { ...urgentLegal, tags: [], secondApprover: true } }, { to: 'drafted' }],
  // Reply content.
  ['banned phrase in a draft', 'claimed', { type: 'draft', text: 'We GUARANTEE it' }, alice, { bannedPhrases: ['guarantee'] }, {}, { rule: 'policy.bannedPhrases' }],
  ['banned phrase checked again at send', 'approved', { type: 'send' }, alice, { bannedPhrases: ['sorry'] }, {}, { rule: 'policy.bannedPhrases' }],
  ['a link not on the allowlist', 'claimed', { type: 'draft', text: 'See https://evil.example.net/x' }, alice, { linkAllowlist: ['acme.com'] }, {}, { rule: 'policy.linkAllowlist' }],
  ['a bare domain not on the allowlist', 'claimed', { type: 'draft', text: 'Try bit.ly/abc please' }, alice, { linkAllowlist: ['acme.com'] }, {}, { rule: 'policy.linkAllowlist' }],
  ['a subdomain of an allowed host', 'claimed', { type: 'draft', text: 'See https://help.acme.com/bags' }, alice, { linkAllowlist: ['acme.com'] }, {}, { to: 'drafted' }],
  ['a host that only ends like an allowed one', 'claimed', { type: 'draft', text: 'See https://notacme.com' }, alice, { linkAllowlist: ['acme.com'] }, {}, { rule: 'policy.linkAllowlist' }],
  // Quiet hours: no sending.
  ['quiet hours refuse sending', 'approved', { type: 'send' }, alice, { quietHours: { timezone: 'Europe/London', from: '22:00', to: '07:00' } }, {}, { rule: 'policy.quietHours' }, { now: '2026-01-05T23:30:00.000Z' }],
  ['outside quiet hours sending works', 'approved', { type: 'send' }, alice, { quietHours: { timezone: 'Europe/London', from: '22:00', to: '07:00' } }, {}, { to: 'sending' }, { now: '2026-01-05T12:00:00.000Z' }],
  ['quiet hours only on the days listed', 'approved', { type: 'send' }, alice, { quietHours: { timezone: 'UTC', from: '00:00', to: '23:59', days: ['sat', 'sun'] } }, {}, { to: 'sending' }],
  ['quiet hours do not stop drafting', 'claimed', { type: 'draft', text: 'Hi' }, alice, { quietHours: { timezone: 'UTC', from: '00:00', to: '23:59' } }, {}, { to: 'drafted' }],
  // Routing to people.
  ['assign mode: only the assignee may claim', 'new', { type: 'claim' }, alice, {}, { assignment: { to: bob, mode: 'assign', at: NOW } }, { rule: 'groups.care.assign' }],
  ['assign mode: the assignee claims', 'new', { type: 'claim' }, bob, {}, { assignment: { to: bob, mode: 'assign', at: NOW } }, { to: 'claimed' }],
  ['assign mode: a lead may take it anyway', 'new', { type: 'claim' }, lead, {}, { assignment: { to: bob, mode: 'assign', at: NOW } }, { to: 'claimed' }],
  ['suggest mode: anyone may claim', 'new', { type: 'claim' }, alice, {}, { assignment: { to: bob, mode: 'suggest', at: NOW } }, { to: 'claimed' }],
  ['assign mode: drafting counts as taking it', 'new', { type: 'draft', text: 'Hi' }, alice, {}, { assignment: { to: bob, mode: 'assign', at: NOW } }, { rule: 'groups.care.assign' }],
  ['reassign to someone who may not work the group', 'claimed', { type: 'reassign', to: bob }, alice, { agents: ['slack:UALICE'] }, {}, { rule: 'policy.agents' }],
  ['reassign by someone who neither owns it nor leads', 'claimed', { type: 'reassign', to: bob }, carol, {}, {}, { rule: 'policy.approvers' }],
  ['a lead reassigns', 'claimed', { type: 'reassign', to: bob }, lead, {}, {}, { to: 'claimed' }],
  // Templates for redirect.
  ['redirect needs a private template', 'claimed', { type: 'redirect', templateId: 'general' }, alice, {}, {}, { rule: 'templates[].private' }],
  ['redirect with an unknown template', 'claimed', { type: 'redirect', templateId: 'nope' }, alice, {}, {}, { rule: 'templates' }],
];

describe('participation policy: every refusal names its rule', () => {
  it.each(rows)('%s', (_name, status, cmd, actor, pol, patch, expected, opts) => {
    const c = makeCase(status, patch);
    const r = transition(c, cmd, { policy: policy(pol), actor, now: opts?.now ?? NOW, expectedVersion: c.version, templates, memberOf: opts?.memberOf });
    if ('to' in expected) {
      expect(r.ok, r.ok ? '' : `${r.refusal.rule}: ${r.refusal.message}`).toBe(true);
      if (r.ok) expect(r.case.status).toBe(expected.to);
    } else {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.refusal.rule).toBe(expected.rule);
        // The person is told in words, and the words name the rule where it is configuration.
        if (expected.rule.startsWith('policy.')) expect(r.refusal.message).toContain(expected.rule.replace(/\.by$/, ''));
      }
    }
  });
});

describe('policy helpers', () => {
  it('expands groups of people and survives cycles', () => {
    const p = policy({ people: { a: ['slack:U1', 'group:b'], b: ['group:a', 'teams:T2', 'slack-group:S0X'] } });
    expect(expandPrincipals(p, ['group:a']).sort()).toEqual(['slack-group:S0X', 'slack:U1', 'teams:T2']);
    expect(matchesPrincipal(p, ['group:a'], { platform: 'teams', id: 'T2' })).toBe(true);
    expect(matchesPrincipal(p, ['group:a'], { platform: 'slack', id: 'U9' })).toBe(false);
    expect(matchesPrincipal(p, ['*'], { platform: 'slack', id: 'U9' })).toBe(true);
  });

  it('the system actor may always act', () => {
    expect(mayAct(policy({ approvers: [] }), 'care', 'approve', system)).toBe(true);
  });

  it('counts approvals needed: 0, 1 or 2', () => {
    expect(approvalsNeeded(policy({ requireApproval: false }), makeCase('new'))).toBe(0);
    expect(approvalsNeeded(policy(), makeCase('new'))).toBe(1);
    expect(approvalsNeeded(policy({ requireApproval: false, secondApprover: { priorities: ['urgent'] } }), makeCase('new', { screening: urgentLegal }))).toBe(2);
    expect(approvalsNeeded(policy({ requireApproval: { intents: ['complaint'] } }), makeCase('new'))).toBe(0);
  });

  it('finds links the way X does', () => {
    expect(linkHosts('see https://Help.Acme.com/x and acme.org, mail help@acme.net')).toEqual(['help.acme.com', 'acme.org']);
    expect(linkHosts('e.g. this, i.e. that')).toEqual([]);
  });

  it('checks reply text: banned phrases before links', () => {
    const p = policy({ bannedPhrases: ['free'], linkAllowlist: ['acme.com'] });
    expect(checkReplyText(p, 'free at evil.com')?.rule).toBe('policy.bannedPhrases');
    expect(checkReplyText(p, 'see evil.com')?.rule).toBe('policy.linkAllowlist');
    expect(checkReplyText(p, 'see acme.com')).toBeUndefined();
  });

  it('quiet hours across midnight, in the configured zone', () => {
    const p = policy({ quietHours: { timezone: 'America/New_York', from: '20:00', to: '08:00' } });
    expect(checkQuietHours(p, '2026-01-06T02:00:00.000Z')?.message).toContain('21:00');
    expect(checkQuietHours(p, '2026-01-06T14:00:00.000Z')).toBeUndefined();
    expect(checkQuietHours(p, '2026-01-06T12:59:00.000Z')).toBeDefined();
  });
});
