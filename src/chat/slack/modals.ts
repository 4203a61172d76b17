import * as z from 'zod';
import type { Masked } from '../../screening/mask-personal-data.js';
import { clip, sanitizeText, TEXT_MAX } from '../safe-text.js';

export const DRAFT_CALLBACK = 'case.draft.submit';
export const REJECT_CALLBACK = 'case.reject.submit';
export const REPLY_BLOCK = 'reply';
export const REPLY_INPUT = 'text';
export const NOTE_BLOCK = 'note';
export const NOTE_INPUT = 'text';
/** The draft modal's template picker (a static_select); choosing refills the reply via views.update. */
export const TEMPLATE_PICK = 'tpl.pick';
export const TEMPLATE_BLOCK = 'template';
/** The draft modal's "Suggest a reply" button (AI assist); the answer comes by views.update. */
export const ASSIST_SUGGEST = 'assist.suggest';
export const ASSIST_BLOCK = 'assist';
/** The draft modal's "translate to the author's language" checkbox (AI assist). */
export const TRANSLATE_BLOCK = 'translate';
export const TRANSLATE_INPUT = 'translate';
export const TRANSLATE_VALUE = 'translate';
/** What the draft forms say in place of the Suggest button while AI assist is not configured. */
export const ASSIST_OFF_NOTE = 'AI assist is off: no suggestions, and nothing is sent to any AI model. An operator can turn it on.';

/** What a modal remembers between opening and submission (≤ 3000 chars). */
export const ModalMetaSchema = z.object({
  caseId: z.string().min(1).max(64),
  version: z.number().int().nonnegative(),
  channel: z.string().max(64).optional(),
  templateId: z.string().max(64).optional(),
  /** A private message (Move to DM), not the public reply. */
  private: z.boolean().optional(),
  /** The reply was filled with an AI assist suggestion: the draft records it on submission. */
  assisted: z.boolean().optional(),
});
export type ModalMeta = z.infer<typeof ModalMetaSchema>;

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: clip(sanitizeText(text), max), emoji: true });
/** Quoted text, or a stand-in when nothing of it is left to show: Slack refuses an empty text object. */
const quoted = (text: string) => plain(sanitizeText(text).trim() ? text : '(no text)', TEXT_MAX.modalText);

/**
 * The draft modal: the mention quoted as plain text (plain_text is never parsed for
 * mentions or links), and the reply prefilled from a template.
 */
export function draftModal(opts: {
  meta: ModalMeta; caseTitle: string; mentionText: Masked; author: string; initial: string; limitHint: string;
  /** Templates that fit the case, best first: offered in a select above the reply. */
  templates?: ReadonlyArray<{ id: string; name: string }> | undefined;
  /**
   * Changes the reply field's action_id: Slack keeps what was typed per block and action
   * id, so a new id is what makes a chosen template's text replace the field's content.
   */
  fill?: string | undefined;
  /**
   * A template was picked while the reply held the person's own words: they were kept (pass
   * the field's current `fill` so Slack keeps them), and the template is shown to copy from.
   */
  kept?: { template: string; text: string } | undefined;
  /** A private message: how it will reach the author ("Private: DM to @x", "Public invitation to DM …"), said first. */
  privateRoute?: string | undefined;
  /**
   * AI assist: `on` offers the Suggest button (and `note` says what it is doing or did);
   * off, the modal says so where the button would be.
   */
  assist?: { on: boolean; note?: string | undefined } | undefined;
  /** AI assist can translate the reply into the author's language (`name`, like "French · fr"): a checkbox offers it. */
  translate?: { name: string } | undefined;
  /**
   * Slack tells Earshot when the person types in the reply (an action per edit), while a
   * suggestion is being written: then it does not replace their words.
   */
  watchTyping?: boolean | undefined;
}) {
  const templates = (opts.templates ?? []).slice(0, 100);
  const option = (t: { id: string; name: string }) => ({ text: plain(t.name, TEXT_MAX.option), value: t.id });
  const current = templates.find((t) => t.id === opts.meta.templateId);
  const picker = templates.length > 0 ? [{
    type: 'actions',
    block_id: TEMPLATE_BLOCK,
    elements: [{
      type: 'static_select',
      action_id: TEMPLATE_PICK,
      placeholder: plain('Start from a template', 150),
      options: templates.map(option),
      ...(current ? { initial_option: option(current) } : {}),
    }],
  }, { type: 'context', block_id: 'template-note', elements: [plain(TEMPLATE_SWITCH_NOTE, 2000)] }] : [];
  const kept = opts.kept ? [
    { type: 'context', block_id: 'kept-note', elements: [plain(`Your reply was kept, since you had changed it. "${opts.kept.template}" reads as below; copy what you need.`, 2000)] },
    { type: 'section', block_id: 'kept-template', text: quoted(opts.kept.text) },
  ] : [];
  const assist = opts.assist?.on ? [
    { type: 'actions', block_id: ASSIST_BLOCK, elements: [{ type: 'button', action_id: ASSIST_SUGGEST, text: plain('Suggest a reply', 75), value: opts.meta.caseId.slice(0, 2000) }] },
    ...(opts.assist.note ? [{ type: 'context', block_id: 'assist-note', elements: [plain(opts.assist.note, 2000)] }] : []),
  ] : opts.assist ? [{ type: 'context', block_id: 'assist-off', elements: [plain(ASSIST_OFF_NOTE, 2000)] }] : [];
  return {
    type: 'modal' as const,
    callback_id: DRAFT_CALLBACK,
    private_metadata: JSON.stringify(opts.meta),
    title: plain(opts.privateRoute ? 'Private message' : 'Draft reply', 24),
    submit: plain('Submit for approval', 24),
    close: plain('Cancel', 24),
    blocks: [
      ...(opts.privateRoute ? [{ type: 'section', block_id: 'private-route', text: plain(opts.privateRoute, 2000) }] : []),
      { type: 'context', elements: [plain(`${opts.caseTitle} · ${opts.author} wrote:`, 2000)] },
      { type: 'section', text: quoted(opts.mentionText) },
      ...picker,
      ...assist,
      {
        type: 'input',
        block_id: REPLY_BLOCK,
        label: plain(opts.privateRoute ? 'Your message to the author' : 'Your reply', 2000),
        hint: plain(opts.limitHint, 2000),
        element: {
          type: 'plain_text_input', action_id: opts.fill ? `${REPLY_INPUT}~${opts.fill}` : REPLY_INPUT, multiline: true, max_length: TEXT_MAX.modalField, initial_value: replyField(opts.initial),
          ...(opts.watchTyping ? { dispatch_action_config: { trigger_actions_on: ['on_character_entered'] } } : {}),
        },
        ...(opts.watchTyping ? { dispatch_action: true } : {}),
      },
      ...kept,
      ...(opts.translate ? [translateBlock(opts.translate.name)] : []),
    ],
  };
}

