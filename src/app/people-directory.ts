import type { Config } from '../config/schema.js';
import type { Actor } from '../domain/actor.js';
import type { Membership } from '../cases/policy.js';
import { actorRef } from '../cases/policy.js';
import { isWorkingTime } from '../routing/assign-agent.js';
import type { Store } from '../store/store.js';

/**
 * Who belongs to which chat-platform group of people. Slack user groups
 * (`slack-group:S…`) live in Slack, so the Slack adapter answers (usergroups.users.list);
 * without an adapter nobody is in any such group.
 */
export interface PeopleDirectory {
  /** The platform groups (`slack-group:S…`) `actor` belongs to, among those the config names. */
  groupsOf(actor: Actor): Promise<string[]>;
  /** The people in a platform group, for routing to people. */
  membersOf(principal: string): Promise<Actor[]>;
}

/**
 * Is someone available to take a case now? Configured working hours are the base;
 * chat-platform presence (Slack users.getPresence, Teams availability) is an adapter's
 * answer on top of it.
 */
export interface Availability {
  isAvailable(actor: Actor, now: Date): Promise<boolean>;
}

/** Availability from `availability:` in the config: per-person hours, else the default hours, else always. */
export class ConfigHoursAvailability implements Availability {
  constructor(private readonly config: Pick<Config, 'availability'>) {}

  async isAvailable(actor: Actor, now: Date): Promise<boolean> {
    const hours = this.config.availability.people[actorRef(actor)] ?? this.config.availability.default;
    return hours ? isWorkingTime(hours, now.toISOString()) : true;
  }
}

/** Available only when every one of the checks says so (working hours, then presence). */
export function allOf(...checks: Availability[]): Availability {
  return {
    async isAvailable(actor, now) {
      for (const c of checks) if (!(await c.isAvailable(actor, now))) return false;
      return true;
    },
  };
}

/** Every `slack-group:S…` the configuration names (only these are worth resolving). */
export function platformGroupsNamed(config: Pick<Config, 'policy' | 'groups'>): string[] {
  const all = new Set<string>();
  const add = (list: readonly string[] | undefined) => list?.forEach((p) => { if (p.startsWith('slack-group:')) all.add(p); });
  const p = config.policy;
  add(p.approvers); add(p.agents); add(p.secondApprover?.by);
  Object.values(p.people).forEach(add);
  for (const g of Object.values(p.groups)) { add(g.claim); add(g.draft); add(g.approve); add(g.send); add(g.secondApprover?.by); }
  for (const g of config.groups) { add(g.assign?.members); add(g.leads); }
  return [...all];
}

/**
 * Resolves the platform groups of a few people up front, so the pure policy can ask
 * synchronously. People the directory cannot answer for are in no group.
 */
export async function membershipOf(directory: PeopleDirectory | undefined, people: readonly Actor[]): Promise<Membership | undefined> {
  if (!directory) return undefined;
  const known = new Map<string, readonly string[]>();
  for (const a of people) known.set(actorRef(a), await directory.groupsOf(a));
  return (a) => known.get(actorRef(a)) ?? [];
}

/** A display name for one person, or undefined when this source does not know them. */
export type NameLookup = (actor: Pick<Actor, 'platform' | 'id'>) => Promise<string | undefined>;

const NAME_KEY = (ref: string) => `people:name:${ref}`;

/**
 * Display names for people Earshot shows (metrics answers): the platform's own answer
 * first (Slack users.info), then the name a person last showed themselves under when
 * they talked to the bot (Teams gives no directory lookup without extra consent, but
 * every activity carries the sender's name). Unknown people get undefined; callers fall
 * back to the id.
 */
export class PeopleNames {
  private readonly lookups: NameLookup[] = [];

  constructor(private readonly store?: Pick<Store, 'get' | 'set'>) {}

  /** Adds a platform's lookup (asked before the remembered names). */
  use(lookup: NameLookup): void {
    this.lookups.push(lookup);
  }

  /** Keeps the name someone showed themselves under, for when the platform cannot be asked. */
  async remember(actor: Actor): Promise<void> {
    if (!this.store || !actor.name || actor.platform === 'system') return;
    const key = NAME_KEY(actorRef(actor));
    // Written only when it changed: this runs on every command and click.
    if ((await this.store.get<string>(key)) !== actor.name) await this.store.set(key, actor.name.slice(0, 200));
  }

  async nameOf(actor: Pick<Actor, 'platform' | 'id'>): Promise<string | undefined> {
    for (const lookup of this.lookups) {
      const name = await lookup(actor).catch(() => undefined);
      if (name) return name;
    }
    return this.store?.get<string>(NAME_KEY(`${actor.platform}:${actor.id}`));
  }
}
