import { expandPrincipals, roleRule } from '../cases/policy.js';
import type { Config } from '../config/schema.js';
import { SYSTEM, type Actor, sameActor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import { actorOfRef, chooseAgent, type Candidate } from '../routing/assign-agent.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { OPEN_INDEX } from './case-repository.js';
import type { ApplyResult, CaseService } from './case-service.js';
import type { Availability, PeopleDirectory } from './people-directory.js';

export interface AgentRouterDeps {
  cases: CaseService;
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  availability: Availability;
  directory?: PeopleDirectory | undefined;
}

/** The round-robin turn of a group, shared by every instance. */
const TURN = (group: string) => `assign:turn:${group}`;

/**
 * Routing to people: offers a new case to one agent of its skill group (round robin or
 * least load, among members who are available and under their cap), moves the offer
 * on when it is not picked up in time, and gives the case back to the channel when
 * nobody is left to try. The decisions are pure (`chooseAgent`); this class gathers
 * the facts (members, availability, load) and applies the result as a workflow command.
 */
export class AgentRouter {
  private availability: Availability;
  private directory: PeopleDirectory | undefined;

  constructor(private readonly deps: AgentRouterDeps) {
    this.availability = deps.availability;
    this.directory = deps.directory;
  }

  /** Replaces how availability is judged (presence from a chat platform, once it is connected). */
  useAvailability(availability: Availability): void {
    this.availability = availability;
  }

  /** Sets where platform groups of people (Slack user groups) are expanded. */
  useDirectory(directory: PeopleDirectory): void {
    this.directory = directory;
  }

  /** The individual people a group's `assign.members` name. */
  async members(group: string): Promise<Actor[]> {
    const { config } = this.deps;
    const { directory } = this;
    const assign = config.groups.find((g) => g.id === group)?.assign;
    if (!assign) return [];
    const out: Actor[] = [];
    for (const p of expandPrincipals(config.policy, assign.members)) {
      const direct = actorOfRef(p);
      const found = direct ? [direct] : p.startsWith('slack-group:') && directory ? await directory.membersOf(p) : [];
      for (const a of found) if (!out.some((o) => sameActor(o, a))) out.push(a);
    }
    return out;
  }

  /**
   * The people a group's cases can be handed to: its routing members, else the
   * individuals its claim rule names (Slack user groups expanded through the directory).
   */
  async people(group: string): Promise<Actor[]> {
    const { config } = this.deps;
    if (config.groups.find((g) => g.id === group)?.assign) return this.members(group);
    const out: Actor[] = [];
    for (const p of expandPrincipals(config.policy, roleRule(config.policy, group, 'claim').list)) {
      const direct = actorOfRef(p);
      const found = direct ? [direct] : p.startsWith('slack-group:') && this.directory ? await this.directory.membersOf(p) : [];
      for (const a of found) if (!out.some((o) => sameActor(o, a))) out.push(a);
    }
    return out;
  }

  /** The individual people a group's `leads` name (Slack user groups expanded through the directory). */
  async leads(group: string): Promise<Actor[]> {
    const { config } = this.deps;
    const out: Actor[] = [];
    for (const p of expandPrincipals(config.policy, config.groups.find((g) => g.id === group)?.leads ?? [])) {
      const direct = actorOfRef(p);
      const found = direct ? [direct] : p.startsWith('slack-group:') && this.directory ? await this.directory.membersOf(p) : [];
      for (const a of found) if (!out.some((o) => sameActor(o, a))) out.push(a);
    }
    return out;
  }

  /** Open cases each person owns or has been offered, across every group. */
  async loads(): Promise<Map<string, number>> {
    const { store, config, cases } = this.deps;
    const load = new Map<string, number>();
    const bump = (a: Actor | undefined) => { if (a) load.set(`${a.platform}:${a.id}`, (load.get(`${a.platform}:${a.id}`) ?? 0) + 1); };
    for (const g of config.groups) {
      for (const id of await store.setMembers(OPEN_INDEX(g.id))) {
        const c = await cases.get(id);
        if (!c) continue;
        bump(c.owner ?? c.assignment?.to);
      }
    }
    return load;
  }

  /**
   * Offers `c` to the next agent, or gives it back to the channel when nobody fits and
   * it was offered before. Undefined when the group does not route to people, or when
   * nobody is available for a case never offered (the sweep tries again next tick).
   */
  async offer(c: Case, loads?: Map<string, number>): Promise<ApplyResult | undefined> {
    const { config, clock, store, cases, log } = this.deps;
    const { availability } = this;
    const assign = config.groups.find((g) => g.id === c.group)?.assign;
    if (!assign || c.status !== 'new' || c.owner) return undefined;
    const now = clock.now();
    const people = await this.members(c.group);
    const load = loads ?? (await this.loads());
    const candidates: Candidate[] = [];
    for (const actor of people) {
      candidates.push({ actor, available: await availability.isAvailable(actor, now), load: load.get(`${actor.platform}:${actor.id}`) ?? 0 });
    }
    const tried = c.offered ?? [];
    const turn = assign.strategy === 'round-robin' ? await store.incr(TURN(c.group)) - 1 : 0;
    const to = tried.length >= assign.maxTries ? undefined : chooseAgent(candidates, { strategy: assign.strategy, maxOpen: assign.maxOpen, exclude: tried, turn });
    if (!to && !c.assignment) {
      log.debug({ caseId: c.id, group: c.group }, 'nobody available to assign the case to; it stays in the channel');
      return undefined;
    }
    const result = await cases.apply(c.id, { type: 'assign', to, mode: assign.mode }, SYSTEM, c.version);
    if (result.ok && to) load.set(`${to.platform}:${to.id}`, (load.get(`${to.platform}:${to.id}`) ?? 0) + 1);
    return result;
  }
}
