import type { Actor } from '../domain/actor.js';
import { actorLabel, sameActor } from '../domain/actor.js';
import type { Case, CaseNote, CaseStatus, FollowUp, Reply } from '../domain/case.js';
import type { Policy, Template } from '../config/schema.js';
import type { Intent, Sentiment } from '../domain/screening.js';
import {
  approvalRule, approvalsNeeded, checkQuietHours, checkReplyText, checkRole, claimTimeoutMs, mayAct,
  matchesPrincipal, roleRule, secondApproverRule, type LinkHosts, type Membership, type Refusal,
} from './policy.js';

/** Everything a person (or the system) can ask of a case. */
export type CaseCommand =
  | { type: 'claim' }
  | { type: 'release' }
  /** Hand the case to another agent (the owner, a lead, or anyone while nobody owns it). */
  | { type: 'reassign'; to: Actor }
  /** Routing to people (system): offer the case to an agent, or give it back to the channel (no `to`). */
  | { type: 'assign'; to?: Actor | undefined; mode?: 'assign' | 'suggest' | undefined }
  | { type: 'draft'; text: string; templateId?: string | undefined }
  | { type: 'approve' }
  | { type: 'reject'; note: string }
  | { type: 'send' }
  | { type: 'sent'; reply: Reply }
  | { type: 'send_failed'; error: string }
  | { type: 'escalate'; note?: string | undefined }
  | { type: 'snooze'; until: string }
  | { type: 'wake' }
  | { type: 'ignore'; reason: string }
  /** Move the case to another skill group: its card leaves this group's channel for the other's. */
  | { type: 'reroute'; to: string; note?: string | undefined }
  /** Correct what screening said about the post (staff know better; the model learns from it). */
  | { type: 'retag'; sentiment?: Sentiment | undefined; intent?: Intent | undefined }
  /** Move the conversation to a private channel with a private template; nothing is posted publicly. */
  | { type: 'redirect'; templateId: string }
  | { type: 'close'; note?: string | undefined }
  | { type: 'reopen'; note?: string | undefined }
  /** The author wrote again in the same conversation (system). */
  | { type: 'follow_up'; post: FollowUp }
  /** The claim lease ran out (system). */
  | { type: 'expire_claim' }
  /** An internal note from the card's thread: kept on the case, does not change its version. */
  | { type: 'note'; note: CaseNote }
  /** An SLA reminder or escalation done (system): recorded once, does not change the version. */
  | { type: 'sla_mark'; key: string; note: string };

export type CommandType = CaseCommand['type'];

/** Commands that annotate a case without changing what a click on its card means: the version stays. */
export const ANNOTATIONS: readonly CommandType[] = ['note', 'sla_mark'];

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
  /** Finds the link hosts in a reply for policy.linkAllowlist (the server passes X's rules); default: a plain finder that errs toward finding more. */
  linkHosts?: LinkHosts | undefined;
  /** Slack user groups of the people involved, resolved by the adapter. */
  memberOf?: Membership | undefined;
  /** The configured templates (a redirect must use a private one). */
  templates?: readonly Template[] | undefined;
  /** The configured skill groups (a re-route must name one). */
  groups?: readonly string[] | undefined;
}

export type TransitionResult =
  | { ok: true; case: Case; summary: string }
  | { ok: false; refusal: Refusal };

const refuse = (code: Refusal['code'], message: string, rule?: string): TransitionResult => ({
  ok: false,
  refusal: { code, message, ...(rule ? { rule } : {}) },
});

