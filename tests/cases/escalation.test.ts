import { describe, expect, it } from 'vitest';
import { ALL_LEADS, choiceCommand, choiceOffer } from '../../src/app/case-choices.js';
import { escalationNotice, leadTargets } from '../../src/app/escalations.js';
import { buildCard, escalationLine } from '../../src/cards/build-card.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { transition, type CaseCommand } from '../../src/cases/workflow.js';
import { slaStatus } from '../../src/cases/sla.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case } from '../../src/domain/case.js';
import { formatSummary } from '../../src/metrics/format-summary.js';
import { rangePeriod } from '../../src/metrics/period.js';
import { applyIncrements, metricsFor } from '../../src/metrics-store/rollup-store.js';
import { alice, lead, makeCase, NOW, policy } from './case-fixture.js';
import { alice as agent, MemoryCounters, newCase, play } from '../metrics/case-history.js';

const SOURCE = { name: 'x-main', network: 'x', queries: ['@acme'], interval: '5m' };
const apply = (c: Case, cmd: CaseCommand, actor: Actor = alice, now = NOW) => transition(c, cmd, { policy: policy(), actor, now });

describe('escalating a case', () => {
  it('records who raised it, when, why and for which leads, and says why in the audit', () => {
    const r = apply(makeCase('claimed'), { type: 'escalate', reason: '  Third lost bag  ', leads: ['slack:ULEAD', 'slack:ULEAD'] });
    expect(r.ok && r.case.status).toBe('escalated');
    if (!r.ok) return;
    expect(r.case.escalation).toEqual({ at: NOW, by: alice, reason: 'Third lost bag', leads: ['slack:ULEAD'] });
    expect(r.case.escalatedFrom).toBe('claimed');
    expect(r.case.audit.at(-1)).toMatchObject({ action: 'escalate', note: 'Third lost bag' });
  });

  it('refuses a reason over the note limit, naming the limit', () => {
    const r = apply(makeCase('new'), { type: 'escalate', reason: 'x'.repeat(2001) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.refusal.message).toBe('The reason is 2001 characters; the limit is 2000.');
  });

  it.each([
    ['escalated from new, nobody owns it', { escalatedFrom: 'new' as const }, 'new'],
    ['escalated from new, claimed meanwhile', { escalatedFrom: 'new' as const, owner: alice }, 'claimed'],
    ['escalated from claimed, still owned', { escalatedFrom: 'claimed' as const, owner: alice }, 'claimed'],
    ['escalated from claimed, released meanwhile', { escalatedFrom: 'claimed' as const }, 'new'],
    ['escalated from drafted', { escalatedFrom: 'drafted' as const, owner: alice, draft: { text: 'Hi', by: alice, at: NOW } }, 'drafted'],
  ])('De-escalate returns the case where it was (%s) and clears the escalation', (_, patch, expected) => {
    const c = makeCase('escalated', { ...patch, escalation: { at: NOW, by: alice, leads: ['slack:ULEAD'] } });
    const r = apply(c, { type: 'deescalate' });
    expect(r.ok && r.case.status).toBe(expected);
    if (r.ok) {
      expect(r.case.escalation).toBeUndefined();
      expect(r.case.escalatedFrom).toBeUndefined();
    }
  });

  it('refuses De-escalate on a case that is not escalated', () => {
    const r = apply(makeCase('claimed'), { type: 'deescalate' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.refusal.message).toMatch(/not escalated/);
  });

  it('moving or reopening the case drops the escalation (it was this group\'s)', () => {
    const esc = { escalation: { at: NOW, by: alice, leads: [] as string[] }, escalatedFrom: 'new' as const };
    const moved = transition(makeCase('escalated', esc), { type: 'reroute', to: 'billing' }, { policy: policy(), actor: alice, now: NOW, groups: ['care', 'billing'] });
    expect(moved.ok && moved.case.escalation).toBeUndefined();
  });

  it('keeps the SLA clocks running while escalated: escalation is no pause', () => {
    const sla = ConfigSchema.shape.sla.unwrap().parse({ hours: { timezone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }, targets: [{ firstResponse: '1h' }] });
    const r = apply(makeCase('new'), { type: 'escalate', reason: 'Angry VIP' });
    if (!r.ok) throw new Error(r.refusal.message);
    expect(slaStatus(r.case, sla, '2026-01-05T10:30:00.000Z').firstResponse?.state).toBe('running');
  });
});

describe('the escalation on the card and in the lead channel', () => {
  const escalated = makeCase('escalated', { escalatedFrom: 'new', escalation: { at: NOW, by: alice, reason: 'Call them +44 7700 900123', leads: ['slack:ULEAD', 'teams:00000000-0000-0000-0000-00000000000b'] } });

  it('reads "Escalated by X — reason — leads: A, B", with names where known', () => {
    expect(escalationLine(escalated.escalation!, { 'slack:ULEAD': 'Lea' })).toBe('Escalated by Alice — Call them +44 7700 900123 — leads: Lea, 00000000-0000-0000-0000-00000000000b');
    expect(escalationLine({ at: NOW, by: alice, leads: [] })).toBe('Escalated by Alice — no lead is named for this group');
  });

  it('is a note on the card, through the masking gate, with De-escalate among the buttons', () => {
    const card = buildCard(escalated, { approvalsNeeded: 1, names: { 'slack:ULEAD': 'Lea' } });
    const note = card.notes.find((n) => n.startsWith('Escalated by'));
    expect(note).toMatch(/^Escalated by Alice — Call them .* — leads: Lea, /);
    expect(note).not.toContain('7700 900123');
    expect(card.actions.map((a) => a.id)).toContain('case.deescalate');
    expect(card.actions.map((a) => a.id)).not.toContain('case.escalate');
  });

  it('goes to the group\'s Slack lead channel and, when the group is bound to Teams, to its Teams lead channel', () => {
    const config = ConfigSchema.parse({
      brand: { name: 'Acme', handles: { x: ['acme'] } },
      sources: [SOURCE],
      groups: [
        { id: 'care', name: 'Care', slack: { channel: 'C0CARE0001' }, teams: { channel: 'Care', leadChannel: 'Care leads' }, leadChannel: 'C0LEADS001' },
        { id: 'billing', slack: { channel: 'C0BILL0001' } },
      ],
      routing: { fallback: 'care' },
    });
    expect(leadTargets(config, 'care')).toEqual([{ platform: 'slack', target: 'C0LEADS001' }, { platform: 'teams', target: 'Care leads' }]);
    expect(leadTargets(config, 'billing')).toEqual([]);
    expect(escalationNotice(config, escalated, { 'slack:ULEAD': 'Lea' })[1]).toBe('Case 7 · Care · @cust on x · nobody has claimed it');
  });
});

describe('the escalate form', () => {
  const config = ConfigSchema.parse({ brand: { name: 'Acme', handles: { x: ['acme'] } }, sources: [SOURCE], groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }], routing: { fallback: 'care' } });
  const leads: Actor[] = [lead, { platform: 'slack', id: 'UMAX', name: 'Max' }];

  it('asks for a reason (required) and offers the leads, all of them first', async () => {
    const r = await choiceOffer('case.escalate', makeCase('new'), config, new Date(NOW), undefined, leads);
    if (!r.ok) throw new Error(r.refusal.message);
    expect(r.choice.options).toEqual([{ value: ALL_LEADS, label: "All the group's leads" }, { value: 'slack:ULEAD', label: 'Lea' }, { value: 'slack:UMAX', label: 'Max' }]);
    expect(r.choice.freeText).toMatchObject({ required: true, label: 'Why does it need a lead?' });
  });

  it('becomes an escalate command; no lead picked (or all) leaves the leads to the caller', () => {
    expect(choiceCommand('case.escalate', { option: 'slack:ULEAD', text: ' why ' })).toEqual({ type: 'escalate', reason: 'why', leads: ['slack:ULEAD'] });
    expect(choiceCommand('case.escalate', { option: ALL_LEADS, text: 'why' })).toEqual({ type: 'escalate', reason: 'why', leads: [] });
    expect(choiceCommand('case.escalate', { option: 'slack:ULEAD' })).toEqual({ missing: 'Say why the case needs a lead.' });
  });
});

