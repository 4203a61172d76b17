import { describe, expect, it } from 'vitest';
import { transition, type CaseCommand } from '../../src/cases/workflow.js';
import { PolicySchema, type Policy } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case, CaseStatus } from '../../src/domain/case.js';

const alice: Actor = { platform: 'slack', id: 'UALICE', name: 'Alice' };
const bob: Actor = { platform: 'slack', id: 'UBOB', name: 'Bob' };
const lead: Actor = { platform: 'slack', id: 'ULEAD', name: 'Lea' };
const lead2: Actor = { platform: 'teams', id: '00000000-0000-0000-0000-00000000000b', name: 'Tom' };
const system: Actor = { platform: 'system', id: 'earshot' };
const NOW = '2026-01-05T10:00:00.000Z';

const policy = (p: Partial<Policy> = {}): Policy => PolicySchema.parse({ approvers: ['slack:ULEAD', 'teams:00000000-0000-0000-0000-00000000000b'], ...p });

function makeCase(status: CaseStatus, patch: Partial<Case> = {}): Case {
  const owned = ['claimed', 'drafted', 'rejected', 'approved', 'sending', 'sent'].includes(status);
  const drafted = ['drafted', 'approved', 'sending', 'sent'].includes(status);
  return {
    id: '7', version: 3, status, group: 'care',
    mention: { network: 'x', source: 'x', id: '100', text: 'hi', createdAt: NOW, url: 'https://x.com/i/web/status/100', author: { id: 'a1', handle: 'cust', name: 'Cust', followers: 10, verified: false }, isRepost: false, isQuote: false },
    screening: { group: 'care', tags: [], priority: 'normal', drop: false, pii: [], rulesFired: [], secondApprover: false },
    approvals: status === 'approved' ? [lead] : [],
    createdAt: NOW, updatedAt: NOW, views: [], audit: [], duplicates: 0,
    ...(owned ? { owner: alice } : {}),
    ...(drafted ? { draft: { text: 'Sorry about that!', by: alice, at: NOW } } : {}),
    ...patch,
  };
}

type Row = [string, CaseStatus, CaseCommand, Actor, CaseStatus | { refused: string | RegExp }, Partial<Policy>?, Partial<Case>?];

const rows: Row[] = [
  ['claim a new case', 'new', { type: 'claim' }, alice, 'claimed'],
  ['claim what someone else owns', 'claimed', { type: 'claim' }, bob, { refused: 'Alice already owns this case.' }],
  ['claim your own case again', 'claimed', { type: 'claim' }, alice, { refused: 'You already own this case.' }],
  ['claim a closed case', 'closed', { type: 'claim' }, bob, { refused: /cannot be claimed/ }],
  ['claim when not an agent', 'new', { type: 'claim' }, bob, { refused: /policy\.agents/ }, { agents: ['slack:UALICE'] }],
  ['release by the owner', 'claimed', { type: 'release' }, alice, 'new'],
  ['release by someone else', 'claimed', { type: 'release' }, bob, { refused: /Only Alice/ }],
  ['draft by the owner', 'claimed', { type: 'draft', text: 'Hello' }, alice, 'drafted'],
  ['draft on a new case claims it', 'new', { type: 'draft', text: 'Hello' }, bob, 'drafted'],
  ['draft by a non-owner', 'claimed', { type: 'draft', text: 'Hello' }, bob, { refused: /Alice owns this case/ }],
  ['empty draft', 'claimed', { type: 'draft', text: '   ' }, alice, { refused: 'The reply is empty.' }],
  ['draft with a banned phrase', 'claimed', { type: 'draft', text: 'We guarantee it' }, alice, { refused: /policy\.bannedPhrases/ }, { bannedPhrases: ['guarantee'] }],
  ['redraft after rejection', 'rejected', { type: 'draft', text: 'Better' }, alice, 'drafted', {}, { draft: { text: 'x', by: alice, at: NOW } }],
  ['editing an approved draft needs approval again', 'approved', { type: 'draft', text: 'Changed' }, alice, 'drafted'],
  ['approve by an approver', 'drafted', { type: 'approve' }, lead, 'approved'],
  ['approve by a Teams approver', 'drafted', { type: 'approve' }, lead2, 'approved'],
  ['approve by a non-approver', 'drafted', { type: 'approve' }, bob, { refused: /policy\.approvers/ }],
  ['approve your own draft', 'drafted', { type: 'approve' }, lead, { refused: /policy\.allowSelfApproval/ }, {}, { owner: lead, draft: { text: 'x', by: lead, at: NOW } }],
  ['approve your own draft when allowed', 'drafted', { type: 'approve' }, lead, 'approved', { allowSelfApproval: true }, { owner: lead, draft: { text: 'x', by: lead, at: NOW } }],
  ['approve with nothing drafted', 'claimed', { type: 'approve' }, lead, { refused: /no draft waiting/ }],
  ['second approver: first approval keeps it drafted', 'drafted', { type: 'approve' }, lead, 'drafted', {}, { screening: { group: 'care', tags: [], priority: 'urgent', drop: false, pii: [], rulesFired: [], secondApprover: true } }],
  ['second approver: the same person twice', 'drafted', { type: 'approve' }, lead, { refused: /already approved/ }, {}, { approvals: [lead], screening: { group: 'care', tags: [], priority: 'urgent', drop: false, pii: [], rulesFired: [], secondApprover: true } }],
  ['second approver: another approver completes it', 'drafted', { type: 'approve' }, lead2, 'approved', {}, { approvals: [lead], screening: { group: 'care', tags: [], priority: 'urgent', drop: false, pii: [], rulesFired: [], secondApprover: true } }],
  ['reject with a note', 'drafted', { type: 'reject', note: 'Too casual' }, lead, 'rejected'],
  ['reject without a note', 'drafted', { type: 'reject', note: ' ' }, lead, { refused: /note is required/ }],
  ['reject by a non-approver', 'drafted', { type: 'reject', note: 'no' }, bob, { refused: /policy\.approvers/ }],
  ['send an approved draft', 'approved', { type: 'send' }, alice, 'sending'],
  ['send an unapproved draft', 'drafted', { type: 'send' }, alice, { refused: /Only an approved draft/ }],
  ['send a draft when approval is off', 'drafted', { type: 'send' }, alice, 'sending', { requireApproval: false }],
  ['send with nothing drafted, approval off', 'claimed', { type: 'send' }, alice, { refused: /no draft to send/ }, { requireApproval: false }],
  ['the network records the reply', 'sending', { type: 'sent', reply: { id: '900', url: 'https://x.com/i/web/status/900', at: NOW, text: 'x' } }, system, 'sent'],
  ['a failed send returns to approved', 'sending', { type: 'send_failed', error: 'X said 503' }, system, 'approved'],
  ['sent twice', 'sent', { type: 'sent', reply: { id: '900', url: 'u', at: NOW, text: 'x' } }, system, { refused: /Nothing is being sent/ }],
  ['escalate a new case', 'new', { type: 'escalate' }, bob, 'escalated'],
  ['escalate while sending', 'sending', { type: 'escalate' }, bob, { refused: /cannot be escalated/ }],
  ['claim an escalated case', 'escalated', { type: 'claim' }, bob, 'escalated'],
  ['close an answered case', 'sent', { type: 'close' }, alice, 'closed'],
  ['close while sending', 'sending', { type: 'close' }, alice, { refused: /being sent/ }],
  ['close twice', 'closed', { type: 'close' }, alice, { refused: 'This case is already closed.' }],
  ['reopen a closed case', 'closed', { type: 'reopen' }, bob, 'new'],
  ['reopen an open case', 'claimed', { type: 'reopen' }, bob, { refused: /Only a closed, answered, ignored or redirected case/ }],
];

