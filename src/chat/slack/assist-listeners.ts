import type { App } from '@slack/bolt';
import type { View, WebClient } from '@slack/web-api';
import * as z from 'zod';
import type { CaseInteractions } from '../../app/case-interactions.js';
import { suggestionNote } from '../../app/draft-assistant.js';
import type { Actor } from '../../domain/actor.js';
import type { Logger } from '../../util/logger.js';
import { ASSIST_SUGGEST, draftModal, mayReplaceReply, ModalMetaSchema, typedReply, type ModalMeta } from './modals.js';

export interface AssistListenerDeps {
  interactions: CaseInteractions;
  log: Logger;
  resolve: (client: WebClient, actor: Actor) => Promise<Actor>;
}

const SuggestClickSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1).max(64) }),
  view: z.object({ id: z.string().max(64), hash: z.string().max(200).optional(), private_metadata: z.string().max(3000), state: z.object({ values: z.record(z.string(), z.unknown()) }).optional() }),
  actions: z.array(z.object({ action_id: z.literal(ASSIST_SUGGEST) })).min(1),
});


/**
 * The draft modal's "Suggest a reply": ack at once (Slack allows 3 s), show that a
 * suggestion is being written, then put the suggestion in the reply with views.update when
 * the model answers (the view's hash guards against a modal changed meanwhile). Words the
 * person already typed are kept; the suggestion is then shown beside them to copy from.
 */
export function registerAssistListeners(app: App, deps: AssistListenerDeps): void {
  app.action(ASSIST_SUGGEST, async ({ ack, body, client }) => {
    await ack();
    const r = SuggestClickSchema.safeParse(body);
    if (!r.success) {
      deps.log.warn({ problem: r.error.message.slice(0, 500) }, 'a Suggest click Earshot could not read');
      return;
    }
    let meta: ModalMeta;
    try {
      meta = ModalMetaSchema.parse(JSON.parse(r.data.view.private_metadata));
    } catch {
      return;
    }
    const actor = await deps.resolve(client, { platform: 'slack', id: r.data.user.id });
    const typed = typedReply(r.data.view.state?.values);
    const opened = await deps.interactions.openForm('case.draft', { caseId: meta.caseId, version: meta.version }, actor);
    if (!opened.ok) {
      deps.log.info({ caseId: meta.caseId, refusal: opened.refusal.message }, 'no suggestion: the draft form may not be used now');
      return;
    }
    const { form } = opened;
    const base = { caseTitle: form.title, author: form.author, mentionText: form.mentionText, limitHint: form.limitHint, templates: form.templates, translate: form.translateTo };
    let hash = r.data.view.hash;
    try {
      const waiting = await client.views.update({
        view_id: r.data.view.id, ...(hash ? { hash } : {}),
        view: draftModal({ ...base, meta, initial: typed?.text ?? form.initial, fill: typed?.fill, assist: { on: true, note: 'Writing a suggestion…' } }) as unknown as View,
      });
      hash = waiting.view?.hash ?? undefined;
    } catch (e) {
      deps.log.warn({ err: e, caseId: meta.caseId }, 'could not show that a suggestion is coming');
      return;
    }
    const result = await deps.interactions.suggest({ caseId: meta.caseId, version: meta.version }, actor);
    const note = result.ok ? suggestionNote(result.suggestion) : result.refusal.message;
    const previous = meta.templateId ? await deps.interactions.templateText(meta.caseId, meta.templateId, actor) : undefined;
    const replace = result.ok && result.suggestion.text.trim() !== '' && mayReplaceReply(typed?.text, [previous, form.initial]);
    const view = !result.ok
      ? draftModal({ ...base, meta, initial: typed?.text ?? form.initial, fill: typed?.fill, assist: { on: true, note } })
      : replace
        ? draftModal({ ...base, meta: { ...meta, assisted: result.suggestion.fromModel }, initial: result.suggestion.text, fill: `ai.${Date.now().toString(36)}`, assist: { on: true, note } })
        : draftModal({
          ...base, meta: { ...meta, assisted: result.suggestion.fromModel }, initial: typed?.text ?? '', fill: typed?.fill, assist: { on: true, note },
          kept: { template: result.suggestion.fromModel ? 'AI assist\'s suggestion' : 'The template', text: result.suggestion.text },
        });
    try {
      await client.views.update({ view_id: r.data.view.id, ...(hash ? { hash } : {}), view: view as unknown as View });
    } catch (e) {
      deps.log.warn({ err: e, caseId: meta.caseId }, 'could not put the suggestion in the draft modal');
    }
  });
}
