import { describe, expect, it } from 'vitest';
import { buildAlertCard } from '../../src/cards/alert-card.js';
import { caseActions } from '../../src/cards/case-actions.js';
import { planAlerts, pendingRecipients } from '../../src/cases/alerts.js';
import { lastOfferDeclined } from '../../src/cases/ownership-commands.js';
import { planSweep } from '../../src/cases/sweep.js';
import { transition, type TransitionResult } from '../../src/cases/workflow.js';
import { GroupSchema } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case } from '../../src/domain/case.js';
import { alice, bob, carol, lead, makeCase, NOW, policy, system } from './case-fixture.js';

/**
 * Decline on an assignment offer: only the agent offered may turn it down; the offer is
 * cleared and they are recorded, so routing offers the case to the next agent (never
 * again to them) or leaves it to the channel once the tries are used up.
 */
const offeredTo = (to: Actor, patch: Partial<Case> = {}) => makeCase('new', { assignment: { to, mode: 'assign', at: NOW }, offered: [to], ...patch });
const decline = (c: Case, actor: Actor, expectedVersion: number | undefined = c.version): TransitionResult =>
  transition(c, { type: 'decline' }, { policy: policy(), actor, now: NOW, expectedVersion });
const group = (maxTries = 3) => GroupSchema.parse({ id: 'care', slack: { channel: 'C0CARE0001' }, assign: { mode: 'assign', members: ['slack:UALICE', 'slack:UBOB', 'teams:carol-aad'], maxTries } });
const mask = (s: string) => s as never;

describe('Decline: who may, and from where', () => {
  it.each<[string, Case, Actor, number | undefined, string | undefined]>([
    ['the agent offered declines', offeredTo(bob), bob, 3, undefined],
    ['in suggest mode too', offeredTo(bob, { assignment: { to: bob, mode: 'suggest', at: NOW } }), bob, 3, undefined],
    ['another agent may not decline for them', offeredTo(bob), alice, 3, 'not_allowed'],
    ['nor may a lead', offeredTo(bob), lead, 3, 'not_allowed'],
    ['nor the system', offeredTo(bob), system, 3, 'not_allowed'],
    ['a stale button is refused as on the card', offeredTo(bob), bob, 2, 'stale'],
    ['no offer, nothing to decline', makeCase('new'), bob, 3, 'invalid_transition'],
    ['an offer taken is no longer open', makeCase('claimed', { owner: bob, assignment: { to: bob, mode: 'assign', at: NOW } }), bob, 3, 'invalid_transition'],
    ['an escalated case is not offered', makeCase('escalated', { assignment: { to: bob, mode: 'assign', at: NOW } }), bob, 3, 'invalid_transition'],
  ])('%s', (_name, c, actor, version, refusal) => {
    const r = decline(c, actor, version);
    if (refusal === undefined) {
      expect(r.ok, r.ok ? '' : r.refusal.message).toBe(true);
      if (!r.ok) return;
      expect(r.case.status).toBe('new');
      expect(r.case.assignment).toBeUndefined();
      expect(r.case.declined).toEqual([bob]);
      // The offers made stay on record, so routing does not offer it to Bob again.
      expect(r.case.offered).toEqual([bob]);
      expect(r.case.version).toBe(c.version + 1);
      expect(r.case.audit.at(-1)).toMatchObject({ action: 'decline', actor: bob, from: 'new', to: 'new', note: 'declined by Bob' });
      expect(r.summary).toContain('Bob declined the case');
    } else {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.refusal.code).toBe(refusal);
        expect(r.refusal.message.length).toBeGreaterThan(10);
      }
    }
  });

  it('tells someone else whose offer it is', () => {
    const r = decline(offeredTo(bob), alice);
    expect(!r.ok && r.refusal.message).toBe('This case is offered to Bob; only they can decline it.');
  });

  it('leaves the case open to anyone: the one who declined may still claim it from the channel', () => {
    const r = decline(offeredTo(bob), bob);
    if (!r.ok) throw new Error(r.refusal.message);
    const claimed = transition(r.case, { type: 'claim' }, { policy: policy(), actor: alice, now: NOW, expectedVersion: r.case.version });
    expect(claimed.ok && claimed.case.owner).toEqual(alice);
  });

  it('reopening forgets who declined, as it forgets who was offered', () => {
    const r = decline(offeredTo(bob), bob);
    if (!r.ok) throw new Error(r.refusal.message);
    const closed = transition(r.case, { type: 'close' }, { policy: policy(), actor: alice, now: NOW });
    if (!closed.ok) throw new Error(closed.refusal.message);
    const reopened = transition(closed.case, { type: 'reopen' }, { policy: policy(), actor: alice, now: NOW });
    expect(reopened.ok && [reopened.case.declined, reopened.case.offered]).toEqual([undefined, []]);
  });
});

