import type { CaseActionId } from '../../domain/actions.js';
import type { Card } from '../../cards/card.js';
import { clip, compactNumber, safeUrl, sanitizeText, TEXT_MAX } from '../safe-text.js';
import { escapeTeamsInline, escapeTeamsMarkdown } from './escape-teams-markdown.js';
import { aiLines, aiTranslationLabel, draftTranslatedLabel } from '../../cards/ai-labels.js';

/** An Adaptive Card as JSON. Elements are plain objects, checked against the 1.5 schema in the tests. */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.5';
  body: AdaptiveElement[];
  actions?: AdaptiveElement[];
  fallbackText?: string;
  /** Universal Actions: the action Teams runs to refresh the card for `userIds` when they look at it. */
  refresh?: AdaptiveElement;
  /** Teams-only settings; outside the Adaptive Card schema. */
  msteams?: { width: 'Full' };
}
export type AdaptiveElement = Record<string, unknown>;

export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const ADAPTIVE_CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

// Teams refuses messages over about 28 KB, so every text has a budget (TEXT_MAX): the
// post, the draft (replies on the networks Earshot serves are far shorter) and a note fit together.
/** Teams lays out at most six buttons in a row; more go to the "…" overflow menu (mode: secondary). */
const PRIMARY_ACTIONS = 5;

/** The buttons that open a Teams dialog (task module) instead of acting at once: forms and choices. */
const DIALOG_ACTIONS: ReadonlySet<CaseActionId> = new Set(['case.draft', 'case.reject', 'case.snooze', 'case.ignore', 'case.reassign', 'case.redirect', 'case.route', 'case.retag', 'case.split', 'case.escalate']);

/** Card button styles as Adaptive Cards name them. */
export const STYLE = { primary: 'positive', danger: 'destructive' } as const;

/** A text block with Markdown from Earshot and only escaped strings from anyone else. */
export const textBlock = (markdown: string, extra: AdaptiveElement = {}): AdaptiveElement => ({ type: 'TextBlock', text: markdown, wrap: true, ...extra });

/**
 * Untrusted free text (a post, a draft, a note) as a TextRun: Adaptive Cards never parse
 * a TextRun as Markdown, so it shows exactly what was written, links and all, inert.
 */
export const plainText = (text: string, extra: AdaptiveElement = {}, max: number = TEXT_MAX.draftText): AdaptiveElement => ({
  type: 'RichTextBlock',
  inlines: [{ type: 'TextRun', text: clip(sanitizeText(text), max) }],
  ...extra,
});

/** A name or label inside a formatted line: escaped, on one line, and short. */
export const inline = (text: string): string => escapeTeamsInline(clip(text, TEXT_MAX.name));

/** A live link: only URLs that pass {@link safeUrl}; otherwise the label alone. */
export function link(url: string, label: string): string {
  const safe = safeUrl(url);
  return safe ? `[${inline(label)}](${safe})` : inline(label);
}

/**
 * One card button (case or storm card): a Universal Action whose verb is the action id and
 * whose data says what it acts on and the version the clicker saw, or, for an action that
 * needs a dialog, an Action.Submit that opens it.
 */
export function cardButton(b: {
  id: string;
  label: string;
  style?: 'primary' | 'danger' | undefined;
  data: Record<string, unknown>;
  dialog: boolean;
  /** In the "…" overflow menu. */
  secondary?: boolean;
}): AdaptiveElement {
  const colour = b.style ? { style: STYLE[b.style] } : {};
  const style = { ...colour, ...(b.secondary ? { mode: 'secondary' } : {}) };
  const title = clip(sanitizeText(b.label), 40);
  if (b.dialog) {
    // Universal Actions cannot open a dialog; an Action.Submit carrying msteams task/fetch
    // can (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/task-modules/task-modules-bots).
    return { type: 'Action.Submit', title, data: { msteams: { type: 'task/fetch' }, action: b.id, ...b.data }, ...style };
  }
  return {
    type: 'Action.Execute',
    title,
    verb: b.id,
    data: b.data,
    ...style,
    // Clients without Universal Actions send this as a message activity instead.
    fallback: { type: 'Action.Submit', title, data: { action: b.id, ...b.data }, ...colour },
  };
}

