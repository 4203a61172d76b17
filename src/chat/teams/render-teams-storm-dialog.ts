import { clip, sanitizeText, TEXT_MAX } from '../safe-text.js';
import { escapeTeamsInline, escapeTeamsMarkdown } from './escape-teams-markdown.js';
import { plainText, textBlock, type AdaptiveElement } from './render-adaptive-card.js';
import { teamsDialog, type TeamsDialogResponse } from './render-teams-dialog.js';

/** The id of the template choice; it comes back under this name in task/submit. */
export const STORM_TEMPLATE_FIELD = 'template';

/** What the storm reply dialog shows: the storm, as the card the clicker saw, and the templates that may answer it. */
export interface StormDraftDialog {
  stormId: string;
  version: number;
  topic: string;
  templates: ReadonlyArray<{ id: string; name: string; text: string }>;
}

/**
 * The Teams dialog behind a storm card's "Reply to all…": the templates that may answer
 * many (public, for the group, naming the author), each shown as written, one choice, and
 * a submit button whose data remembers the storm and the version the card showed. The same
 * choice as Slack's storm reply form; `problem` shows it again with what went wrong.
 */
export function renderTeamsStormDialog(d: StormDraftDialog, opts: { templateId?: string | undefined; problem?: string | undefined } = {}): TeamsDialogResponse {
  const templates = d.templates.slice(0, 10);
  const body: AdaptiveElement[] = [
    textBlock(escapeTeamsMarkdown(`Storm about ${clip(d.topic, 60)}: every unclaimed author gets the template, personalised, at the pace the network allows.`), { isSubtle: true }),
  ];
  for (const t of templates) {
    body.push({ type: 'Container', separator: true, items: [textBlock(`**${escapeTeamsInline(clip(t.name, 100))}**`, { size: 'Small' }), plainText(t.text, { spacing: 'Small' }, 1000)] });
  }
  body.push({
    type: 'Input.ChoiceSet',
    id: STORM_TEMPLATE_FIELD,
    label: 'Template',
    style: 'expanded',
    isRequired: true,
    errorMessage: 'Pick a template.',
    choices: templates.map((t) => ({ title: clip(sanitizeText(t.name), TEXT_MAX.option), value: t.id })),
    ...(opts.templateId && templates.some((t) => t.id === opts.templateId) ? { value: opts.templateId } : {}),
  });
  const submit = { type: 'Action.Submit', title: 'Submit for approval', style: 'positive', data: { action: 'storm.draft', stormId: d.stormId, version: d.version } };
  return teamsDialog(`Reply to the storm · ${clip(sanitizeText(d.topic), 40)}`, body, submit, opts.problem);
}