describe('after a Decline: routing and the alerts', () => {
  it('knows the last offer was declined until a new one is made', () => {
    const r = decline(offeredTo(bob), bob);
    if (!r.ok) throw new Error(r.refusal.message);
    expect(lastOfferDeclined(r.case)).toBe(true);
    const next = transition(r.case, { type: 'assign', to: carol, mode: 'assign' }, { policy: policy(), actor: system, now: NOW });
    if (!next.ok) throw new Error(next.refusal.message);
    expect(lastOfferDeclined(next.case)).toBe(false);
    expect(next.case.offered).toEqual([bob, carol]);
    // An offer that lapsed (not declined) is not a decline.
    expect(lastOfferDeclined(makeCase('new', { offered: [bob] }))).toBe(false);
  });

  it.each<[string, number, Actor[], boolean]>([
    ['one try used of three: offered to the next agent', 3, [bob], true],
    ['two of three: still one to try', 3, [alice, bob], true],
    ['every try used: left to the channel', 2, [alice, bob], false],
  ])('the sweep plans: %s', (_name, maxTries, offered, again) => {
    const c = makeCase('new', { offered, declined: [offered.at(-1)!] });
    const plan = planSweep([c], { policy: policy(), groups: [group(maxTries)], sla: undefined }, NOW);
    expect(plan).toEqual(again ? [{ kind: 'assign', caseId: '7', version: 3 }] : []);
  });

  it('closes the agent\'s assignment alert, and its closed text says what became of the case', () => {
    const before = offeredTo(bob);
    const r = decline(before, bob);
    if (!r.ok) throw new Error(r.refusal.message);
    const config = { policy: policy(), groups: [group()] };
    expect(pendingRecipients(before, 'assignment', config)).toEqual(['slack:UBOB']);
    expect(pendingRecipients(r.case, 'assignment', config)).toBeUndefined();
    expect(planAlerts(before, r.case, config)).toEqual([{ kind: 'assignment' }]);
    const closed = buildAlertCard(r.case, 'assignment', { mask, open: false });
    expect(closed.actions).toEqual([]);
    expect(closed.details.at(-1)).toBe('No longer waiting for you: Bob declined it, and it is in the channel for anyone to claim.');
    const reoffered = { ...r.case, assignment: { to: carol, mode: 'assign' as const, at: NOW }, offered: [bob, carol] };
    expect(buildAlertCard(reoffered, 'assignment', { mask, open: false }).details.at(-1)).toBe('No longer waiting for you: the case is now offered to Carol.');
  });

  it('puts Accept and Decline on the offer alert, and Decline on the card while an offer is open', () => {
    const c = offeredTo(bob);
    expect(buildAlertCard(c, 'assignment', { mask, open: true }).actions.map((a) => [a.id, a.label])).toEqual([['case.claim', 'Accept'], ['case.decline', 'Decline']]);
    // The heading says what the offer is: an assignment, or only a suggestion.
    expect(buildAlertCard(c, 'assignment', { mask, open: true }).title).toMatch(/is assigned to you$/);
    const suggested = { ...c, assignment: { ...c.assignment!, mode: 'suggest' as const } };
    expect(buildAlertCard(suggested, 'assignment', { mask, open: true }).title).toMatch(/is suggested for you$/);
    const ids = (x: Case) => (caseActions(x, { approvalsNeeded: 1 }) ?? []).map((a) => a.id);
    expect(ids(c)).toContain('case.decline');
    expect(ids(makeCase('new'))).not.toContain('case.decline');
    expect(ids(makeCase('claimed', { assignment: { to: bob, mode: 'assign', at: NOW } }))).not.toContain('case.decline');
  });
});
