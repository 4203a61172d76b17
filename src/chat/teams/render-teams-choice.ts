import type { CaseChoice, ChoiceAnswer } from '../../app/case-interactions.js';
import { optionOptional } from '../../app/case-interactions.js';
import { clip, sanitizeText, TEXT_MAX } from '../safe-text.js';
import { escapeTeamsInline, escapeTeamsMarkdown } from './escape-teams-markdown.js';
import { textBlock, type AdaptiveElement } from './render-adaptive-card.js';
import { teamsDialog, type TeamsDialogResponse } from './render-teams-dialog.js';

/** Ids of the dialog's inputs; they come back under these names in task/submit. */
export const CHOICE_FIELDS = { option: 'option', text: 'text' } as const;

/**
 * The Teams dialog for an action that needs one choice (snooze until, why ignored, whom
 * to hand the case to, which private template): a list of the options Earshot offers,
 * free text where the choice allows it, and a submit button that remembers the case and
 * the version. Reassigning offers the group's people; Teams has no people picker in
 * Adaptive Cards 1.5, so anyone else is reassigned from Slack or by adding them to the group.
 */
export function renderTeamsChoice(choice: CaseChoice, opts: { answer?: ChoiceAnswer; problem?: string } = {}): TeamsDialogResponse {
  const body: AdaptiveElement[] = [textBlock(escapeTeamsInline(choice.title), { isSubtle: true })];
  if (choice.options.length > 0) {
    body.push({
      type: 'Input.ChoiceSet',
      id: CHOICE_FIELDS.option,
      label: clip(sanitizeText(choice.label), 100),
      style: 'expanded',
      isRequired: !optionOptional(choice),
      errorMessage: 'Pick one.',
      choices: choice.options.slice(0, 100).map((o) => ({ title: clip(sanitizeText(o.label), TEXT_MAX.option), value: o.value })),
      ...(opts.answer?.option ? { value: opts.answer.option } : {}),
    });
  } else if (!choice.freeText) {
    body.push(textBlock(escapeTeamsMarkdown(`${choice.label}: there is nobody to offer here.`), { color: 'Attention' }));
  }
  if (choice.freeText) {
    body.push({
      type: 'Input.Text', id: CHOICE_FIELDS.text, label: clip(sanitizeText(choice.freeText.label), 100), isMultiline: true, maxLength: 500,
      isRequired: choice.freeText.required, ...(opts.answer?.text ? { value: clip(sanitizeText(opts.answer.text), 500) } : {}),
    });
  }
  const submit = { type: 'Action.Submit', title: clip(choice.submit, 40), data: { action: choice.action, caseId: choice.caseId, version: choice.version } };
  return teamsDialog(`${clip(choice.submit, 30)} · ${clip(sanitizeText(choice.title), 40)}`, body, submit, opts.problem);
}
