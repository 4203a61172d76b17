import type { CaseActionId } from '../../domain/actions.js';
import type { AlertCard } from '../../cards/alert-card.js';
import { clip, TEXT_MAX } from '../safe-text.js';
import { escapeTeamsMarkdown } from './escape-teams-markdown.js';
import { ADAPTIVE_CARD_SCHEMA, cardButton, inline, link, plainText, textBlock, type AdaptiveCard, type AdaptiveElement } from './render-adaptive-card.js';

/** The alert's buttons that open a dialog in Teams (the draft and send-back forms), as on the card. */
const DIALOG: ReadonlySet<CaseActionId> = new Set(['case.draft', 'case.reject']);

/**
 * A personal alert as an Adaptive Card 1.5, for the person's 1:1 chat with the bot. Pure.
 * The post, the draft and the notes are TextRuns (never parsed as Markdown). The buttons
 * are the case card's own (verb = action id, data = case id and version), plus `alert`
 * naming the kind, so the bot answers a click from the chat with this alert rather than
 * with the channel's card. A closed alert keeps its words and loses its buttons.
 */
export function renderAlertAdaptiveCard(alert: AlertCard): AdaptiveCard {
  const body: AdaptiveElement[] = [
    textBlock(inline(alert.title), { weight: 'Bolder', size: 'Medium', style: 'heading' }),
    plainText(alert.source, { isSubtle: true, spacing: 'Small' }, TEXT_MAX.name * 2),
    plainText(alert.text, {}, TEXT_MAX.cardText),
    ...alert.details.map((d) => ({ type: 'Container', style: 'emphasis', items: [plainText(d, {}, TEXT_MAX.draftText)] })),
  ];
  if (alert.link) body.push(textBlock(link(alert.link.url, alert.link.label), { size: 'Small' }));
  const actions = alert.open
    ? alert.actions.map((a) => cardButton({ id: a.id, label: a.label, style: a.style, dialog: DIALOG.has(a.id), data: { caseId: alert.caseId, version: alert.version, alert: alert.kind } }))
    : [];
  return {
    type: 'AdaptiveCard',
    $schema: ADAPTIVE_CARD_SCHEMA,
    version: '1.5',
    body,
    ...(actions.length > 0 ? { actions } : {}),
    fallbackText: escapeTeamsMarkdown(clip(alert.summary, TEXT_MAX.summary)),
  };
}
