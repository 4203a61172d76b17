import { describe, expect, it } from 'vitest';
import { slaStatus } from '../../src/cases/sla.js';
import { transition, type CaseCommand, type TransitionContext } from '../../src/cases/workflow.js';
import { SlaSchema } from '../../src/config/workflow-schema.js';
import type { Actor } from '../../src/domain/actor.js';
import { firstResponseAt, type Case } from '../../src/domain/case.js';
import { alice, lead, makeCase, NOW, policy, system, templates } from './case-fixture.js';

const at = (min: number) => new Date(Date.parse(NOW) + min * 60_000).toISOString();
const ctx = (actor: Actor, now: string, extra: Partial<TransitionContext> = {}): TransitionContext => ({ policy: policy({ requireApproval: true }), actor, now, templates, ...extra });
function walk(c: Case, steps: Array<[number, CaseCommand, Actor, Partial<TransitionContext>?]>): Case {
  let cur = c;
  for (const [min, cmd, actor, extra] of steps) {
    const r = transition(cur, cmd, ctx(actor, at(min), extra));
    if (!r.ok) throw new Error(`${cmd.type}: ${r.refusal.message}`);
    cur = r.case;
  }
  return cur;
}
const dm = (id: string, text: string, min: number, direction: 'in' | 'out' = 'out') => ({ id, direction, text, at: at(min) });

describe('private messages in the workflow', () => {
  const moved = () => walk(makeCase('claimed'), [
    [1, { type: 'draft', text: 'Please send us a DM', templateId: 'dm', channel: 'private' }, alice],
    [2, { type: 'approve' }, lead],
    [3, { type: 'send' }, alice],
    [4, { type: 'private_sent', via: 'dm', message: dm('m1', 'Please send us a DM', 4) }, system],
  ]);

  it('a private draft goes through approval and sending, and the message that reached the author is kept', () => {
    const c = moved();
    expect(c.status).toBe('redirected');
    expect(c.private).toMatchObject({ via: 'dm', to: { id: 'a1', handle: 'cust' }, messages: [{ id: 'm1', direction: 'out', text: 'Please send us a DM', by: alice }] });
    expect(c.redirect).toMatchObject({ templateId: 'dm', by: alice });
    expect(c.audit.at(-1)!.action).toBe('private_sent');
  });

  it('a public invitation records the public reply as well', () => {
    const c = walk(makeCase('claimed'), [
      [1, { type: 'draft', text: 'Please DM us', channel: 'private' }, alice], [2, { type: 'approve' }, lead], [3, { type: 'send' }, alice],
      [4, { type: 'private_sent', via: 'invitation', message: dm('900', 'Please DM us', 4), reply: { id: '900', url: 'https://x.com/i/web/status/900', at: at(4), text: 'Please DM us' } }, system],
    ]);
    expect(c.private?.via).toBe('invitation');
    expect(c.reply?.id).toBe('900');
  });

  it('a public draft is never recorded as a private message', () => {
    const c = walk(makeCase('claimed'), [[1, { type: 'draft', text: 'Hello' }, alice], [2, { type: 'approve' }, lead], [3, { type: 'send' }, alice]]);
    const r = transition(c, { type: 'private_sent', via: 'dm', message: dm('m1', 'Hello', 4) }, ctx(system, at(4)));
    expect(r.ok).toBe(false);
  });

  it('a message the brand sent outside Earshot is kept as ours, changes nothing else, is the first response if none yet, and only the listener records it', () => {
    const c = makeCase('claimed');
    const r = transition(c, { type: 'private_outside', message: dm('o1', 'Hi, we are on it', 5, 'in') }, ctx(system, at(5)));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.case.status).toBe('claimed');
    expect(r.case.owner).toEqual(c.owner);
    // Whatever direction the caller said, it is ours.
    expect(r.case.private).toMatchObject({ via: 'dm', to: { id: 'a1', handle: 'cust' }, messages: [{ id: 'o1', direction: 'out', outside: true, text: 'Hi, we are on it' }] });
    expect(r.summary).toBe('A direct message to @cust was sent outside Earshot: Hi, we are on it');
    expect(firstResponseAt(r.case)).toBe(at(5));
    expect(transition(r.case, { type: 'private_outside', message: dm('o1', 'again', 6) }, ctx(system, at(6))).ok).toBe(false);
    expect(transition(c, { type: 'private_outside', message: dm('o2', 'x', 6) }, ctx(alice, at(6))).ok).toBe(false);
    // After Earshot's own DM, the first response stays that one.
    const later = walk(moved(), [[9, { type: 'private_outside', message: dm('o3', 'PS', 9) }, system]]);
    expect(later.status).toBe('redirected');
    expect(firstResponseAt(later)).toBe(at(4));
  });

  it('the author writing privately brings the case back to its owner, once per message', () => {
    const c = walk(moved(), [[10, { type: 'private_in', message: dm('m2', 'my card 4111 1111 1111 1111 is blocked', 10, 'in') }, system]]);
    expect(c.status).toBe('claimed');
    expect(c.owner).toEqual(alice);
    expect(c.private?.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    // The message that went out is in the conversation; no draft waits for approval.
    expect(moved().draft).toBeDefined();
    expect(c.draft).toBeUndefined();
    // Likewise a public reply that went out, once the author writes again.
    const answered = walk(makeCase('claimed'), [[1, { type: 'draft', text: 'Hello' }, alice], [2, { type: 'approve' }, lead], [3, { type: 'send' }, alice], [4, { type: 'sent', reply: { id: 'r1', url: 'https://x.com/acme/status/r1', at: at(4), text: 'Hello' } }, system]]);
    expect(answered.draft?.text).toBe('Hello');
    const reopened = walk(answered, [[5, { type: 'follow_up', post: { id: 'f1', text: 'still broken', at: at(5), url: 'u' } }, system]]);
    expect([reopened.status, reopened.draft]).toEqual(['new', undefined]);
    const again = transition(c, { type: 'private_in', message: dm('m2', 'x', 11, 'in') }, ctx(system, at(11)));
    expect(again.ok).toBe(false);
    const byPerson = transition(c, { type: 'private_in', message: dm('m3', 'x', 11, 'in') }, ctx(alice, at(11)));
    expect(byPerson.ok).toBe(false);
    // Another private message may be drafted while the conversation waits on the author.
    const next = transition(moved(), { type: 'draft', text: 'Anything else?', channel: 'private' }, ctx(alice, at(12)));
    expect(next.ok && next.case.status).toBe('drafted');
    const pub = transition(moved(), { type: 'draft', text: 'Anything else?' }, ctx(alice, at(12)));
    expect(pub.ok).toBe(false);
  });

  it('the private checks replace the public ones for a private draft', () => {
    const checkReply = () => 'The reply contains personal data';
    const checkPrivate = (t: string) => (t.length > 20 ? 'Too long for a DM' : undefined);
    const ok = transition(makeCase('claimed'), { type: 'draft', text: 'Card 4111 1111 1111 1111', channel: 'private' }, ctx(alice, at(1), { checkReply, checkPrivate: () => undefined }));
    expect(ok.ok).toBe(true);
    const pub = transition(makeCase('claimed'), { type: 'draft', text: 'Card 4111 1111 1111 1111' }, ctx(alice, at(1), { checkReply, checkPrivate }));
    expect(pub.ok).toBe(false);
    const long = transition(makeCase('claimed'), { type: 'draft', text: 'x'.repeat(30), channel: 'private' }, ctx(alice, at(1), { checkReply, checkPrivate }));
    expect(!long.ok && long.refusal).toMatchObject({ code: 'invalid_input', message: 'Too long for a DM' });
  });

  it('a hand-off-only case refuses a private message without the hand-off link, and takes one with it', () => {
    const handoff = { only: true, carries: (t: string) => t.includes('https://secure.example-bank.com/contact?case='), rule: 'privateChannel.handoff.only' };
    const no = transition(makeCase('claimed'), { type: 'draft', text: 'Tell me your card number here', channel: 'private' }, ctx(alice, at(1), { handoff }));
    expect(!no.ok && no.refusal.message).toMatch(/only be answered with the secure hand-off link.*\(rule: privateChannel\.handoff\.only\)/);
    const yes = transition(makeCase('claimed'), { type: 'draft', text: 'Please use https://secure.example-bank.com/contact?case=abc', channel: 'private' }, ctx(alice, at(1), { handoff }));
    expect(yes.ok).toBe(true);
    // At send the rule is checked again (a policy changed meanwhile).
    const drafted = walk(makeCase('claimed'), [[1, { type: 'draft', text: 'Hi there', channel: 'private' }, alice], [2, { type: 'approve' }, lead]]);
    expect(transition(drafted, { type: 'send' }, ctx(alice, at(3), { handoff })).ok).toBe(false);
  });
});

