import { SYSTEM, type Actor } from '../domain/actor.js';
import { sameActor } from '../domain/actor.js';
import type { Case, CardView } from '../domain/case.js';
import { StormSchema, type Storm, type StormActionId } from '../domain/storm.js';
import { checkRole, type Refusal } from '../cases/policy.js';
import { renderTemplate } from '../cases/templates.js';
import { buildStormCard, type StormFigures } from '../chat/build-storm-card.js';
import type { StormCard } from '../chat/card.js';
import type { ChatGateway } from '../chat/chat-gateway.js';
import type { Config, Template } from '../config/schema.js';
import { RemoteRefusedError } from '../domain/remote-errors.js';
import type { Outbox, OutboxItem } from '../outbox/outbox.js';
import { detectStorm, stormTopic, type StormSettings, type StormState } from '../routing/detect-storm.js';
import type { ChannelBinding } from '../routing/route-case.js';
import { personalDataMask } from '../screening/mask-personal-data.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { CaseService } from './case-service.js';
import { limitedCall, type CallLimiter } from './delivery-resources.js';

/** Outbox kinds of storm mode. */
export const STORM_DELIVERY = { post: 'storm.post', update: 'storm.update', work: 'storm.work' } as const;

const GROUP = (g: string) => `storm:group:${g}`;
const STORM = (id: string) => `storm:${id}`;
const MEMBERS = (id: string) => `storm:${id}:members`;
const REACH = (id: string) => `storm:${id}:reach`;
const STATS = (id: string) => `storm:${id}:stats`;
const JOINS = (id: string) => `storm:${id}:joins`;
const PLACE = (caseId: string) => `case-place:${caseId}`;
const LIVE = 'storms:live';

interface GroupDoc { state?: StormState | undefined; storms: Record<string, string> }
export type Placement = { kind: 'card' } | { kind: 'storm'; stormId: string };

export interface StormServiceDeps {
  store: Store;
  config: Config;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  cases: CaseService;
  gateways: ReadonlyMap<CardView['platform'], ChatGateway>;
  sources: ReadonlyMap<string, MentionSource>;
  limits?: CallLimiter | undefined;
  /** Posts per minute a channel can show (from the rate limits). */
  capacityPerMinute: (platform: CardView['platform']) => number;
  /** Shortest spacing of card refreshes on one surface (the chat.update budget). */
  updateSpacingMs: (platform: CardView['platform']) => number;
}

export type StormResult = { ok: true; storm: Storm; message?: string } | { ok: false; refusal: Refusal };

const refuse = (code: Refusal['code'], message: string, rule?: string): StormResult => ({ ok: false, refusal: { code, message, ...(rule ? { rule } : {}) } });
const viewTarget = (v: CardView): string => (v.platform === 'slack' ? v.channel : v.conversationId);
const bindingKey = (platform: CardView['platform'], target: string): string => `${platform}:${target}`;
/** Has the storm's card been posted for this channel binding? (Older storms recorded only views.) */
const postedFor = (s: Storm, platform: CardView['platform'], target: string): boolean =>
  (s.posted ?? []).includes(bindingKey(platform, target)) || s.views.some((v) => v.platform === platform && viewTarget(v) === target);
/** A template reply to many must differ per author: X refuses identical posts from one account. */
const PERSONAL = /\{\{\s*author\.(name|handle)\s*\}\}/;

/**
 * Storm mode, the app side: places each new case (its own card, or folded into its group's
 * storm), keeps the storm cards up to date on a budget, and carries out the storm actions
 * (one approved template reply to every author, at the pace the network allows).
 * The decisions themselves are made by the pure {@link detectStorm}.
 */
export class StormService {
  constructor(private readonly deps: StormServiceDeps) {}

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
    const { store, config, clock } = this.deps;
    const known = await store.get<Placement>(PLACE(c.id));
    if (known) return known;
    const stormable = this.stormChannels(channels);
    // Only when every channel of the group can show a storm card; otherwise cards as usual.
    if (!config.storm.enabled || stormable.length === 0 || stormable.length !== channels.length) return this.settle(c.id, { kind: 'card' });

