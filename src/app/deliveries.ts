import { SYSTEM } from '../domain/actor.js';
import { sameView, viewTarget, type Case, type CardView } from '../domain/case.js';
import { buildMovedCard } from '../cards/notice-card.js';
import { routeCase } from '../routing/route-case.js';
import type { ChatGateway } from './chat-gateway.js';
import type { Config } from '../config/schema.js';
import { RemoteRefusedError } from '../domain/remote-errors.js';
import type { Outbox } from '../outbox/outbox.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { CaseService } from './case-service.js';
import { maskPersonalData } from '../screening/mask-personal-data.js';
import { caseCard } from './case-card.js';
import type { InsightStore } from './insight-store.js';
import type { PeopleNames } from './people-directory.js';
import { deliveryKinds, enqueueDelivery, type DeliveryHandlers } from './delivery-kinds.js';
import { sendPrivateDraft } from './private-deliveries.js';
import { limitedCall, type CallLimiter } from './delivery-resources.js';

export interface DeliveryDeps {
  config: Config;
  cases: CaseService;
  outbox: Outbox;
  gateways: ReadonlyMap<CardView['platform'], ChatGateway>;
  sources: ReadonlyMap<string, MentionSource>;
  log: Logger;
  /** Cards show SLA time left as of now. */
  clock: Clock;
  /** Log replies instead of posting them. */
  dryRun: boolean;
  /** Rate limits every API call goes through (see delivery-resources.ts); none in unit tests. */
  limits?: CallLimiter | undefined;
  /** Display names for the people a card names by ref (an escalation's leads). */
  names?: Pick<PeopleNames, 'nameOf'> | undefined;
  /** AI assist's summaries and translations, shown on the card once written (absent while assist is off). */
  insights?: Pick<InsightStore, 'forCard'> | undefined;
}

/** The kinds this room delivers: cards, notes and notices in chat, and the public replies. */
export type CaseDeliveryKind = 'card.post' | 'card.update' | 'card.move' | 'thread.note' | 'notice.post' | 'image.post' | 'reply.send';

/** Registers the handlers of the case deliveries on the outbox. */
export function registerDeliveries(deps: DeliveryDeps): void {
  deliveryKinds.register(deps.outbox, caseDeliveries(deps));
}

