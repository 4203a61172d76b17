import { sameActor, type Actor } from '../domain/actor.js';
import { viewTarget, type CardView } from '../domain/case.js';
import type { Storm, StormActionId } from '../domain/storm.js';
import type { Policy, Template } from '../config/schema.js';
import { checkRole, type Refusal } from './policy.js';

/**
 * What can happen to a storm: the staff actions of its card's buttons, and the steps the
 * app takes on its own (`storm.calm` when the group goes quiet, `storm.cover` once a send
 * knows how many members it answers, `storm.finish` when the batches of a send are done).
 */
export type StormAction =
  | { type: Exclude<StormActionId, 'storm.draft'> }
  | { type: 'storm.draft'; templateId?: string | undefined }
  | { type: 'storm.calm' }
  | { type: 'storm.cover'; through: number }
  | { type: 'storm.finish' };

export type StormActionType = StormAction['type'];

export interface StormContext {
  policy: Policy;
  /** The configured templates; a storm may be answered only with the ones {@link stormTemplates} offers. */
  templates: readonly Template[];
  /** ISO timestamp supplied by the caller: the storm workflow never reads the clock. */
  now: string;
  /** The version the person saw; a mismatch means a stale click. */
  expectedVersion?: number | undefined;
}

/**
 * The next storm (version + 1, stamped `now`), and what the app must do after writing
 * it: answer the members (a send) or close their cases (a close).
 */
export type StormTransition =
  | { ok: true; storm: Storm; then?: 'answer' | 'close' | undefined }
  | { ok: false; refusal: Refusal };

const refuse = (code: Refusal['code'], message: string, rule?: string): StormTransition => ({ ok: false, refusal: { code, message, ...(rule ? { rule } : {}) } });
const denied = (refusal: Refusal): StormTransition => ({ ok: false, refusal });

/** A template reply to many must differ per author: X refuses identical posts from one account. */
const PERSONAL = /\{\{\s*author\.(name|handle)\s*\}\}/;

/** Templates that may answer a storm in this group: public, for the group, and personal. */
export function stormTemplates(templates: readonly Template[], group: string): Template[] {
  return templates.filter((t) => !t.private && (!t.groups || t.groups.includes(group)) && PERSONAL.test(t.text));
}

/** A reply to many needs an approval unless the group's policy turns approval off entirely. */
export function stormApprovalsNeeded(policy: Policy, group: string): number {
  const req = policy.groups[group]?.requireApproval ?? policy.requireApproval;
  return req === false ? 0 : 1;
}

/**
 * Whether a click may go ahead at all: the card it came from must show this version, and a
 * closed storm takes no more actions. The app checks this first on the storm it loaded, so
 * a stale click can also refresh the card.
 */
export function checkStormClick(storm: Storm, expectedVersion: number | undefined): Refusal | undefined {
  if (expectedVersion !== undefined && expectedVersion !== storm.version) {
    return { code: 'stale', message: 'That storm card was out of date, so nothing was changed. The card now shows the current state.' };
  }
  if (storm.status === 'closed') return { code: 'invalid_transition', message: 'This storm is closed.' };
  return undefined;
}

/**
 * Applies one action to a storm: a pure function of (storm, action, actor, context). Staff
 * actions check the version the person saw, the policy (agents draft and send, approvers
 * approve, not their own choice unless allowed) and the storm's state; the system steps
 * change a storm only where they apply and are refused elsewhere (the app then leaves it).
 */
export function applyStormAction(storm: Storm, action: StormAction, actor: Actor, ctx: StormContext): StormTransition {
  const next = (patch: Partial<Storm>, then?: 'answer' | 'close'): StormTransition => {
    const updated: Storm = { ...storm, ...patch, version: storm.version + 1, updatedAt: ctx.now };
    for (const k of Object.keys(updated) as Array<keyof Storm>) if (updated[k] === undefined) delete updated[k];
    return { ok: true, storm: updated, ...(then ? { then } : {}) };
  };
  switch (action.type) {
    case 'storm.calm':
      return storm.status === 'live' ? next({ status: 'calm' }) : refuse('invalid_transition', 'Only a live storm calms down.');
    case 'storm.cover': {
      const r = storm.reply;
      return r ? next({ reply: { ...r, through: Math.max(r.through, action.through) } }) : refuse('invalid_transition', 'There is no storm reply to extend.');
    }
    case 'storm.finish': {
      const r = storm.reply;
      return r?.status === 'sending' ? next({ reply: { ...r, status: 'queued' } }) : refuse('invalid_transition', 'There is no storm reply being sent.');
    }
    default:
      return staffAction(storm, action, actor, ctx, next);
  }
}

