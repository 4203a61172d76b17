import type { Actor } from '../domain/actor.js';
import { actorLabel, sameActor } from '../domain/actor.js';
import type { Case, CaseStatus, Reply } from '../domain/case.js';
import type { Policy } from '../config/schema.js';
import {
  approvalsNeeded, checkAgent, checkApprover, checkReplyText, type Refusal,
} from './policy.js';

/** Everything a person (or the system) can ask of a case. */
export type CaseCommand =
  | { type: 'claim' }
  | { type: 'release' }
  | { type: 'draft'; text: string; templateId?: string | undefined }
  | { type: 'approve' }
  | { type: 'reject'; note: string }
  | { type: 'send' }
  | { type: 'sent'; reply: Reply }
  | { type: 'send_failed'; error: string }
  | { type: 'escalate'; note?: string | undefined }
  | { type: 'close'; note?: string | undefined }
  | { type: 'reopen'; note?: string | undefined };

export type CommandType = CaseCommand['type'];

export interface TransitionContext {
  policy: Policy;
  actor: Actor;
  /** ISO timestamp supplied by the caller: the workflow never reads the clock. */
  now: string;
  /** The version the actor saw; a mismatch means a stale click. */
  expectedVersion?: number | undefined;
  /**
   * Network-specific check of a reply (length with the network's weighting, personal
   * data). Returns a message when the text may not be sent.
   */
  checkReply?: ((text: string) => string | undefined) | undefined;
}

export type TransitionResult =
  | { ok: true; case: Case; summary: string }
  | { ok: false; refusal: Refusal };

const refuse = (code: Refusal['code'], message: string, rule?: string): TransitionResult => ({
  ok: false,
  refusal: { code, message, ...(rule ? { rule } : {}) },
});

/** A short, human description of where a case stands, for refusal messages. */
export function describeState(c: Case): string {
  switch (c.status) {
    case 'new': return 'it is waiting to be claimed';
    case 'claimed': return `${actorLabel(c.owner!)} has claimed it`;
    case 'drafted': return `a draft by ${c.draft ? actorLabel(c.draft.by) : 'someone'} is waiting for approval`;
    case 'rejected': return 'its draft was sent back';
    case 'approved': return 'its draft is approved and ready to send';
    case 'sending': return 'its reply is being sent';
    case 'sent': return 'its reply has been sent';
    case 'escalated': return 'it is escalated';
    case 'closed': return 'it is closed';
  }
}

const MAX_DRAFT = 10_000;
const MAX_NOTE = 2_000;

/**
 * Applies one command to a case: a pure function of (case, command, context). It
 * checks the version the actor saw, the policy and the state machine, and returns
 * the next case (version + 1, with an audit entry) or a refusal that says why.
 */