const hhmm = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** A short, human description of where a case stands, for refusal messages. */
export function describeState(c: Case): string {
  switch (c.status) {
    case 'new': return c.assignment?.mode === 'assign' ? `it is assigned to ${actorLabel(c.assignment.to)} and waiting to be picked up` : 'it is waiting to be claimed';
    case 'claimed': return `${actorLabel(c.owner!)} has claimed it`;
    case 'drafted': return `a draft by ${c.draft ? actorLabel(c.draft.by) : 'someone'} is waiting for approval`;
    case 'rejected': return 'its draft was sent back';
    case 'approved': return 'its draft is approved and ready to send';
    case 'sending': return 'its reply is being sent';
    case 'sent': return 'its reply has been sent';
    case 'escalated': return c.owner ? `it is escalated and ${actorLabel(c.owner)} has it` : 'it is escalated';
    case 'snoozed': return `it is snoozed until ${c.snooze ? hhmm(c.snooze.until) : 'later'}`;
    case 'closed': return 'it is closed';
    case 'ignored': return `it was ignored${c.ignored ? ` (${c.ignored.reason})` : ''}`;
    case 'redirected': return 'it was moved to a private channel';
  }
}

const MAX_DRAFT = 10_000;
const MAX_NOTE = 2_000;
/** The longest a case may be snoozed. */
const MAX_SNOOZE_MS = 30 * 86_400_000;

/** Fields that belong to whoever owns a case; cleared together when it goes back to the channel. */
const UNOWNED: Partial<Case> = { owner: undefined, claimedAt: undefined, activeAt: undefined };

/**
 * Applies one command to a case: a pure function of (case, command, context). It
 * checks the version the actor saw, the policy and the state machine, and returns
 * the next case (version + 1, with an audit entry) or a refusal that says why and
 * names the rule that refused.
 */
export function transition(c: Case, cmd: CaseCommand, ctx: TransitionContext): TransitionResult {
  const r = decide(c, cmd, ctx);
  if (r.ok || !r.refusal.rule || r.refusal.message.includes(r.refusal.rule) || r.refusal.rule.startsWith('network.')) return r;
  // The person is told which configured rule refused them (a network's own limits speak for themselves).
  return { ok: false, refusal: { ...r.refusal, message: `${r.refusal.message} (rule: ${r.refusal.rule})` } };
}

