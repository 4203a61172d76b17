import type { Mention } from '../domain/mention.js';
import type { Intent, Screening, Sentiment } from '../domain/screening.js';
import { maskPersonalData } from '../screening/mask-personal-data.js';
import { screenMention, type ScreenContext } from '../screening/screen-mention.js';
import type { Logger } from '../util/logger.js';

/** What the model said about one post: the built-in classifier's three outputs; the topic is a group id or null. */
export interface ModelVerdict {
  sentiment: Sentiment;
  intent: Intent;
  topic: string | null;
}

/**
 * Screening by an AI model in the running bot (`assist.screening`): the port the inbox asks
 * after the built-in classifier. Given the post already masked and the topics it may name
 * (the group ids), it answers the three outputs, or a stable code saying why the built-in
 * classifier's answer stands (model_timeout, model_unavailable, budget, unknown_topic, …).
 */
export interface MentionScreener {
  screen(input: { text: string; topics: readonly string[]; now: string }): Promise<{ ok: true; value: ModelVerdict } | { ok: false; fallback: string }>;
}

/**
 * Asks the model about a post the built-in classifier kept: on an answer, screens again
 * with the model's sentiment, intent and topic in place of the built-in ones (rules, the
 * topic's group and priority follow them); otherwise the built-in screening stands, with
 * the reason. Either way the screening says which classifier decided.
 */
export async function screenWithModel(screener: MentionScreener, mention: Mention, ctx: ScreenContext, builtIn: Screening, log: Logger): Promise<Screening> {
  const topics = ctx.config.groups.map((g) => g.id);
  let answer: Awaited<ReturnType<MentionScreener['screen']>>;
  try {
    answer = await screener.screen({ text: maskPersonalData(mention.text, ctx.config), topics, now: ctx.now });
  } catch (e) {
    log.warn({ err: e }, 'screening by the AI model failed; the built-in classifier decides');
    answer = { ok: false, fallback: 'error' };
  }
  if (!answer.ok) {
    log.debug({ fallback: answer.fallback }, 'the built-in classifier decided: the AI model gave no usable answer');
    return { ...builtIn, by: 'built-in', fallback: answer.fallback };
  }
  return { ...screenMention(mention, { ...ctx, assisted: answer.value }), by: 'model' };
}
