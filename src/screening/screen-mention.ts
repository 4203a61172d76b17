import type { Config } from '../config/schema.js';
import type { Mention } from '../domain/mention.js';
import { INTENTS, PRIORITIES, SENTIMENTS, type Intent, type Priority, type RuleHit, type Screening, type Sentiment } from '../domain/screening.js';
import type { CorrectionMemory } from './correction-memory.js';
import { detectLanguage } from './detect-language.js';
import { detectNoise } from './detect-noise.js';
import { evaluateRule, onList } from './evaluate-rule.js';
import { findPii } from './find-pii.js';
import { lexiconPredict, type LexiconPrediction } from './lexicon-predict.js';
import { scorePriority } from './score-priority.js';
import { predictTokens, type TextModel } from './text-model.js';
import { tokenizePost, type PostTokens } from './tokenize-post.js';

export { isBrandPost } from './detect-noise.js';
export type { TextModel } from './text-model.js';

/** Everything screening needs besides the mention. `now` is passed in: screening reads no clock. */
export interface ScreenContext {
  config: Config;
  /** ISO timestamp of the moment of screening (for time-window rules). */
  now: string;
  /** A trained text model; without it sentiment and intent come from the lexicon and word rules. */
  model?: TextModel | undefined;
  /** Staff corrections by post: a near-identical post gets the corrected labels outright. */
  corrections?: CorrectionMemory | undefined;
  /**
   * Sentiment, intent and topic an AI model gave (screening by the model): used in place of
   * the built-in ones, so rules and priority see them. The topic is a group id, or null.
   */
  assisted?: { sentiment: Sentiment; intent: Intent; topic: string | null } | undefined;
}

const rank = (p: Priority): number => PRIORITIES.indexOf(p);
const isSentiment = (s: string | undefined): s is Sentiment => s !== undefined && (SENTIMENTS as readonly string[]).includes(s);
const isIntent = (s: string | undefined): s is Intent => s !== undefined && (INTENTS as readonly string[]).includes(s);

/** Tag added when personal data is found, so rules and cards can key on it. */
export const PII_TAG = 'personal-data';

/**
 * The priority from sentiment, intent, reach and alarm words, when no rule set one; a
 * high or urgent one is listed among the fired rules with its reasons.
 */
function scoredPriority(sentiment: Sentiment, intent: Intent, mention: Mention, vip: boolean, post: PostTokens, rulesFired: RuleHit[]): Priority {
  const verdict = scorePriority({ sentiment, intent, author: mention.author, vip, post });
  const priority = verdict.priority;
  if (rank(priority) >= rank('high') && verdict.reasons.length > 0) {
    rulesFired.push({ rule: 'priority', why: `${priority}: ${verdict.reasons.join('; ')}` });
  }
  return priority;
}

/**
 * Screens one mention.
 *
 * 1. Language (writing system, function words, then the network's and the author's).
 * 2. Sentiment, intent and topic from the trained model, else the lexicon and word rules.
 * 3. Personal data, and noise: reposts/quotes without comment, the brand's own posts,
 *    blocked authors, spam and bot patterns (these are dropped, with the reason).
 * 4. The configured rules, in order. The first fired rule with a `route` picks the skill
 *    group (else the model's topic when it names a group, else `routing.fallback`); every
 *    fired rule adds its tags and is listed with why it fired; the highest priority a
 *    fired rule sets wins over the computed one; a `final` rule stops the evaluation.
 * 5. Priority from sentiment, intent, reach and alarm words, unless a rule set it.
 *
 * Pure: no clock, no I/O, no environment. The same inputs give the same screening.
 */
