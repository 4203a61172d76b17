import { escapeTeamsInline } from './escape-teams-markdown.js';
import { ADAPTIVE_CARD_SCHEMA, plainText, textBlock, type AdaptiveCard, type AdaptiveElement } from './render-adaptive-card.js';

/**
 * A plain message (a note in a card's thread, a notice, a command's answer) as an
 * Adaptive Card: the title is escaped and every line is a TextRun, so names, notes and
 * hashtags from outside are shown as written and never parsed as Markdown or HTML, which
 * Teams would do to a message's `text`.
 */
export function renderTeamsMessage(message: { title?: string | undefined; lines: string[] }): AdaptiveCard {
  const body: AdaptiveElement[] = [];
  if (message.title) body.push(textBlock(escapeTeamsInline(message.title), { weight: 'Bolder' }));
  message.lines.forEach((line, i) => body.push(plainText(line || ' ', i === 0 ? {} : { spacing: 'None' })));
  if (body.length === 0) body.push(plainText(' '));
  return { type: 'AdaptiveCard', $schema: ADAPTIVE_CARD_SCHEMA, version: '1.5', body };
}
