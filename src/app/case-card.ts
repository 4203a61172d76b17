import type { Case } from '../domain/case.js';
import type { Card } from '../cards/card.js';
import { cardFor, type CardForDeps } from '../cards/card-for.js';
import type { CaseService } from './case-service.js';

/** A case's card as it is now; what a chat surface is handed when it answers a click with the card. */
export type CardOfCase = (c: Case) => Promise<Card>;

/**
 * The card for a case now: the SLA clocks at the service's clock and the author's earlier
 * cases. The outbox renders every view with it, and the server hands the same function to
 * the surfaces that answer a click with the card (Teams), so the two never disagree and
 * the adapters need neither the configuration nor the sources.
 */
export function caseCard(deps: CardForDeps & { cases: CaseService }): CardOfCase {
  return async (c) => cardFor(c, deps, { now: deps.cases.now(), earlierCases: await deps.cases.repo.earlierCases(c) });
}
