import type { TaskModuleResponse } from 'botbuilder';
import type { CaseForm, CaseInteractions } from '../../app/case-interactions.js';
import type { ActionRef } from '../../domain/actions.js';
import { suggestionNote } from '../../app/draft-assistant.js';
import type { Actor } from '../../domain/actor.js';
import type { TeamsAction } from './parse-teams-action.js';
import { renderTeamsDialog } from './render-teams-dialog.js';
import { dialogMessage } from './teams-answers.js';


/**
 * The draft dialog's "Suggest a reply" (a task/submit): the dialog comes back with the
 * suggestion in the reply field. Words the person had typed themselves stay in the field,
 * with the suggestion shown under it to copy from.
 */
export async function suggestInDialog(interactions: CaseInteractions, value: TeamsAction, typed: string, actor: Actor): Promise<TaskModuleResponse> {
  const result = await interactions.suggest(value.ref, actor);
  if (!result.ok) {
    const reopened = await interactions.openForm('case.draft', value.ref, actor);
    if (!reopened.ok) return renderError(reopened.refusal.message, typed);
    return renderTeamsDialog(reopened.form, { text: typed || reopened.form.initial, assistNote: result.refusal.message });
  }
  const { form, suggestion } = result;
  const untouched = [form.initial, ''].map((t) => t.trim());
  const replace = suggestion.text.trim() !== '' && untouched.includes(typed.trim());
  const note = suggestionNote(suggestion);
  const assisted = suggestion.fromModel;
  return (replace
    ? renderTeamsDialog(form, { text: suggestion.text, assistNote: note, assisted })
    : renderTeamsDialog(form, { text: typed, assistNote: note, assisted, kept: { title: assisted ? 'Your words were kept. AI assist suggests:' : 'Your words were kept. The template reads:', text: suggestion.text } }));
}

/**
 * How long the draft dialog waits for a suggestion as it opens (`assist.prefill`): Teams
 * gives a dialog's fetch a few seconds, and a dialog cannot change once it is open.
 */
export const TEAMS_PREFILL_WAIT_MS = 3000;

/** What the dialog says when the suggestion was not ready as it opened. */
export const PREFILL_LATE = 'AI assist had not finished a suggestion when this dialog opened, so the reply is the template. Suggest a reply asks again.';

/**
 * The draft dialog with `assist.prefill`: it opens with the suggestion if the model answers
 * within `waitMs`, otherwise with the template and a note saying so.
 */
export async function prefilledDialog(interactions: CaseInteractions, form: CaseForm, ref: ActionRef, actor: Actor, waitMs = TEAMS_PREFILL_WAIT_MS): Promise<TaskModuleResponse> {
  const started = await interactions.startSuggest(ref, actor, form.templateId);
  if (!started.ok) return renderTeamsDialog(form);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => { timer = setTimeout(resolve, waitMs, undefined); });
  // A suggestion that comes too late, or fails, is let go: the dialog opens with the template.
  const result = await Promise.race([started.outcome.catch(() => undefined), late]);
  clearTimeout(timer);
  if (!result) return renderTeamsDialog(form, { assistNote: PREFILL_LATE });
  if (!result.ok) return renderTeamsDialog(form, { assistNote: result.refusal.message });
  const { suggestion } = result;
  return renderTeamsDialog(form, { text: suggestion.text, assistNote: suggestionNote(suggestion), assisted: suggestion.fromModel });
}

const renderError = (message: string, typed: string): TaskModuleResponse => dialogMessage(`${message}${typed ? `\n\nYour text, so nothing is lost:\n${typed}` : ''}`);
