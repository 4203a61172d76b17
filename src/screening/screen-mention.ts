import type { Config } from '../config/schema.js';
import type { Mention } from '../domain/mention.js';
import { PRIORITIES, type Priority, type RuleHit, type Screening } from '../domain/screening.js';
import { detectLanguage } from './detect-language.js';
import { evaluateRule, onList } from './evaluate-rule.js';
import { lexiconPredict } from './lexicon-predict.js';
import { predictText, type TextModel } from './text-model.js';

/** Everything screening needs besides the mention. `now` is passed in: screening reads no clock. */
export interface ScreenContext {
  config: Config;
  /** ISO timestamp of the moment of screening (for time-window rules). */
  now: string;
  /** A trained text model; without it sentiment and intent come from the lexicon. */
  model?: TextModel | undefined;
}

const rank = (p: Priority): number => PRIORITIES.indexOf(p);

/** Whether the author is one of the brand's own accounts on that network. */
export function isBrandPost(mention: Mention, config: Config): boolean {
  const own = config.brand.handles[mention.network] ?? [];
  const h = mention.author.handle.replace(/^@/u, '').toLowerCase();
  return own.some((o) => o.replace(/^@/u, '').toLowerCase() === h);
}

/**
 * Screens one mention: language, sentiment, intent and topic, then the configured rules
 * in order. The first fired rule with a `route` picks the skill group (else the model's
 * topic when it names a group, else `routing.fallback`); every fired rule adds its tags
 * and is listed with why it fired; a `final` rule stops the evaluation.
 *
 * Pure: no clock, no I/O, no environment. The same inputs give the same screening.
 */
export function screenMention(mention: Mention, ctx: ScreenContext): Screening {
  const { config } = ctx;
  const lang = detectLanguage({ text: mention.text, networkLang: mention.lang, authorLang: mention.author.lang });

  const lexicon = lexiconPredict(mention.text);
  const learned = ctx.model ? predictText(ctx.model, mention.text) : {};
  const sentiment = (learned.sentiment?.label as Screening['sentiment']) ?? lexicon.sentiment;
  const intent = (learned.intent?.label as Screening['intent']) ?? lexicon.intent;
  const topic = learned.topic?.label;

  const rulesFired: RuleHit[] = [];
  const tags = new Set<string>();
  let routed: string | undefined;
  let rulePriority: Priority | undefined;
  let drop = false;
  let dropReason: string | undefined;
  let secondApprover = false;
  const dropFor = (reason: string) => {
    if (!drop) { drop = true; dropReason = reason; }
  };

  if (mention.isRepost) dropFor('repost without comment');
  if (isBrandPost(mention, config)) dropFor("the brand's own post");
  if (onList(config.lists.blocked, mention.author, mention.network)) dropFor('author is on the blocked list');

  const facts = {
    mention,
    language: lang.language,
    sentiment,
    intent,
    vip: config.lists.vip,
    blocked: config.lists.blocked,
    now: ctx.now,
  };
  for (const rule of config.routing.rules) {
    const verdict = evaluateRule(rule, facts);
    if (!verdict.fired) continue;
    rulesFired.push({ rule: rule.name, why: verdict.why });
    const then = rule.then;
    if (then.route && routed === undefined) routed = then.route;
    for (const t of then.tag ?? []) tags.add(t);
    if (then.priority && (rulePriority === undefined || rank(then.priority) > rank(rulePriority))) rulePriority = then.priority;
    if (then.drop) dropFor(`rule "${rule.name}"`);
    if (then.secondApprover) secondApprover = true;
    if (rule.final) break;
  }

  const groups = new Set(config.groups.map((g) => g.id));
  const topicGroup = topic === undefined ? undefined : (ctx.model?.topicGroups[topic] ?? topic);
  const group = routed ?? (topicGroup !== undefined && groups.has(topicGroup) ? topicGroup : config.routing.fallback);

  const priority: Priority = rulePriority ?? (sentiment === 'negative' && intent === 'complaint' ? 'high' : 'normal');

  return {
    group,
    tags: [...tags],
    priority,
    drop,
    ...(dropReason !== undefined ? { dropReason } : {}),
    ...(lang.language !== undefined ? { language: lang.language } : {}),
    sentiment,
    intent,
    ...(topic !== undefined ? { topic } : {}),
    pii: [],
    rulesFired,
    secondApprover,
  };
}
