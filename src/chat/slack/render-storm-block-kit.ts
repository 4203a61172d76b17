import type { KnownBlock } from '@slack/web-api';
import { encodeActionValue } from '../../domain/actions.js';
import type { StormCard } from '../../cards/card.js';
import { clip, clipEscaped, compactNumber, safeUrl, sanitizeText, TEXT_MAX } from '../safe-text.js';
import { escapeInline, escapeMrkdwn, quote } from './escape-mrkdwn.js';
import { postBlock } from './render-block-kit.js';

type Block = Record<string, unknown>;
const SECTION_MAX = 3000;
const mrkdwn = (text: string): Block => ({ type: 'mrkdwn', text: clipEscaped(text, SECTION_MAX), verbatim: true });
const plain = (text: string, max = SECTION_MAX): Block => ({ type: 'plain_text', text: clip(sanitizeText(text), max), emoji: true });
const name = (text: string): string => escapeInline(clip(text, TEXT_MAX.name));
const free = (text: string, max: number): string => escapeMrkdwn(clip(text, max));
const link = (url: string, label: string): string => {
  const safe = safeUrl(url);
  return safe ? `<${escapeMrkdwn(safe)}|${escapeInline(label)}>` : escapeInline(label);
};

/**
 * Renders a storm card as Block Kit. Pure. Like the case card, every string from a
 * mention is either rich text (the samples: never parsed) or escaped and shown in verbatim
 * mrkdwn (the widest-reach names), so a post crafted to ping the channel or fake a link
 * shows as text.
 */
export function renderStormBlockKit(card: StormCard): { text: string; blocks: KnownBlock[] } {
  const blocks: Block[] = [];
  blocks.push({ type: 'header', block_id: `sh:${card.stormId}:${card.version}:${card.count}`, text: plain(card.title, 150) });
  blocks.push({ type: 'context', block_id: 'status', elements: [mrkdwn(`*${escapeInline(card.status.label)}*`)] });
  blocks.push({
    type: 'section',
    block_id: 'facts',
    fields: card.facts.slice(0, 10).map((f) => mrkdwn(`*${escapeInline(f.label)}*\n${escapeInline(f.value)}`)),
  });
  if (card.topAuthors.length > 0) {
    const who = card.topAuthors.map((a) => `${name(a.name || a.handle)} ${name(`@${a.handle}`)} (${compactNumber(a.followers)}${a.verified ? ', verified' : ''})`);
    blocks.push({ type: 'section', block_id: 'authors', text: mrkdwn(`*Widest reach*\n${who.join('\n')}`) });
  }
  // Rich text, like the post on a case card: a sample's *bold* shows as written.
  for (const [i, s] of card.samples.entries()) blocks.push(postBlock(`sample:${i}`, { name: s.author, handle: s.handle, followers: s.followers }, s.text, TEXT_MAX.stormSample));
  if (card.reply) {
    const r = card.reply;
    const approvals = r.needed > 0 ? ` · approvals ${r.approvals.length}/${r.needed}${r.approvals.length ? ` (${r.approvals.map(name).join(', ')})` : ''}` : '';
    blocks.push({
      type: 'section',
      block_id: 'reply',
      text: mrkdwn(`*Reply to all* (${escapeInline(r.state)}) by ${name(r.by)} · template _${name(r.template)}_${approvals}\n${quote(free(r.text, TEXT_MAX.draftText))}`),
    });
  }
  if (card.links.length > 0) {
    blocks.push({ type: 'context', block_id: 'links', elements: [mrkdwn(card.links.map((l) => link(l.url, l.label)).join('  ·  '))] });
  }
  if (card.actions.length > 0) {
    const value = encodeActionValue({ caseId: card.stormId, version: card.version });
    blocks.push({
      type: 'actions',
      block_id: `storm-actions:${card.stormId}:${card.version}`,
      elements: card.actions.map((a) => ({ type: 'button', action_id: a.id, text: plain(a.label, 75), value, ...(a.style ? { style: a.style } : {}) })),
    });
  }
  return { text: free(card.summary, TEXT_MAX.summary), blocks: blocks as unknown as KnownBlock[] };
}
