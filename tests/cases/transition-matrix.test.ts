import { describe, expect, it } from 'vitest';
import { transition, type CaseCommand, type CommandType, type TransitionContext } from '../../src/cases/workflow.js';
import type { Actor } from '../../src/domain/actor.js';
import { CASE_STATUSES, CaseSchema, type Case, type CaseStatus } from '../../src/domain/case.js';
import { alice, bob, lead, makeCase, NOW, policy, system, templates } from './case-fixture.js';

/**
 * Every command against every status: the statuses listed are the legal ones (with
 * where the case ends up), every other status must be refused as an invalid
 * transition or as not allowed, never silently changed.
 */
interface Row {
  cmd: CaseCommand;
  actor: Actor;
  legal: Partial<Record<CaseStatus, CaseStatus>>;
  now?: string;
  /** Makes the case ready for the command (a case with a folded post to split out). */
  prep?: (c: Case) => Case;
}

const later = '2026-01-05T12:00:00.000Z';
const same = (...s: CaseStatus[]) => Object.fromEntries(s.map((x) => [x, x])) as Partial<Record<CaseStatus, CaseStatus>>;
const to = (target: CaseStatus, ...s: CaseStatus[]) => Object.fromEntries(s.map((x) => [x, target])) as Partial<Record<CaseStatus, CaseStatus>>;

const MATRIX: Record<CommandType, Row> = {
  claim: { cmd: { type: 'claim' }, actor: bob, legal: { new: 'claimed', escalated: 'escalated' } },
  release: { cmd: { type: 'release' }, actor: alice, legal: to('new', 'claimed', 'drafted', 'rejected') },
  reassign: { cmd: { type: 'reassign', to: bob }, actor: alice, legal: { new: 'claimed', ...same('claimed', 'drafted', 'rejected', 'approved', 'escalated') } },
  assign: { cmd: { type: 'assign', to: bob, mode: 'assign' }, actor: system, legal: { new: 'new' } },
  // An open offer to Bob (the prep), declined by Bob: only a new, unowned case has one to decline.
  decline: { cmd: { type: 'decline' }, actor: bob, legal: { new: 'new' }, prep: (c) => ({ ...c, assignment: { to: bob, mode: 'assign', at: NOW }, offered: [bob] }) },
  draft: { cmd: { type: 'draft', text: 'Hello' }, actor: alice, legal: to('drafted', 'new', 'claimed', 'drafted', 'rejected', 'approved', 'escalated') },
  approve: { cmd: { type: 'approve' }, actor: lead, legal: { drafted: 'approved' } },
  reject: { cmd: { type: 'reject', note: 'Warmer' }, actor: lead, legal: to('rejected', 'drafted', 'approved') },
  send: { cmd: { type: 'send' }, actor: alice, legal: { approved: 'sending' } },
  sent: { cmd: { type: 'sent', reply: { id: '9', url: 'https://x.com/i/web/status/9', at: NOW, text: 'x' } }, actor: system, legal: { sending: 'sent' } },
  send_failed: { cmd: { type: 'send_failed', error: 'X said 503' }, actor: system, legal: { sending: 'approved' } },
  escalate: { cmd: { type: 'escalate' }, actor: alice, legal: to('escalated', 'new', 'claimed', 'drafted', 'rejected', 'approved') },
  deescalate: { cmd: { type: 'deescalate' }, actor: alice, legal: { escalated: 'new' } },
  snooze: { cmd: { type: 'snooze', until: '2026-01-06T09:00:00.000Z' }, actor: alice, legal: to('snoozed', 'new', 'claimed', 'rejected', 'escalated') },
  wake: { cmd: { type: 'wake' }, actor: alice, legal: { snoozed: 'new' } },
  ignore: { cmd: { type: 'ignore', reason: 'spam' }, actor: alice, legal: to('ignored', 'new', 'claimed', 'rejected', 'escalated', 'snoozed') },
  reroute: { cmd: { type: 'reroute', to: 'billing' }, actor: alice, legal: to('new', 'new', 'claimed', 'rejected', 'escalated') },
  retag: { cmd: { type: 'retag', sentiment: 'positive' }, actor: alice, legal: same(...CASE_STATUSES) },
  redirect: { cmd: { type: 'redirect', templateId: 'dm' }, actor: alice, legal: to('redirected', 'new', 'claimed', 'drafted', 'rejected', 'approved', 'escalated') },
  close: { cmd: { type: 'close' }, actor: alice, legal: to('closed', ...CASE_STATUSES.filter((s) => s !== 'closed' && s !== 'sending')) },
  reopen: { cmd: { type: 'reopen' }, actor: alice, legal: to('new', 'closed', 'sent', 'ignored', 'redirected') },
  follow_up: {
    cmd: { type: 'follow_up', post: { id: '101', text: 'still waiting', at: NOW, url: 'https://x.com/i/web/status/101' } },
    actor: system,
    legal: { ...same(...CASE_STATUSES), closed: 'new', sent: 'new', snoozed: 'new' },
  },
  split: {
    cmd: { type: 'split', key: 'x:201' },
    actor: alice,
    legal: same(...CASE_STATUSES.filter((s) => s !== 'sending')),
    prep: (c) => ({ ...c, duplicates: 1, similar: { samples: [{ key: 'x:201', at: NOW, mention: { ...c.mention, id: '201', author: { ...c.mention.author, id: 'u201', handle: 'other' } } }], recent: ['x:201'] } }),
  },
  // A public draft (the fixture's) is never sent as a private message; private-commands.test.ts has the private ones.
  private_sent: { cmd: { type: 'private_sent', via: 'dm', message: { id: 'dm1', direction: 'out', text: 'Hi', at: NOW } }, actor: system, legal: {} },
  private_in: {
    cmd: { type: 'private_in', message: { id: 'dm2', direction: 'in', text: 'my card is blocked', at: NOW } },
    actor: system,
    legal: { ...same(...CASE_STATUSES), redirected: 'claimed', sent: 'claimed', closed: 'new', snoozed: 'new' },
  },
  // Ours, sent from the network's own app: recorded in every status, which it never changes.
  private_outside: {
    cmd: { type: 'private_outside', message: { id: 'dm3', direction: 'out', text: 'We have sent a new card', at: NOW } },
    actor: system,
    legal: same(...CASE_STATUSES),
  },
  expire_claim: { cmd: { type: 'expire_claim' }, actor: system, legal: to('new', 'claimed', 'rejected'), now: later },
  note: { cmd: { type: 'note', note: { id: 'slack:C1:1.2', at: NOW, by: alice, text: 'called them' } }, actor: alice, legal: same(...CASE_STATUSES) },
  sla_mark: { cmd: { type: 'sla_mark', key: 'sla.firstResponse.reminder', note: 'due soon' }, actor: system, legal: same(...CASE_STATUSES) },
};

