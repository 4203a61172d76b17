import { SYSTEM, type Actor } from '../domain/actor.js';
import type { Case, CardView } from '../domain/case.js';
import type { Storm, StormActionId } from '../domain/storm.js';
import type { Refusal } from '../cases/policy.js';
import { applyStormAction, checkStormClick, postedFor, stormApprovalsNeeded, stormTemplates, type StormAction, type StormContext } from '../cases/storm-workflow.js';
import { buildStormCard } from '../cards/build-storm-card.js';
import type { StormCard } from '../cards/card.js';
import type { ChatGateway } from './chat-gateway.js';
import type { Config, Template } from '../config/schema.js';
import type { Outbox } from '../outbox/outbox.js';
import { detectStorm, stormTopic, type StormSettings } from '../routing/detect-storm.js';
import type { ChannelBinding } from '../routing/route-case.js';
import { personalDataMask } from '../screening/mask-personal-data.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { enqueueDelivery } from './delivery-kinds.js';
import type { CallLimiter } from './delivery-resources.js';
import { queueStormWork, registerStormDeliveries, type StormMemberCases } from './storm-deliveries.js';
import { stormFigures } from './storm-figures.js';
import { StormRepository, type GroupDoc, type Placement } from './storm-repository.js';

export interface StormServiceDeps {
  store: Store;
  config: Config;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  /** Member cases: read for the card, and answered or closed by the batches of a send or a close. */
  cases: StormMemberCases;
  gateways: ReadonlyMap<CardView['platform'], ChatGateway>;
  sources: ReadonlyMap<string, MentionSource>;
  limits?: CallLimiter | undefined;
  /** Posts per minute a channel can show (from the rate limits). */
  capacityPerMinute: (platform: CardView['platform']) => number;
  /** Shortest spacing of card refreshes on one surface (the chat.update budget). */
  updateSpacingMs: (platform: CardView['platform']) => number;
}

export type StormResult = { ok: true; storm: Storm; message?: string } | { ok: false; refusal: Refusal };

const refuse = (code: Refusal['code'], message: string): StormResult => ({ ok: false, refusal: { code, message } });

/**
 * Storm mode, the app side: places each new case (its own card, or folded into its group's
 * storm), keeps the storm cards up to date on a budget, and carries out the storm actions
 * (one approved template reply to every author, at the pace the network allows).
 * The decisions themselves are made by the pure {@link detectStorm} and
 * {@link applyStormAction}; the deliveries live in storm-deliveries.
 */
export class StormService {
  private readonly repo: StormRepository;

  constructor(private readonly deps: StormServiceDeps) {
    this.repo = new StormRepository(deps.store, deps.clock);
  }

  private settings(platform: CardView['platform']): StormSettings {
    const s = this.deps.config.storm;
    return {
      capacityPerMinute: this.deps.capacityPerMinute(platform),
      enterRatio: s.enterRatio,
      exitRatio: s.exitRatio,
      windowMs: s.window,
      calmMs: s.calm,
      ownCardsPerMinute: s.ownCards.perMinute,
      ownCardBurst: Math.max(1, Math.ceil(s.ownCards.perMinute / 4)),
      reachFollowers: s.ownCards.minFollowers,
    };
  }

  /** Channels of a group that can show a storm card. */
  private stormChannels(channels: readonly ChannelBinding[]): ChannelBinding[] {
    return channels.filter((ch) => !!this.deps.gateways.get(ch.platform)?.postStormCard);
  }