    const now = clock.now();
    const s = this.settings(stormable[0]!.platform);
    const ownPriority = config.storm.ownCards.priorities.includes(c.screening.priority);
    const arrival = {
      priority: c.screening.priority === 'urgent' ? 'urgent' as const : ownPriority ? 'high' as const : 'normal' as const,
      followers: c.mention.author.followers,
      sensitive: c.screening.pii.length > 0 || c.screening.secondApprover,
    };
    const topic = this.topicFor(c);
    let placement: Placement = { kind: 'card' };
    let entered = false;
    let left: string[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      const v = await store.getVersioned<GroupDoc>(GROUP(c.group));
      const doc: GroupDoc = v?.value ?? { storms: {} };
      const d = detectStorm(doc.state, arrival, s, now.getTime());
      const next: GroupDoc = { state: d.state, storms: { ...doc.storms } };
      left = d.changed === 'left' ? Object.values(doc.storms) : [];
      if (d.changed === 'left') next.storms = {};
      entered = d.changed === 'entered';
      if (d.placement === 'storm') {
        const key = Object.keys(next.storms).length >= config.storm.maxTopics && !next.storms[topic] ? 'other' : topic;
        const id = next.storms[key] ?? `s${await store.incr('seq:storm')}`;
        next.storms[key] = id;
        placement = { kind: 'storm', stormId: id };
        if (!doc.storms[key]) await this.createStorm(id, c.group, key, now.toISOString());
      } else placement = { kind: 'card' };
      const written = v ? await store.compareAndSet(GROUP(c.group), v.token, next) : await store.insertIfAbsent(GROUP(c.group), next);
      if (written) break;
    }
    if (entered) this.deps.log.warn({ group: c.group }, 'storm mode: mentions arrive faster than the channel can show; folding them into storm cards');
    for (const id of left) await this.calm(id);
    const settled = await this.settle(c.id, placement);
    if (settled.kind === 'storm') await this.join(settled.stormId, c, stormable, ownPriority);
    return settled;
  }

  private topicFor(c: Case): string {
    return stormTopic(c.screening).slice(0, 60);
  }

  private async settle(caseId: string, p: Placement): Promise<Placement> {
    const { store } = this.deps;
    if (await store.insertIfAbsent(PLACE(caseId), p)) return p;
    return (await store.get<Placement>(PLACE(caseId))) ?? p;
  }

  private async createStorm(id: string, group: string, topic: string, at: string): Promise<void> {
    const storm: Storm = { id, version: 0, group, topic, status: 'live', startedAt: at, updatedAt: at, views: [] };
    if (await this.deps.store.insertIfAbsent(STORM(id), storm)) await this.deps.store.setAdd(LIVE, id);
  }

  private async join(stormId: string, c: Case, channels: readonly ChannelBinding[], highPriority: boolean): Promise<void> {
    const { store, outbox } = this.deps;
    // The members set is the truth (count and who to answer); the figures beside it are
    // counted once per case thanks to the join marker.
    if (await store.insertIfAbsent(`${JOINS(stormId)}:${c.id}`, 1)) {
      const seq = await store.incr(`${JOINS(stormId)}:seq`);
      await store.zAdd(MEMBERS(stormId), c.id, seq);
      await store.zAdd(REACH(stormId), c.id, -c.mention.author.followers);
      await store.hIncr(STATS(stormId), c.screening.sentiment ?? 'neutral');
      if (highPriority) await store.hIncr(STATS(stormId), 'foldedHigh');
      await store.set(`${STATS(stormId)}:last`, c.mention.createdAt);
    }
    // The card is posted once per channel; later joins only refresh it.
    const storm = await this.get(stormId);
    for (const ch of channels) {
      if (storm && postedFor(storm, ch.platform, ch.target)) continue;
      await outbox.enqueue(STORM_DELIVERY.post, `storm:${stormId}`, { stormId, platform: ch.platform, target: ch.target }, { coalesce: `storm-post:${stormId}:${ch.platform}:${ch.target}` });
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
    const live = Math.max(1, await this.deps.store.setSize(LIVE));
    // Storm cards together use at most half of the chat.update budget; case cards keep the rest.
    const delayMs = Math.max(this.deps.config.storm.updateEvery, live * this.deps.updateSpacingMs(platform) * 2);
    await this.deps.outbox.enqueue(STORM_DELIVERY.update, `storm:${stormId}`, { stormId, platform }, { coalesce: `storm-update:${stormId}`, delayMs });
  }

  /** Lets groups that went quiet leave storm mode (called on a timer). */
  async tick(): Promise<void> {
    const { store, config, clock } = this.deps;
    for (const g of config.groups) {
      const v = await store.getVersioned<GroupDoc>(GROUP(g.id));
      if (!v?.value.state || v.value.state.mode !== 'storm') continue;
      const d = detectStorm(v.value.state, undefined, this.settings(this.platformOf(g.id)), clock.now().getTime());
      const next: GroupDoc = { state: d.state, storms: d.changed === 'left' ? {} : v.value.storms };
      if (!(await store.compareAndSet(GROUP(g.id), v.token, next))) continue;
      if (d.changed === 'left') {
        this.deps.log.info({ group: g.id }, 'storm mode over: new mentions get their own cards again');
        for (const id of Object.values(v.value.storms)) await this.calm(id);
      }
    }
  }

  /** Is the group in storm mode now? */
  async mode(group: string): Promise<'normal' | 'storm'> {
    return (await this.deps.store.get<GroupDoc>(GROUP(group)))?.state?.mode ?? 'normal';
  }

  private async calm(id: string): Promise<void> {
    await this.modify(id, (s) => (s.status === 'live' ? { ...s, status: 'calm' } : undefined));
    await this.deps.store.setRemove(LIVE, id);
    await this.refresh(id);
  }

  async get(id: string): Promise<Storm | undefined> {
    const raw = await this.deps.store.get<unknown>(STORM(id));
    return raw === undefined ? undefined : StormSchema.parse(raw);
  }

  /** Members so far (the count on the card). */
  count(id: string): Promise<number> {
    return this.deps.store.zCard(MEMBERS(id));
  }

  /** Member case ids with join numbers in (after, through]. */
  async members(id: string, after: number, through: number, limit: number): Promise<Array<{ caseId: string; seq: number }>> {
    const rows = await this.deps.store.zRangeByScore(MEMBERS(id), after + 1, through, limit);
    return rows.map((r) => ({ caseId: r.member, seq: r.score }));
  }

  /**
   * Changes a storm atomically. A change people can see (its state, its reply) takes the
   * next version, so a button or dialog showing the one before is refused as out of date;
   * bookkeeping (`bump: false`: where its card was posted) keeps the version, so a card
   * posted in a second channel does not turn everyone's open dialog stale.
   */
  private async modify(id: string, fn: (s: Storm) => Storm | undefined, { bump = true } = {}): Promise<Storm | undefined> {
    const { store, clock } = this.deps;
    for (let i = 0; i < 30; i++) {
      const v = await store.getVersioned<unknown>(STORM(id));
      if (!v) return undefined;
      const cur = StormSchema.parse(v.value);
      const changed = fn(cur);
      if (!changed) return cur;
      const next = { ...changed, version: bump ? cur.version + 1 : cur.version, updatedAt: clock.now().toISOString() };
      if (await store.compareAndSet(STORM(id), v.token, next)) return next;
    }
    throw new Error(`storm ${id} kept changing; gave up`);
  }

  private template(storm: Storm): Template | undefined {
    const id = storm.reply?.templateId;
    return id ? this.deps.config.templates.find((t) => t.id === id) : undefined;
  }

  /** Templates that may answer a storm in this group: public, for the group, and personal. */
  templatesFor(storm: Storm): Template[] {
    return this.deps.config.templates.filter((t) => !t.private && (!t.groups || t.groups.includes(storm.group)) && PERSONAL.test(t.text));
  }

  /** A reply to many needs an approval unless the group's policy turns approval off entirely. */
  private approvalsNeeded(group: string): number {
    const { policy } = this.deps.config;
    const req = policy.groups[group]?.requireApproval ?? policy.requireApproval;
    return req === false ? 0 : 1;
  }

  /** The storm card as it is now. */
  async card(storm: Storm): Promise<StormCard> {
    const { store, config } = this.deps;
    const [count, stats, top, last] = await Promise.all([
      this.count(storm.id),
      store.hGetAll(STATS(storm.id)),
      store.zRangeByScore(REACH(storm.id), Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 12),
      store.get<string>(`${STATS(storm.id)}:last`),
    ]);
    const cases = (await Promise.all(top.map((t) => this.deps.cases.repo.get(t.member)))).filter((c): c is Case => !!c);
    const authors = new Map<string, StormFigures['topAuthors'][number]>();
    for (const c of cases) {
      const a = c.mention.author;
      if (!authors.has(`${c.mention.network}:${a.id}`)) authors.set(`${c.mention.network}:${a.id}`, { name: a.name, handle: a.handle, followers: a.followers, verified: a.verified });
    }
    const group = config.groups.find((g) => g.id === storm.group);
    const t = this.template(storm);
    const canReply = [...this.deps.sources.values()].some((s) => s.canReply);
    return buildStormCard(storm, {
      count,
      sentiment: { negative: stats.negative ?? 0, neutral: stats.neutral ?? 0, positive: stats.positive ?? 0 },
      foldedHighPriority: stats.foldedHigh ?? 0,
      replied: stats.replied ?? 0,
      queued: stats.queued ?? 0,
      skipped: stats.skipped ?? 0,
      topAuthors: [...authors.values()],
      samples: cases.slice(0, 3).map((c) => ({ author: c.mention.author.name, handle: c.mention.author.handle, followers: c.mention.author.followers, text: c.mention.text })),
      lastAt: last,
    }, {
      groupName: group?.name ?? storm.group,
      template: t ? { name: t.name, text: t.text } : undefined,
      approvalsNeeded: this.approvalsNeeded(storm.group),
      canReply,
      mask: personalDataMask(config),
    });
  }

  /**
   * Applies a storm action from a button (or the draft form). Checks the version the
   * person saw, the policy (agents draft and send, approvers approve, not their own
   * draft unless allowed) and the storm's state.
   */
  async act(stormId: string, action: StormActionId, actor: Actor, expectedVersion: number | undefined, templateId?: string): Promise<StormResult> {
    const { policy } = this.deps.config;
    const current = await this.get(stormId);
    if (!current) return refuse('not_found', `There is no storm ${stormId}.`);
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      await this.refresh(stormId);
      return refuse('stale', 'That storm card was out of date, so nothing was changed. The card now shows the current state.');
    }
    if (current.status === 'closed') return refuse('invalid_transition', 'This storm is closed.');
    const agentDenied = checkRole(policy, current, action === 'storm.send' ? 'send' : 'draft', actor);
    let result: StormResult | undefined;
    const at = this.deps.clock.now().toISOString();
    const updated = await this.modify(stormId, (s) => {
      if (s.version !== current.version) { result = refuse('stale', 'The storm changed meanwhile; look at the card again.'); return undefined; }
      const r = s.reply;
      switch (action) {
        case 'storm.draft': {
          if (agentDenied) { result = { ok: false, refusal: agentDenied }; return undefined; }
          if (r && r.status !== 'queued') { result = refuse('invalid_transition', 'A reply for this storm is already waiting; approve or discard it first.'); return undefined; }
          const t = this.templatesFor(s).find((x) => x.id === templateId);
          if (!t) { result = refuse('invalid_input', 'Pick one of the offered templates: a reply to many must be public, fit the group and name the author ({{author.name}} or {{author.handle}}), because X refuses identical posts.', 'templates'); return undefined; }
          return { ...s, reply: { templateId: t.id, by: actor, at, approvals: [], status: 'drafted', through: r?.through ?? 0 } };
        }
        case 'storm.approve': {
          if (!r || r.status !== 'drafted') { result = refuse('invalid_transition', 'There is no storm reply waiting for approval.'); return undefined; }
          const denied = checkRole(policy, s, 'approve', actor);
          if (denied) { result = { ok: false, refusal: denied }; return undefined; }
          if (!policy.allowSelfApproval && sameActor(r.by, actor)) { result = refuse('not_allowed', 'You chose this reply, and policy.allowSelfApproval is off: another approver must approve it.', 'policy.allowSelfApproval'); return undefined; }
          return { ...s, reply: { ...r, approvals: [...r.approvals, actor], status: 'approved' } };
        }
        case 'storm.discard': {
          if (agentDenied) { result = { ok: false, refusal: agentDenied }; return undefined; }
          if (!r || (r.status !== 'drafted' && r.status !== 'approved')) { result = refuse('invalid_transition', 'There is no storm reply to discard.'); return undefined; }
          if (r.through === 0) { const { reply: _dropped, ...rest } = s; return rest; }
          return { ...s, reply: { ...r, status: 'queued', approvals: [] } };
        }
        case 'storm.send': {
          if (agentDenied) { result = { ok: false, refusal: agentDenied }; return undefined; }
          const ready = r && (r.status === 'approved' || (r.status === 'drafted' && this.approvalsNeeded(s.group) === 0));
          if (!ready) { result = refuse('invalid_transition', 'Only an approved storm reply can be sent.', 'policy.requireApproval'); return undefined; }
          return { ...s, reply: { ...r, status: 'sending', sender: actor } };
        }
        case 'storm.close':
          if (agentDenied) { result = { ok: false, refusal: agentDenied }; return undefined; }
          return { ...s, status: 'closed', endedAt: at };
      }
    });
    if (result) return result;
    if (!updated) return refuse('not_found', `There is no storm ${stormId}.`);
    if (action === 'storm.send') {
      const through = await this.maxSeq(stormId);
      const sending = await this.modify(stormId, (s) => (s.reply ? { ...s, reply: { ...s.reply, through: Math.max(s.reply.through, through) } } : undefined));
      await this.deps.outbox.enqueue(STORM_DELIVERY.work, `storm-work:${stormId}`, { stormId, mode: 'reply', after: current.reply?.through ?? 0, through });
      await this.refresh(stormId);
      return { ok: true, storm: sending ?? updated, message: `Replying to ${through - (current.reply?.through ?? 0)} authors, at the pace the network allows.` };
    }
    if (action === 'storm.close') {
      await this.deps.store.setRemove(LIVE, stormId);
      await this.deps.outbox.enqueue(STORM_DELIVERY.work, `storm-work:${stormId}`, { stormId, mode: 'close', after: 0, through: await this.maxSeq(stormId), by: actor });
    }
    await this.refresh(stormId);
    return { ok: true, storm: updated };
  }

  /** The highest join number so far: the members a send now covers. */
  private async maxSeq(id: string): Promise<number> {
    const n = await this.deps.store.zCard(MEMBERS(id));
    // Join numbers are 1..n unless a crash left a gap; then the highest is above n.
    const above = await this.deps.store.zRangeByScore(MEMBERS(id), n, Number.POSITIVE_INFINITY, 1000);
    return above.reduce((max, m) => Math.max(max, m.score), n);
  }

  /** Counts a storm member's reply once it is posted (a case listener). */
  async onCaseChange(prev: Case | undefined, next: Case): Promise<void> {
    if (prev?.status !== 'sending' || next.status !== 'sent') return;
    const p = await this.deps.store.get<Placement>(PLACE(next.id));
    if (p?.kind !== 'storm') return;
    await this.deps.store.hIncr(STATS(p.stormId), 'replied');
    await this.refresh(p.stormId);
  }

  /** Registers the storm deliveries on the outbox. */
  registerDeliveries(): void {
    const { outbox, gateways, log } = this.deps;
    const limited = limitedCall(this.deps.limits);
    const gateway = (platform: CardView['platform']) => {
      const g = gateways.get(platform);
      if (!g?.postStormCard || !g.updateStormCard) throw new RemoteRefusedError(`${platform} cannot show storm cards`);
      return g;
    };
    outbox.on(STORM_DELIVERY.post, async (item) => {
      const storm = await this.get(String(item.payload.stormId));
      if (!storm) return;
      const platform = item.payload.platform as CardView['platform'];
      const target = String(item.payload.target);
      if (postedFor(storm, platform, target)) return;
      const g = gateway(platform);
      const found = item.attempts > 0 && g.findStormCard ? await limited(`${platform}.read`, () => g.findStormCard!(target, storm.id, item.createdAt)) : undefined;
      const view = found ?? (await limited(`${platform}.post:${target}`, async () => g.postStormCard!(target, await this.card(storm))));
      const key = bindingKey(platform, target);
      await this.modify(storm.id, (s) => {
        const known = s.views.some((v) => v.platform === view.platform && viewTarget(v) === viewTarget(view));
        if (known && s.posted?.includes(key)) return undefined;
        return { ...s, views: known ? s.views : [...s.views, view], posted: [...(s.posted ?? []).filter((k) => k !== key), key] };
      }, { bump: false });
      await this.refresh(storm.id, platform);
    });
    outbox.on(STORM_DELIVERY.update, async (item) => {
      const storm = await this.get(String(item.payload.stormId));
      if (!storm) return;
      for (const view of storm.views) {
        const g = gateway(view.platform);
        // The card is built inside the limiter slot, so it shows the latest count.
        await limited(`${view.platform}.update`, async () => g.updateStormCard!(view, await this.card((await this.get(storm.id)) ?? storm)));
      }
    });
    outbox.on(STORM_DELIVERY.work, (item) => this.work(item));
    log.debug('storm deliveries registered');
  }

  /**
   * Works through a batch of members (25 per outbox item, so progress survives a crash):
   * answers each unclaimed case with the template, or closes it. Each case goes through the
   * workflow as the people who acted on the storm (drafted by the one who chose the
   * template, approved by the approver, sent by the sender), so the policy and the audit
   * trail are the same as for a single case; its reply then waits for the network's window.
   */
  private async work(item: OutboxItem): Promise<void> {
    const { cases, store } = this.deps;
    const p = item.payload as { stormId: string; mode: 'reply' | 'close'; after: number; through: number; by?: Actor };
    const storm = await this.get(p.stormId);
    if (!storm) return;
    const batch = await this.members(storm.id, p.after, p.through, 25);
    const t = this.template(storm);
    const r = storm.reply;
    for (const { caseId } of batch) {
      const c = await cases.repo.get(caseId);
      if (!c) continue;
      if (p.mode === 'close') {
        if (c.status === 'new') await cases.apply(c.id, { type: 'close', note: 'closed with its storm' }, p.by ?? SYSTEM);
        continue;
      }
      if (!t || !r?.sender) return;
      const outcome = await this.answer(c, t, r.by, r.approvals, r.sender);
      await store.hIncr(STATS(storm.id), outcome);
    }
    const last = batch[batch.length - 1];
    if (last && batch.length === 25 && last.seq < p.through) {
      await this.deps.outbox.enqueue(STORM_DELIVERY.work, item.key, { ...p, after: last.seq });
    } else if (p.mode === 'reply') {
      await this.modify(storm.id, (s) => (s.reply?.status === 'sending' ? { ...s, reply: { ...s.reply, status: 'queued' } } : undefined));
    }
    await this.refresh(storm.id);
  }

  /** One member: draft → approve → send, each step only if the case is where this storm left it. */
  private async answer(c: Case, t: Template, drafter: Actor, approvers: Actor[], sender: Actor): Promise<'queued' | 'skipped'> {
    const { cases } = this.deps;
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
}
