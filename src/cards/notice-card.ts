import type { Case } from '../domain/case.js';
import type { Card } from './card.js';
import { NETWORK_LABEL, ours } from './card-labels.js';

/**
 * What a case's card becomes in a channel it left (moved to another group): where it
 * went and who moved it, without buttons and with nothing of the author (this card is no
 * longer the case's, so retention and erasure would not reach it).
 */
export function buildMovedCard(c: Case, move: { to: string; by?: string | undefined }): Card {
  const label = `Moved to ${move.to}`;
  return {
    ...noticeCard(c.id, `This case was moved to ${move.to}${move.by ? ` by ${move.by}` : ''}; it is worked from its card in that group's channel.`, { code: c.status, label }),
    version: c.version,
    title: `Case ${c.id} · ${NETWORK_LABEL[c.mention.network]}`,
    network: c.mention.network,
    facts: [{ label: 'Status', value: label }],
  };
}

/** A card that only says something about a case (moved, removed): no author, no buttons. */
export function noticeCard(caseId: string, text: string, status: Card['status']): Card {
  return {
    caseId,
    version: 0,
    summary: `Case ${caseId} · ${status.label}`,
    title: `Case ${caseId} · ${status.label.toLowerCase()}`,
    network: 'demo',
    text: ours(text),
    status,
    badges: [],
    facts: [],
    notes: [],
    links: [],
    actions: [],
  };
}
