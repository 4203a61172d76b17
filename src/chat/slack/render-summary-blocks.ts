import type { KnownBlock } from '@slack/web-api';
import type { SummaryLayout } from '../../metrics/summary-layout.js';
import { clip, clipEscaped, sanitizeText, TEXT_MAX } from '../safe-text.js';
import { escapeInline, escapeMrkdwn } from './escape-mrkdwn.js';

// Block Kit limits (docs.slack.dev/reference/block-kit): header ≤ 150, a section's text
// ≤ 3000, ≤ 10 fields of ≤ 2000 each, ≤ 10 context elements, ≤ 50 blocks per message.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const FIELDS_MAX = 10;
/** One breakdown line (it may list hashtags from posts): long enough for ten of them. */
const LINE_MAX = 600;

type Block = Record<string, unknown>;

/** mrkdwn from escaped pieces; `verbatim` stops Slack from auto-linking names and URLs in it. */
const mrkdwn = (escaped: string, max = SECTION_MAX): Block => ({ type: 'mrkdwn', text: clipEscaped(escaped, max), verbatim: true });
/** Any string of the layout: cleaned, cut to its bound, escaped, on one line. */
const line = (text: string, max = LINE_MAX): string => escapeInline(clip(text, max));

/**
 * A metrics answer as Block Kit: the title as a header, the headline figures as a
 * section with fields (label in bold over the value, two columns), what stands out, the
 * breakdowns, then the hint and the footer (who may see what, where the charts are) in
 * small print. Every string of the layout is escaped here: hashtags, topics, source and
 * group names come from posts and configuration, names from people. Pure.
 */
export function renderSummaryBlocks(layout: SummaryLayout, footer: readonly string[] = []): KnownBlock[] {
  const blocks: Block[] = [];
  // plain_text is never parsed: a group or agent name in the title stays text.
  blocks.push({ type: 'header', text: { type: 'plain_text', text: clip(sanitizeText(layout.title.replace(/\s*\n\s*/g, ' ')), HEADER_MAX), emoji: false } });
  if (layout.facts.length > 0) {
    blocks.push({
      type: 'section',
      block_id: 'headline',
      fields: layout.facts.slice(0, FIELDS_MAX).map((f) => mrkdwn(`*${line(f.label, TEXT_MAX.name)}*\n${line(f.value)}`, FIELD_MAX)),
    });
  }
  if (layout.notes.length > 0) {
    blocks.push({ type: 'section', block_id: 'notes', text: mrkdwn(layout.notes.map((n) => `• ${line(n)}`).join('\n')) });
  }
  if (layout.breakdowns.length > 0) {
    blocks.push({ type: 'divider' });
    blocks.push({ type: 'section', block_id: 'breakdowns', text: mrkdwn(layout.breakdowns.map((b) => `*${line(b.label, TEXT_MAX.name)}:* ${line(b.text)}`).join('\n')) });
  }
  const small = [...(layout.more ? [layout.more] : []), ...footer].filter((t) => t.trim());
  if (small.length > 0) {
    blocks.push({ type: 'context', block_id: 'footer', elements: small.slice(0, 10).map((t) => mrkdwn(escapeMrkdwn(clip(t, TEXT_MAX.note * 2)))) });
  }
  return blocks as unknown as KnownBlock[];
}
