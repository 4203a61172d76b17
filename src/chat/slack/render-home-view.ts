import type { KnownBlock } from '@slack/web-api';
import type { PersonalQueue } from '../../app/personal-queue-model.js';
import type { Card } from '../../cards/card.js';
import { encodeActionValue } from '../../domain/actions.js';
import { clip, sanitizeText } from '../safe-text.js';
import { renderSummaryBlocks } from './render-summary-blocks.js';

// App Home limits (docs.slack.dev/surfaces/app-home, reference/views): a home view holds at
// most 100 blocks; button text ≤ 75, section text ≤ 3000. Each listed case takes 2 blocks.
const VIEW_BLOCKS_MAX = 100;
/** How much of the post a row of the home view quotes (the card in the channel has it all). */
const POST_PREVIEW = 280;

type Block = Record<string, unknown>;
const plain = (text: string, max = 3000): Block => ({ type: 'plain_text', text: clip(sanitizeText(text), max), emoji: true });

/**
 * One case as a row: its summary line and the post's first words as plain text (never
 * parsed, so a post can neither format nor ping), and the card's own buttons with the
 * card's action ids and value, so a click goes through the same checks as on the card.
 */
function caseRow(card: Card, extra?: string): Block[] {
  const text = `${card.summary}${extra ? ` · ${extra}` : ''}\n${clip(card.text.replace(/\s+/g, ' '), POST_PREVIEW)}`;
  const blocks: Block[] = [{ type: 'section', block_id: `home:case:${card.caseId}`, text: plain(text) }];
  const value = encodeActionValue({ caseId: card.caseId, version: card.version });
  if (card.actions.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: `home:actions:${card.caseId}:${card.version}`,
      elements: card.actions.slice(0, 25).map((a) => ({ type: 'button', action_id: a.id, text: plain(a.label, 75), value, ...(a.style ? { style: a.style } : {}) })),
    });
  }
  return blocks;
}

function list(title: string, rows: Block[][], total: number, empty: string): Block[] {
  const out: Block[] = [{ type: 'header', text: plain(title, 150) }];
  if (rows.length === 0) out.push({ type: 'context', elements: [plain(empty)] });
  for (const r of rows) out.push(...r);
  if (total > rows.length) out.push({ type: 'context', elements: [plain(`…and ${total - rows.length} more: /earshot queue lists every open case.`)] });
  return out;
}

/**
 * A person's App Home: their cases, the drafts waiting for their approval and the cases
 * near or past their SLA, each with its buttons; then the team's figures for those who
 * may see them. Pure.
 */
export function renderHomeView(q: PersonalQueue, updatedAt: string): { type: 'home'; blocks: KnownBlock[] } {
  const blocks: Block[] = [
    ...list('My cases', q.mine.map((c) => caseRow(c)), q.counts.mine, 'You have no open cases.'),
    ...list('Waiting for my approval', q.approvals.map((c) => caseRow(c)), q.counts.approvals, 'No draft is waiting for you.'),
    ...list('At risk of breaching the SLA', q.atRisk.map((x) => caseRow(x.card, x.due)), q.counts.atRisk, 'Nothing you can take is near its SLA.'),
  ];
  if (q.figures) {
    blocks.push({ type: 'divider' });
    blocks.push(...(renderSummaryBlocks(q.figures.layout, q.figures.footer) as unknown as Block[]));
  }
  blocks.push({ type: 'context', elements: [plain(`Updated ${updatedAt.slice(0, 16).replace('T', ' ')} UTC. The cards in the channels are the full story.`)] });
  // Should the lists ever outgrow the view, the figures and the footer give way first.
  return { type: 'home', blocks: blocks.slice(0, VIEW_BLOCKS_MAX) as unknown as KnownBlock[] };
}
