import type { BusinessHoursConfig } from '../config/workflow-schema.js';
import type { Actor } from '../domain/actor.js';
import { sameActor } from '../domain/actor.js';
import { WEEKDAYS } from '../domain/business-deadline.js';
import { instantIn } from '../domain/days.js';

/** One agent who might get a case: are they available, and how many open cases do they have. */
export interface Candidate {
  actor: Actor;
  available: boolean;
  /** Open cases they own or are assigned now. */
  load: number;
}

export interface ChooseOptions {
  strategy: 'round-robin' | 'least-load';
  /** An agent at this many open cases gets no more. */
  maxOpen: number;
  /** People already offered this case. */
  exclude?: readonly Actor[] | undefined;
  /** A counter shared by every instance (round robin starts after the last pick). */
  turn?: number | undefined;
}

/**
 * Picks the agent for a case among candidates in their configured order, or undefined
 * when nobody is available, everyone is at their cap, or all were tried. Round robin
 * starts at `turn` and takes the next eligible agent; least load takes the eligible
 * agent with the fewest open cases, earlier in the list on a tie. Pure.
 */
export function chooseAgent(candidates: readonly Candidate[], opts: ChooseOptions): Actor | undefined {
  const eligible = (c: Candidate) => c.available && c.load < opts.maxOpen && !(opts.exclude ?? []).some((x) => sameActor(x, c.actor));
  if (candidates.length === 0) return undefined;
  if (opts.strategy === 'round-robin') {
    const start = ((opts.turn ?? 0) % candidates.length + candidates.length) % candidates.length;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[(start + i) % candidates.length]!;
      if (eligible(c)) return c.actor;
    }
    return undefined;
  }
  let best: Candidate | undefined;
  for (const c of candidates) if (eligible(c) && (!best || c.load < best.load)) best = c;
  return best?.actor;
}

/** `slack:U123` → a Slack actor; undefined for anything that is not one person. */
export function actorOfRef(ref: string): Actor | undefined {
  const m = /^(slack|teams):(.+)$/.exec(ref);
  return m ? { platform: m[1] as 'slack' | 'teams', id: m[2]! } : undefined;
}

/** Is `now` within someone's working hours (local time, working day, not a holiday)? Pure. */
export function isWorkingTime(hours: BusinessHoursConfig, now: string): boolean {
  const local = instantIn(now, hours.timezone);
  if (!hours.days.includes(WEEKDAYS[local.weekday - 1]!)) return false;
  if (hours.holidays.includes(local.toISODate())) return false;
  const t = local.toFormat('HH:mm');
  return t >= hours.from && (hours.to === '24:00' || t < hours.to);
}
