/** What staff do with a case besides replying: escalate (and take it back), snooze, ignore, move, correct, redirect, close, reopen. */
import { describeState } from './describe-state.js';
import { refuse, hhmm, MAX_NOTE, MAX_SNOOZE_MS, UNOWNED, type Cmd, type Step, type TransitionResult } from './transition-step.js';

/** Escalate the case: who raised it, why, and the leads it is for are kept on it. */
export function escalateCommand(s: Step, cmd: Cmd<'escalate'>): TransitionResult {
  const { c, actor, now, who, next, role } = s;
  const denied = role('claim', 'escalate cases');
  if (denied) return { ok: false, refusal: denied };
  if (['sending', 'sent', 'closed', 'escalated', 'snoozed', 'ignored', 'redirected'].includes(c.status)) return refuse('invalid_transition', `This case cannot be escalated: ${describeState(c)}.`);
  const reason = cmd.reason?.trim() || undefined;
  if (reason && reason.length > MAX_NOTE) return refuse('invalid_input', `The reason is ${reason.length} characters; the limit is ${MAX_NOTE}.`);
  const leads = [...new Set(cmd.leads ?? [])];
  const escalation = { at: now, by: actor, leads, ...(reason ? { reason } : {}) };
  return next('escalated', { escalatedFrom: c.status, escalation }, `${who} escalated the case`, reason ?? cmd.note);
}

/** Take an escalation back: the case returns to the status it had before (owned or not as it is now). */
export function deescalateCommand(s: Step): TransitionResult {
  const { c, who, next, role } = s;
  const denied = role('claim', 'de-escalate cases');
  if (denied) return { ok: false, refusal: denied };
  if (c.status !== 'escalated') return refuse('invalid_transition', `This case is not escalated: ${describeState(c)}.`);
  const before = c.escalatedFrom ?? 'new';
  // Claimed or released while escalated: the owner as it is now decides between new and claimed.
  const to = before === 'new' && c.owner ? 'claimed' : !c.owner && (before === 'claimed' || before === 'rejected') ? 'new' : before;
  return next(to, { escalatedFrom: undefined, escalation: undefined }, `${who} took the escalation back`);
}

/** Put the case aside until a time (at most 30 days). */
export function snoozeCommand(s: Step, cmd: Cmd<'snooze'>): TransitionResult {
  const { c, actor, now, who, next, role, ownedElsewhere } = s;
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

/** End a snooze (the system when it runs out, or a person earlier). */
export function wakeCommand(s: Step): TransitionResult {
  const { c, now, isSystem, who, next, role } = s;
  if (c.status !== 'snoozed' || !c.snooze) return refuse('invalid_transition', `This case is not snoozed: ${describeState(c)}.`);
  if (isSystem && Date.parse(now) < Date.parse(c.snooze.until)) return refuse('invalid_transition', `The snooze runs until ${hhmm(c.snooze.until)}.`);
  if (!isSystem) {
    const denied = role('claim', 'wake cases');
    if (denied) return { ok: false, refusal: denied };
  }
  return next(c.snooze.from, { snooze: undefined }, isSystem ? 'The snooze is over; the case is back' : `${who} woke the case`);
}

/** Ignore the case, with a reason. */
export function ignoreCommand(s: Step, cmd: Cmd<'ignore'>): TransitionResult {
  const { c, actor, now, who, next, role, ownedElsewhere } = s;
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

/** Move the case to another skill group. */
export function rerouteCommand(s: Step, cmd: Cmd<'reroute'>): TransitionResult {
  const { c, ctx, actor, now, who, next, role, ownedElsewhere } = s;
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
  return next('new', { ...UNOWNED, group: cmd.to, approvals: [], assignment: undefined, offered: [], declined: undefined, escalatedFrom: undefined, escalation: undefined, notes }, `${who} moved the case from ${c.group} to ${cmd.to}`, note || `${c.group} → ${cmd.to}`);
}

/** Correct screening's sentiment or intent. */
export function retagCommand(s: Step, cmd: Cmd<'retag'>): TransitionResult {
  const { c, who, next, role } = s;
  const denied = role('claim', 'correct tags');
  if (denied) return { ok: false, refusal: denied };
  const changes: string[] = [];
  const screening = { ...c.screening };
  if (cmd.sentiment !== undefined && cmd.sentiment !== c.screening.sentiment) { changes.push(`sentiment ${c.screening.sentiment ?? 'none'} → ${cmd.sentiment}`); screening.sentiment = cmd.sentiment; }
  if (cmd.intent !== undefined && cmd.intent !== c.screening.intent) { changes.push(`intent ${c.screening.intent ?? 'none'} → ${cmd.intent}`); screening.intent = cmd.intent; }
  if (changes.length === 0) return refuse('invalid_input', 'The case already has those tags; nothing to correct.');
  return next(c.status, { screening }, `${who} corrected the ${changes.join(' and ')}`, changes.join('; '));
}

/** Move the conversation to a private channel with a private template. */
export function redirectCommand(s: Step, cmd: Cmd<'redirect'>): TransitionResult {
  const { c, ctx, actor, now, who, next, role, ownedElsewhere } = s;
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

/** Close the case. */
export function closeCommand(s: Step, cmd: Cmd<'close'>): TransitionResult {
  const { c, who, next, role } = s;
  const denied = role('claim', 'close cases');
  if (denied) return { ok: false, refusal: denied };
  if (c.status === 'closed') return refuse('invalid_transition', 'This case is already closed.');
  if (c.status === 'sending') return refuse('invalid_transition', 'The reply is being sent; close the case once it is out.');
  return next('closed', { snooze: undefined, assignment: undefined }, `${who} closed the case`, cmd.note);
}

/** Reopen a finished case. */
export function reopenCommand(s: Step, cmd: Cmd<'reopen'>): TransitionResult {
  const { c, isSystem, who, next, role } = s;
  if (!['closed', 'sent', 'ignored', 'redirected'].includes(c.status)) return refuse('invalid_transition', `Only a closed, answered, ignored or redirected case can be reopened: ${describeState(c)}.`);
  if (!isSystem) {
    const denied = role('claim', 'reopen cases');
    if (denied) return { ok: false, refusal: denied };
  }
  return next('new', { ...UNOWNED, approvals: [], escalatedFrom: undefined, escalation: undefined, assignment: undefined, offered: [], declined: undefined }, `${who} reopened the case`, cmd.note);
}
