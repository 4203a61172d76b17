import { sanitizeText } from '../safe-text.js';

// Characters that start Markdown in an Adaptive Card TextBlock or FactSet as Teams renders
// it (bold, italic, strike, code, links, headings, quotes) plus `<` and `>`, which Teams
// reads as HTML-ish tags such as `<at>` mentions. CommonMark lets any ASCII punctuation
// be escaped with a backslash.
// https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format
const SPECIAL = /[\\`*_~[\]()#<>]/g;
// A list item or a numbered list at the start of a line.
const LIST_START = /^(\s*)([-+]|\d+\.)(\s)/gm;

/**
 * Escapes untrusted text for a Markdown-rendering Adaptive Card field (TextBlock,
 * FactSet), so a stranger's post cannot make a live link, a mention, a heading or bold
 * text. Long free text goes into TextRuns instead, which Adaptive Cards never parse as
 * Markdown; this is for the short strings (names, labels) that sit inside formatted lines.
 */
export function escapeTeamsMarkdown(input: string): string {
  return sanitizeText(input)
    .replace(SPECIAL, (c) => `\\${c}`)
    .replace(LIST_START, (_all, space: string, marker: string, after: string) => `${space}${marker.replace(/([-+.])$/, '\\$1')}${after}`);
}

/** For one line (a name inside a sentence): escaped, line breaks folded to spaces. */
export function escapeTeamsInline(input: string): string {
  return escapeTeamsMarkdown(input.replace(/\s*\n\s*/g, ' '));
}