export function transition(c: Case, cmd: CaseCommand, ctx: TransitionContext): TransitionResult {
  const { actor, policy, now } = ctx;
  if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== c.version) {
    return refuse('stale', `That card was out of date, so nothing was changed: ${describeState(c)}. The card now shows the current state.`);
  }
  const next = (to: CaseStatus, patch: Partial<Case>, summary: string, note?: string): TransitionResult => {
    const updated: Case = {
      ...c,
      ...patch,
      status: to,
      version: c.version + 1,
      updatedAt: now,
      audit: [...c.audit, { at: now, actor, action: cmd.type, from: c.status, to, ...(note ? { note } : {}) }],
    };
    return { ok: true, case: updated, summary };
  };
  const who = actorLabel(actor);
  const isOwner = sameActor(c.owner, actor);

  switch (cmd.type) {
    case 'claim': {
      const denied = checkAgent(policy, actor, 'claim cases');
      if (denied) return { ok: false, refusal: denied };
      if (c.owner && isOwner && c.status !== 'new') return refuse('invalid_transition', 'You already own this case.');
      if (c.owner && c.status !== 'new') return refuse('invalid_transition', `${actorLabel(c.owner)} already owns this case.`);
      if (c.status !== 'new' && c.status !== 'escalated') return refuse('invalid_transition', `This case cannot be claimed: ${describeState(c)}.`);
      return next(c.status === 'escalated' ? 'escalated' : 'claimed', { owner: actor }, `${who} claimed the case`);
    }
    case 'release': {
      if (!isOwner) return refuse('not_allowed', c.owner ? `Only ${actorLabel(c.owner)}, who owns this case, can release it.` : 'Nobody owns this case.');
      if (!['claimed', 'drafted', 'rejected', 'escalated'].includes(c.status)) return refuse('invalid_transition', `This case cannot be released: ${describeState(c)}.`);
      const { owner: _owner, ...rest } = c;
      return next(c.status === 'escalated' ? 'escalated' : 'new', { ...rest, owner: undefined, approvals: [] }, `${who} released the case back to the channel`);
    }
    case 'draft': {
      const denied = checkAgent(policy, actor, 'draft replies');
      if (denied) return { ok: false, refusal: denied };
      const text = cmd.text.trim();
      if (!text) return refuse('invalid_input', 'The reply is empty.');
      if (text.length > MAX_DRAFT) return refuse('invalid_input', `The reply is ${text.length} characters; the limit is ${MAX_DRAFT}.`);
      const banned = checkReplyText(policy, text);
      if (banned) return { ok: false, refusal: banned };
      const problem = ctx.checkReply?.(text);
      if (problem) return refuse('invalid_input', problem, 'network.replyRules');
      if (c.owner && !isOwner) return refuse('not_allowed', `${actorLabel(c.owner)} owns this case; claim it first to draft.`);
      if (!['new', 'claimed', 'drafted', 'rejected', 'approved', 'escalated'].includes(c.status)) {
        return refuse('invalid_transition', `You cannot draft now: ${describeState(c)}.`);
      }
      const draft = { text, by: actor, at: now, ...(cmd.templateId ? { templateId: cmd.templateId } : {}) };
      // A new draft needs fresh approval, even if an earlier one was approved.
      return next('drafted', { owner: c.owner ?? actor, draft, approvals: [], rejection: undefined }, `${who} drafted a reply`);
    }
    case 'approve': {
      if (c.status !== 'drafted') return refuse('invalid_transition', `There is no draft waiting for approval: ${describeState(c)}.`);
      const denied = checkApprover(policy, actor, c);
      if (denied) return { ok: false, refusal: denied };
      if (c.approvals.some((a) => sameActor(a, actor))) return refuse('invalid_transition', 'You have already approved this draft; a second approver is needed.', 'screening.secondApprover');
      const approvals = [...c.approvals, actor];
      const needed = Math.max(1, approvalsNeeded(policy, c));
      if (approvals.length < needed) {
        return next('drafted', { approvals }, `${who} approved the draft (${approvals.length} of ${needed} approvals)`);
      }
      return next('approved', { approvals }, `${who} approved the draft`);
    }
    case 'reject': {
      if (c.status !== 'drafted' && c.status !== 'approved') return refuse('invalid_transition', `There is no draft to send back: ${describeState(c)}.`);
      const denied = checkApprover(policy, actor, { ...c, draft: undefined });
      if (denied) return { ok: false, refusal: denied };
      const note = cmd.note.trim();
      if (!note) return refuse('invalid_input', 'Say why the draft is sent back: the note is required.');
      if (note.length > MAX_NOTE) return refuse('invalid_input', `The note is ${note.length} characters; the limit is ${MAX_NOTE}.`);
      return next('rejected', { approvals: [], rejection: { by: actor, note, at: now } }, `${who} sent the draft back`, note);
    }
    case 'send': {
      const needed = approvalsNeeded(policy, c);
      const ready = c.status === 'approved' || (needed === 0 && c.status === 'drafted');
      if (!ready) {
        return refuse('invalid_transition', needed === 0 ? `There is no draft to send: ${describeState(c)}.` : `Only an approved draft can be sent: ${describeState(c)}.`, needed === 0 ? undefined : 'policy.requireApproval');
      }
      const denied = checkAgent(policy, actor, 'send replies');
      if (denied) return { ok: false, refusal: denied };
      const text = c.draft!.text;
      const banned = checkReplyText(policy, text);
      if (banned) return { ok: false, refusal: banned };
      const problem = ctx.checkReply?.(text);
      if (problem) return refuse('invalid_input', problem, 'network.replyRules');
      return next('sending', {}, `${who} is sending the reply`);
    }
    case 'sent': {
      if (c.status !== 'sending') return refuse('invalid_transition', `Nothing is being sent: ${describeState(c)}.`);
      return next('sent', { reply: cmd.reply }, 'The reply was posted');
    }
    case 'send_failed': {
      if (c.status !== 'sending') return refuse('invalid_transition', `Nothing is being sent: ${describeState(c)}.`);
      return next('approved', {}, `Sending failed: ${cmd.error}`, cmd.error.slice(0, MAX_NOTE));
    }
    case 'escalate': {
      const denied = checkAgent(policy, actor, 'escalate cases');
      if (denied) return { ok: false, refusal: denied };
      if (['sending', 'sent', 'closed', 'escalated'].includes(c.status)) return refuse('invalid_transition', `This case cannot be escalated: ${describeState(c)}.`);
      return next('escalated', { escalatedFrom: c.status }, `${who} escalated the case`, cmd.note);
    }
    case 'close': {
      const denied = checkAgent(policy, actor, 'close cases');
      if (denied) return { ok: false, refusal: denied };
      if (c.status === 'closed') return refuse('invalid_transition', 'This case is already closed.');
      if (c.status === 'sending') return refuse('invalid_transition', 'The reply is being sent; close the case once it is out.');
      return next('closed', {}, `${who} closed the case`, cmd.note);
    }
    case 'reopen': {
      if (c.status !== 'closed' && c.status !== 'sent') return refuse('invalid_transition', `Only a closed or answered case can be reopened: ${describeState(c)}.`);
      return next('new', { owner: undefined, approvals: [], escalatedFrom: undefined }, `${who} reopened the case`, cmd.note);
    }
  }
}
