import type { App } from '@slack/bolt';
import type { View, WebClient } from '@slack/web-api';
import * as z from 'zod';
import type { CaseForm, CaseInteractions } from '../../app/case-interactions.js';
import { suggestionNote, type Suggestion } from '../../app/draft-assistant.js';
import type { Actor } from '../../domain/actor.js';
import type { Logger } from '../../util/logger.js';
import { ASSIST_SUGGEST, draftModal, mayReplaceReply, ModalMetaSchema, typedReply, type ModalMeta } from './modals.js';
import { TYPING_ACTION, type TypedReplies } from './typed-replies.js';

export interface AssistListenerDeps {
  interactions: CaseInteractions;
  log: Logger;
  resolve: (client: WebClient, actor: Actor) => Promise<Actor>;
  /** What people type in draft modals while a suggestion is being written (shared with the Draft button's prefill). */
  typed: TypedReplies;
}

const SuggestClickSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1).max(64) }),
  view: z.object({ id: z.string().max(64), hash: z.string().max(200).optional(), private_metadata: z.string().max(3000), state: z.object({ values: z.record(z.string(), z.unknown()) }).optional() }),
  actions: z.array(z.object({ action_id: z.literal(ASSIST_SUGGEST) })).min(1),
});

/**
 * The draft modal's "Suggest a reply": ack at once (Slack allows 3 s), show that a
 * suggestion is being written while the model writes it, then put the suggestion in the
 * reply with views.update (the view's hash guards against a modal changed meanwhile). Words
 * the person typed, before the click or while the model wrote (the modal watches typing
 * meanwhile), are kept; the suggestion is then shown under them to copy from.
 */
export function registerAssistListeners(app: App, deps: AssistListenerDeps): void {
  app.action(TYPING_ACTION, async ({ ack, body }) => {
    await ack();
    await deps.typed.record(body);
  });

  app.action(ASSIST_SUGGEST, async ({ ack, body, client }) => {
    await ack();
    const clickedAt = Date.now();
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
    const base = baseOf(form);
    const waiting = client.views.update({
      view_id: r.data.view.id, ...(r.data.view.hash ? { hash: r.data.view.hash } : {}),
      view: draftModal({ ...base, meta, initial: typed?.text ?? form.initial, fill: typed?.fill, assist: { on: true, note: WRITING }, watchTyping: true }) as unknown as View,
    }).then((w) => ({ hash: w.view?.hash ?? undefined }), (e: unknown) => {
      deps.log.warn({ err: e, caseId: meta.caseId }, 'could not show that a suggestion is coming');
      return undefined;
    });
    const [shown, result] = await Promise.all([waiting, started.outcome]);
    // The modal changed meanwhile (or is gone): it is not overwritten.
    if (!shown) return;
    const now = (await deps.typed.since(r.data.view.id, clickedAt)) ?? typed;
    const view = suggestedModal({ base, meta, typed: now, initial: form.initial, previous: started.previous }, result);
    await putSuggestion(client, deps, { viewId: r.data.view.id, hash: shown.hash, caseId: meta.caseId }, view);
  });
}

/** What the draft modal says while AI assist writes. */
export const WRITING = 'Writing a suggestion…';

/**
 * The Draft button with `assist.prefill`: the modal was opened at once (within Slack's 3
 * seconds) with the template and "Writing a suggestion…"; now the suggestion is asked for,
 * and put in the reply by views.update with the opened view's hash, unless the person has
 * typed meanwhile (then it is shown under their words) or the modal changed or closed.
 */
export async function prefillDraftModal(
  client: WebClient, deps: Pick<AssistListenerDeps, 'interactions' | 'log' | 'typed'>,
  opened: { viewId: string; hash: string | undefined; openedAt: number; meta: ModalMeta; form: CaseForm; actor: Actor },
): Promise<void> {
  const { meta, form } = opened;
  const started = await deps.interactions.startSuggest({ caseId: meta.caseId, version: meta.version }, opened.actor, meta.templateId);
  if (!started.ok) {
    deps.log.info({ caseId: meta.caseId, refusal: started.refusal.message }, 'no prefilled suggestion: the draft form may not be used now');
    return;
  }
  const result = await started.outcome;
  const typed = await deps.typed.since(opened.viewId, opened.openedAt);
  const view = suggestedModal({ base: baseOf(form), meta, typed, initial: form.initial, previous: started.previous }, result);
  await putSuggestion(client, deps, { viewId: opened.viewId, hash: opened.hash, caseId: meta.caseId }, view);
}

async function putSuggestion(client: WebClient, deps: Pick<AssistListenerDeps, 'log' | 'typed'>, at: { viewId: string; hash: string | undefined; caseId: string }, view: ReturnType<typeof draftModal>): Promise<void> {
  try {
    await client.views.update({ view_id: at.viewId, ...(at.hash ? { hash: at.hash } : {}), view: view as unknown as View });
  } catch (e) {
    // A hash_conflict (the person picked a template or asked again) or a closed modal: nothing to put it in.
    deps.log.info({ err: e, caseId: at.caseId }, 'the suggestion was not put in the draft modal: it changed or closed meanwhile');
  }
  await deps.typed.forget(at.viewId).catch((e: unknown) => deps.log.warn({ err: e }, 'could not forget what was typed in a draft modal'));
}

const baseOf = (form: CaseForm): ModalBase => ({ caseTitle: form.title, author: form.author, mentionText: form.mentionText, limitHint: form.limitHint, templates: form.templates, translate: form.translateTo });

type ModalBase = Pick<Parameters<typeof draftModal>[0], 'caseTitle' | 'author' | 'mentionText' | 'limitHint' | 'templates' | 'translate'>;

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
