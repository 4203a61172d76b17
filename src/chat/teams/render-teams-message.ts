import type { SummaryLayout } from '../../metrics/summary-layout.js';
import { clip, TEXT_MAX } from '../safe-text.js';
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
export function renderTeamsMessage(message: { title?: string | undefined; lines: string[]; summary?: { layout: SummaryLayout; footer: string[] } | undefined }): AdaptiveCard {
  if (message.summary) return renderSummaryCard(message.summary.layout, message.summary.footer);
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

/** One breakdown or note line (it may list hashtags from posts): long enough for ten of them. */
const LINE_MAX = 600;
const FACT_MAX = 200;

/**
 * A metrics answer as an Adaptive Card: the title, the headline figures as a FactSet
 * (Teams renders FactSet titles and values as Markdown, so both are escaped), what
 * stands out and the breakdowns as TextRuns (never parsed), then the hint and the footer
 * in small print. Every string is cleaned and cut to a bound first.
 */
export function renderSummaryCard(layout: SummaryLayout, footer: readonly string[] = []): AdaptiveCard {
  const body: AdaptiveElement[] = [textBlock(escapeTeamsInline(clip(layout.title, 200)), { weight: 'Bolder', size: 'Medium' })];
  if (layout.facts.length > 0) {
    body.push({ type: 'FactSet', facts: layout.facts.map((f) => ({ title: escapeTeamsInline(clip(f.label, TEXT_MAX.name)), value: escapeTeamsInline(clip(f.value, FACT_MAX)) })) });
  }
  for (const [i, note] of layout.notes.entries()) body.push(plainText(`• ${note}`, i === 0 ? { spacing: 'Medium' } : { spacing: 'None' }, LINE_MAX));
  for (const [i, b] of layout.breakdowns.entries()) body.push(plainText(`${b.label}: ${b.text}`, i === 0 ? { separator: true, spacing: 'Medium' } : { spacing: 'None' }, LINE_MAX));
  for (const [i, t] of [...(layout.more ? [layout.more] : []), ...footer].entries()) {
    // Small print: a TextRun of its own, styled, still never parsed.
    const block = plainText(t, i === 0 ? { spacing: 'Medium' } : { spacing: 'None' }, TEXT_MAX.note * 2) as { inlines: AdaptiveElement[] };
    body.push({ ...block, inlines: block.inlines.map((run) => ({ ...run, isSubtle: true, size: 'Small' })) });
  }
  return { type: 'AdaptiveCard', $schema: ADAPTIVE_CARD_SCHEMA, version: '1.5', body };
}
