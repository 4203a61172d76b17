import { clip } from '../safe-text.js';
import { escapeTeamsInline } from './escape-teams-markdown.js';

// Characters of text per message, and what each line's JSON costs on top; leaves room under 28 KB.
const TEXT_BUDGET = 16_000;
const LINE_OVERHEAD = 80;
import { ADAPTIVE_CARD_SCHEMA, plainText, textBlock, type AdaptiveCard, type AdaptiveElement } from './render-adaptive-card.js';

/**
 * A plain message (a note in a card's thread, a notice, a command's answer) as an
 * Adaptive Card: the title is escaped and every line is a TextRun, so names, notes and
 * hashtags from outside are shown as written and never parsed as Markdown or HTML, which
 * Teams would do to a message's `text`.
 */
export function renderTeamsMessage(message: { title?: string | undefined; lines: string[] }): AdaptiveCard {
  const body: AdaptiveElement[] = [];
  if (message.title) body.push(textBlock(escapeTeamsInline(clip(message.title, 200)), { weight: 'Bolder' }));
  // Teams refuses messages over about 28 KB: a long answer (a big queue) is cut, and says so.
  let budget = TEXT_BUDGET;
  for (const [i, line] of message.lines.entries()) {
    if (line.length + LINE_OVERHEAD > budget) {
      body.push(textBlock(`_… ${message.lines.length - i} more line(s) not shown; narrow the command to see them._`, { isSubtle: true }));
      break;
    }
    budget -= line.length + LINE_OVERHEAD;
    body.push(plainText(line || ' ', i === 0 ? {} : { spacing: 'None' }));
  }
  if (body.length === 0) body.push(plainText(' '));
  return { type: 'AdaptiveCard', $schema: ADAPTIVE_CARD_SCHEMA, version: '1.5', body };
}
