/**
 * The choice dialogs say what is required: Move to group needs a group (its note is
 * optional), Ignore takes a listed reason or one in the person's words. Slack marks an
 * optional block "(optional)" itself, so no label says it again.
 */
import { describe, expect, it } from 'vitest';
import type { CaseChoice } from '../../src/app/case-interactions.js';
import { choiceModal } from '../../src/chat/slack/slack-choices.js';
import { renderTeamsChoice } from '../../src/chat/teams/render-teams-choice.js';

const move: CaseChoice = {
  action: 'case.route', caseId: '7', version: 2, title: 'Case 7', label: 'Move from Care to',
  options: [{ value: 'billing', label: 'Billing' }], freeText: { label: 'A note for that group', required: false }, submit: 'Move',
};
const ignore: CaseChoice = {
  action: 'case.ignore', caseId: '7', version: 2, title: 'Case 7', label: 'Why is it ignored?',
  options: [{ value: 'spam', label: 'spam' }], freeText: { label: 'Or in your words', required: false, replacesOption: true }, submit: 'Ignore',
};

type Block = { type: string; block_id?: string; optional?: boolean; label?: { text: string } };
const inputs = (c: CaseChoice) => (choiceModal(c, 'C1').blocks as Block[]).filter((b) => b.type === 'input');
type Element = { type: string; isRequired?: boolean; label?: string };
const teamsInputs = (c: CaseChoice) => (renderTeamsChoice(c).task.value.card.content.body as Element[]).filter((e) => e.type.startsWith('Input.'));

describe('choice dialogs', () => {
  it('Move to group: the group is required, the note optional, and no label says "(optional)"', () => {
    const [group, note] = inputs(move);
    expect(group).toMatchObject({ optional: false });
    expect(note).toMatchObject({ optional: true, label: { text: 'A note for that group' } });
    expect(JSON.stringify(choiceModal(move, 'C1'))).not.toContain('(optional)');
    const [choiceSet, text] = teamsInputs(move);
    expect(choiceSet).toMatchObject({ type: 'Input.ChoiceSet', isRequired: true });
    expect(text).toMatchObject({ type: 'Input.Text', isRequired: false });
  });

  it('Ignore: a listed reason or one in the person\'s words, so neither field is required', () => {
    const [reason, words] = inputs(ignore);
    expect(reason).toMatchObject({ optional: true });
    expect(words).toMatchObject({ optional: true });
    expect(teamsInputs(ignore)[0]).toMatchObject({ type: 'Input.ChoiceSet', isRequired: false });
  });
});
