/**
 * One person's queue, as Slack's App Home and the Teams personal chat show it: the cases
 * they own, the drafts waiting for their approval, the cases near or past their SLA that
 * they may work on, and, for those allowed to compare agents, the team's figures.
 */
import { authorize } from '../cases/permissions.js';
import { mayAct } from '../cases/policy.js';
import { slaStatus } from '../cases/sla.js';
import type { Config } from '../config/schema.js';
import { sameActor, type Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import { QUEUE_LIST_MAX, type PersonalQueue } from './personal-queue-model.js';
import { RemoteRefusedError } from '../domain/remote-errors.js';
import type { CardView } from '../domain/case.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { ChatGateway } from './chat-gateway.js';
import { deliveryKinds, enqueueDelivery } from './delivery-kinds.js';
import type { CardOfCase } from './case-card.js';
import type { CaseService } from './case-service.js';
import type { CommandRouter } from './commands.js';
import { openCasesOf } from './sweep-runner.js';

export { QUEUE_LIST_MAX, type AtRiskEntry, type PersonalQueue } from './personal-queue-model.js';

export interface PersonalQueueDeps {
  cases: CaseService;
  config: Config;
  store: Store;
  cardOf: CardOfCase;
  commands?: CommandRouter | undefined;
}

const minutes = (ms: number) => {
  const m = Math.max(1, Math.round(Math.abs(ms) / 60_000));
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`;
};

/** The SLA clock of a case that is short (under a quarter of its target left, or past it), in words. */
export function slaShortfall(c: Case, config: Pick<Config, 'sla'>, now: Date): string | undefined {
  if (!config.sla) return undefined;
  for (const clock of Object.values(slaStatus(c, config.sla, now.toISOString()))) {
    if (!clock || clock.state !== 'running') continue;
    const label = clock.clock === 'firstResponse' ? 'First response' : 'Resolution';
    if (clock.remainingMs < 0) return `${label} overdue by ${minutes(clock.remainingMs)}`;
    if (clock.remainingMs < clock.targetMs / 4) return `${label} due in ${minutes(clock.remainingMs)}`;
  }
  return undefined;
}

/** Builds a person's queue from the open cases (the same checks the buttons make). */
export class PersonalQueues {
  constructor(private readonly deps: PersonalQueueDeps) {}

  async of(person: Actor, now: Date): Promise<PersonalQueue> {
    const { cases, config, cardOf } = this.deps;
    const open = (await openCasesOf(this.deps)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const mine = open.filter((c) => sameActor(c.owner, person));
    const approvals: Case[] = [];
    for (const c of open) {
      // The workflow itself says whether this person may approve it now (policy, self-approval, second approver).
      if ((c.status === 'drafted' || c.status === 'approved') && (await cases.probe(c.id, { type: 'approve' }, person, c.version)).ok) approvals.push(c);
    }
    const atRisk: Array<{ c: Case; due: string }> = [];
    for (const c of open) {
      if (c.owner && !sameActor(c.owner, person)) continue;
      if (!mayAct(config.policy, c.group, 'claim', person)) continue;
      const due = slaShortfall(c, config, now);
      if (due) atRisk.push({ c, due });
    }
    const cut = <T>(list: T[]) => list.slice(0, QUEUE_LIST_MAX);
    const out: PersonalQueue = {
      mine: await Promise.all(cut(mine).map(cardOf)),
      approvals: await Promise.all(cut(approvals).map(cardOf)),
      atRisk: await Promise.all(cut(atRisk).map(async (x) => ({ card: await cardOf(x.c), due: x.due }))),
      counts: { mine: mine.length, approvals: approvals.length, atRisk: atRisk.length },
    };
    const figures = await this.figures(person, now);
    if (figures) out.figures = figures;
    return out;
  }

  /** `/earshot metrics`'s answer, for managers and approvers (who may see every agent's figures). */
  private async figures(person: Actor, now: Date): Promise<PersonalQueue['figures']> {
    const { commands, config } = this.deps;
    if (!commands || authorize(config, 'metrics.agents', { actor: person, audience: 'private' })) return undefined;
    const reply = await commands.run('metrics', { actor: person, audience: 'private', now });
    return reply.summary;
  }

  /**
   * Whose queue a change touches: the owners before and after, the person it was offered
   * to, and (while a draft waits or stops waiting) anyone among `viewers` who may approve.
   */
  concerned(prev: Case | undefined, next: Case, viewers: readonly Actor[]): Actor[] {
    const out: Actor[] = [];
    const add = (a: Actor | undefined) => { if (a && a.platform !== 'system' && !out.some((o) => sameActor(o, a))) out.push(a); };
    add(prev?.owner); add(next.owner); add(next.assignment?.to);
    const approving = (c: Case | undefined) => c?.status === 'drafted' || c?.status === 'approved';
    if (approving(prev) || approving(next)) {
      for (const v of viewers) if (mayAct(this.deps.config.policy, next.group, 'approve', v)) add(v);
    }
    // The SLA lists and the team's figures change with any case: the rest see it on their next visit.
    return out;
  }
}

/** Everyone who has opened Earshot's App Home: their views are kept up to date. */
const HOME_VIEWERS = 'home:viewers:slack';

export interface HomeViewsDeps {
  queues: PersonalQueues;
  store: Store;
  outbox: Outbox;
  gateways: ReadonlyMap<CardView['platform'], ChatGateway>;
  clock: Clock;
}

/**
 * Slack App Home, kept current: published when a person opens it, and again when a case
 * in it changes. Every publish goes through the outbox, one slot per person (ten changes
 * in a row publish once) and paced as views.publish allows.
 */
export class HomeViews {
  constructor(private readonly deps: HomeViewsDeps) {}

  /** A person opened the Home tab: remember them and publish their queue. */
  async opened(user: Actor): Promise<void> {
    await this.deps.store.setAdd(HOME_VIEWERS, user.id);
    await enqueueDelivery(this.deps.outbox, 'home.publish', { platform: 'slack', user: user.id });
  }

  /** A case changed: refresh the home view of each viewer whose queue it touches. */
  async onCaseChange(prev: Case | undefined, next: Case): Promise<void> {
    const viewers = (await this.deps.store.setMembers(HOME_VIEWERS)).map((id): Actor => ({ platform: 'slack', id }));
    if (viewers.length === 0) return;
    for (const a of this.deps.queues.concerned(prev, next, viewers)) {
      if (a.platform === 'slack' && viewers.some((v) => v.id === a.id)) await enqueueDelivery(this.deps.outbox, 'home.publish', { platform: 'slack', user: a.id });
    }
  }

  /** The outbox's handler: the queue as it is when the delivery runs (so coalesced refreshes show the latest). */
  registerDelivery(): void {
    deliveryKinds.register(this.deps.outbox, {
      'home.publish': async (p) => {
        const g = this.deps.gateways.get('slack');
        if (!g?.publishHome) throw new RemoteRefusedError('no Slack connection is configured to publish App Home');
        const now = this.deps.clock.now();
        await g.publishHome(p.user, await this.deps.queues.of({ platform: 'slack', id: p.user }, now), now.toISOString());
      },
    });
  }
}
