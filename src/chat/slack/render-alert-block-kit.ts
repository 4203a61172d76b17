import type { KnownBlock } from '@slack/web-api';
import { encodeActionValue } from '../../domain/actions.js';
import type { AlertCard } from '../../cards/alert-card.js';
import { clip, safeUrl, sanitizeText, TEXT_MAX } from '../safe-text.js';
import { escapeInline, escapeMrkdwn } from './escape-mrkdwn.js';

/** Plain text: Slack shows it as written (no markup, mentions or links). */
const plain = (text: string, max: number): Record<string, unknown> => ({ type: 'plain_text', text: clip(sanitizeText(text), max) || ' ', emoji: true });

/**
 * A personal alert as Block Kit, for the person's DM with the bot. Pure. The post, the
 * draft and the notes are plain text (never parsed); the buttons are the case card's own
 * (same action ids, same `<case>@<version>` value), so Slack delivers a click from the DM
 * to the same listener as a click on the card. A closed alert keeps its words and loses
 * its buttons.
 */
export function renderAlertBlockKit(alert: AlertCard): { text: string; blocks: KnownBlock[] } {
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', block_id: `alert:${alert.kind}:${alert.caseId}`, text: plain(alert.title, 150) },
    { type: 'context', block_id: 'source', elements: [plain(alert.source, TEXT_MAX.name * 2)] },
    { type: 'section', block_id: 'post', text: plain(alert.text, TEXT_MAX.cardText) },
  ];
  alert.details.forEach((d, i) => blocks.push({ type: 'section', block_id: `detail:${i}`, text: plain(d, TEXT_MAX.draftText) }));
  const url = alert.link ? safeUrl(alert.link.url) : undefined;
  if (alert.link && url) {
    blocks.push({ type: 'context', block_id: 'link', elements: [{ type: 'mrkdwn', text: `<${escapeMrkdwn(url)}|${escapeInline(alert.link.label)}>`, verbatim: true }] });
  }
  if (alert.open && alert.actions.length > 0) {
    const value = encodeActionValue({ caseId: alert.caseId, version: alert.version });
    blocks.push({
      type: 'actions',
      // A new block_id per version, as on the card.
      block_id: `alert-actions:${alert.caseId}:${alert.version}`,
      elements: alert.actions.map((a) => ({ type: 'button', action_id: a.id, text: plain(a.label, 75), value, ...(a.style ? { style: a.style } : {}) })),
    });
  }
  return { text: escapeMrkdwn(clip(alert.summary, TEXT_MAX.summary)), blocks: blocks as unknown as KnownBlock[] };
}
