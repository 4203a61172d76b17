/** The private conversation: its text rules, the message that reached the author, and theirs coming in. */
import { checkReplyText } from './policy.js';
import { describeState } from './describe-state.js';
import { refuse, MAX_DRAFT, UNOWNED, type Cmd, type Step, type TransitionResult } from './transition-step.js';

/**
 * What stops a private message's text: the policy's banned phrases and links (as for a
 * public reply), the hand-off rule (a hand-off-only case gets the secure link, nothing
 * else), then the network's private rules and personal data as the caller judges them.
 */
export function privateTextRefusal(s: Step, text: string): TransitionResult | undefined {
  const { ctx, policy } = s;
  const banned = checkReplyText(policy, text, ctx.linkHosts);
  if (banned) return { ok: false, refusal: banned };
  const handoff = ctx.handoff;
  if (handoff?.only && !handoff.carries(text)) {
    return refuse('invalid_input', 'This case may only be answered with the secure hand-off link, never a conversation in DMs: start from the hand-off template and keep its link as it is.', handoff.rule);
  }
  const problem = ctx.checkPrivate?.(text);
  if (problem) return refuse('invalid_input', problem, 'network.privateRules');
  return undefined;
}

/** A private draft reached the author: a direct message, or a public reply inviting one. */
export function privateSentCommand(s: Step, cmd: Cmd<'private_sent'>): TransitionResult {
  const { c, now, next } = s;
  if (c.status !== 'sending' || c.draft?.channel !== 'private') return refuse('invalid_transition', `No private message is being sent: ${describeState(c)}.`);
  const to = { id: c.mention.author.id, handle: c.mention.author.handle };
  const conversation = c.private ?? { via: cmd.via, to, at: now, messages: [] };
  const message = { ...cmd.message, direction: 'out' as const, by: cmd.message.by ?? c.draft.by };
  const patch = {
    private: { ...conversation, messages: [...conversation.messages.filter((m) => m.id !== message.id), message] },
    // A public invitation is a public reply: the card links to it.
    ...(cmd.reply ? { reply: cmd.reply } : {}),
    redirect: c.redirect ?? { templateId: c.draft.templateId ?? '', by: c.draft.by, at: now },
  };
  const words = cmd.via === 'dm'
    ? `A direct message reached @${to.handle}`
    : `A public reply invited @${to.handle} to send a direct message`;
  return next('redirected', patch, `${words}: ${message.text}`);
}

/** The author wrote privately: the message joins the case, which comes back to staff. */
export function privateInCommand(s: Step, cmd: Cmd<'private_in'>): TransitionResult {
  const { c, now, isSystem, next } = s;
  if (!isSystem) return refuse('not_allowed', 'Only the private-message listener records what the author writes privately.');
  const conversation = c.private ?? { via: 'dm' as const, to: { id: c.mention.author.id, handle: c.mention.author.handle }, at: now, messages: [] };
  if (conversation.messages.some((m) => m.id === cmd.message.id)) return refuse('invalid_transition', 'That private message is already on the case.');
  const message = { ...cmd.message, direction: 'in' as const, text: cmd.message.text.slice(0, MAX_DRAFT) };
  const patch = { private: { ...conversation, messages: [...conversation.messages, message] } };
  const words = `@${conversation.to.handle} wrote privately: ${message.text}`;
  // Waiting on the author (moved to private, answered): back to whoever owns it.
  // The draft that went out is in the conversation now: the card must not show it as one waiting for approval.
  if (c.status === 'redirected' || c.status === 'sent') return next(c.owner ? 'claimed' : 'new', { ...patch, draft: undefined, approvals: [] }, words);
  if (c.status === 'closed') return next('new', { ...UNOWNED, ...patch, approvals: [], escalatedFrom: undefined, assignment: undefined, offered: [], declined: undefined }, `${words} (the case is reopened)`);
  if (c.status === 'snoozed' && c.snooze) return next(c.snooze.from, { ...patch, snooze: undefined }, `${words} (the case is awake again)`);
  return next(c.status, patch, words);
}

/**
 * The brand wrote to the author privately from the network's own app: the message joins the
 * case as ours, marked as sent outside Earshot. Nothing else changes: it is not the
 * customer writing (no reopening, no follow-up), and the case stays where it is. It did
 * reach the customer, so if nothing had yet, it is the case's first response.
 */
export function privateOutsideCommand(s: Step, cmd: Cmd<'private_outside'>): TransitionResult {
  const { c, now, isSystem, next } = s;
  if (!isSystem) return refuse('not_allowed', 'Only the private-message listener records what the brand sent outside Earshot.');
  const conversation = c.private ?? { via: 'dm' as const, to: { id: c.mention.author.id, handle: c.mention.author.handle }, at: now, messages: [] };
  if (conversation.messages.some((m) => m.id === cmd.message.id)) return refuse('invalid_transition', 'That private message is already on the case.');
  const message = { id: cmd.message.id, direction: 'out' as const, text: cmd.message.text.slice(0, MAX_DRAFT), at: cmd.message.at, outside: true };
  const patch = { private: { ...conversation, messages: [...conversation.messages, message] } };
  return next(c.status, patch, `A direct message to @${conversation.to.handle} was sent outside Earshot: ${message.text}`);
}