export function screenMention(mention: Mention, ctx: ScreenContext): Screening {
  const { config, assisted } = ctx;
  const post = tokenizePost(mention.text);
  const lang = detectLanguage({ text: mention.text, tokens: post, networkLang: mention.lang, authorLang: mention.author.lang });

  const learned = ctx.model && !assisted ? predictTokens(ctx.model, post) : {};
  // What staff said about a near-identical post beats any prediction (the AI model's aside).
  const taught = !assisted && ctx.corrections && ctx.corrections.size > 0 ? ctx.corrections.find(mention.text, post) : undefined;
  const learnedSentiment = assisted?.sentiment ?? taught?.labels.sentiment ?? learned.sentiment?.label;
  const learnedIntent = assisted?.intent ?? taught?.labels.intent ?? learned.intent?.label;
  // The lexicon only for what the model does not give (no model, or labels of its own).
  const lexicon: LexiconPrediction | undefined = isSentiment(learnedSentiment) && isIntent(learnedIntent) ? undefined : lexiconPredict(post);
  const sentiment: Sentiment = isSentiment(learnedSentiment) ? learnedSentiment : lexicon!.sentiment;
  const intent: Intent = isIntent(learnedIntent) ? learnedIntent : lexicon!.intent;
  const topic = assisted ? (assisted.topic ?? undefined) : (taught?.labels.topic ?? learned.topic?.label);

  const pii = findPii(mention.text, config);
  const tags = new Set<string>();
  if (pii.length > 0) tags.add(PII_TAG);

  // The first reason to drop is the one reported.
  let dropReason: string | undefined;
  const noise = detectNoise(mention, post, config);
  if (noise.noise) dropReason = noise.reason ?? 'noise';
  for (const t of noise.tags) tags.add(t);
  if (dropReason === undefined && onList(config.lists.blocked, mention.author, mention.network)) dropReason = 'author is on the blocked list';
  const vip = onList(config.lists.vip, mention.author, mention.network);

  const rulesFired: RuleHit[] = [];
  if (taught) {
    const said = Object.entries(taught.labels).map(([task, label]) => `${task} ${label}`).join(', ');
    rulesFired.push({ rule: 'learned', why: `staff said ${said} for ${taught.distance === 0 ? 'the same post' : 'a near-identical post'} (case ${taught.ref})` });
  }
  let routed: string | undefined;
  let rulePriority: Priority | undefined;
  let secondApprover = false;
  const facts = {
    mention,
    language: lang.language,
    sentiment,
    intent,
    vip: config.lists.vip,
    blocked: config.lists.blocked,
    now: ctx.now,
    pii,
  };
  for (const rule of config.routing.rules) {
    const verdict = evaluateRule(rule, facts);
    if (!verdict.fired) continue;
    rulesFired.push({ rule: rule.name, why: verdict.why });
    const then = rule.then;
    if (then.route && routed === undefined) routed = then.route;
    for (const t of then.tag ?? []) tags.add(t);
    if (then.priority && (rulePriority === undefined || rank(then.priority) > rank(rulePriority))) rulePriority = then.priority;
    if (then.drop && dropReason === undefined) dropReason = `rule "${rule.name}"`;
    if (then.secondApprover) secondApprover = true;
    if (rule.final) break;
  }

  // The AI model's topics are the group ids themselves.
  const topicGroup = topic === undefined ? undefined : assisted ? topic : (ctx.model?.topicGroups[topic] ?? topic);
  const group = routed ?? (topicGroup !== undefined && config.groups.some((g) => g.id === topicGroup) ? topicGroup : config.routing.fallback);

  const priority = rulePriority ?? scoredPriority(sentiment, intent, mention, vip, post, rulesFired);

  // Optional fields are set only when present, in this order. Assigned, not spread: a
  // spread of a conditional object is a runtime call, several times the cost of the rest.
  const screening = { group, tags: [...tags], priority, drop: dropReason !== undefined } as Screening;
  if (dropReason !== undefined) screening.dropReason = dropReason;
  if (lang.language !== undefined) screening.language = lang.language;
  screening.sentiment = sentiment;
  screening.intent = intent;
  if (topic !== undefined) screening.topic = topic;
  screening.pii = pii;
  screening.rulesFired = rulesFired;
  screening.secondApprover = secondApprover;
  return screening;
}
