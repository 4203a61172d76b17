import type { TaskModuleResponse } from 'botbuilder';
import type { CaseInteractions } from '../../app/case-interactions.js';
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

const renderError = (message: string, typed: string): TaskModuleResponse => dialogMessage(`${message}${typed ? `\n\nYour text, so nothing is lost:\n${typed}` : ''}`);
