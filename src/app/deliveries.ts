import { cardDeliveries, type CardDeliveryKind } from './card-deliveries.js';
import { deliveryContext, type DeliveryDeps } from './delivery-context.js';
import { deliveryKinds, type DeliveryHandlers } from './delivery-kinds.js';
import { noteDeliveries, type NoteDeliveryKind } from './note-deliveries.js';
import { replyDelivery } from './reply-delivery.js';

export type { DeliveryDeps } from './delivery-context.js';

/** The kinds this room delivers: cards, notes and notices in chat, and the public replies. */
export type CaseDeliveryKind = CardDeliveryKind | NoteDeliveryKind | 'reply.send';

/** Registers the handlers of the case deliveries on the outbox. */
export function registerDeliveries(deps: DeliveryDeps): void {
  deliveryKinds.register(deps.outbox, caseDeliveries(deps));
}

/**
 * The handlers of the case deliveries, each with its kind's payload as the store gave it
 * back, checked: the cards (card-deliveries.ts), the notes, notices and images
 * (note-deliveries.ts) and the public reply (reply-delivery.ts), over one shared context.
 */
export function caseDeliveries(deps: DeliveryDeps): Pick<DeliveryHandlers, CaseDeliveryKind> {
  const ctx = deliveryContext(deps);
  return { ...cardDeliveries(ctx), ...noteDeliveries(ctx), ...replyDelivery(ctx) };
}
