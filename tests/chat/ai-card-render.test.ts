import { describe, expect, it } from 'vitest';
import { buildCard } from '../../src/cards/build-card.js';
import type { Card } from '../../src/cards/card.js';
import { renderBlockKit } from '../../src/chat/slack/render-block-kit.js';
import { renderAdaptiveCard } from '../../src/chat/teams/render-adaptive-card.js';
import type { Case } from '../../src/domain/case.js';

/**
 * What AI assist wrote, on both surfaces: labelled as AI-written, shown as plain text (a
 * model's answer is as untrusted as the post it translates), the original kept above it,
 * and a translated draft shown with the agent's own words.
 */
const NOW = '2026-01-05T10:00:00.000Z';
const HOSTILE = 'Refund <!channel> at <https://evil.example|https://acme.com> **now** [x](https://evil.example)';
const c: Case = {
  id: '12', version: 4, status: 'drafted', group: 'care',
  mention: { network: 'x', source: 'x', id: '100', text: '@acme ma valise est perdue', createdAt: NOW, url: 'https://x.com/i/web/status/100', author: { id: 'a1', handle: 'cust', name: 'Cust', followers: 1, verified: false }, isRepost: false, isQuote: false },
  screening: { group: 'care', language: 'fr', tags: [], priority: 'normal', drop: false, pii: [], rulesFired: [], secondApprover: false },
  draft: { text: 'Désolés pour votre valise.', by: { platform: 'slack', id: 'U1', name: 'alice' }, at: NOW, translation: { original: `Sorry about your suitcase. ${HOSTILE}`, from: 'en', to: 'fr' } },
  approvals: [], createdAt: NOW, updatedAt: NOW, views: [], audit: [], duplicates: 0,
};
const card = (): Card => ({ ...buildCard(c, { approvalsNeeded: 1 }), ai: { summary: `Lost suitcase. ${HOSTILE}`, translation: { text: `My suitcase is lost. ${HOSTILE}`, from: 'fr' }, notes: ['No AI brief: AI assist took too long to answer'] } });

/** Every mrkdwn text Slack would parse. */
const mrkdwnOf = (v: unknown): string[] => {
  if (Array.isArray(v)) return v.flatMap(mrkdwnOf);
  if (!v || typeof v !== 'object') return [];
  const o = v as Record<string, unknown>;
  return [...(o.type === 'mrkdwn' && typeof o.text === 'string' ? [o.text] : []), ...Object.values(o).flatMap(mrkdwnOf)];
};

describe('AI-written text on the card', () => {
  it('Slack: the translation under the post and the summary, labelled, in plain text that Slack never parses', () => {
    const r = renderBlockKit(card());
    const ids = r.blocks.map((b) => b.block_id);
    expect(ids.indexOf('ai-translation')).toBe(ids.indexOf('mention') + 1);
    const translation = r.blocks.find((b) => b.block_id === 'ai-translation') as any;
    expect(translation.text).toMatchObject({ type: 'plain_text', text: `AI translation from French · fr; the original is above:\nMy suitcase is lost. ${HOSTILE}` });
    const notes = (r.blocks.find((b) => b.block_id === 'ai-notes') as any).elements[0];
    expect(notes.type).toBe('plain_text');
    expect(notes.text).toBe(`AI-written summary: Lost suitcase. ${HOSTILE}\nNo AI brief: AI assist took too long to answer`);
    const original = (r.blocks.find((b) => b.block_id === 'draft-original') as any).text;
    expect(original).toMatchObject({ type: 'plain_text', text: `Translated by AI assist into French · fr; the draft above is what is sent. alice wrote:\nSorry about your suitcase. ${HOSTILE}` });
    for (const t of mrkdwnOf(r.blocks)) expect(t).not.toMatch(/<!channel>|<https:\/\/evil/);
  });

  it('Teams: the same words, the model\'s text as TextRuns (never Markdown)', () => {
    const json = JSON.stringify(renderAdaptiveCard(card()));
    expect(json).toContain('AI translation from French · fr; the original is above:');
    expect(json).toContain(JSON.stringify({ type: 'TextRun', text: `My suitcase is lost. ${HOSTILE}` }));
    expect(json).toContain(JSON.stringify({ type: 'TextRun', text: `Sorry about your suitcase. ${HOSTILE}` }));
    expect(json).toContain('Translated by AI assist into French · fr; the draft above is what is sent. alice wrote:');
    // The summary is a TextBlock (Markdown): its links and emphasis are escaped, never live.
    expect(json).not.toMatch(/"type":"TextBlock","text":"[^"]*\]\(https:\/\/evil/);
    expect(json).not.toMatch(/"type":"TextBlock","text":"[^"]*[^\\]\*\*now/);
  });

  it('shows nothing of AI assist on a card it did not write for', () => {
    const plain = buildCard({ ...c, draft: { ...c.draft!, translation: undefined } }, { approvalsNeeded: 1 });
    const ids = renderBlockKit(plain).blocks.map((b) => b.block_id);
    expect(ids).not.toContain('ai-translation');
    expect(ids).not.toContain('ai-notes');
    expect(ids).not.toContain('draft-original');
    expect(JSON.stringify(renderAdaptiveCard(plain))).not.toContain('AI ');
  });
});
