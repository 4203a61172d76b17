import { describe, expect, it } from 'vitest';
import { inQuietHours, parseNotify, pendingRecipients, planAlerts, silenceOf, type AlertKind } from '../../src/cases/alerts.js';
import { GroupSchema } from '../../src/config/schema.js';
import { alice, bob, lead, makeCase, NOW, policy, system } from './case-fixture.js';

const groups = (extra: Record<string, unknown> = {}) => [GroupSchema.parse({ id: 'care', slack: { channel: 'C0CARE0001' }, leads: ['slack:UBOSS'], ...extra })];
const config = (p = policy(), g = groups()) => ({ policy: p, groups: g });
const audit = (action: string, note?: string) => [{ at: NOW, actor: system, action, from: 'new' as const, to: 'new' as const, ...(note ? { note } : {}) }];

describe('who a personal alert is pending for', () => {
  it.each<[string, ReturnType<typeof makeCase>, AlertKind, string[] | undefined]>([
    ['an offer: the chosen agent', makeCase('new', { assignment: { to: bob, mode: 'assign', at: NOW } }), 'assignment', ['slack:UBOB']],
    ['no offer once someone owns it', makeCase('claimed', { assignment: { to: bob, mode: 'assign', at: NOW } }), 'assignment', undefined],
    ['a draft: every approver but its author', makeCase('drafted', { draft: { text: 'x', by: lead, at: NOW } }), 'approval', ['teams:00000000-0000-0000-0000-00000000000b']],
    ['a draft: not those who approved already', makeCase('drafted', { approvals: [lead] }), 'approval', ['teams:00000000-0000-0000-0000-00000000000b']],
    ['no approval alert for an approved draft', makeCase('approved'), 'approval', undefined],
    ['sent back: the draft\'s author', makeCase('rejected', { draft: { text: 'x', by: alice, at: NOW }, rejection: { by: lead, note: 'tone', at: NOW } }), 'sentBack', ['slack:UALICE']],
    ['an escalation: the group\'s leads', makeCase('escalated'), 'escalation', ['slack:UBOSS']],
    ['an escalation: the leads it was raised for', makeCase('escalated', { escalation: { at: NOW, by: alice, leads: ['slack:UOTHER'] } }), 'escalation', ['slack:UOTHER']],
  ])('%s', (_name, c, kind, want) => {
    expect(pendingRecipients(c, kind, config())).toEqual(want);
  });

  it('asks the author too when self-approval is allowed, and never names "anyone"', () => {
    const c = makeCase('drafted', { draft: { text: 'x', by: lead, at: NOW } });
    expect(pendingRecipients(c, 'approval', config(policy({ allowSelfApproval: true, approvers: ['slack:ULEAD', '*'] })))).toEqual(['slack:ULEAD']);
  });
});

describe('what a case change asks of the alerts', () => {
  it('a new draft asks for approval alerts; approving it closes them', () => {
    const claimed = makeCase('claimed');
    const drafted = makeCase('drafted', { version: 4 });
    expect(planAlerts(claimed, drafted, config())).toEqual([{ kind: 'approval' }]);
    const approved = makeCase('approved', { version: 5 });
    expect(planAlerts(drafted, approved, config())).toEqual([{ kind: 'approval' }]);
    // Nothing pending before or after: nothing to do.
    expect(planAlerts(approved, makeCase('sent', { version: 6 }), config())).toEqual([]);
  });

  it('a kind switched off for the group is not sent, but DMs already out are still closed', () => {
    const off = groups({ alerts: { approval: false } });
    const drafted = makeCase('drafted', { version: 4 });
    expect(planAlerts(makeCase('claimed'), drafted, config(policy(), off))).toEqual([]);
    expect(planAlerts(drafted, makeCase('approved', { version: 5 }), config(policy(), off))).toEqual([{ kind: 'approval' }]);
  });

  it('an SLA reminder goes to the owner; a lapsed claim to whoever held it', () => {
    const prev = makeCase('claimed');
    const reminded = makeCase('claimed', { audit: audit('sla_mark', 'SLA reminder: first response due in 15m') });
    expect(planAlerts(prev, reminded, config())).toEqual([{ kind: 'sla', event: { to: ['slack:UALICE'], note: 'SLA reminder: first response due in 15m' } }]);
    const lapsed = makeCase('new', { version: 4, owner: undefined, audit: audit('expire_claim') });
    expect(planAlerts(prev, lapsed, config())[0]).toMatchObject({ kind: 'sla', event: { to: ['slack:UALICE'] } });
    expect(planAlerts(prev, reminded, config(policy(), groups({ alerts: { sla: false } })))).toEqual([]);
  });
});

describe('quiet hours and silences', () => {
  it.each([
    ['18:00', '08:00', '2026-01-05T19:30:00.000Z', 'UTC', true],
    ['18:00', '08:00', '2026-01-05T07:59:00.000Z', 'UTC', true],
    ['18:00', '08:00', '2026-01-05T08:00:00.000Z', 'UTC', false],
    ['12:00', '13:00', '2026-01-05T12:30:00.000Z', 'UTC', true],
    // 10:00 UTC is 19:00 in Tokyo: inside 18:00-08:00 there.
    ['18:00', '08:00', '2026-01-05T10:00:00.000Z', 'Asia/Tokyo', true],
    ['18:00', '08:00', '2026-01-05T10:00:00.000Z', 'Europe/London', false],
  ])('%s-%s at %s in %s: quiet %s', (from, to, now, zone, want) => {
    expect(inQuietHours({ from, to }, zone, now)).toBe(want);
  });

  const base = { kind: 'approval' as AlertKind, pref: { mode: 'on' as const, quiet: { from: '18:00', to: '08:00' } }, zone: 'UTC', now: '2026-01-05T20:00:00.000Z', working: true, allowed: true };
  it.each<[string, Partial<typeof base>, string | undefined]>([
    ['notify off', { pref: { mode: 'off' } as never }, 'off'],
    ['inside quiet hours', {}, 'quiet-hours'],
    ['an escalation goes through quiet hours', { kind: 'escalation' }, undefined],
    ['but not through notify off', { kind: 'escalation', pref: { mode: 'off' } as never }, 'off'],
    ['outside working hours', { now: '2026-01-05T12:00:00.000Z', working: false }, 'off-hours'],
    ['not allowed to act', { now: '2026-01-05T12:00:00.000Z', allowed: false }, 'not-allowed'],
    ['otherwise sent', { now: '2026-01-05T12:00:00.000Z' }, undefined],
  ])('%s', (_name, patch, want) => {
    expect(silenceOf({ ...base, ...patch })).toBe(want);
  });
});

describe('notify settings as typed', () => {
  const on = { mode: 'on' as const };
  it.each<[string[], unknown]>([
    [[], { ok: true, pref: undefined }],
    [['off'], { ok: true, pref: { mode: 'off' } }],
    [['ON'], { ok: true, pref: { mode: 'on' } }],
    [['quiet', '18:00-08:00'], { ok: true, pref: { mode: 'on', quiet: { from: '18:00', to: '08:00' } } }],
    [['quiet', 'off'], { ok: true, pref: { mode: 'on' } }],
  ])('%j', (args, want) => {
    expect(parseNotify(args, on)).toEqual(want);
  });

  it.each([[['loud']], [['quiet', '6pm-8am']], [['quiet', '25:00-08:00']], [['quiet', '08:00-08:00']]])('refuses %j with words', (args) => {
    const r = parseNotify(args, on);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toMatch(/notify|Quiet hours/);
  });
});
