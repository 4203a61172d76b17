import type { Case, CardView } from '../domain/case.js';
import type { Config } from '../config/schema.js';
import { RemoteRefusedError } from '../domain/remote-errors.js';
import type { Outbox } from '../outbox/outbox.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { CaseService } from './case-service.js';
import { caseCard, type CardOfCase } from './case-card.js';
import type { ChatGateway } from './chat-gateway.js';
import type { InsightStore } from './insight-store.js';
import type { PeopleNames } from './people-directory.js';
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

/** What the handlers of the case deliveries share: the services, and the helpers built on them once. */
export interface DeliveryContext {
  deps: DeliveryDeps;
  /** Runs an API call in its turn on the named rate-limited resource. */
  limited: ReturnType<typeof limitedCall>;
  /** The card of a case as it is now. */
  cardOf: CardOfCase;
  /** The chat connection of a platform; a refusal (never retried) when none is configured. */
  gateway(platform: CardView['platform']): ChatGateway;
  /** The case a delivery is about; undefined (logged) when it no longer exists. */
  load(caseId: string, kind: string): Promise<Case | undefined>;
}

export function deliveryContext(deps: DeliveryDeps): DeliveryContext {
  const { cases, gateways, log } = deps;
  return {
    deps,
    limited: limitedCall(deps.limits),
    cardOf: caseCard(deps),
    gateway: (platform) => {
      const g = gateways.get(platform);
      if (!g) throw new RemoteRefusedError(`no ${platform} connection is configured`);
      return g;
    },
    load: async (caseId, kind) => {
      const c = await cases.get(caseId);
      if (!c) log.warn({ caseId, kind }, 'delivery for a case that no longer exists; skipped');
      return c;
    },
  };
}