type Next = (patch: Partial<Storm>, then?: 'answer' | 'close') => StormTransition;

/** The actions of the storm card's buttons, checked in the order people have always been told. */
function staffAction(storm: Storm, action: Extract<StormAction, { type: StormActionId }>, actor: Actor, ctx: StormContext, next: Next): StormTransition {
  const { policy, now } = ctx;
  const click = checkStormClick(storm, ctx.expectedVersion);
  if (click) return denied(click);
  const agentDenied = checkRole(policy, storm, action.type === 'storm.send' ? 'send' : 'draft', actor);
  const r = storm.reply;
  switch (action.type) {
    case 'storm.draft': {
      if (agentDenied) return denied(agentDenied);
      if (r && r.status !== 'queued') return refuse('invalid_transition', 'A reply for this storm is already waiting; approve or discard it first.');
      const t = stormTemplates(ctx.templates, storm.group).find((x) => x.id === action.templateId);
      if (!t) return refuse('invalid_input', 'Pick one of the offered templates: a reply to many must be public, fit the group and name the author ({{author.name}} or {{author.handle}}), because X refuses identical posts.', 'templates');
      return next({ reply: { templateId: t.id, by: actor, at: now, approvals: [], status: 'drafted', through: r?.through ?? 0 } });
    }
    case 'storm.approve': {
      if (!r || r.status !== 'drafted') return refuse('invalid_transition', 'There is no storm reply waiting for approval.');
      const approverDenied = checkRole(policy, storm, 'approve', actor);
      if (approverDenied) return denied(approverDenied);
      if (!policy.allowSelfApproval && sameActor(r.by, actor)) return refuse('not_allowed', 'You chose this reply, and policy.allowSelfApproval is off: another approver must approve it.', 'policy.allowSelfApproval');
      return next({ reply: { ...r, approvals: [...r.approvals, actor], status: 'approved' } });
    }
    case 'storm.discard': {
      if (agentDenied) return denied(agentDenied);
      if (!r || (r.status !== 'drafted' && r.status !== 'approved')) return refuse('invalid_transition', 'There is no storm reply to discard.');
      // Members already answered stay answered: the reply goes back to `queued` so the next send starts after them.
      return next(r.through === 0 ? { reply: undefined } : { reply: { ...r, status: 'queued', approvals: [] } });
    }
    case 'storm.send': {
      if (agentDenied) return denied(agentDenied);
      const ready = r && (r.status === 'approved' || (r.status === 'drafted' && stormApprovalsNeeded(policy, storm.group) === 0));
      if (!ready) return refuse('invalid_transition', 'Only an approved storm reply can be sent.', 'policy.requireApproval');
      return next({ reply: { ...r, status: 'sending', sender: actor } }, 'answer');
    }
    case 'storm.close':
      if (agentDenied) return denied(agentDenied);
      return next({ status: 'closed', endedAt: now }, 'close');
  }
}

/** How a storm records a channel binding its card was posted for (`teams:Care - Billing`). */
export const bindingKey = (platform: CardView['platform'], target: string): string => `${platform}:${target}`;

/** Has the storm's card been posted for this channel binding? (Older storms recorded only views.) */
export const postedFor = (s: Storm, platform: CardView['platform'], target: string): boolean =>
  (s.posted ?? []).includes(bindingKey(platform, target)) || s.views.some((v) => v.platform === platform && viewTarget(v) === target);

/**
 * Records where a card was posted. Bookkeeping, not a transition: the version stays, so a
 * card posted in a second channel does not turn everyone's open dialog stale. Undefined
 * when the storm already knows.
 */
export function recordStormCard(s: Storm, view: CardView, platform: CardView['platform'], target: string): Storm | undefined {
  const key = bindingKey(platform, target);
  const known = s.views.some((v) => v.platform === view.platform && viewTarget(v) === viewTarget(view));
  if (known && s.posted?.includes(key)) return undefined;
  return { ...s, views: known ? s.views : [...s.views, view], posted: [...(s.posted ?? []).filter((k) => k !== key), key] };
}
