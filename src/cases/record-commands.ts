/** What is recorded on a case without a decision: follow-up posts, notes, SLA marks. */
import { refuse, MAX_DRAFT, UNOWNED, type Cmd, type Step, type TransitionResult } from './transition-step.js';

/** The author wrote again in the same conversation. */
export function followUpCommand(s: Step, cmd: Cmd<'follow_up'>): TransitionResult {
  const { c, isSystem, next } = s;
  if (!isSystem) return refuse('not_allowed', 'Only the pipeline records the author\'s later posts.');
  if ((c.followUps ?? []).some((f) => f.id === cmd.post.id)) return refuse('invalid_transition', 'That post is already on the case.');
  const followUps = [...(c.followUps ?? []), cmd.post];
  // The audit names the post, not its words: the text is on the case (and purged with it).
  const words = `The author wrote again (post ${cmd.post.id})`;
  if (c.status === 'closed' || c.status === 'sent') {
    // A reply that went out is history (on the network, linked from the card), not a draft waiting for approval.
    const sentDraft = c.status === 'sent' ? { draft: undefined } : {};
    return next('new', { ...UNOWNED, ...sentDraft, followUps, approvals: [], escalatedFrom: undefined, escalation: undefined, assignment: undefined, offered: [], declined: undefined }, `${words}; the case is reopened`);
  }
  if (c.status === 'snoozed' && c.snooze) return next(c.snooze.from, { followUps, snooze: undefined }, `${words}; the case is awake again`);
  return next(c.status, { followUps }, words);
}

/** An internal note from the card's thread. */
export function noteCommand(s: Step, cmd: Cmd<'note'>): TransitionResult {
  const { c, who, next } = s;
  const text = cmd.note.text.trim();
  if (!text) return refuse('invalid_input', 'The note is empty.');
  if ((c.notes ?? []).some((n) => n.id === cmd.note.id)) return refuse('invalid_transition', 'That note is already on the case.');
  return next(c.status, { notes: [...(c.notes ?? []), { ...cmd.note, text: text.slice(0, MAX_DRAFT) }] }, `${who} added a note`);
}

/** An SLA reminder or escalation done, recorded once. */
export function slaMarkCommand(s: Step, cmd: Cmd<'sla_mark'>): TransitionResult {
  const { c, now, isSystem, next } = s;
  if (!isSystem) return refuse('not_allowed', 'SLA reminders are recorded by the SLA sweep.');
  const marked = c.slaMarks?.[cmd.key];
  if (marked) return refuse('invalid_transition', `Already recorded at ${marked}.`);
  return next(c.status, { slaMarks: { ...(c.slaMarks ?? {}), [cmd.key]: now } }, cmd.note, cmd.note);
}

/**
 * Take a folded near-duplicate back out of the case: the count drops by one and the sample
 * goes; the app then opens a case of its own for the post (see src/app/near-duplicates.ts).
 * Only a post kept as a sample can be split out: the others' text is not kept.
 */
export function splitCommand(s: Step, cmd: Cmd<'split'>): TransitionResult {
  const { c, who, next, role } = s;
  const denied = role('claim', 'split similar posts out');
  if (denied) return { ok: false, refusal: denied };
  if (c.status === 'sending') return refuse('invalid_transition', 'The reply is being sent; split the post out once it is out.');
  const samples = c.similar?.samples ?? [];
  const sample = samples.find((x) => x.key === cmd.key);
  if (!sample) return refuse('invalid_input', 'That post is not among the similar posts kept on this case; it may have been split out already.');
  const similar = { samples: samples.filter((x) => x.key !== cmd.key), recent: c.similar?.recent ?? [] };
  return next(c.status, { similar, duplicates: Math.max(0, c.duplicates - 1) }, `${who} split the post by @${sample.mention.author.handle} out into a case of its own`, `post ${cmd.key}`);
}
