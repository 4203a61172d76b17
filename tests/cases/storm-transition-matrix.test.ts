import { describe, expect, it } from 'vitest';
import { applyStormAction, checkStormClick, type StormAction, type StormActionType, type StormContext } from '../../src/cases/storm-workflow.js';
import type { Refusal } from '../../src/cases/policy.js';
import type { Actor } from '../../src/domain/actor.js';
import { STORM_STATUSES, StormSchema, type Storm, type StormStatus } from '../../src/domain/storm.js';
import { alice, bob, carol, lead, NOW, policy, system } from './case-fixture.js';

/**
 * Every storm action against every storm state (its status × where its reply stands), by
 * every kind of person: the cells listed are the legal ones (with the state the storm ends
 * up in), every other cell must be refused with the code given for its row (or as an
 * invalid transition), never silently changed.
 */
const REPLIES = ['none', 'queued', 'drafted', 'redrafted', 'approved', 'sending'] as const;
type ReplyState = (typeof REPLIES)[number];
type State = `${StormStatus}/${ReplyState}`;
const STATES = STORM_STATUSES.flatMap((s) => REPLIES.map((r) => `${s}/${r}` as State));

/** Who acts: an agent who did not choose the reply, the approver, the agent who chose it, someone on no list, the app itself. */
const ROLES = { agent: bob, approver: lead, drafter: alice, outsider: carol, system } satisfies Record<string, Actor>;
type Role = keyof typeof ROLES;

const TEMPLATES = [
  { id: 'sorry', name: 'Sorry', text: 'Hi {{author.name}}, sorry about your bag.', private: false },
  { id: 'same', name: 'Same for all', text: 'We are on it.', private: false },
];
const POLICY = policy({ agents: ['slack:UALICE', 'slack:UBOB'] });

/** A storm in `state`; `redrafted` is a new reply chosen after an earlier send answered ten members. */
function makeStorm(state: State): Storm {
  const [status, reply] = state.split('/') as [StormStatus, ReplyState];
  const base: Storm = { id: 's1', version: 4, group: 'care', topic: 'baggage', status, startedAt: NOW, updatedAt: NOW, views: [], ...(status === 'closed' ? { endedAt: NOW } : {}) };
  if (reply === 'none') return base;
  const replyStatus = reply === 'redrafted' ? 'drafted' : reply;
  const through = reply === 'queued' || reply === 'redrafted' || reply === 'sending' ? 10 : 0;
  const approvals = reply === 'approved' || reply === 'sending' ? [lead] : [];
  return { ...base, reply: { templateId: 'sorry', by: alice, at: NOW, approvals, status: replyStatus, through, ...(reply === 'sending' ? { sender: alice } : {}) } };
}

/** Where a storm stands, in the matrix's words. */
function stateOf(s: Storm): State {
  const r = s.reply;
  if (!r) return `${s.status}/none`;
  const reply: ReplyState = r.status === 'drafted' && r.through > 0 ? 'redrafted' : r.status;
  return `${s.status}/${reply}`;
}

interface Row {
  action: StormAction;
  /** The legal cells per role: from-state → to-state. A role not listed is refused everywhere. */
  legal: Partial<Record<Role, Partial<Record<State, State>>>>;
  /** The refusal code per role for a person who may not take the action at all. */
  denied?: Partial<Record<Role, Refusal['code']>>;
  /**
   * Whether the person is checked before the storm's state (then they are told they may not,
   * whatever the state) or after it (then a state that does not allow the action is said first).
   */
  roleFirst?: boolean;
  then?: 'answer' | 'close';
}

const open = (s: StormStatus) => s !== 'closed';
const cells = (pick: (status: StormStatus, reply: ReplyState) => State | undefined): Partial<Record<State, State>> =>
  Object.fromEntries(STATES.flatMap((st) => {
    const [status, reply] = st.split('/') as [StormStatus, ReplyState];
    const to = pick(status, reply);
    return to ? [[st, to]] : [];
  }));
const staff = (m: Partial<Record<State, State>>, roles: Role[] = ['agent', 'approver', 'drafter']) => Object.fromEntries(roles.map((r) => [r, m]));

