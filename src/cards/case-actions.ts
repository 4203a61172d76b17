import type { CaseActionId } from '../domain/actions.js';
import type { Case } from '../domain/case.js';
import type { Card } from './card.js';

/** What the buttons depend on besides the case (a part of the card options). */
export interface CaseActionOptions {
  /** Approvals a draft needs before sending (from policy): with none, Send shows on a draft. */
  approvalsNeeded: number;
  /** Can replies go back through this network? */
  canReply?: boolean;
  /** Is there a private-channel template to redirect with? */
  canRedirect?: boolean | undefined;
  /** Is there another group to move the case to? */
  canMove?: boolean | undefined;
}

/** Which buttons make sense in each state (the workflow still checks every click). */
export function caseActions(c: Case, opts: CaseActionOptions): Card['actions'] {
  const canReply = opts.canReply !== false;
  const a: Card['actions'] = [];
  const push = (id: CaseActionId, label: string, style?: 'primary' | 'danger') => a.push({ id, label, ...(style ? { style } : {}) });
  // Once there is a private conversation, the same form answers in it.
  const redirect = () => { if (opts.canRedirect || c.private) push('case.redirect', c.private ? 'Reply privately' : 'Move to DM'); };
  const edit = c.draft?.channel === 'private' ? 'case.redirect' : 'case.draft';
  const move = () => { if (opts.canMove) push('case.route', 'Move to group…'); };
  switch (c.status) {
    case 'new':
      push('case.claim', 'Claim', 'primary');
      // An open offer: the agent it is offered to may turn it down (the workflow refuses anyone else).
      if (c.assignment && !c.owner) push('case.decline', 'Decline');
      if (canReply) push('case.draft', 'Draft reply');
      push('case.reassign', 'Assign to…');
      push('case.snooze', 'Snooze');
      push('case.escalate', 'Escalate');
      redirect();
      move();
      push('case.ignore', 'Ignore');
      push('case.close', 'Close');
      break;
    case 'claimed':
    case 'rejected':
      if (canReply) push('case.draft', c.status === 'rejected' ? 'Redraft' : 'Draft reply', 'primary');
      push('case.release', 'Release');
      push('case.reassign', 'Reassign…');
      push('case.snooze', 'Snooze');
      push('case.escalate', 'Escalate');
      redirect();
      move();
      push('case.ignore', 'Ignore');
      push('case.close', 'Close');
      break;
    case 'drafted':
      push('case.approve', 'Approve', 'primary');
      push('case.reject', 'Reject', 'danger');
      if (opts.approvalsNeeded === 0) push('case.send', 'Send');
      push(edit, 'Edit draft');
      push('case.reassign', 'Reassign…');
      push('case.escalate', 'Escalate');
      redirect();
      push('case.close', 'Close');
      break;
    case 'approved':
      push('case.send', 'Send', 'primary');
      push('case.reject', 'Reject', 'danger');
      push(edit, 'Edit draft');
      push('case.reassign', 'Reassign…');
      if (edit === 'case.draft') redirect();
      push('case.close', 'Close');
      break;
    case 'sending':
      break;
    case 'escalated':
      if (!c.owner) push('case.claim', 'Claim', 'primary');
      if (canReply) push('case.draft', 'Draft reply');
      push('case.reassign', c.owner ? 'Reassign…' : 'Assign to…');
      push('case.deescalate', 'De-escalate');
      push('case.snooze', 'Snooze');
      redirect();
      move();
      push('case.ignore', 'Ignore');
      push('case.close', 'Close');
      break;
    default:
      restingActions(c.status, push, redirect);
      break;
  }
  return [...a, ...anyTimeActions(c)];
}

/** The buttons of a case at rest: snoozed, answered, waiting in private, closed, ignored. */
function restingActions(status: Case['status'], push: (id: CaseActionId, label: string, style?: 'primary' | 'danger') => void, redirect: () => void): void {
  switch (status) {
    case 'snoozed':
      push('case.wake', 'Wake now', 'primary');
      push('case.ignore', 'Ignore');
      push('case.close', 'Close');
      break;
    case 'sent':
      push('case.close', 'Close', 'primary');
      push('case.reopen', 'Reopen');
      break;
    case 'redirected':
      // Waiting on the author in private: another private message, or done.
      redirect();
      push('case.close', 'Close', 'primary');
      push('case.reopen', 'Reopen');
      break;
    case 'closed':
    case 'ignored':
      push('case.reopen', 'Reopen');
      break;
    default:
      break;
  }
}

/** Buttons on every card but a sending one. */
function anyTimeActions(c: Case): Card['actions'] {
  if (c.status === 'sending') return [];
  // Staff correct what screening got wrong whenever they see it; the model learns from it.
  const a: Card['actions'] = [{ id: 'case.retag', label: 'Correct tags…' }];
  // A folded near-duplicate that is not the same complaint after all: it gets a case of its own.
  if ((c.similar?.samples.length ?? 0) > 0) a.push({ id: 'case.split', label: 'Split out…' });
  return a;
}
