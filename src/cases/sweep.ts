import type { Config } from '../config/schema.js';
import type { Case } from '../domain/case.js';
import { lastOfferDeclined } from './ownership-commands.js';
import { claimTimeoutMs } from './policy.js';
import { formatBusinessTime, SLA_CLOCKS, slaStatus, type SlaClockName } from './sla.js';

/**
 * What the sweep should do to one case now. The runner applies each as a workflow
 * command with the system actor and the version planned from, so a case that a person
 * changed in the meantime is simply planned again on the next tick.
 */
export type SweepAction =
  | { kind: 'wake'; caseId: string; version: number }
  | { kind: 'expire_claim'; caseId: string; version: number }
  /** Offer the case to the first agent (a new case routing has not assigned yet), or the next after a Decline. */
  | { kind: 'assign'; caseId: string; version: number }
  /** The offer was not picked up in time: the next agent, or back to the channel. */
  | { kind: 'offer_next'; caseId: string; version: number; backToChannel: boolean }
  | { kind: 'sla'; caseId: string; version: number; clock: SlaClockName; event: 'reminder' | 'breach'; key: string; note: string };

const LABEL: Record<SlaClockName, string> = { firstResponse: 'First response', resolution: 'Resolution' };

/** The `slaMarks` key for one clock event. */
export const slaMarkKey = (clock: SlaClockName, event: 'reminder' | 'breach') => `sla.${clock}.${event}`;

/**
 * Plans one sweep over open cases at `now`: snoozes that are over, claims whose owner
 * did nothing for the lease time, assignments not picked up in time, new cases waiting
 * for routing to a person, and SLA reminders and breaches not yet recorded. Pure.
 */
export function planSweep(cases: readonly Case[], config: Pick<Config, 'policy' | 'sla' | 'groups'>, now: string): SweepAction[] {
  const at = Date.parse(now);
  const out: SweepAction[] = [];
  for (const c of cases) {
    const ref = { caseId: c.id, version: c.version };
    if (c.status === 'snoozed' && c.snooze && Date.parse(c.snooze.until) <= at) out.push({ kind: 'wake', ...ref });
    const timeout = claimTimeoutMs(config.policy, c.group);
    if (timeout !== undefined && c.owner && (c.status === 'claimed' || c.status === 'rejected')) {
      const since = Date.parse(c.activeAt ?? c.claimedAt ?? c.updatedAt);
      if (since + timeout <= at) out.push({ kind: 'expire_claim', ...ref });
    }
    const assign = config.groups.find((g) => g.id === c.group)?.assign;
    if (assign && c.status === 'new' && !c.owner) {
      if (c.assignment) {
        if (Date.parse(c.assignment.at) + assign.pickupTimeout <= at) {
          out.push({ kind: 'offer_next', ...ref, backToChannel: (c.offered ?? []).length >= assign.maxTries });
        }
      } else if ((c.offered ?? []).length === 0 || (lastOfferDeclined(c) && (c.offered ?? []).length < assign.maxTries)) {
        // Never offered, or the last agent declined and there are tries left: offer it (again).
        out.push({ kind: 'assign', ...ref });
      }
    }
    if (config.sla) {
      const clocks = slaStatus(c, config.sla, now);
      for (const name of SLA_CLOCKS) {
        const clock = clocks[name];
        if (!clock || clock.state !== 'running') continue;
        const due = clock.dueAt ? ` (due ${clock.dueAt.slice(0, 16).replace('T', ' ')} UTC)` : '';
        if (clock.remainingMs <= 0) {
          const key = slaMarkKey(name, 'breach');
          if (!c.slaMarks?.[key]) out.push({ kind: 'sla', ...ref, clock: name, event: 'breach', key, note: `SLA breached: ${LABEL[name].toLowerCase()} target of ${formatBusinessTime(clock.targetMs)} business time is over${due}` });
        } else if (clock.remainingMs <= config.sla.remindBefore) {
          const key = slaMarkKey(name, 'reminder');
          if (!c.slaMarks?.[key]) out.push({ kind: 'sla', ...ref, clock: name, event: 'reminder', key, note: `SLA reminder: ${LABEL[name].toLowerCase()} due in ${formatBusinessTime(clock.remainingMs)} of business time${due}` });
        }
      }
    }
  }
  return out;
}
