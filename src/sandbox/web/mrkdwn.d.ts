/** Types for mrkdwn.js (plain JavaScript served to the browser as is). */
export type MrkdwnNode =
  | { type: 'text'; text: string }
  | { type: 'br' }
  | { type: 'bold' | 'italic' | 'strike'; children: MrkdwnNode[] }
  | { type: 'code'; text: string }
  | { type: 'pre'; text: string }
  | { type: 'quote'; children: MrkdwnNode[] }
  | { type: 'link'; url: string; children: MrkdwnNode[] }
  | { type: 'mention'; text: string };

/** Decodes `&lt;`, `&gt;` and `&amp;` (the only entities Slack uses), in one pass. */
export function decodeEntities(s: string): string;
/** Inline formatting within one line. */
export function parseInline(s: string): MrkdwnNode[];
/** Parses a mrkdwn string into nodes. */
export function parseMrkdwn(text: string | null | undefined): MrkdwnNode[];
/** The text a node tree shows, without formatting. */
export function plainText(nodes: MrkdwnNode[]): string;
