import { SYSTEM } from '../domain/actor.js';
import { mentionKey, type Mention } from '../domain/mention.js';
import type { Config } from '../config/schema.js';
import type { TextModel } from '../screening/text-model.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import type { CaseService } from './case-service.js';
import { screenMention } from '../screening/screen-mention.js';
import { recordSentimentShift } from '../metrics-store/rollup-store.js';
import { MENTION_CASE } from './inbox-keys.js';

/** What folding a follow-up needs (the pipeline's dependencies are a superset). */
export interface FollowUpDeps {
  store: Store;
  cases: CaseService;
  log: Logger;
  config?: Config | undefined;
  model?: (() => TextModel | undefined) | undefined;
}

/**
 * Folds a later post by the same author in the same conversation (or in answer to our
 * reply) into the case their earlier post opened, and reopens it if it was answered
 * or closed (the workflow's `follow_up`). One post still maps to one case: the post is
 * bound to the existing case with set-if-absent, and the follow-up is recorded once,
 * so processing the inbox again after a crash changes nothing.
 *
 * Returns true when the post belongs to an existing case (folded now or before).
 */
export async function foldFollowUp(deps: FollowUpDeps, mention: Mention, mapped: string | undefined, now: string): Promise<boolean> {
  if (mention.isRepost) return false;
  const { store, cases } = deps;
  const key = mentionKey(mention);
  let caseId = mapped;
  if (!caseId) {
    const found = await cases.caseForFollowUp(mention.network, mention.author.id, mention.conversationId, mention.inReplyToId);
    if (!found) return false;
    const existing = await cases.get(found);
    // The post that opened the case is not a follow-up of itself.
    if (!existing || existing.mention.id === mention.id) return false;
    caseId = (await store.insertIfAbsent(MENTION_CASE(key), found)) ? found : await store.get<string>(MENTION_CASE(key));
    if (!caseId) return false;
  }
  const c = await cases.get(caseId);
  if (!c || c.mention.id === mention.id) return false;
  const result = await cases.apply(caseId, { type: 'follow_up', post: { id: mention.id, text: mention.text, at: mention.createdAt || now, url: mention.url } }, SYSTEM);
  if (result.ok) {
    deps.log.info({ caseId, post: key, status: result.case.status }, 'the author wrote again; folded into their case');
    // The author's first post after our public reply: how their mood changed (metrics).
    if (c.reply && deps.config && !c.audit.some((e) => e.action === 'follow_up' && Date.parse(e.at) > Date.parse(c.reply!.at))) {
      const model = deps.model?.();
      const { sentiment } = screenMention(mention, { config: deps.config, now, ...(model ? { model } : {}) });
      await recordSentimentShift(store, c, { sentiment, at: now }, { timezone: deps.config.metrics.timezone });
    }
  }
  return true;
}
