import type { CaseInsights, InsightAnswer } from '../app/case-insights.js';
import { ModelCallError, type LanguageModel } from '../app/language-model.js';
import { checkReplyText, type LinkHosts } from '../cases/policy.js';
import { plainLinkHosts } from '../cases/plain-link-hosts.js';
import type { AssistConfig } from '../config/assist-schema.js';
import type { Config } from '../config/schema.js';
import type { Case } from '../domain/case.js';
import { maskPersonalData, type Masked } from '../screening/mask-personal-data.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { InsightAnswerSchema, insightData, insightInstructions, type InsightData, type InsightTask } from './insight-prompt.js';
import { stripInvisible } from './suggest-prompt.js';
import type { TokenBudget } from './token-budget.js';
import { hostsIn } from './vet-suggestion.js';

export interface ModelInsightsDeps {
  config: Config;
  assist: AssistConfig;
  model: LanguageModel;
  budget: TokenBudget;
  clock: Clock;
  log: Logger;
  linkHosts?: LinkHosts | undefined;
}

const WHAT: Record<InsightTask, string> = {
  summary: 'summary', brief: 'brief', 'translate-post': 'translation', 'translate-draft': 'translation',
};

const NOTE: Record<ModelCallError['code'], string> = {
  model_timeout: 'AI assist took too long to answer',
  model_rate_limited: 'the AI model\'s service asked us to slow down',
  model_unavailable: 'the AI model\'s service is not answering',
  model_malformed: 'the AI model gave an answer Earshot could not read',
  model_refused: 'the AI model\'s service refused the request',
};

/** Most characters of each kind of answer. */
const SUMMARY_MAX = 240;
const BRIEF_MAX = 600;

/**
 * Summaries, briefs and translations from the language model, held to the same rules as a
 * suggestion: every text masked before the request and sent as delimited data, never in
 * the instructions; the answer validated (zod) and then vetted (no personal data, no link
 * outside the team's, no banned phrase, within its length), or dropped with a note saying
 * why; the day's budget and the timeout honoured.
 */
export class ModelInsights implements CaseInsights {
  constructor(private readonly deps: ModelInsightsDeps) {}

  summarize(c: Case): Promise<InsightAnswer> {
    return this.ask({ ...this.thread(c), task: 'summary', language: this.deps.assist.teamLanguage, maxChars: SUMMARY_MAX });
  }

  brief(c: Case): Promise<InsightAnswer> {
    const draft = c.draft && c.status === 'drafted' ? this.mask(c.draft.text) : undefined;
    return this.ask({ ...this.thread(c), task: 'brief', language: this.deps.assist.teamLanguage, maxChars: BRIEF_MAX, draft });
  }

  translatePost(c: Case, to: string, text = c.mention.text): Promise<InsightAnswer> {
    const post = this.mask(text);
    return this.ask({ task: 'translate-post', language: to, network: c.mention.network, post, maxChars: Math.max(280, post.length * 2) });
  }

  translateDraft(c: Case, text: string, to: string, check: (text: string) => string | undefined): Promise<InsightAnswer> {
    const own = this.mask(text);
    // The agent's links are the team's: the translation may carry them, and no other.
    return this.ask({ task: 'translate-draft', language: to, network: c.mention.network, text: own, maxChars: Math.max(280, own.length * 2) }, { check, hosts: hostsIn([own]) });
  }

  private mask(s: string): Masked {
    return maskPersonalData(s, this.deps.config);
  }

  /** The post, its follow-ups and the newest folded posts, masked; never a name or a handle. */
  private thread(c: Case): Pick<InsightData, 'network' | 'post' | 'followUps' | 'similar'> {
    return {
      network: c.mention.network,
      post: this.mask(c.mention.text),
      followUps: (c.followUps ?? []).slice(-10).map((f) => this.mask(f.text)),
      similar: (c.similar?.samples ?? []).slice(-3).map((s) => this.mask(s.mention.text)),
    };
  }

  private async ask(data: InsightData, extra: { check?: (text: string) => string | undefined; hosts?: string[] } = {}): Promise<InsightAnswer> {
    const { config, assist, budget, clock, log } = this.deps;
    const what = WHAT[data.task];
    const now = clock.now().toISOString();
    if (await budget.exhausted(now)) return { ok: false, note: `No AI ${what}: AI assist has used today's token budget (assist.dailyTokens)` };
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), assist.timeout);
    try {
      const answer = await this.deps.model.generate({
        instructions: insightInstructions(data.task, config.brand.name),
        data: insightData(data),
        schema: InsightAnswerSchema,
        schemaName: data.task.replace('-', '_'),
        maxOutputTokens: assist.maxOutputTokens,
        signal: ctl.signal,
      });
      await budget.spend(answer.tokens, now);
      const problem = this.vet(answer.value.text, data, extra);
      if (typeof problem === 'string') {
        log.warn({ task: data.task, reason: problem }, 'AI assist answer refused');
        return { ok: false, note: `No AI ${what}: the model's answer was not used (${problem})` };
      }
      return { ok: true, text: problem.text };
    } catch (e) {
      if (!(e instanceof ModelCallError)) throw e;
      await budget.spend(e.tokens, now);
      log.warn({ task: data.task, code: e.code, err: e.message }, 'AI assist could not answer');
      return { ok: false, note: `No AI ${what}: ${NOTE[e.code]}` };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The answer as it may be shown, or why not. */
  private vet(raw: string, data: InsightData, extra: { check?: (text: string) => string | undefined; hosts?: string[] }): { text: Masked } | string {
    const { config } = this.deps;
    let text = stripInvisible(raw).replace(/\r\n?/g, '\n').trim();
    if (data.task === 'summary') text = text.replace(/\s*\n\s*/g, ' ');
    if (!text) return 'it was empty';
    if (text.length > data.maxChars) return `it was longer than ${data.maxChars} characters`;
    const allowed = [...config.policy.linkAllowlist.map((h) => h.toLowerCase()), ...hostsIn(Object.values(config.links)), ...(extra.hosts ?? [])];
    const hosts = [...(this.deps.linkHosts ?? plainLinkHosts)(text), ...plainLinkHosts(text)];
    const foreign = hosts.find((h) => !allowed.some((a) => h === a || h.endsWith(`.${a}`)));
    if (foreign) return `it linked to ${foreign}, which is not one of the team's links`;
    if (this.mask(text) !== text) return 'it contained personal data';
    const banned = checkReplyText(config.policy, text, this.deps.linkHosts)?.message ?? extra.check?.(text);
    if (banned) return banned;
    return { text: this.mask(text) };
  }
}