/** The checkbox that sends the reply translated: the approver sees both texts; the translation is what is sent. */
function translateBlock(language: string) {
  return {
    type: 'input',
    block_id: TRANSLATE_BLOCK,
    optional: true,
    label: plain('Language', 2000),
    element: {
      type: 'checkboxes',
      action_id: TRANSLATE_INPUT,
      options: [{
        text: plain(`Translate to the author's language (${language})`, 150),
        value: TRANSLATE_VALUE,
        description: plain('AI assist translates your reply when you submit; the approver sees your words and the translation, and the translation is what is sent.', 150),
      }],
    },
  };
}

/** What the draft modal says about its template picker, so switching never surprises. */
export const TEMPLATE_SWITCH_NOTE = 'Picking a template replaces the reply while it is still the last template\'s text; once you have changed it, your words are kept.';

/** A reply as the modal's field holds it. */
const replyField = (text: string): string => clip(sanitizeText(text), TEXT_MAX.modalField);

/** The reply field of a draft modal's state: what was typed, and the `fill` of its action id. */
export function typedReply(values: unknown): { text: string; fill: string | undefined } | undefined {
  const block = (values as Record<string, unknown> | undefined)?.[REPLY_BLOCK];
  if (!block || typeof block !== 'object') return undefined;
  for (const [actionId, state] of Object.entries(block as Record<string, unknown>)) {
    if (actionId !== REPLY_INPUT && !actionId.startsWith(`${REPLY_INPUT}~`)) continue;
    const value = (state as { value?: unknown } | null)?.value;
    return { text: typeof value === 'string' ? value : '', fill: actionId === REPLY_INPUT ? undefined : actionId.slice(REPLY_INPUT.length + 1) };
  }
  return undefined;
}

/**
 * Whether picking a template may replace the reply: only when the field is empty or still
 * holds, untouched, a text the modal put there itself (the previous template, the draft it
 * opened on). Anything else is the person's own words, and is kept.
 */
export function mayReplaceReply(typed: string | undefined, untouched: ReadonlyArray<string | undefined>): boolean {
  if (typed === undefined) return true;
  const norm = (t: string) => t.replace(/\r\n?/g, '\n').trim();
  const now = norm(typed);
  return now === '' || untouched.some((u) => u !== undefined && norm(replyField(u)) === now);
}

export function rejectModal(opts: { meta: ModalMeta; caseTitle: string; draft: string }) {
  return {
    type: 'modal' as const,
    callback_id: REJECT_CALLBACK,
    private_metadata: JSON.stringify(opts.meta),
    title: plain('Send draft back', 24),
    submit: plain('Send back', 24),
    close: plain('Cancel', 24),
    blocks: [
      { type: 'context', elements: [plain(`${opts.caseTitle} · the draft:`, 2000)] },
      { type: 'section', text: quoted(opts.draft) },
      {
        type: 'input',
        block_id: NOTE_BLOCK,
        label: plain('What should change?', 2000),
        element: { type: 'plain_text_input', action_id: NOTE_INPUT, multiline: true, max_length: TEXT_MAX.noteField },
      },
    ],
  };
}
