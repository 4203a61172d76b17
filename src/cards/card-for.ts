import type { Case } from '../domain/case.js';
import { approvalsNeeded, claimTimeoutMs } from '../cases/policy.js';
import { slaStatus } from '../cases/sla.js';
import type { Config } from '../config/schema.js';
import { personalDataMask } from '../screening/mask-personal-data.js';
import { describePii, findPii } from '../screening/find-pii.js';
import { buildCard, type CardOptions } from './build-card.js';
import type { Card } from './card.js';

/**
 * What the card needs to know of the configuration and the sources. Only whether a
 * source can reply is read, so any map of sources fits (this room knows no adapter).
 */
export interface CardForDeps {
  config: Config;
  sources: ReadonlyMap<string, { readonly canReply: boolean }>;
}

/** What a card shows beyond the case itself: the SLA clocks at `now`, the author's earlier cases. */
export interface CardContext {
  now?: Date | undefined;
  earlierCases?: CardOptions['earlierCases'];
  /** Display names of the people the case names by ref (an escalation's leads). */
  names?: CardOptions['names'];
  /** What AI assist wrote about the case (summary, translation), shown labelled as AI-written. */
  ai?: Card['ai'];
}

/** The card for a case, as every surface shows it. Pure: `now` is given, never read. */
export function cardFor(c: Case, deps: CardForDeps, context: CardContext = {}): Card {
  const card = buildCard(c, {
    ...cardOptions(c, deps),
    ...(context.now ? { sla: slaStatus(c, deps.config.sla, context.now.toISOString()) } : {}),
    ...(context.earlierCases ? { earlierCases: context.earlierCases } : {}),
    ...(context.names ? { names: context.names } : {}),
  });
  return context.ai ? { ...card, ai: context.ai } : card;
}

/** The card options that follow from the configuration and the case's network. */
function cardOptions(c: Case, deps: CardForDeps): CardOptions {
  const source = deps.sources.get(c.mention.source);
  const canReply = source ? source.canReply : true;
  return {
    approvalsNeeded: approvalsNeeded(deps.config.policy, c),
    mask: personalDataMask(deps.config),
    canReply,
    // Personal data in a public post, or a network we cannot answer on: offer the
    // private-channel playbook (when a private template exists).
    canRedirect: deps.config.templates.some((t) => t.private) && (c.screening.pii.length > 0 || !canReply),
    templateName: (id) => deps.config.templates.find((t) => t.id === id)?.name,
    claimTimeoutMs: claimTimeoutMs(deps.config.policy, c.group),
    draftWarning: privateDraftWarning(c, deps.config),
    canMove: deps.config.groups.length > 1,
  };
}

/** A warning for a private draft that holds personal data (the default policy lets it through to the author). */
function privateDraftWarning(c: Case, config: Config): string | undefined {
  if (c.draft?.channel !== 'private') return undefined;
  const pii = findPii(c.draft.text, config);
  return pii.length > 0 ? `This private message contains personal data (${describePii(pii)}); it goes to @${c.mention.author.handle} alone. Check that it should.` : undefined;
}