/** The handlers of the case deliveries, each with its kind's payload as the store gave it back, checked. */
export function caseDeliveries(deps: DeliveryDeps): Pick<DeliveryHandlers, CaseDeliveryKind> {
  const { outbox, cases, gateways, log } = deps;
  const limited = limitedCall(deps.limits);
  const cardOf = caseCard(deps);
  const gateway = (platform: CardView['platform']): ChatGateway => {
    const g = gateways.get(platform);
    if (!g) throw new RemoteRefusedError(`no ${platform} connection is configured`);
    return g;
  };
  const load = async (caseId: string, kind: string): Promise<Case | undefined> => {
    const c = await cases.get(caseId);
    if (!c) log.warn({ caseId, kind }, 'delivery for a case that no longer exists; skipped');
    return c;
  };

  return {
    'card.post': async (p, item) => {
      const c = await load(p.caseId, item.kind);
      if (!c) return;
      const { platform, target } = p;
      const g = gateway(platform);
      const already = c.views.find((v) => v.platform === platform && (v.platform === 'slack' ? v.channel === target : v.conversationId === target || p.resolved === v.conversationId));
      if (already) return;
      // An earlier attempt may have posted and died before recording it: look first.
      const found = item.attempts > 0 ? await limited(`${platform}.read`, () => g.findCard(target, c.id, item.createdAt)) : undefined;
      // The card is made before the call's turn comes: the store read stays outside the limiter.
      const post = async (): Promise<CardView> => {
        const card = await cardOf(c);
        return limited(`${platform}.post:${target}`, () => g.postCard(target, card));
      };
      const view = found ?? (await post());
      const updated = await cases.attachView(c.id, view);
      // The case may have moved while the card was being posted.
      if (updated && updated.version !== c.version) {
        await enqueueDelivery(outbox, 'card.update', { caseId: c.id });
      }
    },

    'card.update': async (p, item) => {
      const c = await load(p.caseId, item.kind);
      if (!c) return;
      const card = await cardOf(c);
      for (const view of c.views) await limited(`${view.platform}.update`, () => gateway(view.platform).updateCard(view, card));
    },

    'card.move': async (p, item) => {
      const c = await load(p.caseId, item.kind);
      if (!c) return;
      // Where the case is now (it may have moved again since this was queued).
      const { group, channels } = routeCase(c.group, deps.config);
      const stays = (v: CardView): boolean => channels.some((ch) => ch.platform === v.platform && ch.target === viewTarget(v));
      const by = p.by ? p.by : undefined;
      const moved = buildMovedCard(c, { to: group.name ?? group.id, by });
      for (const view of c.views.filter((v) => !stays(v))) {
        await limited(`${view.platform}.update`, () => gateway(view.platform).updateCard(view, moved));
        // The old card is retired: later changes refresh only the cards in the new group's channels.
        await cases.detachView(c.id, view);
      }
      for (const ch of channels) {
        await enqueueDelivery(outbox, 'card.post', { caseId: c.id, platform: ch.platform, target: ch.target });
      }
    },

    'thread.note': async (p, item) => {
      const c = await load(p.caseId, item.kind);
      if (!c) return;
      const done = p.done ?? [];
      const at = p.at.replace('T', ' ').slice(0, 16) + ' UTC';
      const note = p.note ? `\n“${p.note}”` : '';
      // A note may quote the post or the author (a follow-up, staff's own words): gated like the card.
      const text = maskPersonalData(`${p.text} · ${at}${note}`, deps.config);
      for (const view of c.views) {
        const id = `${view.platform}:${viewTarget(view)}`;
        if (done.includes(id)) continue;
        const g = gateway(view.platform);
        // Exactly once: after an attempt that may have posted, look for the note's marker first.
        const ref = `${item.id}`;
        const posted = item.attempts > 0 && g.findNote ? await limited(`${view.platform}.read`, () => g.findNote!(view, ref)) : false;
        if (!posted) await limited(`${view.platform}.post:${viewTarget(view)}`, () => g.postNote(view, text, ref));
        done.push(id);
        // Remembered on the stored item (the outbox writes it back on a retry), so a retry
        // after a failure on another surface does not repeat the note here.
        item.payload.done = done;
      }
    },

    'notice.post': async (p) => {
      const g = gateway(p.platform);
      if (!g.postNotice) throw new RemoteRefusedError(`${g.platform} cannot post notices`);
      await limited(`${g.platform}.post:${p.target}`, () => g.postNotice!(p.target, maskPersonalData(p.text, deps.config)));
    },

    'image.post': async (p) => {
      const g = gateway(p.platform);
      if (!g.postImage) throw new RemoteRefusedError(`${g.platform} cannot post images`);
      await g.postImage(p.target, { title: p.title, filename: p.filename, png: Buffer.from(p.png, 'base64') });
    },

    'reply.send': async (p, item) => {
      const c = await load(p.caseId, item.kind);
      if (!c || c.status !== 'sending' || !c.draft) return;
      if (c.draft.channel === 'private') return sendPrivateDraft(deps, c, item.attempts > 0 || p.resumed === true);
      const source = deps.sources.get(c.mention.source);
      if (!source || !source.canReply) {
        await cases.apply(c.id, { type: 'send_failed', error: `replies cannot be posted through ${c.mention.network}` }, SYSTEM);
        return;
      }
      const text = c.draft.text;
      if (deps.dryRun) {
        log.info({ caseId: c.id, network: c.mention.network, inReplyTo: c.mention.id, text }, 'DRY_RUN: reply not posted');
        await cases.apply(c.id, { type: 'sent', reply: { id: `dry-run-${c.id}`, url: c.mention.url, at: new Date(c.updatedAt).toISOString(), text } }, SYSTEM);
        return;
      }
      // Exactly once: an earlier attempt (or, for a resumed delivery, an earlier life) may
      // have reached the network before dying.
      const existing = item.attempts > 0 || p.resumed === true ? await source.findReply(c.mention, text) : undefined;
      let reply = existing;
      if (!reply) {
        try {
          reply = await limited(`${c.mention.network}.reply:${source.name}`, () => source.reply(c.mention, text));
        } catch (e) {
          if (e instanceof RemoteRefusedError) {
            await cases.apply(c.id, { type: 'send_failed', error: e.message }, SYSTEM);
            return;
          }
          throw e;
        }
      }
      const r = await cases.apply(c.id, { type: 'sent', reply }, SYSTEM);
      if (!r.ok) log.error({ caseId: c.id, refusal: r.refusal }, 'reply posted but the case could not record it');
    },
  };
}
