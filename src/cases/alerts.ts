import type { Config } from '../config/schema.js';
import type { Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import { instantIn } from '../domain/days.js';
import { actorRef, expandPrincipals, roleRule, type Role } from './policy.js';

/**
 * Personal alerts (the screen-pop): which person is told what about a case, decided from
 * the case alone. Pure: the app gathers preferences, availability and Slack user groups,
 * and delivers through the outbox.
 */
export const ALERT_KINDS = ['assignment', 'approval', 'sentBack', 'sla', 'escalation'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Kinds that stay pending while the case is in a state (a DM is updated in place, then closed). */
const STATEFUL: readonly AlertKind[] = ['assignment', 'approval', 'sentBack', 'escalation'];

/** Is this kind of alert switched on for the case's group (`groups[].alerts`, each on by default)? */
export function alertEnabled(config: Pick<Config, 'groups'>, group: string, kind: AlertKind): boolean {
  return config.groups.find((g) => g.id === group)?.alerts?.[kind] !== false;
}

/**
 * Who an alert of `kind` is pending for now, as principals (`slack:U…`, `teams:…`, and
 * `slack-group:S…` for the app to expand); undefined when nothing of that kind is pending.
 * `*` (anyone) is never alerted: it names no one in particular.
 */
export function pendingRecipients(c: Case, kind: AlertKind, config: Pick<Config, 'policy' | 'groups'>): string[] | undefined {
  const { policy } = config;
  const people = (list: readonly string[]): string[] => expandPrincipals(policy, list).filter((p) => p !== '*');
  switch (kind) {
    case 'assignment':
      return c.status === 'new' && c.assignment && !c.owner ? [actorRef(c.assignment.to)] : undefined;
    case 'approval': {
      if (c.status !== 'drafted' || !c.draft) return undefined;
      const author = actorRef(c.draft.by);
      const approved = new Set(c.approvals.map(actorRef));
      return people(roleRule(policy, c.group, 'approve').list).filter((p) => (policy.allowSelfApproval || p !== author) && !approved.has(p));
    }
    case 'sentBack':
      return c.status === 'rejected' && c.rejection && c.draft ? [actorRef(c.draft.by)] : undefined;
    case 'escalation': {
      if (c.status !== 'escalated') return undefined;
      const named = c.escalation?.leads ?? [];
      return people(named.length > 0 ? named : config.groups.find((g) => g.id === c.group)?.leads ?? []);
    }
    case 'sla':
      return undefined;
  }
}

/** One alert to deliver: a kind that is (or was) pending, or a one-off event for given people. */
export interface AlertPlan {
  kind: AlertKind;
  /** A one-off event (an SLA reminder, a lapsed claim): who is told, and what. */
  event?: { to: string[]; note: string } | undefined;
}

/**
 * What a change of a case asks of the alerts: every stateful kind pending after it (new,
 * or changed since), every kind that stopped being pending (its DMs are closed), and the
 * one-off events (an SLA reminder to the owner, a lapsed claim to whoever held it).
 */
export function planAlerts(prev: Case | undefined, next: Case, config: Pick<Config, 'policy' | 'groups'>): AlertPlan[] {
  const out: AlertPlan[] = [];
  for (const kind of STATEFUL) {
    const now = pendingRecipients(next, kind, config);
    const before = prev ? pendingRecipients(prev, kind, config) : undefined;
    const changed = !prev || prev.version !== next.version || prev.status !== next.status;
    // Closing DMs runs even when the kind is switched off: they were posted while it was on.
    if (before && !now) out.push({ kind });
    else if (now && changed && alertEnabled(config, next.group, kind)) out.push({ kind });
  }
  if (!alertEnabled(config, next.group, 'sla')) return out;
  const last = next.audit[next.audit.length - 1];
  const grew = !prev || next.audit.length > prev.audit.length;
  if (grew && last && next.owner && last.action === 'sla_mark' && last.note?.startsWith('SLA reminder')) {
    out.push({ kind: 'sla', event: { to: [actorRef(next.owner)], note: last.note } });
  }
  if (grew && last?.action === 'expire_claim' && prev?.owner) {
    out.push({ kind: 'sla', event: { to: [actorRef(prev.owner)], note: `Your claim on case ${next.id} lapsed after no activity, so it is back in the channel for anyone to claim.` } });
  }
  return out;
}

/** What a person may need to be allowed to do for an alert to be worth sending them. */
export const ALERT_ROLE: Record<AlertKind, Role | undefined> = {
  assignment: 'claim', approval: 'approve', sentBack: 'draft', sla: 'claim', escalation: undefined,
};

/** A person's own alert settings (`/earshot notify …`). */
export interface NotifyPreference {
  /** `off`: no personal alerts at all. */
  mode: 'on' | 'off';
  /** Local quiet hours (may cross midnight), in the person's time zone. */
  quiet?: { from: string; to: string } | undefined;
}

export const DEFAULT_NOTIFY: NotifyPreference = { mode: 'on' };

/** Why an alert is not sent to someone now; undefined when it is. */
export type Silence = 'off' | 'quiet-hours' | 'off-hours' | 'not-allowed';

/**
 * Is `now` inside quiet hours `from`–`to` in `zone`? A window that crosses midnight
 * (18:00-08:00) is quiet from `from` until `to` the next morning.
 */
export function inQuietHours(quiet: { from: string; to: string }, zone: string, now: string): boolean {
  const t = instantIn(now, zone).toFormat('HH:mm');
  if (quiet.from === quiet.to) return false;
  return quiet.from < quiet.to ? t >= quiet.from && t < quiet.to : t >= quiet.from || t < quiet.to;
}

/**
 * Whether an alert reaches the person, in this order: notify off; quiet hours (an
 * escalation goes through them); outside working hours; not allowed to act on it.
 */
export function silenceOf(s: { kind: AlertKind; pref: NotifyPreference; zone: string; now: string; working: boolean; allowed: boolean }): Silence | undefined {
  if (s.pref.mode === 'off') return 'off';
  if (s.kind !== 'escalation' && s.pref.quiet && inQuietHours(s.pref.quiet, s.zone, s.now)) return 'quiet-hours';
  if (!s.working) return 'off-hours';
  if (!s.allowed) return 'not-allowed';
  return undefined;
}

/** The time zone a person's quiet hours are read in: their own working hours, else the default hours, else UTC. */
export function personZone(config: Pick<Config, 'availability'>, person: string): string {
  return config.availability.people[person]?.timezone ?? config.availability.default?.timezone ?? 'UTC';
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** `notify on`, `notify off`, `notify quiet 18:00-08:00`, `notify quiet off`; a problem in words otherwise. */
export function parseNotify(args: readonly string[], current: NotifyPreference): { ok: true; pref: NotifyPreference | undefined } | { ok: false; problem: string } {
  const [verb, window] = args.map((a) => a.toLowerCase());
  const usage = 'Use notify on, notify off, notify quiet 18:00-08:00 or notify quiet off.';
  if (!verb) return { ok: true, pref: undefined };
  if (verb === 'on' || verb === 'off') return { ok: true, pref: { ...current, mode: verb } };
  if (verb !== 'quiet') return { ok: false, problem: `"${verb.slice(0, 40)}" is not a notify setting. ${usage}` };
  if (window === 'off') return { ok: true, pref: { mode: current.mode } };
  const m = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(window ?? '');
  if (!m || !HHMM.test(m[1]!) || !HHMM.test(m[2]!)) return { ok: false, problem: `Quiet hours are two times like 18:00-08:00 (24-hour clock). ${usage}` };
  if (m[1] === m[2]) return { ok: false, problem: 'Quiet hours must start and end at different times.' };
  return { ok: true, pref: { ...current, quiet: { from: m[1]!, to: m[2]! } } };
}

/** The person a principal ref names, when it names one person directly. */
export function personOf(ref: string): Actor | undefined {
  const m = /^(slack|teams):(.+)$/.exec(ref);
  return m ? { platform: m[1] as 'slack' | 'teams', id: m[2]! } : undefined;
}