const cells = (Object.entries(MATRIX) as Array<[CommandType, Row]>).flatMap(([name, row]) =>
  CASE_STATUSES.map((status) => [name, status, row.legal[status] ?? null] as const));

describe('the transition matrix: every command × every status', () => {
  it('has a row for every command (the Record type enforces it) and both legal and illegal cells', () => {
    expect(Object.keys(MATRIX)).toHaveLength(29);
    expect(cells.filter(([, , e]) => e !== null).length).toBeGreaterThan(60);
    expect(cells.filter(([, , e]) => e === null).length).toBeGreaterThan(100);
  });

  it.each(cells)('%s from %s → %s', (name, status, expected) => {
    const row = MATRIX[name];
    const c = row.prep ? row.prep(makeCase(status)) : makeCase(status);
    const ctx: TransitionContext = {
      policy: policy({ claimTimeout: '30m' }),
      actor: row.actor,
      now: row.now ?? NOW,
      expectedVersion: c.version,
      templates,
    };
    const r = transition(c, row.cmd, ctx);
    if (expected === null) {
      expect(r.ok, `${name} from ${status} should be refused`).toBe(false);
      if (!r.ok) {
        expect(['invalid_transition', 'not_allowed']).toContain(r.refusal.code);
        expect(r.refusal.message.length).toBeGreaterThan(10);
      }
      return;
    }
    expect(r.ok, r.ok ? '' : r.refusal.message).toBe(true);
    if (!r.ok) return;
    expect(r.case.status).toBe(expected);
    // The result is still a valid case document.
    expect(CaseSchema.safeParse(r.case).success).toBe(true);
    const annotation = name === 'note' || name === 'sla_mark';
    expect(r.case.version).toBe(annotation ? c.version : c.version + 1);
    if (name === 'note') {
      expect(r.case.audit).toEqual(c.audit);
    } else {
      expect(r.case.audit.at(-1)).toMatchObject({ actor: row.actor, from: status, to: expected, at: row.now ?? NOW });
    }
  });
});