function action(card: Card, a: Card['actions'][number], i: number, all: number): AdaptiveElement {
  return cardButton({
    id: a.id, label: a.label, style: a.style, dialog: DIALOG_ACTIONS.has(a.id),
    data: { caseId: card.caseId, version: card.version },
    secondary: all > PRIMARY_ACTIONS + 1 && i >= PRIMARY_ACTIONS,
  });
}

/**
 * Renders a card as an Adaptive Card 1.5 for Teams. Pure. Every string from outside
 * Earshot is either escaped (short strings inside formatted lines) or put in a TextRun
 * (free text), and the card carries no mention entities, so nothing in a post can ping
 * anyone or become a disguised link. Buttons are Universal Actions whose verb is the
 * action id and whose data carries the case id and the version the clicker saw.
 */
export function renderAdaptiveCard(card: Card): AdaptiveCard {
  const a = card.author;
  const body: AdaptiveElement[] = [
    textBlock(inline(card.title), { weight: 'Bolder', size: 'Medium', style: 'heading' }),
    // A notice (moved, removed) is Earshot speaking: it has no author line.
    ...(a ? [textBlock(`**${inline(a.name || a.handle)}** ${inline(`@${a.handle}`)} · ${compactNumber(a.followers)} followers${a.verified ? ' · verified' : ''}`, { spacing: 'Small' })] : []),
    card.text.trim() ? plainText(card.text, {}, TEXT_MAX.cardText) : textBlock('_(no text)_', { isSubtle: true }),
  ];
  if (card.ai?.translation) {
    body.push(textBlock(inline(aiTranslationLabel(card.ai.translation.from)), { isSubtle: true, size: 'Small', spacing: 'Small' }), plainText(card.ai.translation.text, {}, TEXT_MAX.cardText));
  }
  for (const line of aiLines(card.ai)) body.push(textBlock(escapeTeamsMarkdown(clip(line, TEXT_MAX.note)), { isSubtle: true, size: 'Small', spacing: 'Small' }));
  if (card.badges.length > 0) {
    body.push(textBlock(card.badges.slice(0, 12).map(inline).join(' · '), { isSubtle: true, size: 'Small', spacing: 'Small' }));
  }
  body.push({ type: 'FactSet', facts: card.facts.slice(0, 12).map((f) => ({ title: inline(f.label), value: inline(f.value) })) });

  if (card.draft) {
    const d = card.draft;
    const approvals = d.needed > 0 ? ` · approvals ${d.approvals.length}/${d.needed}${d.approvals.length ? ` (${d.approvals.map(inline).join(', ')})` : ''}` : '';
    const template = d.template ? ` · from template _${inline(d.template)}_` : '';
    body.push({
      type: 'Container',
      style: 'emphasis',
      items: [
        textBlock(`**Draft reply** by ${inline(d.by)}${template}${approvals}`),
        plainText(d.text, {}, TEXT_MAX.draftText),
        ...(d.assist ? [textBlock(inline(d.assist), { isSubtle: true, size: 'Small', spacing: 'Small' })] : []),
        ...(d.translated ? [textBlock(inline(draftTranslatedLabel(d)), { isSubtle: true, size: 'Small', spacing: 'Small' }), plainText(d.translated.original, {}, TEXT_MAX.draftText)] : []),
      ],
    });
  }
  if (card.rejection) {
    body.push({
      type: 'Container',
      style: 'attention',
      items: [textBlock(`**Sent back** by ${inline(card.rejection.by)}:`), plainText(card.rejection.note, {}, TEXT_MAX.rejectionNote)],
    });
  }
  for (const note of card.notes.slice(0, 10)) body.push(textBlock(escapeTeamsMarkdown(clip(note, TEXT_MAX.note)), { isSubtle: true, size: 'Small', spacing: 'Small' }));
  body.push(textBlock(card.links.map((l) => link(l.url, l.label)).join(' · '), { size: 'Small' }));

  return {
    type: 'AdaptiveCard',
    $schema: ADAPTIVE_CARD_SCHEMA,
    version: '1.5',
    body,
    ...(card.actions.length > 0 ? { actions: card.actions.map((x, i) => action(card, x, i, card.actions.length)) } : {}),
    fallbackText: escapeTeamsMarkdown(clip(card.summary, TEXT_MAX.summary)),
    msteams: { width: 'Full' },
  };
}
