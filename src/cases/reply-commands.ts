/** The public reply: drafting, approving or sending back, sending and its outcome. */
import { actorLabel, sameActor } from '../domain/actor.js';
import { describeState } from './describe-state.js';
import { approvalRule, approvalsNeeded, checkQuietHours, checkReplyText, matchesPrincipal, secondApproverRule } from './policy.js';
import { privateTextRefusal } from './private-commands.js';
import { refuse, MAX_DRAFT, MAX_NOTE, type Cmd, type Step, type TransitionResult } from './transition-step.js';

/** Write (or rewrite) the reply; drafting an unowned case claims it. */
export function draftCommand(s: Step, cmd: Cmd<'draft'>): TransitionResult {
  const { c, ctx, actor, policy, now, isOwner, who, next, role, assignedElsewhere } = s;
  const denied = role('draft', 'draft replies');
  if (denied) return { ok: false, refusal: denied };
  const text = cmd.text.trim();
  if (!text) return refuse('invalid_input', 'The reply is empty.');
  if (text.length > MAX_DRAFT) return refuse('invalid_input', `The reply is ${text.length} characters; the limit is ${MAX_DRAFT}.`);
  const refused = textRefusal(s, text, cmd.channel === 'private');
  if (refused) return refused;
  if (c.owner && !isOwner) return refuse('not_allowed', `${actorLabel(c.owner)} owns this case; claim it first to draft.`);
  // A private conversation waiting on the author may get another private message.
  const mayDraft = ['new', 'claimed', 'drafted', 'rejected', 'approved', 'escalated', ...(cmd.channel === 'private' ? ['redirected'] : [])];
  if (!mayDraft.includes(c.status)) {
    return refuse('invalid_transition', `You cannot draft now: ${describeState(c)}.`);
  }
  if (!c.owner) {
    const claimDenied = role('claim', 'claim cases');
    if (claimDenied) return { ok: false, refusal: claimDenied };
    const elsewhere = assignedElsewhere();
    if (elsewhere) return elsewhere;
  }
  const draft = { text, by: actor, at: now, ...(cmd.templateId ? { templateId: cmd.templateId } : {}), ...(cmd.channel === 'private' ? { channel: 'private' as const } : {}), ...(cmd.assist ? { assist: cmd.assist } : {}), ...(cmd.translation ? { translation: cmd.translation } : {}) };
  const claim = c.owner ? {} : { owner: actor, claimedAt: now, assignment: undefined };
  // A new draft needs fresh approval, even if an earlier one was approved.
  return next('drafted', { ...claim, draft, approvals: [], rejection: undefined }, `${who} drafted ${cmd.channel === 'private' ? 'a private message' : 'a reply'}`);
}

/** What stops a draft's text: the public reply's rules, or the private message's. */
function textRefusal(s: Step, text: string, isPrivate: boolean): TransitionResult | undefined {
  if (isPrivate) return privateTextRefusal(s, text);
  const banned = checkReplyText(s.policy, text, s.ctx.linkHosts);
  if (banned) return { ok: false, refusal: banned };
  const problem = s.ctx.checkReply?.(text);
  return problem ? refuse('invalid_input', problem, 'network.replyRules') : undefined;
}

/** Approve the draft (a second approver when the policy asks for one). */
export function approveCommand(s: Step): TransitionResult {
  const { c, actor, policy, memberOf, who, next, role } = s;
  if (c.status !== 'drafted') return refuse('invalid_transition', `There is no draft waiting for approval: ${describeState(c)}.`);
  const denied = role('approve');
  if (denied) return { ok: false, refusal: denied };
  if (!policy.allowSelfApproval && c.draft && sameActor(c.draft.by, actor)) {
    return refuse('not_allowed', 'You wrote this draft, and policy.allowSelfApproval is off: another approver must approve it.', 'policy.allowSelfApproval');
  }
  const second = secondApproverRule(policy, c);
  if (c.approvals.some((a) => sameActor(a, actor))) return refuse('invalid_transition', 'You have already approved this draft; a second approver is needed.', second?.rule ?? 'policy.secondApprover');
  if (second?.by && c.approvals.length === 1 && !matchesPrincipal(policy, second.by, actor, memberOf)) {
    return refuse('not_allowed', `This case needs a second approval from someone in ${second.rule}.by; you are not on that list.`, `${second.rule}.by`);
  }
  const approvals = [...c.approvals, actor];
  const needed = Math.max(1, approvalsNeeded(policy, c));
  if (approvals.length < needed) {
    return next('drafted', { approvals }, `${who} approved the draft (${approvals.length} of ${needed} approvals)`);
  }
  return next('approved', { approvals }, `${who} approved the draft`);
}

/** Send the draft back with a note. */
export function rejectCommand(s: Step, cmd: Cmd<'reject'>): TransitionResult {
  const { c, actor, now, who, next, role } = s;
  if (c.status !== 'drafted' && c.status !== 'approved') return refuse('invalid_transition', `There is no draft to send back: ${describeState(c)}.`);
  const denied = role('approve');
  if (denied) return { ok: false, refusal: denied };
  const note = cmd.note.trim();
  if (!note) return refuse('invalid_input', 'Say why the draft is sent back: the note is required.');
  if (note.length > MAX_NOTE) return refuse('invalid_input', `The note is ${note.length} characters; the limit is ${MAX_NOTE}.`);
  return next('rejected', { approvals: [], rejection: { by: actor, note, at: now } }, `${who} sent the draft back`, note);
}

/** Start sending an approved draft, checked once more against the policy. */
export function sendCommand(s: Step): TransitionResult {
  const { c, ctx, policy, now, who, next, role } = s;
  const needed = approvalsNeeded(policy, c);
  const ready = c.status === 'approved' || (needed === 0 && c.status === 'drafted');
  if (!ready) {
    return refuse('invalid_transition', needed === 0 ? `There is no draft to send: ${describeState(c)}.` : `Only an approved draft can be sent: ${describeState(c)}.`, needed === 0 ? undefined : approvalRule(policy, c.group));
  }
  const denied = role('send');
  if (denied) return { ok: false, refusal: denied };
  const refused = textRefusal(s, c.draft!.text, c.draft!.channel === 'private');
  if (refused) return refused;
  const quiet = checkQuietHours(policy, now);
  if (quiet) return { ok: false, refusal: quiet };
  return next('sending', {}, `${who} is sending ${c.draft!.channel === 'private' ? 'the private message' : 'the reply'}`);
}

/** The reply was posted. */
export function sentCommand(s: Step, cmd: Cmd<'sent'>): TransitionResult {
  const { c, next } = s;
  if (c.status !== 'sending') return refuse('invalid_transition', `Nothing is being sent: ${describeState(c)}.`);
  return next('sent', { reply: cmd.reply }, 'The reply was posted');
}

/** Posting failed: the draft stays approved. */
export function sendFailedCommand(s: Step, cmd: Cmd<'send_failed'>): TransitionResult {
  const { c, next } = s;
  if (c.status !== 'sending') return refuse('invalid_transition', `Nothing is being sent: ${describeState(c)}.`);
  return next('approved', {}, `Sending failed: ${cmd.error}`, cmd.error.slice(0, MAX_NOTE));
}
