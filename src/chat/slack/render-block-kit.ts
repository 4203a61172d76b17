import type { KnownBlock } from '@slack/web-api';
import { encodeActionValue } from '../../domain/actions.js';
import type { Card } from '../../cards/card.js';
import { clip, clipEscaped, compactNumber, safeUrl, sanitizeText, TEXT_MAX } from '../safe-text.js';
import { aiLines, aiTranslationLabel, draftTranslatedLabel } from '../../cards/ai-labels.js';
import { escapeInline, escapeMrkdwn, quote } from './escape-mrkdwn.js';

// Block Kit limits (docs.slack.dev/reference/block-kit): text objects ≤ 3000 chars,
// header ≤ 150, button text ≤ 75, ≤ 10 section fields, ≤ 50 blocks per message.
const SECTION_MAX = 3000;

type Block = Record<string, unknown>;

/** A mrkdwn text object. `verbatim` stops Slack from auto-linking URLs and names in it. */
const mrkdwn = (text: string): Block => ({ type: 'mrkdwn', text: clipEscaped(text, SECTION_MAX), verbatim: true });
const plain = (text: string, max = SECTION_MAX): Block => ({ type: 'plain_text', text: clip(sanitizeText(text), max), emoji: true });
/** A name or label inside a formatted line: cut to its bound, escaped, on one line. */
const name = (text: string): string => escapeInline(clip(text, TEXT_MAX.name));
/** Free text cut to its surface's bound, then escaped; cutting first bounds the work too. */
const free = (text: string, max: number): string => escapeMrkdwn(clip(text, max));

/** A rich text run: shown as written (rich text is never parsed for markup, mentions or links). */
const run = (text: string, style?: { bold?: boolean; italic?: boolean }): Block => ({ type: 'text', text, ...(style ? { style } : {}) });
/** A name on one line, with the hostile-text policy applied. */
const oneLine = (text: string): string => sanitizeText(text).replace(/\s*\n\s*/g, ' ');

/**
 * A post with its author line, as rich text rather than mrkdwn: Slack has no escape for `*`,
 * `_`, `~` or a backtick, so a post written with them would show as bold, italic, struck or
 * code. Rich text is never parsed: the name and the post show exactly as written, and only
 * Earshot's own styles apply. Shared by the case card and the storm card's samples.
 */
export function postBlock(blockId: string, author: { name: string; handle: string; followers: number }, text: string, max: number, extra = ''): Block {
  const post = clip(sanitizeText(text), max);
  return {
    type: 'rich_text',
    block_id: blockId,
    elements: [
      {
        type: 'rich_text_section',
        elements: [
          run(clip(oneLine(author.name || author.handle), TEXT_MAX.name), { bold: true }),
          run(` ${clip(oneLine(`@${author.handle}`), TEXT_MAX.name)} · ${compactNumber(author.followers)} followers${extra}`),
        ],
      },
      post.trim() ? { type: 'rich_text_quote', elements: [run(post)] } : { type: 'rich_text_section', elements: [run('(no text)', { italic: true })] },
    ],
  };
}

/** A live link: only URLs that pass {@link safeUrl}; the label is escaped. */
function link(url: string, label: string): string {
  const safe = safeUrl(url);
  return safe ? `<${escapeMrkdwn(safe)}|${escapeInline(label)}>` : escapeInline(label);
}

/** What AI assist wrote about the case, as plain text (never parsed), each part labelled as AI-written. */
function aiBlocks(ai: Card['ai']): Block[] {
  const out: Block[] = [];
  if (ai?.translation) out.push({ type: 'section', block_id: 'ai-translation', text: plain(`${aiTranslationLabel(ai.translation.from)}\n${clip(ai.translation.text, TEXT_MAX.cardText)}`) });
  const lines = aiLines(ai);
  if (lines.length > 0) out.push({ type: 'context', block_id: 'ai-notes', elements: [plain(lines.map((l) => clip(l, TEXT_MAX.note)).join('\n'))] });
  return out;
}

/** Renders a card as Block Kit blocks plus the plain fallback text. Pure. */
export function renderBlockKit(card: Card): { text: string; blocks: KnownBlock[] } {
  const blocks: Block[] = [];
  blocks.push({ type: 'header', block_id: `h:${card.caseId}:${card.version}`, text: plain(card.title, 150) });

  const a = card.author;
  if (a) {
    blocks.push(postBlock('mention', { ...a, name: a.name || a.handle }, card.text, TEXT_MAX.cardText, a.verified ? ' · verified' : ''));
  } else {
    // A notice (moved, removed) is Earshot speaking: no author line, and not quoted as a post.
    blocks.push({ type: 'section', block_id: 'notice', text: mrkdwn(free(card.text, TEXT_MAX.cardText)) });
  }

  blocks.push(...aiBlocks(card.ai));
  if (card.badges.length > 0) {
    blocks.push({ type: 'context', block_id: 'badges', elements: [mrkdwn(card.badges.map((b) => `\`${name(b)}\``).join('  '))] });
  }
  blocks.push({
    type: 'section',
    block_id: 'facts',
    fields: card.facts.slice(0, 10).map((f) => mrkdwn(`*${escapeInline(f.label)}*\n${escapeInline(f.value)}`)),
  });

  if (card.draft) {
    const d = card.draft;
    const approvals = d.needed > 0 ? ` · approvals ${d.approvals.length}/${d.needed}${d.approvals.length ? ` (${d.approvals.map(name).join(', ')})` : ''}` : '';
    const template = d.template ? ` · from template _${name(d.template)}_` : '';
    blocks.push({ type: 'section', block_id: 'draft', text: mrkdwn(`*Draft reply* by ${name(d.by)}${template}${approvals}\n${quote(free(d.text, TEXT_MAX.draftText))}`) });
    if (d.assist) blocks.push({ type: 'context', block_id: 'draft-assist', elements: [plain(clip(d.assist, TEXT_MAX.note))] });
    if (d.translated) blocks.push({ type: 'section', block_id: 'draft-original', text: plain(`${draftTranslatedLabel(d)}\n${clip(d.translated.original, TEXT_MAX.draftText)}`) });
  }
  if (card.rejection) {
    blocks.push({ type: 'section', block_id: 'rejection', text: mrkdwn(`*Sent back* by ${name(card.rejection.by)}:\n${quote(free(card.rejection.note, TEXT_MAX.rejectionNote))}`) });
  }
  if (card.notes.length > 0) {
    // Plain text: notes carry the author's follow-ups, which must not turn into formatting either.
    blocks.push({ type: 'context', block_id: 'notes', elements: [plain(card.notes.map((n) => clip(n, TEXT_MAX.note)).join('\n'))] });
  }
  blocks.push({ type: 'context', block_id: 'links', elements: [mrkdwn(card.links.map((l) => link(l.url, l.label)).join('  ·  '))] });

  if (card.actions.length > 0) {
    const value = encodeActionValue({ caseId: card.caseId, version: card.version });
    blocks.push({
      type: 'actions',
      // A new block_id per version: Slack clients keep input state per block_id.
      block_id: `actions:${card.caseId}:${card.version}`,
      elements: card.actions.map((act) => ({
        type: 'button',
        action_id: act.id,
        text: plain(act.label, 75),
        value,
        ...(act.style ? { style: act.style } : {}),
      })),
    });
  }
  // Built as plain objects above (checked against Block Kit's limits), typed for the client here.
  return { text: free(card.summary, TEXT_MAX.summary), blocks: blocks as unknown as KnownBlock[] };
}
