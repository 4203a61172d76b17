import type { DraftAssistant, Suggestion, SuggestContext } from '../app/draft-assistant.js';
import { ModelCallError, type LanguageModel } from '../app/language-model.js';
import type { LinkHosts } from '../cases/policy.js';
import { rankTemplates, renderTemplate } from '../cases/templates.js';
import type { AssistConfig } from '../config/assist-schema.js';
import type { Config } from '../config/schema.js';
import type { Case } from '../domain/case.js';
import { maskPersonalData, type Masked } from '../screening/mask-personal-data.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { AssistIndex } from './assist-index.js';
import { SuggestAnswerSchema, suggestData, suggestInstructions, type SuggestGrounding } from './suggest-prompt.js';
import type { TokenBudget } from './token-budget.js';
import { hostsIn, vetSuggestion } from './vet-suggestion.js';

export interface ModelDraftAssistantDeps {
  config: Config;
  assist: AssistConfig;
  model: LanguageModel;
  index: AssistIndex;
  budget: TokenBudget;
  store: Store;
  clock: Clock;
  log: Logger;
  linkHosts?: LinkHosts | undefined;
}

const NOTE: Record<ModelCallError['code'], string> = {
  model_timeout: 'AI assist took too long to answer',
  model_rate_limited: 'the AI model\'s service asked us to slow down',
  model_unavailable: 'the AI model\'s service is not answering',
  model_malformed: 'the AI model gave an answer Earshot could not read',
  model_refused: 'the AI model\'s service refused the request (the operator should check the key and model)',
};

/**
 * Suggested drafts from a language model: grounded on the case's templates, the team's
 * past approved replies to similar posts and the knowledge base, all masked; the post is
 * data in a delimited block, never instructions; the answer is validated (zod), then held
 * to the policy, the network's length and the team's links. Whatever goes wrong, the agent
 * gets the template and a note saying why.
 */
export class ModelDraftAssistant implements DraftAssistant {
  constructor(private readonly deps: ModelDraftAssistantDeps) {}

  async suggest(c: Case, ctx: SuggestContext): Promise<Suggestion> {
    const { config, assist, index, budget, clock, log } = this.deps;
    const mask = (s: string): Masked => maskPersonalData(s, config);
    const now = clock.now().toISOString();
    const fallback = (why: string): Suggestion => ({
      text: ctx.fallback?.text ?? mask(''),
      fromModel: false,
      sources: { templates: ctx.fallback ? [ctx.fallback.id] : [], cases: [], knowledge: [] },
      note: `${why}; ${ctx.fallback ? 'this is the template instead' : 'there is no template for this case, so write the reply yourself'}.`,
    });
    if (await budget.exhausted(now)) return fallback(`AI assist has used today's token budget (assist.dailyTokens: ${assist.dailyTokens.toLocaleString('en-US')})`);

    const post = mask(c.mention.text);
    const templates = rankTemplates(c, config.templates).slice(0, assist.grounding.templates)
      .map((t) => ({ id: t.id, text: mask(renderTemplate(t.text, c, { links: config.links, agent: ctx.actor })) }));
    const pastReplies = index.similarPast(post, assist.grounding.pastReplies, { exclude: c.id, group: c.group })
      .map((p) => ({ caseId: p.caseId, post: mask(p.post), reply: mask(p.reply) }));
    const knowledge = index.knowledge(post, assist.grounding.knowledge);
    const allowedHosts = [...new Set([
      ...config.policy.linkAllowlist.map((h) => h.toLowerCase()),
      ...hostsIn(Object.values(config.links)),
      ...hostsIn([...templates.map((t) => t.text), ...knowledge.map((k) => k.text), ...pastReplies.map((p) => p.reply)]),
    ])];
    const grounding: SuggestGrounding = {
      post, followUps: (c.followUps ?? []).map((f) => mask(f.text)), network: c.mention.network, language: c.screening.language,
      maxChars: ctx.maxChars ?? 1000, templates, pastReplies, knowledge, allowedLinks: allowedHosts,
    };
    const sources = { templates: templates.map((t) => t.id), cases: pastReplies.map((p) => p.caseId), knowledge: [...new Set(knowledge.map((k) => k.file))] };

    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), assist.timeout);
    try {
      const answer = await this.deps.model.generate({
        instructions: suggestInstructions(config.brand.name, assist.voice),
        data: suggestData(grounding),
        schema: SuggestAnswerSchema,
        schemaName: 'suggested_reply',
        maxOutputTokens: assist.maxOutputTokens,
        signal: ctl.signal,
      });
      // The tokens are counted while the answer is vetted and remembered: the agent is waiting.
      const spent = budget.spend(answer.tokens, now);
      const vetted = vetSuggestion(answer.value.reply, { check: ctx.check, allowedHosts, pii: config, linkHosts: this.deps.linkHosts });
      if (!vetted.ok) {
        await spent;
        log.warn({ caseId: c.id, reason: vetted.reason }, 'AI assist suggestion refused');
        return fallback(`AI assist's suggestion was not used: ${vetted.reason}`);
      }
      const suggestion: Suggestion = { text: vetted.text, fromModel: true, sources };
      await Promise.all([spent, this.remember(c.id, suggestion)]);
      return suggestion;
    } catch (e) {
      if (!(e instanceof ModelCallError)) throw e;
      await budget.spend(e.tokens, now);
      log.warn({ caseId: c.id, code: e.code, err: e.message }, 'AI assist could not suggest');
      return fallback(NOTE[e.code]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last suggestion the model wrote for a case (a day at most), for the draft's record. */
  async recall(caseId: string): Promise<Suggestion | undefined> {
    return this.deps.store.get<Suggestion>(`assist:suggestion:${caseId}`);
  }

  private remember(caseId: string, s: Suggestion): Promise<void> {
    return this.deps.store.set(`assist:suggestion:${caseId}`, s, 86_400_000);
  }
}
