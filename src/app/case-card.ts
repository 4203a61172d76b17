import type { Case } from '../domain/case.js';
import type { Card } from '../cards/card.js';
import { cardFor, type CardForDeps } from '../cards/card-for.js';
import type { CaseService } from './case-service.js';
import type { InsightStore } from './insight-store.js';
import type { PeopleNames } from './people-directory.js';
import type { Clock } from '../util/clock.js';
import { actorOfRef } from '../routing/assign-agent.js';

/** A case's card as it is now; what a chat surface is handed when it answers a click with the card. */
export type CardOfCase = (c: Case) => Promise<Card>;

/**
 * The card for a case now: the SLA clocks at the server's clock and the author's earlier
 * cases. The outbox renders every view with it, and the server hands the same function to
 * the surfaces that answer a click with the card (Teams), so the two never disagree and
 * the adapters need neither the configuration nor the sources.
 */
export function caseCard(deps: CardForDeps & { cases: CaseService; clock: Clock; names?: Pick<PeopleNames, 'nameOf'> | undefined; insights?: Pick<InsightStore, 'forCard'> | undefined }): CardOfCase {
  return async (c) => cardFor(c, deps, {
    now: deps.clock.now(), earlierCases: await deps.cases.earlierCases(c), names: await leadNames(c, deps.names),
    // AI assist's summary and translation, once written (off the card's path: the card never waits for them).
    ai: await deps.insights?.forCard(c),
  });
}

/** The display names of an escalation's leads (a name lookup that fails leaves the id). */
async function leadNames(c: Case, names: Pick<PeopleNames, 'nameOf'> | undefined): Promise<Record<string, string> | undefined> {
  if (!c.escalation || !names) return undefined;
  const out: Record<string, string> = {};
  for (const ref of c.escalation.leads) {
    const actor = actorOfRef(ref);
    const name = actor ? await names.nameOf(actor).catch(() => undefined) : undefined;
    if (name) out[ref] = name;
  }
  return out;
}