const MATRIX: Record<StormActionType, Row> = {
  'storm.draft': {
    action: { type: 'storm.draft', templateId: 'sorry' },
    legal: staff(cells((s, r) => (open(s) && (r === 'none' || r === 'queued') ? `${s}/${r === 'queued' ? 'redrafted' : 'drafted'}` : undefined))),
    denied: { outsider: 'not_allowed' },
    roleFirst: true,
  },
  'storm.approve': {
    action: { type: 'storm.approve' },
    legal: { approver: cells((s, r) => (open(s) && (r === 'drafted' || r === 'redrafted') ? `${s}/approved` : undefined)) },
    denied: { agent: 'not_allowed', drafter: 'not_allowed', outsider: 'not_allowed' },
  },
  'storm.discard': {
    action: { type: 'storm.discard' },
    legal: staff(cells((s, r) => (!open(s) ? undefined : r === 'drafted' || r === 'approved' ? `${s}/none` : r === 'redrafted' ? `${s}/queued` : undefined))),
    denied: { outsider: 'not_allowed' },
    roleFirst: true,
  },
  'storm.send': {
    action: { type: 'storm.send' },
    legal: staff(cells((s, r) => (open(s) && r === 'approved' ? `${s}/sending` : undefined))),
    denied: { outsider: 'not_allowed' },
    roleFirst: true,
    then: 'answer',
  },
  'storm.close': {
    action: { type: 'storm.close' },
    legal: staff(cells((s, r) => (open(s) ? `closed/${r}` : undefined))),
    denied: { outsider: 'not_allowed' },
    roleFirst: true,
    then: 'close',
  },
  'storm.calm': { action: { type: 'storm.calm' }, legal: { system: cells((s, r) => (s === 'live' ? `calm/${r}` : undefined)) } },
  'storm.cover': { action: { type: 'storm.cover', through: 25 }, legal: { system: cells((s, r) => (r === 'none' ? undefined : `${s}/${r === 'drafted' ? 'redrafted' : r}`)) } },
  'storm.finish': { action: { type: 'storm.finish' }, legal: { system: cells((s, r) => (r === 'sending' ? `${s}/queued` : undefined)) } },
};

/** The staff actions are asked of every role; the system steps of the app only. */
const rolesFor = (name: StormActionType): Role[] => (['storm.calm', 'storm.cover', 'storm.finish'].includes(name) ? ['system'] : ['agent', 'approver', 'drafter', 'outsider']);

/** Would the state allow the action for someone? Then a refusal for this role is about the person. */
const legalForSomeone = (row: Row, st: State) => Object.values(row.legal).some((m) => m?.[st] !== undefined);

/** The code a refused cell must carry: a closed storm first, then the person or the state in the row's order. */
function refusalCode(row: Row, role: Role, st: State): Refusal['code'] {
  if (st.startsWith('closed/') && role !== 'system') return 'invalid_transition';
  const denied = row.denied?.[role];
  if (denied && (row.roleFirst || legalForSomeone(row, st))) return denied;
  return 'invalid_transition';
}

const ALL = (Object.entries(MATRIX) as Array<[StormActionType, Row]>).flatMap(([name, row]) =>
  rolesFor(name).flatMap((role) => STATES.map((st) => [name, role, st, row.legal[role]?.[st] ?? null] as const)));

const ctx = (p = POLICY, expectedVersion: number | undefined = 4): StormContext => ({ policy: p, templates: TEMPLATES, now: '2026-01-05T11:00:00.000Z', expectedVersion });

describe('the storm transition matrix: every action × every storm state × every role', () => {
  it('has a row for every action (the Record type enforces it) and both legal and refused cells', () => {
    expect(Object.keys(MATRIX)).toHaveLength(8);
    expect(ALL.filter(([, , , e]) => e !== null).length).toBeGreaterThan(80);
    expect(ALL.filter(([, , , e]) => e === null).length).toBeGreaterThan(200);
  });

  it.each(ALL)('%s by the %s from %s → %s', (name, role, from, expected) => {
    const row = MATRIX[name];
    const storm = makeStorm(from);
    const r = applyStormAction(storm, row.action, ROLES[role], ctx());
    if (expected === null) {
      expect(r.ok, `${name} by the ${role} from ${from} should be refused`).toBe(false);
      if (r.ok) return;
      expect(r.refusal.code).toBe(refusalCode(row, role, from));
      expect(r.refusal.message.length).toBeGreaterThan(10);
      return;
    }
    expect(r.ok, r.ok ? '' : r.refusal.message).toBe(true);
    if (!r.ok) return;
    expect(stateOf(r.storm)).toBe(expected);
    // The result is still a valid storm document, one version on, stamped with the time given.
    expect(StormSchema.safeParse(r.storm).success).toBe(true);
    expect(r.storm.version).toBe(storm.version + 1);
    expect(r.storm.updatedAt).toBe('2026-01-05T11:00:00.000Z');
    expect(r.then).toBe(row.then);
    // The storm given is never changed.
    expect(storm).toEqual(makeStorm(from));
  });
});

