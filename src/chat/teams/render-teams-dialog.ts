import type { CaseForm, FormAction } from '../../app/case-interactions.js';
import { clip, sanitizeText, TEXT_MAX } from '../safe-text.js';

/** What the draft dialog says where it would offer a suggestion while AI assist is not configured. */
export const ASSIST_OFF_NOTE = 'AI assist is off: no suggestions, and nothing is sent to any AI model. An operator can turn it on.';
import { escapeTeamsInline, escapeTeamsMarkdown } from './escape-teams-markdown.js';
import { ADAPTIVE_CARD_SCHEMA, ADAPTIVE_CARD_TYPE, plainText, textBlock, type AdaptiveCard, type AdaptiveElement } from './render-adaptive-card.js';

/** The id of the text input in each dialog; it comes back under this name in task/submit. */
export const DIALOG_FIELD: Record<FormAction, string> = { 'case.draft': 'reply', 'case.reject': 'note', 'case.redirect': 'reply' };

/** A `task/fetch` or `task/submit` answer that shows (or keeps showing) a dialog. */
export interface TeamsDialogResponse {
  task: { type: 'continue'; value: { title: string; width: 'medium'; height: 'medium'; card: { contentType: typeof ADAPTIVE_CARD_TYPE; content: AdaptiveCard } } };
}

/** A dialog: `body`, then the problem to fix (if any) in red, and one submit button. */
export function teamsDialog(title: string, body: AdaptiveElement[], submit: AdaptiveElement | AdaptiveElement[], problem?: string): TeamsDialogResponse {
  const content: AdaptiveCard = {
    type: 'AdaptiveCard',
    $schema: ADAPTIVE_CARD_SCHEMA,
    version: '1.5',
    body: problem ? [...body, textBlock(escapeTeamsMarkdown(problem), { color: 'Attention', weight: 'Bolder' })] : body,
    actions: Array.isArray(submit) ? submit : [submit],
  };
  return { task: { type: 'continue', value: { title, width: 'medium', height: 'medium', card: { contentType: ADAPTIVE_CARD_TYPE, content } } } };
}

const LABELS: Record<FormAction, { title: string; field: string; submit: string; intro: string; max: number; missing: string }> = {
  'case.draft': { title: 'Draft reply', field: 'Your reply', submit: 'Submit for approval', intro: 'wrote:', max: TEXT_MAX.modalField, missing: 'Write a reply first.' },
  'case.redirect': { title: 'Private message', field: 'Your message to the author', submit: 'Submit for approval', intro: 'wrote:', max: TEXT_MAX.modalField, missing: 'Write the message first.' },
  'case.reject': { title: 'Send draft back', field: 'What should change?', submit: 'Send back', intro: 'the draft:', max: TEXT_MAX.noteField, missing: 'Say what should change: the note is required.' },
};

/** The draft dialog's "translate to the author's language" toggle (AI assist): the approver sees both texts; the translation is sent. */
export const TRANSLATE_FIELD = 'translate';
const translateToggle = (language: string): AdaptiveElement => ({
  type: 'Input.Toggle',
  id: TRANSLATE_FIELD,
  title: clip(sanitizeText(`Translate to the author's language (${language}): AI assist translates your reply when you submit; the approver sees both, and the translation is what is sent`), 300),
  value: 'false',
  valueOn: 'true',
  valueOff: 'false',
});

/**
 * The Teams dialog (task module) for a draft or reject form: the mention or the draft
 * quoted as plain text, one text field, and a submit button whose data remembers the
 * case and the version the form was opened on. `text` keeps what was typed when the
 * dialog is shown again with a `problem` under it.
 */
export function renderTeamsDialog(form: CaseForm, opts: { text?: string; problem?: string; assistNote?: string; assisted?: boolean; kept?: { title: string; text: string } } = {}): TeamsDialogResponse {
  const l = LABELS[form.action];
  const drafting = form.action !== 'case.reject';
  const quoted = drafting ? form.mentionText : form.draft ?? '';
  const body: AdaptiveElement[] = [
    // Move to DM says first how the message will reach the author: a DM, or a public invitation.
    ...(form.privateRoute ? [textBlock(escapeTeamsMarkdown(form.privateRoute), { weight: 'Bolder' })] : []),
    textBlock(`${escapeTeamsInline(form.title)} · ${escapeTeamsInline(form.author)} ${l.intro}`, { isSubtle: true }),
    quoted.trim() ? plainText(quoted, {}, TEXT_MAX.modalText) : textBlock('_(no text)_', { isSubtle: true }),
    {
      type: 'Input.Text',
      id: DIALOG_FIELD[form.action],
      label: l.field,
      isMultiline: true,
      maxLength: l.max,
      isRequired: true,
      errorMessage: l.missing,
      value: clip(sanitizeText(opts.text ?? form.initial), l.max),
    },
  ];
  if (drafting) body.push(textBlock(escapeTeamsMarkdown(form.limitHint), { isSubtle: true, size: 'Small', spacing: 'Small' }));
  if (form.action === 'case.draft' && form.translateTo) body.push(translateToggle(form.translateTo.name));
  const data = { action: form.action, caseId: form.caseId, version: form.version, ...(form.templateId ? { templateId: form.templateId } : {}), ...(opts.assisted ? { assisted: true } : {}) };
  const submit = { type: 'Action.Submit', title: l.submit, data, style: drafting ? 'positive' : 'destructive' };
  const actions: AdaptiveElement[] = [submit];
  if (form.action === 'case.draft') {
    // AI assist: a second submit that asks for a suggestion (the dialog comes back with it), or the words saying it is off.
    if (form.assistOn) actions.push({ type: 'Action.Submit', title: 'Suggest a reply', data: { ...data, assist: 'suggest' }, associatedInputs: 'auto' });
    const note = form.assistOn ? opts.assistNote : ASSIST_OFF_NOTE;
    if (note) body.push(textBlock(escapeTeamsMarkdown(note), { isSubtle: !form.assistOn, size: 'Small', spacing: 'Small' }));
    if (opts.kept) body.push(textBlock(escapeTeamsMarkdown(opts.kept.title), { size: 'Small', weight: 'Bolder' }), plainText(opts.kept.text, {}, TEXT_MAX.modalText));
  }
  return teamsDialog(`${l.title} · ${clip(sanitizeText(form.title), 40)}`, body, actions, opts.problem);
}
