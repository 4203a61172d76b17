import type { CaseService } from '../app/case-service.js';
import type { DraftAssistant } from '../app/draft-assistant.js';
import type { LanguageModel } from '../app/language-model.js';
import type { MentionScreener } from '../app/mention-screener.js';
import { aiSdkModel } from '../assist/ai-sdk-model.js';
import { AssistIndex } from '../assist/assist-index.js';
import { loadKnowledgeBase } from '../assist/knowledge-base.js';
import { ModelDraftAssistant } from '../assist/model-draft-assistant.js';
import { BudgetedMentionScreener } from '../assist/model-screening.js';
import { justSent, PastReplies } from '../assist/past-replies.js';
import { TokenBudget } from '../assist/token-budget.js';
import type { Env } from '../config/env.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/store.js';
import { linkHosts } from '../text-links/link-hosts.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

type AssistConfig = NonNullable<Config['assist']>;

/** The model's key, from the environment variable `assist.keyEnv` names (`ASSIST_API_KEY` by default). */
function assistKey(assist: AssistConfig, env: Env): string | undefined {
  return assist.keyEnv === 'ASSIST_API_KEY' ? env.ASSIST_API_KEY : process.env[assist.keyEnv]?.trim() || undefined;
}

/** The model every AI assist feature asks: the one handed in (tests, benchmarks), or the configured provider with its key. */
export function assistModel(assist: AssistConfig, env: Env, given?: LanguageModel): LanguageModel {
  return given ?? aiSdkModel(assist, assistKey(assist, env));
}

export interface AssistWiringDeps {
  config: Config;
  env: Env;
  store: Store;
  cases: CaseService;
  clock: Clock;
  log: Logger;
  /** Where `assist.knowledge` patterns are read from (the working directory by default). */
  baseDir?: string | undefined;
  /** A model to use instead of the configured provider (benchmarks). */
  model?: LanguageModel | undefined;
}

/**
 * AI assist, when `assist:` is configured: the model adapter with the key from the
 * environment, the retrieval index (the knowledge base, the past replies in the store, and
 * every reply sent from now on) and the daily budget. Unconfigured, nothing is built and
 * nothing is ever sent to a model.
 */
export async function wireAssist(deps: AssistWiringDeps): Promise<DraftAssistant | undefined> {
  const { config, env, store, cases, clock, log } = deps;
  const assist = config.assist;
  if (!assist) return undefined;
  if (!deps.model && !assistKey(assist, env) && assist.provider !== 'openai-compatible') log.warn({ keyEnv: assist.keyEnv }, `AI assist: ${assist.keyEnv} is not set, so ${assist.provider} will refuse every request; suggestions fall back to templates`);
  const model = assistModel(assist, env, deps.model);
  const index = new AssistIndex();
  index.addKnowledge(loadKnowledgeBase(assist.knowledge, deps.baseDir ?? process.cwd()));
  const past = new PastReplies(store, config, index);
  const loaded = await past.load();
  cases.onChange(async (prev, next) => {
    if (justSent(prev, next)) await past.remember(next);
  });
  log.info({ model: model.name, pastReplies: loaded }, 'AI assist is on');
  return new ModelDraftAssistant({ config, assist, model, index, budget: new TokenBudget(store, assist.dailyTokens), store, clock, log, linkHosts });
}

/**
 * Screening by the model (`assist.screening: true`): the inbox asks it after the built-in
 * classifier, within `assist.timeout` and the same daily budget as suggestions. Off (the
 * default, or without `assist:`), nothing is built and no post is sent to a model.
 */
export function wireModelScreening(deps: Pick<AssistWiringDeps, 'config' | 'env' | 'store' | 'log' | 'model'>): MentionScreener | undefined {
  const { config, env, store, log } = deps;
  const assist = config.assist;
  if (!assist?.screening) return undefined;
  const model = assistModel(assist, env, deps.model);
  log.info({ model: model.name }, 'AI assist screens each mention that passes the noise filter');
  return new BudgetedMentionScreener(model, { config, timeoutMs: assist.timeout, budget: new TokenBudget(store, assist.dailyTokens) });
}