describe('the storm workflow, the cells a table does not show', () => {
  const drafted = makeStorm('live/drafted');

  it('refuses a stale click before anything else, and a closed storm before the policy', () => {
    const stale = applyStormAction(drafted, { type: 'storm.approve' }, lead, ctx(POLICY, 3));
    expect(stale).toEqual({ ok: false, refusal: { code: 'stale', message: 'That storm card was out of date, so nothing was changed. The card now shows the current state.' } });
    expect(checkStormClick(drafted, 3)?.code).toBe('stale');
    expect(checkStormClick(drafted, undefined)).toBeUndefined();
    const closed = applyStormAction(makeStorm('closed/none'), { type: 'storm.draft', templateId: 'sorry' }, carol, ctx());
    expect(closed).toEqual({ ok: false, refusal: { code: 'invalid_transition', message: 'This storm is closed.' } });
  });

  it('lets an approver approve a reply they chose only when policy.allowSelfApproval is on', () => {
    const own: Storm = { ...drafted, reply: { ...drafted.reply!, by: lead } };
    const self = applyStormAction(own, { type: 'storm.approve' }, lead, ctx());
    expect(self).toEqual({ ok: false, refusal: { code: 'not_allowed', rule: 'policy.allowSelfApproval', message: 'You chose this reply, and policy.allowSelfApproval is off: another approver must approve it.' } });
    const allowed = applyStormAction(own, { type: 'storm.approve' }, lead, ctx(policy({ agents: POLICY.agents, allowSelfApproval: true })));
    expect(allowed.ok && allowed.storm.reply?.approvals).toEqual([lead]);
  });

  it('sends a reply nobody approved only where the group turns approval off', () => {
    const refused = applyStormAction(drafted, { type: 'storm.send' }, bob, ctx());
    expect(refused).toEqual({ ok: false, refusal: { code: 'invalid_transition', rule: 'policy.requireApproval', message: 'Only an approved storm reply can be sent.' } });
    const off = policy({ agents: POLICY.agents, groups: { care: { requireApproval: false } } });
    const sent = applyStormAction(drafted, { type: 'storm.send' }, bob, ctx(off));
    expect(sent.ok && sent.storm.reply).toMatchObject({ status: 'sending', sender: bob });
  });

  it('answers a storm only with a public template that names the author, for its group', () => {
    const storm = makeStorm('live/none');
    for (const templateId of ['same', 'missing', undefined]) {
      const r = applyStormAction(storm, { type: 'storm.draft', templateId }, alice, ctx());
      expect(r.ok ? undefined : r.refusal).toMatchObject({ code: 'invalid_input', rule: 'templates' });
    }
    const r = applyStormAction(storm, { type: 'storm.draft', templateId: 'sorry' }, alice, ctx());
    expect(r.ok && r.storm.reply).toEqual({ templateId: 'sorry', by: alice, at: '2026-01-05T11:00:00.000Z', approvals: [], status: 'drafted', through: 0 });
  });

  it('keeps how far earlier sends reached: a discard after one goes back to queued, a cover never lowers it', () => {
    const again = applyStormAction(makeStorm('live/redrafted'), { type: 'storm.discard' }, bob, ctx());
    expect(again.ok && again.storm.reply).toMatchObject({ status: 'queued', approvals: [], through: 10 });
    const lower = applyStormAction(makeStorm('live/sending'), { type: 'storm.cover', through: 3 }, system, ctx());
    expect(lower.ok && lower.storm.reply?.through).toBe(10);
  });
});
