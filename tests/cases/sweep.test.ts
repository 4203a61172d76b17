import { describe, expect, it } from 'vitest';
import { planSweep } from '../../src/cases/sweep.js';
import { transition } from '../../src/cases/workflow.js';
import { GroupSchema } from '../../src/config/schema.js';
import { actorOfRef, chooseAgent, isWorkingTime, type Candidate } from '../../src/routing/assign-agent.js';
import { BusinessHoursSchema } from '../../src/config/workflow-schema.js';
import { alice, bob, carol, makeCase, NOW, policy, system } from './case-fixture.js';

const group = (assign?: Record<string, unknown>) => GroupSchema.parse({ id: 'care', slack: { channel: 'C0CARE0001' }, ...(assign ? { assign } : {}) });
const cfg = (p = policy(), groups = [group()]) => ({ policy: p, groups, sla: undefined });
const plus = (min: number) => new Date(Date.parse(NOW) + min * 60_000).toISOString();

describe('the sweep plan (claim leases, snoozes, assignments)', () => {
  it('wakes a snoozed case once its time has come, not before', () => {
    const c = makeCase('snoozed');
    expect(planSweep([c], cfg(), plus(59))).toEqual([]);
    expect(planSweep([c], cfg(), plus(60))).toEqual([{ kind: 'wake', caseId: '7', version: 3 }]);
    const woken = transition(c, { type: 'wake' }, { policy: policy(), actor: system, now: plus(60) });
    expect(woken.ok && woken.case.status).toBe('new');
    const early = transition(c, { type: 'wake' }, { policy: policy(), actor: system, now: plus(10) });
    expect(early.ok).toBe(false);
  });

  it('lets an idle claim lapse after the configured time, counted from the owner\'s last action', () => {
    const p = policy({ claimTimeout: '30m' });
    const c = makeCase('claimed');
    expect(planSweep([c], cfg(p), plus(29))).toEqual([]);
    expect(planSweep([c], cfg(p), plus(30))).toEqual([{ kind: 'expire_claim', caseId: '7', version: 3 }]);
    // The owner drafting renews the lease; a rejected draft puts it back in their hands.
    const drafted = transition(c, { type: 'draft', text: 'x' }, { policy: p, actor: alice, now: plus(20) });
    expect(drafted.ok && drafted.case.activeAt).toBe(plus(20));
    // No lease without a configured timeout, and none while a draft waits for approval.
    expect(planSweep([c], cfg(), plus(600))).toEqual([]);
    expect(planSweep([makeCase('drafted')], cfg(p), plus(600))).toEqual([]);
    const lapsed = transition(c, { type: 'expire_claim' }, { policy: p, actor: system, now: plus(30) });
    expect(lapsed.ok).toBe(true);
    if (lapsed.ok) {
      expect(lapsed.case.owner).toBeUndefined();
      expect(lapsed.case.audit.at(-1)?.note).toContain('claim lapsed');
    }
    expect(transition(c, { type: 'expire_claim' }, { policy: p, actor: system, now: plus(29) }).ok).toBe(false);
  });

  it('per-group claim timeouts override the policy-wide one', () => {
    const p = policy({ claimTimeout: '2h', groups: { care: { claimTimeout: '10m' } } });
    expect(planSweep([makeCase('claimed')], cfg(p), plus(10))).toHaveLength(1);
  });

  it('assigns new cases, moves an offer on when not picked up, then gives up', () => {
    const g = group({ mode: 'assign', members: ['slack:UALICE', 'slack:UBOB'], pickupTimeout: '10m', maxTries: 2 });
    const fresh = makeCase('new');
    expect(planSweep([fresh], cfg(policy(), [g]), NOW)).toEqual([{ kind: 'assign', caseId: '7', version: 3 }]);
    const offered = makeCase('new', { assignment: { to: alice, mode: 'assign', at: NOW }, offered: [alice] });
    expect(planSweep([offered], cfg(policy(), [g]), plus(9))).toEqual([]);
    expect(planSweep([offered], cfg(policy(), [g]), plus(10))).toEqual([{ kind: 'offer_next', caseId: '7', version: 3, backToChannel: false }]);
    const second = makeCase('new', { assignment: { to: bob, mode: 'assign', at: NOW }, offered: [alice, bob] });
    expect(planSweep([second], cfg(policy(), [g]), plus(10))).toEqual([{ kind: 'offer_next', caseId: '7', version: 3, backToChannel: true }]);
    // Back in the channel: not assigned again.
    expect(planSweep([makeCase('new', { offered: [alice, bob] })], cfg(policy(), [g]), plus(60))).toEqual([]);
    // Groups without assignment are left alone.
    expect(planSweep([fresh], cfg(), NOW)).toEqual([]);
  });
});

describe('choosing an agent', () => {
  const cands: Candidate[] = [
    { actor: alice, available: true, load: 3 },
    { actor: bob, available: true, load: 1 },
    { actor: carol, available: false, load: 0 },
  ];
  it.each([
    ['least load picks the quietest available agent', { strategy: 'least-load' as const, maxOpen: 5 }, bob],
    ['least load skips people at their cap', { strategy: 'least-load' as const, maxOpen: 1 }, undefined],
    ['least load skips people already tried', { strategy: 'least-load' as const, maxOpen: 5, exclude: [bob] }, alice],
    ['round robin starts at the turn', { strategy: 'round-robin' as const, maxOpen: 5, turn: 1 }, bob],
    ['round robin skips the unavailable', { strategy: 'round-robin' as const, maxOpen: 5, turn: 2 }, alice],
    ['round robin wraps around', { strategy: 'round-robin' as const, maxOpen: 5, turn: 5 }, alice],
    ['round robin respects the cap', { strategy: 'round-robin' as const, maxOpen: 2, turn: 0 }, bob],
  ])('%s', (_n, opts, want) => {
    expect(chooseAgent(cands, opts)).toEqual(want);
  });

  it('nobody to choose from', () => {
    expect(chooseAgent([], { strategy: 'least-load', maxOpen: 5 })).toBeUndefined();
  });

  it('reads people out of principals', () => {
    expect(actorOfRef('slack:U1')).toEqual({ platform: 'slack', id: 'U1' });
    expect(actorOfRef('teams:abc-def')).toEqual({ platform: 'teams', id: 'abc-def' });
    expect(actorOfRef('group:leads')).toBeUndefined();
  });

  it('knows working hours in each person\'s zone', () => {
    const ny = BusinessHoursSchema.parse({ timezone: 'America/New_York', from: '09:00', to: '17:00', holidays: ['2026-01-19'] });
    expect(isWorkingTime(ny, '2026-01-05T14:00:00.000Z')).toBe(true); // 09:00 EST Monday
    expect(isWorkingTime(ny, '2026-01-05T13:59:00.000Z')).toBe(false);
    expect(isWorkingTime(ny, '2026-01-10T15:00:00.000Z')).toBe(false); // Saturday
    expect(isWorkingTime(ny, '2026-01-19T15:00:00.000Z')).toBe(false); // a holiday
  });
});
