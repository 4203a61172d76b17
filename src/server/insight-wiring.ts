import type { CaseService } from '../app/case-service.js';
import { deliveryKinds } from '../app/delivery-kinds.js';
import type { DraftTranslator } from '../app/draft-translation.js';
import { postToLeads } from '../app/escalations.js';
import { InsightService } from '../app/insight-service.js';
import { InsightStore } from '../app/insight-store.js';
import type { LanguageModel } from '../app/language-model.js';
import { ModelInsights } from '../assist/model-insights.js';
import { TokenBudget } from '../assist/token-budget.js';
import type { Env } from '../config/env.js';
import type { Config } from '../config/schema.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Store } from '../store/store.js';
import { linkHosts } from '../text-links/link-hosts.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { assistModel } from './assist-wiring.js';

export interface InsightWiringDeps {
  config: Config;
  env: Env;
  store: Store;
  cases: CaseService;
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  /** A model to use instead of the configured provider (tests, benchmarks). */
  model?: LanguageModel | undefined;
}

export interface InsightWiring {
  service: InsightService;
  /** Where the card reads the summary and translation. */
  store: InsightStore;
  translator: DraftTranslator;
}

/**
 * AI assist's summaries, briefs and translations, when `assist:` is configured: the model
 * (the same provider and daily budget as suggestions) behind the insight service, whose
 * deliveries run in their own outbox lanes. Off, the deliveries still have handlers: an
 * escalation notice queued before assist was turned off is posted without a brief.
 */
export function wireInsights(deps: InsightWiringDeps): InsightWiring | undefined {
  const { config, env, store, cases, outbox, clock, log } = deps;
  const assist = config.assist;
  if (!assist) {
    deliveryKinds.on(outbox, 'assist.insight', async () => {});
    deliveryKinds.on(outbox, 'assist.lead-notice', async (p) => {
      const c = await cases.get(p.caseId);
      if (c) await postToLeads({ config, outbox }, c, p.lines);
    });
    return undefined;
  }
  const model = assistModel(assist, env, deps.model);
  const insights = new ModelInsights({ config, assist, model, budget: new TokenBudget(store, assist.dailyTokens), clock, log, linkHosts });
  const rules = { teamLanguage: assist.teamLanguage, translate: assist.translate, summaries: assist.summaries };
  const kept = new InsightStore(store, config.retention?.days);
  const service = new InsightService({ config, rules, cases, outbox, insights, store: kept, log });
  service.register();
  return { service, store: kept, translator: { insights, rules } };
}