  /**
   * Decides, once per case, where it shows. Idempotent: a case placed before a crash is
   * placed the same way when processed again.
   */
  async place(c: Case, channels: readonly ChannelBinding[]): Promise<Placement> {
    const { repo } = this;
    const { config, clock } = this.deps;
    const known = await repo.placement(c.id);
    if (known) return known;
    const stormable = this.stormChannels(channels);
    // Only when every channel of the group can show a storm card; otherwise cards as usual.
    if (!config.storm.enabled || stormable.length === 0 || stormable.length !== channels.length) return repo.settle(c.id, { kind: 'card' });

    const now = clock.now();
    const s = this.settings(stormable[0]!.platform);
    const ownPriority = config.storm.ownCards.priorities.includes(c.screening.priority);
    const arrival = {
      priority: c.screening.priority === 'urgent' ? 'urgent' as const : ownPriority ? 'high' as const : 'normal' as const,
      followers: c.mention.author.followers,
      sensitive: c.screening.pii.length > 0 || c.screening.secondApprover,
    };
    const topic = stormTopic(c.screening).slice(0, 60);
    let placement: Placement = { kind: 'card' };
    let entered = false;
    let left: string[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      const v = await repo.groupDoc(c.group);
      const doc: GroupDoc = v?.value ?? { storms: {} };
      const d = detectStorm(doc.state, arrival, s, now.getTime());
      const next: GroupDoc = { state: d.state, storms: { ...doc.storms } };
      left = d.changed === 'left' ? Object.values(doc.storms) : [];
      if (d.changed === 'left') next.storms = {};
      entered = d.changed === 'entered';
      if (d.placement === 'storm') {
        const key = Object.keys(next.storms).length >= config.storm.maxTopics && !next.storms[topic] ? 'other' : topic;
        const id = next.storms[key] ?? await repo.nextId();
        next.storms[key] = id;
        placement = { kind: 'storm', stormId: id };
        if (!doc.storms[key]) await repo.create(id, c.group, key, now.toISOString());
      } else placement = { kind: 'card' };
      if (await repo.writeGroup(c.group, v, next)) break;
    }
    if (entered) this.deps.log.warn({ group: c.group }, 'storm mode: mentions arrive faster than the channel can show; folding them into storm cards');
    for (const id of left) await this.calm(id);
    const settled = await repo.settle(c.id, placement);
    if (settled.kind === 'storm') await this.join(settled.stormId, c, stormable, ownPriority);
    return settled;
  }

  private async join(stormId: string, c: Case, channels: readonly ChannelBinding[], highPriority: boolean): Promise<void> {
    await this.repo.join(stormId, c, highPriority);
    // The card is posted once per channel; later joins only refresh it.
    const storm = await this.get(stormId);
    for (const ch of channels) {
      if (storm && postedFor(storm, ch.platform, ch.target)) continue;
      await enqueueDelivery(this.deps.outbox, 'storm.post', { stormId, platform: ch.platform, target: ch.target });
    }
    await this.refresh(stormId, channels[0]?.platform ?? 'slack');
  }

  /** The surface whose budgets pace a group's storm cards: its first channel, as in {@link place}. */
  private platformOf(group: string | undefined): CardView['platform'] {
    const g = this.deps.config.groups.find((x) => x.id === group);
    return g && !g.slack && g.teams ? 'teams' : 'slack';
  }

  /** Asks for a refresh of the storm card, no sooner than the update budget allows. */
  async refresh(stormId: string, platform?: CardView['platform']): Promise<void> {
    if (!platform) platform = this.platformOf((await this.get(stormId))?.group);
    const live = Math.max(1, await this.repo.liveCount());
    // Storm cards together use at most half of the chat.update budget; case cards keep the rest.
    const delayMs = Math.max(this.deps.config.storm.updateEvery, live * this.deps.updateSpacingMs(platform) * 2);
    await enqueueDelivery(this.deps.outbox, 'storm.update', { stormId, platform }, { delayMs });
  }

  /** Lets groups that went quiet leave storm mode (called on a timer). */
  async tick(): Promise<void> {
    const { config, clock } = this.deps;
    for (const g of config.groups) {
      const v = await this.repo.groupDoc(g.id);
      if (!v?.value.state || v.value.state.mode !== 'storm') continue;
      const d = detectStorm(v.value.state, undefined, this.settings(this.platformOf(g.id)), clock.now().getTime());
      const next: GroupDoc = { state: d.state, storms: d.changed === 'left' ? {} : v.value.storms };
      if (!(await this.repo.writeGroup(g.id, v, next))) continue;
      if (d.changed === 'left') {
        this.deps.log.info({ group: g.id }, 'storm mode over: new mentions get their own cards again');
        for (const id of Object.values(v.value.storms)) await this.calm(id);
      }
    }
  }

  /** Is the group in storm mode now? */
  async mode(group: string): Promise<'normal' | 'storm'> {
    return (await this.repo.readGroup(group))?.state?.mode ?? 'normal';
  }

  private async calm(id: string): Promise<void> {
    await this.step(id, { type: 'storm.calm' });
    await this.repo.leaveLive(id);
    await this.refresh(id);
  }

  get(id: string): Promise<Storm | undefined> {
    return this.repo.get(id);
  }

  /** Members so far (the count on the card). */
  count(id: string): Promise<number> {
    return this.repo.count(id);
  }

  /** Member case ids with join numbers in (after, through]. */
  members(id: string, after: number, through: number, limit: number): Promise<Array<{ caseId: string; seq: number }>> {
    return this.repo.members(id, after, through, limit);
  }

  private context(now: string, expectedVersion?: number): StormContext {
    return { policy: this.deps.config.policy, templates: this.deps.config.templates, now, expectedVersion };
  }

