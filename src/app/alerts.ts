import {
  ALERT_ROLE, alertEnabled, DEFAULT_NOTIFY, pendingRecipients, personOf, personZone, planAlerts, silenceOf, type AlertKind, type AlertPlan, type NotifyPreference,
} from '../cases/alerts.js';
import { mayAct } from '../cases/policy.js';
import type { Config } from '../config/schema.js';
import type { Actor } from '../domain/actor.js';
import type { Case, CardView } from '../domain/case.js';
import { buildAlertCard, type AlertCard } from '../cards/alert-card.js';
import { personalDataMask } from '../screening/mask-personal-data.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { CaseService, DurableWork } from './case-service.js';
import type { ChatGateway } from './chat-gateway.js';
import { deliveryKinds, enqueueDelivery, type DeliveredPayload } from './delivery-kinds.js';
import { limitedCall, type CallLimiter } from './delivery-resources.js';
import { InsightStore } from './insight-store.js';
import { ConfigHoursAvailability, membershipOf, type Availability, type PeopleDirectory } from './people-directory.js';

/** The DM one person got about one case and kind, kept so it is updated in place. */
const DM = (caseId: string, kind: AlertKind, person: string) => `alert:dm:${caseId}:${kind}:${person}`;
/** Who has an open DM about one case and kind (to close them when it stops pending). */
const DMS = (caseId: string, kind: AlertKind) => `alert:dms:${caseId}:${kind}`;
/** A person's own notify settings. */
const NOTIFY = (person: string) => `notify:${person}`;
/** People already told in the log that Teams cannot reach them yet (once per process). */
const unreachableLogged = new Set<string>();

export interface AlertDeps {
  config: Config;
  cases: CaseService;
  outbox: Outbox;
  store: Store;
  gateways: ReadonlyMap<CardView['platform'], ChatGateway>;
  clock: Clock;
  log: Logger;
  limits?: CallLimiter | undefined;
  /** Working hours (and presence, when connected); the configured hours by default. */
  availability?: Availability | undefined;
  /** Expands Slack user groups named as approvers or leads (the Slack adapter), when connected. */
  directory?: (() => PeopleDirectory | undefined) | undefined;
}

/**
 * Waits for every call, then throws the first failure: one person's DM failing must not
 * stop the others, and the outbox retries the item (a retry updates the DMs that landed).
 */