function decide(c: Case, cmd: CaseCommand, ctx: TransitionContext): TransitionResult {
  const { actor, policy, now, memberOf } = ctx;
  if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== c.version) {
    return refuse('stale', `That card was out of date, so nothing was changed: ${describeState(c)}. The card now shows the current state.`);
  }
  const isOwner = sameActor(c.owner, actor);
  const isSystem = actor.platform === 'system';
  const annotation = ANNOTATIONS.includes(cmd.type);
  const next = (to: CaseStatus, patch: Partial<Case>, summary: string, note?: string): TransitionResult => {
    const updated: Case = {
      ...c,
      ...patch,
      status: to,
      version: annotation ? c.version : c.version + 1,
      updatedAt: now,
      audit: cmd.type === 'note' ? c.audit : [...c.audit, { at: now, actor, action: cmd.type === 'sla_mark' ? cmd.key : cmd.type, from: c.status, to, ...(note ? { note } : {}) }],
    };
    // Whatever the owner does renews the claim lease.
    if (updated.owner && sameActor(updated.owner, actor)) updated.activeAt = now;
    for (const k of Object.keys(updated) as Array<keyof Case>) if (updated[k] === undefined) delete updated[k];
    return { ok: true, case: updated, summary };
  };
  const who = actorLabel(actor);
  const isLead = mayAct(policy, c.group, 'approve', actor, memberOf) && !isSystem;
  const role = (r: Parameters<typeof checkRole>[2], what?: string) => checkRole(policy, c, r, actor, memberOf, what);
  /** In `assign` mode only the assignee (or a lead) may take the case until the offer lapses. */
  const assignedElsewhere = (): TransitionResult | undefined => {
    const a = c.assignment;
    if (!a || a.mode !== 'assign' || c.owner || sameActor(a.to, actor) || isLead || isSystem) return undefined;
    return refuse('not_allowed', `This case is assigned to ${actorLabel(a.to)}; it goes back to the channel if they do not pick it up.`, `groups.${c.group}.assign`);
  };
  const ownedElsewhere = (what: string): TransitionResult | undefined => {
    if (!c.owner || isOwner || isLead || isSystem) return undefined;
    return refuse('not_allowed', `${actorLabel(c.owner)} owns this case; only they or a lead may ${what}.`);
  };

  switch (cmd.type) {
    case 'claim': {
      const denied = role('claim', 'claim cases');
      if (denied) return { ok: false, refusal: denied };
      if (c.owner && isOwner && c.status !== 'new') return refuse('invalid_transition', 'You already own this case.');
      if (c.owner && c.status !== 'new') return refuse('invalid_transition', `${actorLabel(c.owner)} already owns this case.`);
      if (c.status !== 'new' && c.status !== 'escalated') return refuse('invalid_transition', `This case cannot be claimed: ${describeState(c)}.`);
      const elsewhere = assignedElsewhere();
      if (elsewhere) return elsewhere;
      return next(c.status === 'escalated' ? 'escalated' : 'claimed', { owner: actor, claimedAt: now, activeAt: now, assignment: undefined }, `${who} claimed the case`);
    }
    case 'release': {
      if (!isOwner) return refuse('not_allowed', c.owner ? `Only ${actorLabel(c.owner)}, who owns this case, can release it.` : 'Nobody owns this case.');
      if (!['claimed', 'drafted', 'rejected', 'escalated'].includes(c.status)) return refuse('invalid_transition', `This case cannot be released: ${describeState(c)}.`);
      return next(c.status === 'escalated' ? 'escalated' : 'new', { ...UNOWNED, approvals: [] }, `${who} released the case back to the channel`);
    }
    case 'reassign': {
      const target = cmd.to;
      if (sameActor(target, c.owner)) return refuse('invalid_transition', `${actorLabel(target)} already owns this case.`);
      if (!['new', 'claimed', 'drafted', 'rejected', 'approved', 'escalated'].includes(c.status)) return refuse('invalid_transition', `This case cannot be handed over: ${describeState(c)}.`);
      if (c.owner && !isOwner && !isLead && !isSystem) return refuse('not_allowed', `Only ${actorLabel(c.owner)}, who owns this case, or a lead (${roleRule(policy, c.group, 'approve').rule}) can hand it to someone else.`, roleRule(policy, c.group, 'approve').rule);
      if (!c.owner) {
        const denied = role('claim', 'hand cases to someone');
        if (denied) return { ok: false, refusal: denied };
      }
      const targetDenied = checkRole(policy, c, 'claim', target, memberOf);
      if (targetDenied) return refuse('not_allowed', `${actorLabel(target)} may not work cases in ${c.group} (${targetDenied.rule}).`, targetDenied.rule);
      return next(c.status === 'new' ? 'claimed' : c.status, { owner: target, claimedAt: now, activeAt: now, assignment: undefined }, `${who} handed the case to ${actorLabel(target)}`);
    }
    case 'assign': {
      if (!isSystem) return refuse('not_allowed', 'Cases are assigned by routing; use Reassign to hand a case to someone.');
      if (c.status !== 'new' || c.owner) return refuse('invalid_transition', `This case is no longer waiting: ${describeState(c)}.`);
      if (!cmd.to) {
        if (!c.assignment) return refuse('invalid_transition', 'This case is not assigned to anyone.');
        return next('new', { assignment: undefined }, `Nobody picked the case up; it is back in the channel for anyone to claim`, `not picked up by ${actorLabel(c.assignment.to)}`);
      }
      const mode = cmd.mode ?? 'suggest';
      const offered = [...(c.offered ?? []), cmd.to];
      const verb = mode === 'assign' ? 'assigned' : 'suggested';
      return next('new', { assignment: { to: cmd.to, mode, at: now }, offered }, `The case was ${verb} to ${actorLabel(cmd.to)}`, c.assignment ? `not picked up by ${actorLabel(c.assignment.to)}` : undefined);
    }
    case 'draft': {
      const denied = role('draft', 'draft replies');
      if (denied) return { ok: false, refusal: denied };
      const text = cmd.text.trim();
      if (!text) return refuse('invalid_input', 'The reply is empty.');
      if (text.length > MAX_DRAFT) return refuse('invalid_input', `The reply is ${text.length} characters; the limit is ${MAX_DRAFT}.`);
      const banned = checkReplyText(policy, text, ctx.linkHosts);
      if (banned) return { ok: false, refusal: banned };
      const problem = ctx.checkReply?.(text);
      if (problem) return refuse('invalid_input', problem, 'network.replyRules');
      if (c.owner && !isOwner) return refuse('not_allowed', `${actorLabel(c.owner)} owns this case; claim it first to draft.`);
      if (!['new', 'claimed', 'drafted', 'rejected', 'approved', 'escalated'].includes(c.status)) {
        return refuse('invalid_transition', `You cannot draft now: ${describeState(c)}.`);
      }
      if (!c.owner) {
        const claimDenied = role('claim', 'claim cases');
        if (claimDenied) return { ok: false, refusal: claimDenied };
        const elsewhere = assignedElsewhere();
        if (elsewhere) return elsewhere;
      }
      const draft = { text, by: actor, at: now, ...(cmd.templateId ? { templateId: cmd.templateId } : {}) };
      const claim = c.owner ? {} : { owner: actor, claimedAt: now, assignment: undefined };
      // A new draft needs fresh approval, even if an earlier one was approved.
      return next('drafted', { ...claim, draft, approvals: [], rejection: undefined }, `${who} drafted a reply`);
    }
    case 'approve': {
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
    case 'reject': {
      if (c.status !== 'drafted' && c.status !== 'approved') return refuse('invalid_transition', `There is no draft to send back: ${describeState(c)}.`);
      const denied = role('approve');
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
        return refuse('invalid_transition', needed === 0 ? `There is no draft to send: ${describeState(c)}.` : `Only an approved draft can be sent: ${describeState(c)}.`, needed === 0 ? undefined : approvalRule(policy, c.group));
      }
      const denied = role('send');
      if (denied) return { ok: false, refusal: denied };
      const text = c.draft!.text;
      const banned = checkReplyText(policy, text, ctx.linkHosts);
      if (banned) return { ok: false, refusal: banned };
      const problem = ctx.checkReply?.(text);
      if (problem) return refuse('invalid_input', problem, 'network.replyRules');
      const quiet = checkQuietHours(policy, now);
      if (quiet) return { ok: false, refusal: quiet };
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
      const denied = role('claim', 'escalate cases');
      if (denied) return { ok: false, refusal: denied };
      if (['sending', 'sent', 'closed', 'escalated', 'snoozed', 'ignored', 'redirected'].includes(c.status)) return refuse('invalid_transition', `This case cannot be escalated: ${describeState(c)}.`);
      return next('escalated', { escalatedFrom: c.status }, `${who} escalated the case`, cmd.note);
    }
    case 'snooze': {
      const denied = role('claim', 'snooze cases');
      if (denied) return { ok: false, refusal: denied };
      if (!['new', 'claimed', 'rejected', 'escalated'].includes(c.status)) return refuse('invalid_transition', `This case cannot be snoozed: ${describeState(c)}.`);
      const owned = ownedElsewhere('snooze it');
      if (owned) return owned;
      const until = Date.parse(cmd.until);
      const at = Date.parse(now);
      if (!Number.isFinite(until) || until <= at) return refuse('invalid_input', 'Pick a time in the future to snooze until.');
      if (until - at > MAX_SNOOZE_MS) return refuse('invalid_input', 'A case can be snoozed for at most 30 days.');
      const iso = new Date(until).toISOString();
      return next('snoozed', { snooze: { until: iso, from: c.status, by: actor }, assignment: undefined }, `${who} snoozed the case until ${hhmm(iso)}`);
    }
    case 'wake': {
      if (c.status !== 'snoozed' || !c.snooze) return refuse('invalid_transition', `This case is not snoozed: ${describeState(c)}.`);
      if (isSystem && Date.parse(now) < Date.parse(c.snooze.until)) return refuse('invalid_transition', `The snooze runs until ${hhmm(c.snooze.until)}.`);
      if (!isSystem) {
        const denied = role('claim', 'wake cases');
        if (denied) return { ok: false, refusal: denied };
      }
      return next(c.snooze.from, { snooze: undefined }, isSystem ? 'The snooze is over; the case is back' : `${who} woke the case`);
    }
    case 'ignore': {
      const denied = role('claim', 'ignore cases');
      if (denied) return { ok: false, refusal: denied };
      if (!['new', 'claimed', 'rejected', 'escalated', 'snoozed'].includes(c.status)) return refuse('invalid_transition', `This case cannot be ignored: ${describeState(c)}.`);
      const owned = ownedElsewhere('ignore it');
      if (owned) return owned;
      const reason = cmd.reason.trim();
      if (!reason) return refuse('invalid_input', 'Say why the case is ignored: the reason is required.');
      if (reason.length > MAX_NOTE) return refuse('invalid_input', `The reason is ${reason.length} characters; the limit is ${MAX_NOTE}.`);
      return next('ignored', { ignored: { reason, by: actor, at: now }, assignment: undefined, snooze: undefined }, `${who} ignored the case`, reason);
    }
    case 'reroute': {
      const denied = role('claim', 'move cases');
      if (denied) return { ok: false, refusal: denied };
      if (cmd.to === c.group) return refuse('invalid_input', `The case is already in ${c.group}.`);
      if (ctx.groups && !ctx.groups.includes(cmd.to)) return refuse('invalid_input', `There is no group "${cmd.to}"; groups: ${ctx.groups.join(', ')}.`, 'groups');
      if (!['new', 'claimed', 'rejected', 'escalated'].includes(c.status)) return refuse('invalid_transition', `This case cannot be moved to another group: ${describeState(c)}.`);
      const owned = ownedElsewhere('move it to another group');
      if (owned) return owned;
      const note = cmd.note?.trim();
      if (note && note.length > MAX_NOTE) return refuse('invalid_input', `The note is ${note.length} characters; the limit is ${MAX_NOTE}.`);
      // The note is for the receiving group, so it is kept on the case (its card shows it
      // wherever the card is posted), not only in the old card's thread. Written with the
      // move itself, it is there exactly once whoever delivers the card, and however often.
      const notes = note ? [...(c.notes ?? []), { id: `move:${c.version + 1}`, at: now, by: actor, text: note, movedFrom: c.group }] : c.notes;
      // The other group starts afresh: nobody there owns it yet, and an escalation was this group's.
      return next('new', { ...UNOWNED, group: cmd.to, approvals: [], assignment: undefined, offered: [], escalatedFrom: undefined, notes }, `${who} moved the case from ${c.group} to ${cmd.to}`, note || `${c.group} → ${cmd.to}`);
    }
    case 'retag': {
      const denied = role('claim', 'correct tags');
      if (denied) return { ok: false, refusal: denied };
      const changes: string[] = [];
      const screening = { ...c.screening };
      if (cmd.sentiment !== undefined && cmd.sentiment !== c.screening.sentiment) { changes.push(`sentiment ${c.screening.sentiment ?? 'none'} → ${cmd.sentiment}`); screening.sentiment = cmd.sentiment; }
      if (cmd.intent !== undefined && cmd.intent !== c.screening.intent) { changes.push(`intent ${c.screening.intent ?? 'none'} → ${cmd.intent}`); screening.intent = cmd.intent; }
      if (changes.length === 0) return refuse('invalid_input', 'The case already has those tags; nothing to correct.');
      return next(c.status, { screening }, `${who} corrected the ${changes.join(' and ')}`, changes.join('; '));
    }
    case 'redirect': {
      const denied = role('draft', 'answer cases');
      if (denied) return { ok: false, refusal: denied };
      if (!['new', 'claimed', 'drafted', 'rejected', 'approved', 'escalated'].includes(c.status)) return refuse('invalid_transition', `This case cannot be moved to a private channel: ${describeState(c)}.`);
      const owned = ownedElsewhere('move it to a private channel');
      if (owned) return owned;
      const template = ctx.templates?.find((t) => t.id === cmd.templateId);
      if (!template) return refuse('invalid_input', `There is no template "${cmd.templateId}".`, 'templates');
      if (!template.private) return refuse('invalid_input', `Template "${template.name}" is not a private-channel template (templates[].private).`, 'templates[].private');
      return next('redirected', { redirect: { templateId: template.id, by: actor, at: now }, owner: c.owner ?? actor, assignment: undefined, approvals: [] }, `${who} moved the conversation to a private channel (template "${template.name}"); no public reply`);
    }
    case 'close': {
      const denied = role('claim', 'close cases');
      if (denied) return { ok: false, refusal: denied };
      if (c.status === 'closed') return refuse('invalid_transition', 'This case is already closed.');
      if (c.status === 'sending') return refuse('invalid_transition', 'The reply is being sent; close the case once it is out.');
      return next('closed', { snooze: undefined, assignment: undefined }, `${who} closed the case`, cmd.note);
    }
    case 'reopen': {
      if (!['closed', 'sent', 'ignored', 'redirected'].includes(c.status)) return refuse('invalid_transition', `Only a closed, answered, ignored or redirected case can be reopened: ${describeState(c)}.`);
      if (!isSystem) {
        const denied = role('claim', 'reopen cases');
        if (denied) return { ok: false, refusal: denied };
      }
      return next('new', { ...UNOWNED, approvals: [], escalatedFrom: undefined, assignment: undefined, offered: [] }, `${who} reopened the case`, cmd.note);
    }
    case 'follow_up': {
      if (!isSystem) return refuse('not_allowed', 'Only the pipeline records the author\'s later posts.');
      if ((c.followUps ?? []).some((f) => f.id === cmd.post.id)) return refuse('invalid_transition', 'That post is already on the case.');
      const followUps = [...(c.followUps ?? []), cmd.post];
      // The audit names the post, not its words: the text is on the case (and purged with it).
      const words = `The author wrote again (post ${cmd.post.id})`;
      if (c.status === 'closed' || c.status === 'sent') {
        return next('new', { ...UNOWNED, followUps, approvals: [], escalatedFrom: undefined, assignment: undefined, offered: [] }, `${words}; the case is reopened`);
      }
      if (c.status === 'snoozed' && c.snooze) return next(c.snooze.from, { followUps, snooze: undefined }, `${words}; the case is awake again`);
      return next(c.status, { followUps }, words);
    }
    case 'expire_claim': {
      if (!isSystem) return refuse('not_allowed', 'Claims lapse on their own; use Release to give a case back.');
      if (!c.owner || !['claimed', 'rejected'].includes(c.status)) return refuse('invalid_transition', `There is no idle claim: ${describeState(c)}.`);
      const timeout = claimTimeoutMs(policy, c.group);
      if (timeout === undefined) return refuse('invalid_transition', 'Claims do not lapse in this group (policy.claimTimeout).');
      const since = c.activeAt ?? c.claimedAt ?? c.updatedAt;
      if (Date.parse(now) < Date.parse(since) + timeout) return refuse('invalid_transition', `${actorLabel(c.owner)} was active at ${hhmm(since)}; the claim has not lapsed.`);
      const minutes = Math.round(timeout / 60_000);
      return next('new', { ...UNOWNED, approvals: [] }, `${actorLabel(c.owner)} did nothing for ${minutes} min, so the claim lapsed and the case is back in the channel`, `claim lapsed (policy.claimTimeout ${minutes} min)`);
    }
    case 'note': {
      const text = cmd.note.text.trim();
      if (!text) return refuse('invalid_input', 'The note is empty.');
      if ((c.notes ?? []).some((n) => n.id === cmd.note.id)) return refuse('invalid_transition', 'That note is already on the case.');
      return next(c.status, { notes: [...(c.notes ?? []), { ...cmd.note, text: text.slice(0, MAX_DRAFT) }] }, `${who} added a note`);
    }
    case 'sla_mark': {
      if (!isSystem) return refuse('not_allowed', 'SLA reminders are recorded by the SLA sweep.');
      const marked = c.slaMarks?.[cmd.key];
      if (marked) return refuse('invalid_transition', `Already recorded at ${marked}.`);
      return next(c.status, { slaMarks: { ...(c.slaMarks ?? {}), [cmd.key]: now } }, cmd.note, cmd.note);
    }
  }
}
