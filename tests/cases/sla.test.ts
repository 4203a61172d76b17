import { describe, expect, it } from 'vitest';
import { businessMsBetween, slaStatus, slaTargets } from '../../src/cases/sla.js';
import { planSweep, slaMarkKey } from '../../src/cases/sweep.js';
import { transition, type CaseCommand } from '../../src/cases/workflow.js';
import { SlaSchema } from '../../src/config/workflow-schema.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case } from '../../src/domain/case.js';
import { alice, lead, makeCase, policy, system } from './case-fixture.js';

const london = { timezone: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' };
const sla = SlaSchema.parse({
  hours: london,
  remindBefore: '15m',
  targets: [
    { firstResponse: '1h', resolution: '8h' },
    { priority: 'urgent', firstResponse: '30m' },
    { group: 'baggage', firstResponse: '2h' },
    { group: 'baggage', priority: 'urgent', firstResponse: '20m', hours: { timezone: 'America/New_York' } },
  ],
});
const config = (s = sla) => ({ policy: policy(), sla: s, groups: [] });

/** Applies commands in order at the given instants, as the service would. */
function walk(c: Case, steps: Array<[string, CaseCommand, Actor]>): Case {
  let cur = c;
  for (const [at, cmd, actor] of steps) {
    const r = transition(cur, cmd, { policy: policy(), actor, now: at });
    if (!r.ok) throw new Error(`${cmd.type} at ${at}: ${r.refusal.message}`);
    cur = r.case;
  }
  return cur;
}

describe('SLA targets', () => {
  it('takes the most specific row per clock', () => {
    const base = makeCase('new');
    expect(slaTargets(sla, base).firstResponseMs).toBe(3_600_000);
    expect(slaTargets(sla, { ...base, screening: { ...base.screening, priority: 'urgent' } }).firstResponseMs).toBe(1_800_000);
    expect(slaTargets(sla, { ...base, group: 'baggage' }).firstResponseMs).toBe(7_200_000);
    const bagUrgent = slaTargets(sla, { ...base, group: 'baggage', screening: { ...base.screening, priority: 'urgent' } });
    expect(bagUrgent.firstResponseMs).toBe(1_200_000);
    expect(bagUrgent.hours.timezone).toBe('America/New_York');
    // The resolution target comes from the only row that has one.
    expect(bagUrgent.resolutionMs).toBe(8 * 3_600_000);
  });
});

describe('business time between two instants', () => {
  it.each([
    ['within a day', '2026-01-05T10:00:00Z', '2026-01-05T11:30:00Z', 90],
    ['over a night', '2026-01-05T16:00:00Z', '2026-01-06T10:00:00Z', 120],
    ['over a weekend', '2026-01-09T16:30:00Z', '2026-01-12T09:30:00Z', 60],
    ['entirely on a Sunday', '2026-01-11T10:00:00Z', '2026-01-11T15:00:00Z', 0],
    // Clocks go forward on 29 March 2026: Monday opens at 09:00 BST = 08:00Z.
    ['across the spring DST change', '2026-03-27T16:30:00Z', '2026-03-30T08:30:00Z', 60],
    ['backwards', '2026-01-05T11:00:00Z', '2026-01-05T10:00:00Z', 0],
  ])('%s', (_n, a, b, minutes) => {
    expect(businessMsBetween(a, b, SlaSchema.parse({ hours: london, targets: [{}] }).hours)).toBe(minutes * 60_000);
  });
});

describe('the SLA sweep fires reminders and escalations at business-hours moments', () => {
  // Friday 27 March 2026, 16:30 in London (GMT); the clocks go forward that Sunday.
  const c = makeCase('new', { createdAt: '2026-03-27T16:30:00.000Z', updatedAt: '2026-03-27T16:30:00.000Z' });
  const events = (at: string, cs: Case = c) => planSweep([cs], config(), at).filter((a) => a.kind === 'sla').map((a) => a.kind === 'sla' ? `${a.clock}.${a.event}` : '');

  it('puts the deadline on Monday 09:30 BST (08:30Z) and shows the time left', () => {
    const s = slaStatus(c, sla, '2026-03-27T16:45:00.000Z').firstResponse!;
    expect(s.state).toBe('running');
    expect(s.dueAt).toBe('2026-03-30T08:30:00.000Z');
    expect(s.remainingMs).toBe(45 * 60_000);
  });

  it.each([
    ['Friday just after posting', '2026-03-27T16:46:00.000Z', []],
    ['Friday at closing', '2026-03-27T17:00:00.000Z', []],
    ['Saturday', '2026-03-28T12:00:00.000Z', []],
    ['Sunday, after the clocks changed', '2026-03-29T10:00:00.000Z', []],
    // 08:00Z is 09:00 BST: the clock runs again; 08:00 GMT would have been too early.
    ['Monday one minute before the reminder', '2026-03-30T08:14:00.000Z', []],
    ['Monday at 09:15 BST: the reminder', '2026-03-30T08:15:00.000Z', ['firstResponse.reminder']],
    ['Monday at 09:30 BST: the breach', '2026-03-30T08:30:00.000Z', ['firstResponse.breach']],
  ])('%s', (_n, at, want) => {
    expect(events(at)).toEqual(want);
  });

  it('fires each event once: a recorded mark is not planned again', () => {
    const marked = walk(c, [['2026-03-30T08:15:00.000Z', { type: 'sla_mark', key: slaMarkKey('firstResponse', 'reminder'), note: 'x' }, system]]);
    expect(marked.version).toBe(c.version);
    expect(events('2026-03-30T08:20:00.000Z', marked)).toEqual([]);
    expect(events('2026-03-30T08:31:00.000Z', marked)).toEqual(['firstResponse.breach']);
  });

  it('skips holidays', () => {
    const withHoliday = SlaSchema.parse({ hours: { ...london, holidays: ['2026-03-30'] }, targets: [{ firstResponse: '1h' }] });
    expect(slaStatus(c, withHoliday, '2026-03-27T17:00:00.000Z').firstResponse!.dueAt).toBe('2026-03-31T08:30:00.000Z');
    expect(planSweep([c], config(withHoliday), '2026-03-30T08:30:00.000Z')).toEqual([]);
  });

  it('stops the first-response clock at the reply', () => {
    const answered = walk(c, [
      ['2026-03-27T16:40:00.000Z', { type: 'claim' }, alice],
      ['2026-03-27T16:41:00.000Z', { type: 'draft', text: 'Hi' }, alice],
      ['2026-03-27T16:42:00.000Z', { type: 'approve' }, lead],
      ['2026-03-27T16:43:00.000Z', { type: 'send' }, alice],
      ['2026-03-27T16:44:00.000Z', { type: 'sent', reply: { id: '9', url: 'https://x.com/i/web/status/9', at: '2026-03-27T16:44:00.000Z', text: 'Hi' } }, system],
    ]);
    const s = slaStatus(answered, sla, '2026-03-30T12:00:00.000Z').firstResponse!;
    expect(s.state).toBe('met');
    expect(s.elapsedMs).toBe(14 * 60_000);
    expect(events('2026-03-30T12:00:00.000Z', answered)).toEqual([]);
  });
});

describe('the resolution clock pauses while waiting on the author', () => {
  const start = makeCase('new', { createdAt: '2026-01-05T09:00:00.000Z', updatedAt: '2026-01-05T09:00:00.000Z' });
  const utc = SlaSchema.parse({ hours: { timezone: 'UTC' }, remindBefore: '30m', targets: [{ resolution: '4h' }] });
  const answered = walk(start, [
    ['2026-01-05T09:30:00.000Z', { type: 'claim' }, alice],
    ['2026-01-05T09:40:00.000Z', { type: 'draft', text: 'Hi' }, alice],
    ['2026-01-05T09:50:00.000Z', { type: 'approve' }, lead],
    ['2026-01-05T09:55:00.000Z', { type: 'send' }, alice],
    ['2026-01-05T10:00:00.000Z', { type: 'sent', reply: { id: '9', url: 'https://x.com/i/web/status/9', at: '2026-01-05T10:00:00.000Z', text: 'Hi' } }, system],
  ]);

  it('is paused after our reply, with an hour used', () => {
    const r = slaStatus(answered, utc, '2026-01-05T16:00:00.000Z').resolution!;
    expect(r.state).toBe('paused');
    expect(r.elapsedMs).toBe(3_600_000);
    expect(planSweep([answered], config(utc), '2026-01-07T16:00:00.000Z')).toEqual([]);
  });

  it('runs again when the author writes, with the time left', () => {
    const reopened = walk(answered, [['2026-01-06T09:00:00.000Z', { type: 'follow_up', post: { id: '2', text: 'still broken', at: '2026-01-06T09:00:00.000Z', url: 'u' } }, system]]);
    expect(reopened.status).toBe('new');
    const r = slaStatus(reopened, utc, '2026-01-06T10:00:00.000Z').resolution!;
    expect(r.state).toBe('running');
    expect(r.dueAt).toBe('2026-01-06T12:00:00.000Z');
    expect(r.remainingMs).toBe(2 * 3_600_000);
    const plan = planSweep([reopened], config(utc), '2026-01-06T11:30:00.000Z');
    expect(plan).toMatchObject([{ kind: 'sla', clock: 'resolution', event: 'reminder' }]);
    expect(planSweep([reopened], config(utc), '2026-01-06T12:00:00.000Z')).toMatchObject([{ kind: 'sla', clock: 'resolution', event: 'breach' }]);
  });

  it('is met when the case is closed in time', () => {
    const closed = walk(answered, [['2026-01-05T11:00:00.000Z', { type: 'close' }, alice]]);
    expect(slaStatus(closed, utc, '2026-01-09T00:00:00.000Z').resolution).toMatchObject({ state: 'met', elapsedMs: 3_600_000 });
  });
});
