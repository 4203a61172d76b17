import { actorLabel } from '../domain/actor.js';
import type { Case } from '../domain/case.js';

/** A time as `YYYY-MM-DD HH:MM UTC`, for messages. */
export const hhmm = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

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