describe('workflow transitions', () => {
  it.each(rows)('%s', (_name, status, cmd, actor, expected, pol, patch) => {
    const c = makeCase(status, patch);
    const r = transition(c, cmd, { policy: policy(pol), actor, now: NOW, expectedVersion: c.version });
    if (typeof expected === 'string') {
      expect(r.ok, r.ok ? '' : r.refusal.message).toBe(true);
      if (!r.ok) return;
      expect(r.case.status).toBe(expected);
      expect(r.case.version).toBe(c.version + 1);
      expect(r.case.audit.at(-1)).toMatchObject({ actor, action: cmd.type, from: status, to: expected, at: NOW });
    } else {
      expect(r.ok).toBe(false);
      if (r.ok) return;
      if (typeof expected.refused === 'string') expect(r.refusal.message).toBe(expected.refused);
      else expect(r.refusal.message).toMatch(expected.refused);
    }
  });

  it('refuses a stale click and says what happened', () => {
    const c = makeCase('claimed');
    const r = transition(c, { type: 'claim' }, { policy: policy(), actor: bob, now: NOW, expectedVersion: c.version - 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.refusal.code).toBe('stale');
      expect(r.refusal.message).toContain('Alice has claimed it');
    }
  });

  it('does not change the case it was given', () => {
    const c = makeCase('new');
    const before = JSON.stringify(c);
    transition(c, { type: 'claim' }, { policy: policy(), actor: alice, now: NOW });
    expect(JSON.stringify(c)).toBe(before);
  });

  it('checks the network rules on the draft and again at send', () => {
    const checkReply = (t: string) => (t.length > 10 ? `too long (${t.length})` : undefined);
    const c = makeCase('claimed');
    const d = transition(c, { type: 'draft', text: 'this is far too long' }, { policy: policy(), actor: alice, now: NOW, checkReply });
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.refusal.message).toBe('too long (20)');
    const a = makeCase('approved', { draft: { text: 'this is far too long', by: alice, at: NOW } });
    const s = transition(a, { type: 'send' }, { policy: policy(), actor: alice, now: NOW, checkReply });
    expect(s.ok).toBe(false);
  });

  it('walks claim → draft → reject → redraft → approve → send → sent', () => {
    const p = policy();
    let c = makeCase('new');
    const steps: Array<[CaseCommand, Actor, CaseStatus]> = [
      [{ type: 'claim' }, alice, 'claimed'],
      [{ type: 'draft', text: 'First try' }, alice, 'drafted'],
      [{ type: 'reject', note: 'Warmer, please' }, lead, 'rejected'],
      [{ type: 'draft', text: 'Second try' }, alice, 'drafted'],
      [{ type: 'approve' }, lead, 'approved'],
      [{ type: 'send' }, alice, 'sending'],
      [{ type: 'sent', reply: { id: '9', url: 'https://x.com/i/web/status/9', at: NOW, text: 'Second try' } }, system, 'sent'],
    ];
    for (const [cmd, actor, to] of steps) {
      const r = transition(c, cmd, { policy: p, actor, now: NOW, expectedVersion: c.version });
      expect(r.ok, r.ok ? '' : r.refusal.message).toBe(true);
      if (!r.ok) return;
      c = r.case;
      expect(c.status).toBe(to);
    }
    expect(c.audit.map((a) => a.action)).toEqual(['claim', 'draft', 'reject', 'draft', 'approve', 'send', 'sent']);
    expect(c.reply?.id).toBe('9');
    expect(c.version).toBe(3 + steps.length);
  });
});