describe('honest first response', () => {
  const sla = SlaSchema.parse({ hours: { timezone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '00:00', to: '23:59' }, targets: [{ firstResponse: '1h', resolution: '8h' }] });

  it('a case moved to private without a message has no first response; the first message that reaches the customer is it', () => {
    const c = makeCase('claimed');
    const redirected = walk(c, [[5, { type: 'redirect', templateId: 'dm' }, alice]]);
    expect(firstResponseAt(redirected)).toBeUndefined();
    expect(slaStatus(redirected, sla, at(30)).firstResponse?.state).toBe('running');

    const drafted = walk(c, [[5, { type: 'draft', text: 'DM us', channel: 'private' }, alice], [6, { type: 'approve' }, lead], [7, { type: 'send' }, alice]]);
    expect(firstResponseAt(drafted)).toBeUndefined();
    const sent = walk(drafted, [[80, { type: 'private_sent', via: 'dm', message: dm('m1', 'DM us', 80) }, system]]);
    expect(firstResponseAt(sent)).toBe(at(80));
    expect(slaStatus(sent, sla, at(90)).firstResponse).toMatchObject({ state: 'missed', stoppedAt: at(80) });
    // Waiting on the author in private pauses resolution, it does not end it.
    expect(slaStatus(sent, sla, at(90)).resolution?.state).toBe('paused');
  });
});
