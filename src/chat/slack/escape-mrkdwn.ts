import { sanitizeText } from '../safe-text.js';

/**
 * Slack treats `&`, `<` and `>` as control characters in mrkdwn and in message text;
 * unescaped user text could ping a channel (`<!channel>`), a user (`<@U…>`) or show a
 * spoofed link (`<https://evil|https://bank>`). Escape `&` first, and nothing else:
 * Slack decodes only these three entities.
 * https://api.slack.com/reference/surfaces/formatting#escaping
 */
export function escapeMrkdwn(input: string): string {
  return sanitizeText(input).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** For a single line (a name in a heading): escaped, with line breaks folded to spaces. */
export function escapeInline(input: string): string {
  return escapeMrkdwn(input).replace(/\n+/g, ' ');
}

/** Quotes multi-line text as a Slack block quote. */
export function quote(escaped: string): string {
  return escaped.split('\n').map((l) => `>${l}`).join('\n');
}
