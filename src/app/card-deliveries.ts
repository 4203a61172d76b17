import { viewTarget, type CardView } from '../domain/case.js';
import { buildMovedCard } from '../cards/notice-card.js';
import { routeCase } from '../routing/route-case.js';
import type { DeliveryContext } from './delivery-context.js';
import { enqueueDelivery, type DeliveryHandlers } from './delivery-kinds.js';

/** The kinds that put a case's card in chat, keep it current, and move it with the case. */
export type CardDeliveryKind = 'card.post' | 'card.update' | 'card.move';

/** The handlers of the card deliveries (kinds and payloads: delivery-kinds.ts). */
export function cardDeliveries(ctx: DeliveryContext): Pick<DeliveryHandlers, CardDeliveryKind> {
  const { deps, limited, cardOf, gateway, load } = ctx;
  const { outbox, cases } = deps;

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
  };
}