async function settleAll(calls: Array<Promise<void>>): Promise<void> {
  const failed = (await Promise.allSettled(calls)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** A link anyone in the channel can open to the case's card on the person's own platform. */
function cardLink(c: Case, platform: Actor['platform']): AlertCard['link'] {
  const v = c.views.find((x) => x.platform === platform) ?? c.views[0];
  if (!v) return undefined;
  if (v.platform === 'slack') return { label: 'Open the card in the channel', url: `https://slack.com/archives/${v.channel}/p${v.ts.replace('.', '')}` };
  const channel = v.conversationId.split(';')[0]!;
  return { label: 'Open the card in Teams', url: `https://teams.microsoft.com/l/message/${encodeURIComponent(channel)}/${encodeURIComponent(v.activityId)}` };
}

/**
 * Personal alerts (the screen-pop): plans them with every case change (durably), and
 * delivers them through the outbox into each person's 1:1 chat with the bot, one DM per
 * person, case and kind, updated in place while the thing is pending and closed (its
 * buttons removed) when it is not. Who is told what is decided in src/cases/alerts.ts.
 */
export class AlertService {
  private readonly availability: Availability;
  private readonly briefs: InsightStore | undefined;

  constructor(private readonly deps: AlertDeps) {
    this.availability = deps.availability ?? new ConfigHoursAvailability(deps.config);
    this.briefs = deps.config.assist?.summaries?.briefs ? new InsightStore(deps.store, deps.config.retention?.days) : undefined;
  }

  /** Plans alerts with every case change and registers the delivery of `alert.direct`. */
  register(): void {
    const { cases, outbox } = this.deps;
    cases.onChangeDurably({
      kind: 'alert.plan',
      plan: (prev, next) => {
        const plans = planAlerts(prev, next, this.deps.config);
        return plans.length > 0 ? { plans } : undefined;
      },
      run: (work) => this.queue(work),
    });
    deliveryKinds.on(outbox, 'alert.direct', (p) => this.deliver(p));
  }

  private async queue(work: DurableWork): Promise<void> {
    const plans = (work.payload.plans ?? []) as AlertPlan[];
    for (const p of plans) await enqueueDelivery(this.deps.outbox, 'alert.direct', { caseId: work.caseId, kind: p.kind, ...(p.event ? { event: p.event } : {}) });
  }

  /** A person's notify settings. */
  async preference(person: string): Promise<NotifyPreference> {
    return (await this.deps.store.get<NotifyPreference>(NOTIFY(person))) ?? DEFAULT_NOTIFY;
  }

  async setPreference(person: string, pref: NotifyPreference): Promise<void> {
    await this.deps.store.set(NOTIFY(person), pref);
  }

  /** Brings every DM of one case and kind up to date (or sends a one-off event's). */
  async deliver(p: DeliveredPayload<'alert.direct'>): Promise<void> {
    const c = await this.deps.cases.get(p.caseId);
    if (!c) return;
    if (p.event) {
      await settleAll(p.event.to.map((person) => this.tell(c, p.kind, person, p.event!.note)));
      return;
    }
    const pending = pendingRecipients(c, p.kind, this.deps.config);
    const people = pending && alertEnabled(this.deps.config, c.group, p.kind) ? await this.expand(pending) : [];
    // Each person's DM has its own pace (and the updates share the workspace's): in parallel.
    const stale = (await this.deps.store.setMembers(DMS(c.id, p.kind))).filter((person) => !people.includes(person));
    await settleAll([...people.map((person) => this.tell(c, p.kind, person)), ...stale.map((person) => this.close(c, p.kind, person))]);
  }

  /** Principals as individual people: Slack user groups through the directory. */
  private async expand(principals: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    const directory = this.deps.directory?.();
    for (const p of principals) {
      if (personOf(p)) out.add(p);
      else if (p.startsWith('slack-group:') && directory) for (const a of await directory.membersOf(p)) out.add(`${a.platform}:${a.id}`);
    }
    return [...out];
  }

  private gateway(person: Actor): ChatGateway | undefined {
    const g = this.deps.gateways.get(person.platform as CardView['platform']);
    return g?.postDirect && g.updateDirect ? g : undefined;
  }

  private card(c: Case, kind: AlertKind, person: Actor, open: boolean, note?: string, brief?: string): AlertCard {
    return buildAlertCard(c, kind, { mask: personalDataMask(this.deps.config), open, note, link: cardLink(c, person.platform), brief });
  }

  /** AI assist's brief of the case, for an approval or escalation alert, once written (summaries with briefs on). */
  private async brief(c: Case, kind: AlertKind): Promise<string | undefined> {
    if (!this.briefs || (kind !== 'approval' && kind !== 'escalation')) return undefined;
    return this.briefs.briefOf(c);
  }

  /** Posts or updates one person's DM. A new DM is only posted when the person is not silenced. */
  private async tell(c: Case, kind: AlertKind, ref: string, note?: string): Promise<void> {
    const { store, log } = this.deps;
    const limited = limitedCall(this.deps.limits);
    const person = personOf(ref);
    const g = person ? this.gateway(person) : undefined;
    if (!person || !g) return;
    const card = this.card(c, kind, person, true, note, await this.brief(c, kind));
    const view = await store.get<CardView>(DM(c.id, kind, ref));
    if (view) {
      await limited(`${person.platform}.update`, () => g.updateDirect!(view, card));
      return;
    }
    const silence = await this.silence(c, kind, person);
    if (silence) {
      log.debug({ caseId: c.id, kind, person: ref, silence }, 'personal alert not sent (silenced)');
      return;
    }
    const posted = await limited(`${person.platform}.post:direct:${person.id}`, () => g.postDirect!(person.id, card));
    if (!posted) {
      if (!unreachableLogged.has(ref)) log.warn({ person: ref, caseId: c.id, kind }, `personal alert skipped: ${person.platform} has no 1:1 chat with this person yet (they must open a chat with the bot once)`);
      unreachableLogged.add(ref);
      return;
    }
    // A one-off event is not kept open: nothing later closes it.
    if (note !== undefined) return;
    await store.set(DM(c.id, kind, ref), posted);
    await store.setAdd(DMS(c.id, kind), ref);
  }

  /** The thing stopped pending for this person: the DM says so and loses its buttons. */
  private async close(c: Case, kind: AlertKind, ref: string): Promise<void> {
    const { store } = this.deps;
    const person = personOf(ref);
    const view = await store.get<CardView>(DM(c.id, kind, ref));
    const g = person ? this.gateway(person) : undefined;
    if (person && g && view) await limitedCall(this.deps.limits)(`${person.platform}.update`, () => g.updateDirect!(view, this.card(c, kind, person, false)));
    await store.delete(DM(c.id, kind, ref));
    await store.setRemove(DMS(c.id, kind), ref);
  }

  /** Why a new alert is not sent to `person` now (see silenceOf), if it is not. */
  private async silence(c: Case, kind: AlertKind, person: Actor): Promise<string | undefined> {
    const { config, clock } = this.deps;
    const ref = `${person.platform}:${person.id}`;
    const now = clock.now();
    const role = ALERT_ROLE[kind];
    const memberOf = role ? await membershipOf(this.deps.directory?.(), [person]) : undefined;
    return silenceOf({
      kind,
      pref: await this.preference(ref),
      zone: personZone(config, ref),
      now: now.toISOString(),
      working: await this.availability.isAvailable(person, now),
      allowed: role ? mayAct(config.policy, c.group, role, person, memberOf) : true,
    });
  }
}