describe('escalations in the metrics summary', () => {
  it('are counted in the headline ("Escalated: N") when there were any', async () => {
    const store = new MemoryCounters();
    const c = newCase({ id: 'e1', at: '2024-05-06T09:00:00Z' });
    await applyIncrements(store, play(c, [['2024-05-06T09:10:00Z', agent, { type: 'escalate', reason: 'VIP', leads: [] }]]).increments);
    const c2 = newCase({ id: 'e2', at: '2024-05-06T09:00:00Z' });
    await applyIncrements(store, play(c2, [['2024-05-06T09:20:00Z', agent, { type: 'escalate' }]]).increments);
    const text = formatSummary(await metricsFor(store, rangePeriod('2024-05-06', '2024-05-06'), undefined, { now: '2024-05-07T10:00:00Z', open: [] }), { style: 'plain' });
    expect(text).toContain('Escalated: 2');
    const none = newCase({ id: 'n1', at: '2024-05-06T09:00:00Z' });
    const quiet = new MemoryCounters();
    await applyIncrements(quiet, play(none, []).increments);
    expect(formatSummary(await metricsFor(quiet, rangePeriod('2024-05-06', '2024-05-06'), undefined, { now: '2024-05-07T10:00:00Z', open: [] }), { style: 'plain' })).not.toContain('Escalated');
  });
});
