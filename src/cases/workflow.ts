import type { Case } from '../domain/case.js';
import type { CaseCommand } from './case-command.js';
import { assignCommand, claimCommand, declineCommand, expireClaimCommand, reassignCommand, releaseCommand } from './ownership-commands.js';
import { privateInCommand, privateOutsideCommand, privateSentCommand } from './private-commands.js';
import { followUpCommand, noteCommand, slaMarkCommand, splitCommand } from './record-commands.js';
import { approveCommand, draftCommand, rejectCommand, sendCommand, sendFailedCommand, sentCommand } from './reply-commands.js';
import { refuse, transitionStep, type TransitionResult } from './transition-step.js';
import type { TransitionContext } from './transition-context.js';
import { describeState } from './describe-state.js';
import {
  closeCommand, deescalateCommand, escalateCommand, ignoreCommand, redirectCommand, reopenCommand, rerouteCommand, retagCommand, snoozeCommand, wakeCommand,
} from './triage-commands.js';

// The workflow's names, importable from here as before: the commands, the context, the result.
export { ANNOTATIONS, type CaseCommand, type CommandType } from './case-command.js';
export type { TransitionContext } from './transition-context.js';
export type { TransitionResult } from './transition-step.js';
export { describeState };

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
  if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== c.version) {
    return refuse('stale', `That card was out of date, so nothing was changed: ${describeState(c)}. The card now shows the current state.`);
  }
  // Each command's checks and effect live with its kind: ownership, the reply, triage, records.
  const s = transitionStep(c, cmd, ctx);
  switch (cmd.type) {
    case 'claim': return claimCommand(s);
    case 'release': return releaseCommand(s);
    case 'reassign': return reassignCommand(s, cmd);
    case 'assign': return assignCommand(s, cmd);
    case 'decline': return declineCommand(s);
    case 'draft': return draftCommand(s, cmd);
    case 'approve': return approveCommand(s);
    case 'reject': return rejectCommand(s, cmd);
    case 'send': return sendCommand(s);
    case 'sent': return sentCommand(s, cmd);
    case 'send_failed': return sendFailedCommand(s, cmd);
    case 'private_sent': return privateSentCommand(s, cmd);
    case 'private_in': return privateInCommand(s, cmd);
    case 'private_outside': return privateOutsideCommand(s, cmd);
    case 'escalate': return escalateCommand(s, cmd);
    case 'deescalate': return deescalateCommand(s);
    case 'snooze': return snoozeCommand(s, cmd);
    case 'wake': return wakeCommand(s);
    case 'ignore': return ignoreCommand(s, cmd);
    case 'reroute': return rerouteCommand(s, cmd);
    case 'retag': return retagCommand(s, cmd);
    case 'redirect': return redirectCommand(s, cmd);
    case 'close': return closeCommand(s, cmd);
    case 'reopen': return reopenCommand(s, cmd);
    case 'follow_up': return followUpCommand(s, cmd);
    case 'split': return splitCommand(s, cmd);
    case 'expire_claim': return expireClaimCommand(s);
    case 'note': return noteCommand(s, cmd);
    case 'sla_mark': return slaMarkCommand(s, cmd);
  }
}
