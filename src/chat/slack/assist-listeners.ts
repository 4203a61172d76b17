import type { App } from '@slack/bolt';
import type { View, WebClient } from '@slack/web-api';
import * as z from 'zod';
import type { CaseInteractions } from '../../app/case-interactions.js';
import { suggestionNote, type Suggestion } from '../../app/draft-assistant.js';
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
    // The model starts writing now; the modal says so meanwhile (both under way at once).
    const started = await deps.interactions.startSuggest({ caseId: meta.caseId, version: meta.version }, actor, meta.templateId);
    if (!started.ok) {
      deps.log.info({ caseId: meta.caseId, refusal: started.refusal.message }, 'no suggestion: the draft form may not be used now');
      return;
    }
    const { form } = started;
    const base = { caseTitle: form.title, author: form.author, mentionText: form.mentionText, limitHint: form.limitHint, templates: form.templates };
    const waiting = client.views.update({
      view_id: r.data.view.id, ...(r.data.view.hash ? { hash: r.data.view.hash } : {}),
      view: draftModal({ ...base, meta, initial: typed?.text ?? form.initial, fill: typed?.fill, assist: { on: true, note: 'Writing a suggestion…' } }) as unknown as View,
    }).then((w) => ({ hash: w.view?.hash ?? undefined }), (e: unknown) => {
      deps.log.warn({ err: e, caseId: meta.caseId }, 'could not show that a suggestion is coming');
      return undefined;
    });
    const [shown, result] = await Promise.all([waiting, started.outcome]);
    // The modal changed meanwhile (or is gone): it is not overwritten.
    if (!shown) return;
    const view = suggestedModal({ base, meta, typed, initial: form.initial, previous: started.previous }, result);
    try {
      await client.views.update({ view_id: r.data.view.id, ...(shown.hash ? { hash: shown.hash } : {}), view: view as unknown as View });
    } catch (e) {
      deps.log.warn({ err: e, caseId: meta.caseId }, 'could not put the suggestion in the draft modal');
    }
  });
}

type ModalBase = Pick<Parameters<typeof draftModal>[0], 'caseTitle' | 'author' | 'mentionText' | 'limitHint' | 'templates'>;

/**
 * The draft modal with a suggestion in: in the reply when the reply is empty or still the
 * text the modal put there (the template, the draft it opened on); otherwise the person's
 * words are kept and the suggestion is shown under them to copy from.
 */
export function suggestedModal(
  at: { base: ModalBase; meta: ModalMeta; typed: { text: string; fill: string | undefined } | undefined; initial: string; previous?: string | undefined },
  result: { ok: true; suggestion: Suggestion } | { ok: false; refusal: { message: string } },
): ReturnType<typeof draftModal> {
  const { base, meta, typed } = at;
  if (!result.ok) return draftModal({ ...base, meta, initial: typed?.text ?? at.initial, fill: typed?.fill, assist: { on: true, note: result.refusal.message } });
  const { suggestion } = result;
  const note = suggestionNote(suggestion);
  const assisted = { ...meta, assisted: suggestion.fromModel };
  if (suggestion.text.trim() !== '' && mayReplaceReply(typed?.text, [at.previous, at.initial])) {
    return draftModal({ ...base, meta: assisted, initial: suggestion.text, fill: `ai.${Date.now().toString(36)}`, assist: { on: true, note } });
  }
  return draftModal({
    ...base, meta: assisted, initial: typed?.text ?? '', fill: typed?.fill, assist: { on: true, note },
    kept: { template: suggestion.fromModel ? 'AI assist\'s suggestion' : 'The template', text: suggestion.text },
  });
}