  /** Takes a system step of the storm workflow; a storm the step does not apply to is left as it is. */
  private step(id: string, action: StormAction): Promise<Storm | undefined> {
    return this.repo.modify(id, (s) => {
      const r = applyStormAction(s, action, SYSTEM, this.context(this.deps.clock.now().toISOString()));
      return r.ok ? r.storm : undefined;
    });
  }

  private template(storm: Storm): Template | undefined {
    const id = storm.reply?.templateId;
    return id ? this.deps.config.templates.find((t) => t.id === id) : undefined;
  }

  /** Templates that may answer a storm in this group: public, for the group, and personal. */
  templatesFor(storm: Storm): Template[] {
    return stormTemplates(this.deps.config.templates, storm.group);
  }

  /** The storm card as it is now. */
  async card(storm: Storm): Promise<StormCard> {
    const { config } = this.deps;
    const t = this.template(storm);
    return buildStormCard(storm, await stormFigures(this.repo, this.deps.cases, storm.id), {
      groupName: config.groups.find((g) => g.id === storm.group)?.name ?? storm.group,
      template: t ? { name: t.name, text: t.text } : undefined,
      approvalsNeeded: stormApprovalsNeeded(config.policy, storm.group),
      canReply: [...this.deps.sources.values()].some((s) => s.canReply),
      mask: personalDataMask(config),
    });
  }

  /**
   * Applies a storm action from a button (or the draft form): the pure
   * {@link applyStormAction} decides, this writes the result by compare-and-set and queues
   * what follows (the batches of a send or a close, the card refresh).
   */
  async act(stormId: string, action: StormActionId, actor: Actor, expectedVersion: number | undefined, templateId?: string): Promise<StormResult> {
    const current = await this.get(stormId);
    if (!current) return refuse('not_found', `There is no storm ${stormId}.`);
    const click = checkStormClick(current, expectedVersion);
    if (click) {
      if (click.code === 'stale') await this.refresh(stormId);
      return { ok: false, refusal: click };
    }
    const ctx = this.context(this.deps.clock.now().toISOString(), expectedVersion);
    const command: StormAction = action === 'storm.draft' ? { type: action, templateId } : { type: action };
    let result: StormResult | undefined;
    let then: 'answer' | 'close' | undefined;
    const updated = await this.repo.modify(stormId, (s) => {
      // The storm moved on between the click's check and this write (another click, a batch finishing).
      if (s.version !== current.version) { result = refuse('stale', 'The storm changed meanwhile; look at the card again.'); return undefined; }
      const r = applyStormAction(s, command, actor, ctx);
      if (!r.ok) { result = r; return undefined; }
      then = r.then;
      return r.storm;
    });
    if (result) return result;
    if (!updated) return refuse('not_found', `There is no storm ${stormId}.`);
    if (then === 'answer') return this.startSend(stormId, current, updated);
    if (then === 'close') {
      await this.repo.leaveLive(stormId);
      await queueStormWork(this.deps.outbox, { stormId, mode: 'close', after: 0, through: await this.repo.maxSeq(stormId), by: actor });
    }
    await this.refresh(stormId);
    return { ok: true, storm: updated };
  }

  /** A send covers every member so far: fixes how far, and queues the first batch. */
  private async startSend(stormId: string, before: Storm, updated: Storm): Promise<StormResult> {
    const through = await this.repo.maxSeq(stormId);
    const after = before.reply?.through ?? 0;
    const sending = await this.step(stormId, { type: 'storm.cover', through });
    await queueStormWork(this.deps.outbox, { stormId, mode: 'reply', after, through });
    await this.refresh(stormId);
    return { ok: true, storm: sending ?? updated, message: `Replying to ${through - after} authors, at the pace the network allows.` };
  }

  /** Counts a storm member's reply once it is posted (a case listener). */
  async onCaseChange(prev: Case | undefined, next: Case): Promise<void> {
    if (prev?.status !== 'sending' || next.status !== 'sent') return;
    const p = await this.repo.placement(next.id);
    if (p?.kind !== 'storm') return;
    await this.repo.countOutcome(p.stormId, 'replied');
    await this.refresh(p.stormId);
  }

  /** Registers the storm deliveries on the outbox. */
  registerDeliveries(): void {
    const { outbox, gateways, log, limits, cases } = this.deps;
    registerStormDeliveries({
      outbox, gateways, log, limits, cases, repo: this.repo,
      template: (s) => this.template(s),
      card: (s) => this.card(s),
      refresh: (id, platform) => this.refresh(id, platform),
      step: (id, action) => this.step(id, action),
    });
  }
}
