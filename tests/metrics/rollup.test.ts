import { describe, expect, it } from 'vitest';
import { rollupUpdates, sentimentShiftUpdates, firstResponseDeadline, RollupMismatchError } from '../../src/metrics/rollup.js';
import { bucketOf } from '../../src/metrics/histogram.js';
import { dayHash, OPEN_GAUGE_HASH, F } from '../../src/metrics/rollup-keys.js';
import { transition } from '../../src/cases/workflow.js';
import { alice, answer, applyAll, bob, lead, newCase, outbox, play, policy } from './case-history.js';

const ALL_DAY = (d: string) => dayHash(d, { kind: 'all' });

describe('rollupUpdates', () => {
  it('counts a new case once by every dimension, hashtag and topic, and opens it in the backlog', () => {
    const c = newCase({ id: 'c1', at: '2024-05-06T09:15:00Z', group: 'billing', source: 'x-main', sentiment: 'negative', intent: 'complaint', priority: 'high', topic: 'Refunds', text: 'No refund yet #ACMEfail #acmefail see https://acme.test/#faq &#39; #2024' });
    const h = applyAll(rollupUpdates(undefined, c));
    const all = h.get(ALL_DAY('2024-05-06'))!;
    expect(all).toMatchObject({
      cases: 1, 'hour:09': 1, 'net:x': 1, 'src:x-main': 1, 'grp:billing': 1, 'sentiment:negative': 1,
      'intent:complaint': 1, 'prio:high': 1, 'topic:refunds': 1,
    });
    // hashtags live apart (their number grows with traffic), ranked for a cheap top list
    expect(h.get('metrics:tags:2024-05-06:all')).toEqual({ acmefail: 1 });
    expect(h.get('metrics:tags:2024-05-06:group:billing')).toEqual({ acmefail: 1 });
    const tagInc = rollupUpdates(undefined, c).find((i) => i.hash === 'metrics:tags:2024-05-06:all')!;
    expect(tagInc).toEqual({ hash: 'metrics:tags:2024-05-06:all', field: 'acmefail', by: 1, rank: 'metrics:tagrank:2024-05-06:all' });
    expect(h.get(dayHash('2024-05-06', { kind: 'group', group: 'billing' }))!.cases).toBe(1);
    expect(h.get(OPEN_GAUGE_HASH)).toEqual({ all: 1, 'group:billing': 1 });
  });

  it('uses the configured time zone for the day and the hour', () => {
    const c = newCase({ id: 'c1', at: '2024-05-06T23:30:00Z' });
    const h = applyAll(rollupUpdates(undefined, c, { timezone: 'Europe/Berlin' }));
    expect(h.get(ALL_DAY('2024-05-07'))).toMatchObject({ cases: 1, 'hour:01': 1 });
    expect(h.has(ALL_DAY('2024-05-06'))).toBe(false);
  });

  it('counts campaign hashtags exactly, beside every hashtag', () => {
    const c = newCase({ id: 'c1', at: '2024-05-06T10:00:00Z', text: '#Summer24 deal? #random' });
    const h = applyAll(rollupUpdates(undefined, c, { campaigns: ['#summer24'] }));
    expect(h.get(ALL_DAY('2024-05-06'))!['camp:summer24']).toBe(1);
    expect(h.get(ALL_DAY('2024-05-06'))!['camp:random']).toBeUndefined();
    expect(h.get('metrics:tags:2024-05-06:all')).toEqual({ summer24: 1, random: 1 });
  });

  it('follows a full answer: agent counters, first response, reach, approval turnaround, backlog', () => {
    const c = newCase({ id: 'c1', at: '2024-05-06T09:00:00Z', followers: 1234 });
    const steps = answer(alice, '2024-05-06T09:05:00Z', '2024-05-06T09:21:30Z');
    // approval 5 minutes after the draft, rather than at the same instant
    steps[2] = ['2024-05-06T09:10:00Z', lead, { type: 'approve' }];
    const { case: done, increments } = play(c, [...steps, ['2024-05-06T10:00:00Z', alice, { type: 'close' }]], { sla: { targetMinutes: 30 } });
    expect(done.status).toBe('closed');
    const h = applyAll(increments);
    const all = h.get(ALL_DAY('2024-05-06'))!;
    expect(all).toMatchObject({
      'ag:slack:UALICE:claimed': 1, 'ag:slack:UALICE:drafted': 1, 'ag:slack:UALICE:sent': 1,
      'ag:slack:UALICE:handled': 1, 'ag:slack:ULEAD:approved': 1,
      'frt:n': 1, 'frt:sum': 1290, [F.histBucket('frt', bucketOf(1290))]: 1,
      'res:n': 1, 'res:sum': 3600, 'apt:n': 1, 'apt:sum': 300,
      'appr:approved': 1, 'reach:answered': 1, 'reach:followers': 1234, replies: 1, closed: 1,
      'sla:met:normal': 1,
    });
    // handled once, although the case was both sent and closed
    expect(all['ag:slack:UALICE:handled']).toBe(1);
    // the outbox that wrote the `sent` entry is not an agent
    expect(Object.keys(all).some((k) => k.includes('outbox'))).toBe(false);
    // alice's own scope holds her response time
    expect(h.get(dayHash('2024-05-06', { kind: 'agent', agent: 'slack:UALICE' }))).toMatchObject({ 'frt:n': 1, 'ag:slack:UALICE:sent': 1 });
    // opened then answered: the backlog is back to zero for every gauge
    expect(Object.values(h.get(OPEN_GAUGE_HASH)!).every((v) => v === 0)).toBe(true);
  });

  it('counts a rejection, its turnaround and the rejecting approver', () => {
    const c = newCase({ id: 'c1', at: '2024-05-06T09:00:00Z' });
    const { increments } = play(c, [
      ['2024-05-06T09:01:00Z', bob, { type: 'claim' }],
      ['2024-05-06T09:02:00Z', bob, { type: 'draft', text: 'hm' }],
      ['2024-05-06T09:12:00Z', lead, { type: 'reject', note: 'tone' }],
    ]);
    const all = applyAll(increments).get(ALL_DAY('2024-05-06'))!;
    expect(all).toMatchObject({ 'appr:rejected': 1, 'apt:sum': 600, 'ag:slack:ULEAD:rejected': 1 });
    expect(all['appr:approved']).toBeUndefined();
  });

  it('counts events on the day they happen and moves the owner gauge with the claim', () => {
    const c = newCase({ id: 'c1', at: '2024-05-06T22:00:00Z' });
    const claimed = play(c, [['2024-05-07T08:00:00Z', alice, { type: 'claim' }]]);
    const h = applyAll(claimed.increments);
    expect(h.get(ALL_DAY('2024-05-06'))!.cases).toBe(1);
    expect(h.get(ALL_DAY('2024-05-07'))!['ag:slack:UALICE:claimed']).toBe(1);
    expect(h.get(OPEN_GAUGE_HASH)).toEqual({ all: 1, 'group:care': 1, 'agent:slack:UALICE': 1 });
    const released = transition(claimed.case, { type: 'release' }, { policy, actor: alice, now: '2024-05-07T08:30:00Z' });
    if (!released.ok) throw new Error(released.refusal.message);
    const gauges = rollupUpdates(claimed.case, released.case).filter((i) => i.hash === OPEN_GAUGE_HASH);
    expect(gauges).toEqual([{ hash: OPEN_GAUGE_HASH, field: 'agent:slack:UALICE', by: -1 }]);
  });

  it('decides the SLA on a close without reply, and not again on a later reply', () => {
    const c = newCase({ id: 'c1', at: '2024-05-06T09:00:00Z', priority: 'urgent' });
    const { increments } = play(c, [
      ['2024-05-06T11:00:00Z', alice, { type: 'close' }],
      ['2024-05-06T11:05:00Z', alice, { type: 'reopen' }],
      ...answer(alice, '2024-05-06T11:06:00Z', '2024-05-06T11:10:00Z'),
    ], { sla: { targetMinutes: { urgent: 60 } } });
    const all = applyAll(increments).get(ALL_DAY('2024-05-06'))!;
    expect(all['sla:breached:urgent']).toBe(1);
    expect(all['sla:met:urgent']).toBeUndefined();
    expect(all.reopened).toBe(1);
    expect(all['frt:n']).toBe(1);
    expect(all['ag:slack:UALICE:handled']).toBe(2);
  });

  it('produces nothing but the new audit entries when given the previous case', () => {
    const c = newCase({ id: 'c1', at: '2024-05-06T09:00:00Z' });
    const { case: claimed } = play(c, [['2024-05-06T09:01:00Z', alice, { type: 'claim' }]]);
    expect(rollupUpdates(claimed, claimed)).toEqual([]);
    expect(() => rollupUpdates(claimed, { ...claimed, id: 'other' })).toThrow(RollupMismatchError);
  });

  it('counts sentiment shifts on the follow-up day, for the case owner', () => {
    const c = newCase({ id: 'c1', at: '2024-05-06T09:00:00Z', sentiment: 'negative' });
    const { case: sent } = play(c, answer(alice, '2024-05-06T09:01:00Z', '2024-05-06T09:05:00Z'));
    const h = applyAll(sentimentShiftUpdates(sent, { sentiment: 'positive', at: '2024-05-08T10:00:00Z' }));
    expect(h.get(ALL_DAY('2024-05-08'))).toEqual({ 'shift:n': 1, 'shift:sum': 2, 'shift:improved': 1, 'shift:negative>positive': 1 });
    expect(h.get(dayHash('2024-05-08', { kind: 'agent', agent: 'slack:UALICE' }))!['shift:n']).toBe(1);
    expect(sentimentShiftUpdates(sent, { sentiment: undefined, at: '2024-05-08T10:00:00Z' })).toEqual([]);
  });

  it('takes the SLA deadline from a function when given one', () => {
    const c = newCase({ id: 'c1', at: '2024-05-06T09:00:00Z' });
    expect(firstResponseDeadline(c, { deadline: () => '2024-05-07T00:00:00.000Z', targetMinutes: 5 })).toBe('2024-05-07T00:00:00.000Z');
    expect(firstResponseDeadline(c, { targetMinutes: 90 })).toBe('2024-05-06T10:30:00.000Z');
    expect(firstResponseDeadline(c, { targetMinutes: { urgent: 5 } })).toBeUndefined();
    expect(firstResponseDeadline(c, undefined)).toBeUndefined();
  });

  it('keeps agent ids with separators apart', () => {
    const odd = { platform: 'teams' as const, id: '29:1a|b c' };
    const c = newCase({ id: 'c1', at: '2024-05-06T09:00:00Z' });
    const { increments } = play(c, [['2024-05-06T09:01:00Z', odd, { type: 'claim' }]]);
    const fields = Object.keys(applyAll(increments).get(ALL_DAY('2024-05-06'))!);
    expect(fields).toContain('ag:teams:29%3A1a%7Cb%20c:claimed');
  });

  it('does not count a move to private as a first response: the first message that reaches the customer is', () => {
    const c = newCase({ id: 'c1', at: '2024-05-06T09:00:00Z', followers: 5000 });
    const step = (prev: typeof c, at: string, action: string, to: typeof c.status, actor = alice) => ({
      ...prev, status: to, version: prev.version + 1, updatedAt: at,
      audit: [...prev.audit, { at, actor, action, from: prev.status, to }],
    });
    // Moved to private with nothing sent: "moved to private", no first response, no SLA decision.
    const redirected = step(c, '2024-05-06T09:30:00Z', 'redirect', 'redirected');
    const r = applyAll(rollupUpdates(c, redirected, { sla: { targetMinutes: 60 } })).get(ALL_DAY('2024-05-06'))!;
    expect(r).toMatchObject({ redirected: 1, 'ag:slack:UALICE:handled': 1 });
    expect(r['frt:n']).toBeUndefined();
    expect(r['sla:met:normal']).toBeUndefined();
    expect(r['reach:answered']).toBeUndefined();
    expect(r.replies).toBeUndefined();

    // Move to DM that sends: the direct message reaching the author at 10:30 is the first response (90 minutes, SLA missed).
    const drafted = step(c, '2024-05-06T09:10:00Z', 'draft', 'drafted');
    const sending = step(drafted, '2024-05-06T10:29:00Z', 'send', 'sending');
    const dm = step(sending, '2024-05-06T10:30:00Z', 'private_sent', 'redirected', outbox);
    const d = applyAll(rollupUpdates(sending, dm, { sla: { targetMinutes: 60 } })).get(ALL_DAY('2024-05-06'))!;
    expect(d).toMatchObject({ redirected: 1, private: 1, 'frt:n': 1, 'frt:sum': 5400, 'sla:breached:normal': 1 });
    expect(d['reach:answered']).toBeUndefined();

    // A second private message later is neither a second first response nor a second move.
    const back = step(dm, '2024-05-06T11:00:00Z', 'private_in', 'claimed', outbox);
    const again = step(step(back, '2024-05-06T11:05:00Z', 'send', 'sending'), '2024-05-06T11:06:00Z', 'private_sent', 'redirected', outbox);
    const a = applyAll(rollupUpdates(back, again, { sla: { targetMinutes: 60 } })).get(ALL_DAY('2024-05-06')) ?? {};
    expect(a['frt:n']).toBeUndefined();
    expect(a.redirected).toBeUndefined();
    expect(a.private).toBeUndefined();

    const ignored = step(c, '2024-05-06T12:00:00Z', 'ignore', 'ignored');
    const i = applyAll(rollupUpdates(c, ignored, { sla: { targetMinutes: 60 } }));
    expect(i.get(ALL_DAY('2024-05-06'))).toEqual({ ignored: 1, 'ag:slack:UALICE:handled': 1 });
    expect(i.get('metrics:open')).toEqual({ all: -1, 'group:care': -1 });
  });

  it('a message the brand sent outside Earshot is a first response when it is the first to reach the customer, credited to nobody, and only then', () => {
    const c = newCase({ id: 'c2', at: '2024-05-06T09:00:00Z' });
    const step = (prev: typeof c, at: string, action: string, to: typeof c.status, actor = alice) => ({
      ...prev, status: to, version: prev.version + 1, updatedAt: at,
      audit: [...prev.audit, { at, actor, action, from: prev.status, to }],
    });
    const claimed = step(c, '2024-05-06T09:05:00Z', 'claim', 'claimed');
    // Heard at 09:45 with the case still claimed by alice: 45 minutes, SLA met; nobody (not alice) is credited.
    const outside = step(claimed, '2024-05-06T09:45:00Z', 'private_outside', 'claimed', outbox);
    const o = applyAll(rollupUpdates(claimed, outside, { sla: { targetMinutes: 60 } })).get(ALL_DAY('2024-05-06'))!;
    expect(o).toMatchObject({ private: 1, 'frt:n': 1, 'frt:sum': 2700, 'sla:met:normal': 1 });
    expect(Object.keys(o).filter((k) => k.startsWith('ag:'))).toEqual([]);
    expect(o['reach:answered']).toBeUndefined();
    expect(o.redirected).toBeUndefined();
    expect(o.replies).toBeUndefined();

    // After a first response, another one from outside counts nothing.
    const drafted = step(claimed, '2024-05-06T09:10:00Z', 'draft', 'drafted');
    const sending = step(drafted, '2024-05-06T09:20:00Z', 'send', 'sending');
    const dm = step(sending, '2024-05-06T09:21:00Z', 'private_sent', 'redirected', outbox);
    const later = step(dm, '2024-05-06T10:00:00Z', 'private_outside', 'redirected', outbox);
    expect(applyAll(rollupUpdates(dm, later, { sla: { targetMinutes: 60 } })).get(ALL_DAY('2024-05-06')) ?? {}).toEqual({});
  });

  it('counts nothing for notes and SLA marks, which change no status', () => {
    const c = newCase({ id: 'c1', at: '2024-05-06T09:00:00Z' });
    const marked = { ...c, audit: [{ at: '2024-05-06T10:00:00Z', actor: outbox, action: 'firstResponse.breach', from: c.status, to: c.status }] };
    expect(rollupUpdates(c, marked)).toEqual([]);
  });
});

