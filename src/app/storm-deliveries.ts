import { SYSTEM, sameActor, type Actor } from '../domain/actor.js';
import type { Case, CardView } from '../domain/case.js';
import type { Storm } from '../domain/storm.js';
import type { CaseCommand } from '../cases/workflow.js';
import { postedFor, recordStormCard, type StormAction } from '../cases/storm-workflow.js';
import { renderTemplate } from '../cases/templates.js';
import type { StormCard } from '../cards/card.js';
import type { ChatGateway } from './chat-gateway.js';
import type { Template } from '../config/schema.js';
import { RemoteRefusedError } from '../domain/remote-errors.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Logger } from '../util/logger.js';
import type { ApplyResult } from './case-service.js';
import { deliveryKinds, enqueueDelivery, type DeliveredPayload, type DeliveryHandlers } from './delivery-kinds.js';
import { limitedCall, type CallLimiter } from './delivery-resources.js';
import type { StormRepository } from './storm-repository.js';

/** Members answered (or closed) per outbox item, so progress survives a crash. */
const BATCH = 25;

/** What a batch of a send or a close carries: the members with join numbers in (after, through]. */
export type StormWork = DeliveredPayload<'storm.work'>;

/**
 * The part of the case workflow storm mode uses: it reads member cases and applies
 * commands to them, nothing more (the case side tells storms about sent replies through
 * its change listener, never by calling in).
 */
export interface StormMemberCases {
  get(id: string): Promise<Case | undefined>;
  apply(caseId: string, cmd: CaseCommand, actor: Actor): Promise<ApplyResult>;
}

export interface StormDeliveriesDeps {
  outbox: Outbox;
  gateways: ReadonlyMap<CardView['platform'], ChatGateway>;
  log: Logger;
  limits?: CallLimiter | undefined;
  repo: StormRepository;
  cases: StormMemberCases;
  /** The template a storm's reply uses, if it has one. */
  template: (storm: Storm) => Template | undefined;
  /** The storm card as it is now. */
  card: (storm: Storm) => Promise<StormCard>;
  /** Asks for a refresh of the storm card on its budget. */
  refresh: (stormId: string, platform?: CardView['platform']) => Promise<void>;
  /** Takes a system step of the storm workflow (left as it is where the step does not apply). */
  step: (stormId: string, action: StormAction) => Promise<Storm | undefined>;
}

/** Queues the next batch of a send or a close. */
export async function queueStormWork(outbox: Outbox, work: StormWork): Promise<void> {
  await enqueueDelivery(outbox, 'storm.work', { ...work });
}

/** Registers the storm deliveries on the outbox: posting the card, refreshing it, and the batches. */
export function registerStormDeliveries(deps: StormDeliveriesDeps): void {
  deliveryKinds.register(deps.outbox, stormDeliveries(deps));
  deps.log.debug('storm deliveries registered');
}

/** The handlers of the storm deliveries, each with its kind's payload as the store gave it back, checked. */
export function stormDeliveries(deps: StormDeliveriesDeps): Pick<DeliveryHandlers, 'storm.post' | 'storm.update' | 'storm.work'> {
  const { gateways, repo } = deps;
  const limited = limitedCall(deps.limits);
  const gateway = (platform: CardView['platform']) => {
    const g = gateways.get(platform);
    if (!g?.postStormCard || !g.updateStormCard) throw new RemoteRefusedError(`${platform} cannot show storm cards`);
    return g;
  };
  return {
    'storm.post': async (p, item) => {
      const storm = await repo.get(p.stormId);
      if (!storm) return;
      const { platform, target } = p;
      if (postedFor(storm, platform, target)) return;
      const g = gateway(platform);
      const found = item.attempts > 0 && g.findStormCard ? await limited(`${platform}.read`, () => g.findStormCard!(target, storm.id, item.createdAt)) : undefined;
      const view = found ?? (await limited(`${platform}.post:${target}`, async () => g.postStormCard!(target, await deps.card(storm))));
      await repo.modify(storm.id, (s) => recordStormCard(s, view, platform, target), { bump: false });
      await deps.refresh(storm.id, platform);
    },
    'storm.update': async (p) => {
      const storm = await repo.get(p.stormId);
      if (!storm) return;
      for (const view of storm.views) {
        const g = gateway(view.platform);
        // The card is built inside the limiter slot, so it shows the latest count.
        await limited(`${view.platform}.update`, async () => g.updateStormCard!(view, await deps.card((await repo.get(storm.id)) ?? storm)));
      }
    },
    'storm.work': (p) => work(deps, p),
  };
}

/**
 * Works through a batch of members: answers each unclaimed case with the template, or
 * closes it. Each case goes through the workflow as the people who acted on the storm
 * (drafted by the one who chose the template, approved by the approver, sent by the
 * sender), so the policy and the audit trail are the same as for a single case; its reply
 * then waits for the network's window.
 */
async function work(deps: StormDeliveriesDeps, p: StormWork): Promise<void> {
  const { cases, repo } = deps;
  const storm = await repo.get(p.stormId);
  if (!storm) return;
  const batch = await repo.members(storm.id, p.after, p.through, BATCH);
  const t = deps.template(storm);
  const r = storm.reply;
  for (const { caseId } of batch) {
    const c = await cases.get(caseId);
    if (!c) continue;
    if (p.mode === 'close') {
      if (c.status === 'new') await cases.apply(c.id, { type: 'close', note: 'closed with its storm' }, p.by ?? SYSTEM);
      continue;
    }
    if (!t || !r?.sender) return;
    const outcome = await answer(cases, c, t, r.by, r.approvals, r.sender);
    await repo.countOutcome(storm.id, outcome);
  }
  const last = batch[batch.length - 1];
  if (last && batch.length === BATCH && last.seq < p.through) {
    // The next batch, on the same lane as this one (the table names it from the storm).
    await enqueueDelivery(deps.outbox, 'storm.work', { ...p, after: last.seq });
  } else if (p.mode === 'reply') {
    await deps.step(storm.id, { type: 'storm.finish' });
  }
  await deps.refresh(storm.id);
}

/** One member: draft → approve → send, each step only if the case is where this storm left it. */
async function answer(cases: StormMemberCases, c: Case, t: Template, drafter: Actor, approvers: Actor[], sender: Actor): Promise<'queued' | 'skipped'> {
  let cur = c;
  const mine = (x: Case) => x.draft?.templateId === t.id && sameActor(x.draft.by, drafter);
  if (cur.status === 'new') {
    const r = await cases.apply(cur.id, { type: 'draft', text: renderTemplate(t.text, cur), templateId: t.id }, drafter);
    if (!r.ok) return 'skipped';
    cur = r.case;
  }
  for (const a of approvers) {
    if (cur.status !== 'drafted' || !mine(cur)) break;
    const r = await cases.apply(cur.id, { type: 'approve' }, a);
    if (!r.ok) break;
    cur = r.case;
  }
  if ((cur.status === 'approved' || cur.status === 'drafted') && mine(cur)) {
    const r = await cases.apply(cur.id, { type: 'send' }, sender);
    if (r.ok) return 'queued';
  }
  return cur.status === 'sending' || cur.status === 'sent' ? 'queued' : 'skipped';
}
