import { describe, expect, it } from 'vitest';
import { buildCard } from '../../src/cards/build-card.js';
import { buildMovedCard, noticeCard } from '../../src/cards/notice-card.js';
import { renderBlockKit } from '../../src/chat/slack/render-block-kit.js';
import { escapeTeamsMarkdown } from '../../src/chat/teams/escape-teams-markdown.js';
import { renderAdaptiveCard, type AdaptiveCard } from '../../src/chat/teams/render-adaptive-card.js';
import { renderTeamsDialog } from '../../src/chat/teams/render-teams-dialog.js';
import { renderTeamsMessage } from '../../src/chat/teams/render-teams-message.js';
import { CASE_ACTIONS, decodeActionValue, type CaseActionId } from '../../src/domain/actions.js';
import { isChoiceAction, isFormAction } from '../../src/app/case-interactions.js';
import type { Case } from '../../src/domain/case.js';
import { loadTeamsValidators, sampleTeamsCards } from '../../scripts/validate-teams.js';
import { maskPersonalData, NO_PUBLIC_NUMBERS } from '../../src/screening/mask-personal-data.js';

const NOW = '2026-01-05T10:00:00.000Z';
const mk = (text: string, patch: Partial<Case> = {}, name = 'Cust'): Case => ({
  id: '12', version: 4, status: 'new', group: 'care',
  mention: { network: 'x', source: 'x', id: '100', text, createdAt: NOW, url: 'https://x.com/i/web/status/100', author: { id: 'a1', handle: 'cust', name, followers: 12345, verified: true }, isRepost: false, isQuote: false },
  screening: { group: 'care', tags: ['baggage'], priority: 'high', drop: false, pii: [], rulesFired: [{ rule: 'lost-bags', why: "keyword 'bag'" }], secondApprover: false },
  approvals: [], createdAt: NOW, updatedAt: NOW, views: [], audit: [], duplicates: 0, ...patch,
});

type El = Record<string, any>;

/** Every element of a card, depth first. */
function elements(card: AdaptiveCard): El[] {
  const out: El[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      out.push(v as El);
      Object.values(v).forEach(walk);
    }
  };
  walk(card.body);
  return out;
}

/** Text Teams renders as Markdown: TextBlocks and FactSet titles and values. */
const markdownTexts = (card: AdaptiveCard): string[] =>
  elements(card).flatMap((e) => (e.type === 'TextBlock' ? [e.text as string] : e.type === 'FactSet' ? (e.facts as El[]).flatMap((f) => [f.title, f.value]) : []));
const textRuns = (card: AdaptiveCard): string[] => elements(card).filter((e) => e.type === 'TextRun').map((e) => e.text as string);

/** Markdown that would do something, ignoring backslash-escaped characters. */
function liveMarkdown(text: string): string[] {
  const unescaped = text.replace(/\\[\\`*_~[\]()#<>]/g, '');
  const found: string[] = [];
  if (/\[[^\]]*\]\([^)]*\)/.test(unescaped)) found.push('link');
  if (/[*_~`]/.test(unescaped)) found.push('emphasis');
  if (/<at>/i.test(unescaped) || /<[a-z!/]/i.test(unescaped)) found.push('tag');
  if (/^\s*#/m.test(unescaped)) found.push('heading');
  return found;
}

const HOSTILE = [
  'Click [my bank](https://evil.example) now',
  '[![img](https://evil.example/x.png)](https://evil.example)',
  '<at>Everyone</at> <at>General</at> look',
  '**bold** _it_ ~~strike~~ `code` ```block```',
  '# Heading\n- list\n1. numbered\n> quote',
  '<a href="https://evil.example">https://bank.example</a>',
  'pre-escaped \\[x\\](y) and \\\\[z](w)',
  'bidi \u202Egnp.exe\u202C and zero\u200Bwidth',
  'broken \uD800 surrogate',
  'x'.repeat(10_000),
];

describe('Adaptive Card rendering of untrusted mentions', () => {
  it.each(HOSTILE.map((t) => [t.slice(0, 40), t]))('no link, emphasis, tag or mention from outside: %s', (_label, text) => {
    const c = mk(text, { owner: { platform: 'teams', id: 'aad-1', name: text.slice(0, 60) } }, text.slice(0, 50));
    const card = renderAdaptiveCard(buildCard(c, { approvalsNeeded: 1 }));
    for (const t of markdownTexts(card)) {
      // Earshot's own markup: the bold author name and our one link, built from the post id.
      const ours = t.replace(/^\*\*(.*?)\*\* /, '$1 ').replace(/\[Open on X\]\(https:\/\/x\.com\/i\/web\/status\/100\)/, '');
      expect(liveMarkdown(ours), t.slice(0, 120)).toEqual([]);
    }
    // The post itself is a TextRun, never parsed as Markdown: shown as written (cleaned, clipped).
    const body = textRuns(card)[0]!;
    expect(body.length).toBeLessThanOrEqual(3000);
    if (text.length < 3000 && !/[\u202E\u200B\uD800]/.test(text)) expect(body).toBe(text);
    expect(body).not.toMatch(/[\u202E\u200B]/);
    // No mention entities: `<at>` in text is inert without one.
    expect(JSON.stringify(card)).not.toMatch(/"entities"|"mentioned"/);
  });

  it('escapes Markdown with backslashes that a CommonMark reader removes again', () => {
    const input = '[x](https://e.example) *a* _b_ ~c~ `d` # e <at>f</at>\n- g\n12. h\n\\';
    const escaped = escapeTeamsMarkdown(input);
    expect(liveMarkdown(escaped)).toEqual([]);
    expect(escaped).toContain('\\- g');
    expect(escaped).toContain('12\\. h');
    // Undo CommonMark backslash escapes: the reader sees exactly the original text.
    expect(escaped.replace(/\\([!-/:-@[-`{-~])/g, '$1')).toBe(input);
  });

  it('makes only safe links: http(s) URLs Earshot built, labels escaped', () => {
    const c = mk('hi', { reply: { id: '9', url: 'javascript:alert(1)', at: NOW, text: 'x' }, status: 'sent' });
    const card = renderAdaptiveCard(buildCard(c, { approvalsNeeded: 1 }));
    const links = markdownTexts(card).join('\n');
    expect(links).toContain('[Open on X](https://x.com/i/web/status/100)');
    expect(links).not.toContain('javascript:');
    expect(links).toContain('View our reply');
  });
});

describe('Adaptive Card structure', () => {
  it('opens a dialog for exactly the actions that need a form or a choice', () => {
    const c = mk('x', { status: 'drafted', draft: { text: 'd', by: { platform: 'slack', id: 'U1' }, at: NOW } });
    const card = buildCard(c, { approvalsNeeded: 0 });
    const withAll = { ...card, actions: CASE_ACTIONS.map((id) => ({ id, label: id })) };
    for (const a of renderAdaptiveCard(withAll).actions!) {
      const id = (a.verb ?? (a.data as El).action) as CaseActionId;
      expect(a.type === 'Action.Submit', id).toBe(isFormAction(id) || isChoiceAction(id));
    }
  });

  it('uses Universal Actions whose verb is the action id and whose data carries case and version, with a Submit fallback', () => {
    const card = renderAdaptiveCard(buildCard(mk('my bag'), { approvalsNeeded: 1 }));
    expect(card.version).toBe('1.5');
    const claim = card.actions!.find((a) => a.verb === 'case.claim')!;
    expect(claim).toMatchObject({ type: 'Action.Execute', data: { caseId: '12', version: 4 }, style: 'positive' });
    expect(claim.fallback).toEqual({ type: 'Action.Submit', title: 'Claim', data: { action: 'case.claim', caseId: '12', version: 4 }, style: 'positive' });
    const draft = card.actions!.find((a) => (a.data as El).action === 'case.draft')!;
    expect(draft).toMatchObject({ type: 'Action.Submit', data: { msteams: { type: 'task/fetch' }, caseId: '12', version: 4 } });
  });

  it('offers the same actions as the Block Kit card, in every state', () => {
    for (const status of ['new', 'claimed', 'drafted', 'rejected', 'approved', 'sent', 'closed', 'escalated'] as const) {
      const c = mk('x', { status, version: 9, draft: { text: 'd', by: { platform: 'slack', id: 'U1' }, at: NOW }, rejection: { by: { platform: 'slack', id: 'U2' }, note: 'n', at: NOW } });
      const card = buildCard(c, { approvalsNeeded: 1 });
      const slack = (renderBlockKit(card).blocks.find((b) => b.type === 'actions') as El | undefined)?.elements ?? [];
      const teams = renderAdaptiveCard(card).actions ?? [];
      expect(teams.map((a) => a.verb ?? (a.data as El).action)).toEqual(slack.map((e: El) => e.action_id));
      for (const e of slack) expect(decodeActionValue(e.value)).toEqual({ caseId: '12', version: 9 });
      // Teams lays out at most six buttons; the rest go to the overflow menu.
      const primary = teams.filter((a) => a.mode !== 'secondary');
      expect(primary.length + (primary.length < teams.length ? 1 : 0)).toBeLessThanOrEqual(6);
    }
  });

  it.each([['é'], ['😀']])('stays under the Teams message size limit (28 KB) with the longest texts (%s)', (ch) => {
    const long = ch.repeat(20_000);
    const c = mk(long, { status: 'rejected', draft: { text: long, by: { platform: 'teams', id: 'a', name: long }, at: NOW }, rejection: { by: { platform: 'teams', id: 'b', name: long.slice(0, 200) }, note: long, at: NOW } });
    const size = Buffer.byteLength(JSON.stringify(renderAdaptiveCard(buildCard(c, { approvalsNeeded: 2 }))));
    expect(size).toBeLessThan(28 * 1024);
  });

  it('dialogs put the quoted post in a TextRun and remember the case, version and template', () => {
    const form = { action: 'case.draft' as const, caseId: '12', version: 4, title: 'Case 12', author: '@cust', mentionText: maskPersonalData('[x](https://evil.example)', NO_PUBLIC_NUMBERS), initial: 'Hi Cust', templateId: 'bags', limitHint: '280 characters' };
    const r = renderTeamsDialog(form, { problem: 'Too *long*' });
    const card = r.task.value.card.content;
    expect(textRuns(card)).toContain('[x](https://evil.example)');
    expect(elements(card).find((e) => e.type === 'Input.Text')).toMatchObject({ id: 'reply', value: 'Hi Cust', isMultiline: true });
    expect(card.actions![0]).toMatchObject({ type: 'Action.Submit', data: { action: 'case.draft', caseId: '12', version: 4, templateId: 'bags' } });
    expect(markdownTexts(card).join('\n')).toContain('Too \\*long\\*');
    expect(markdownTexts(card).flatMap(liveMarkdown)).toEqual([]);
  });

  it('messages (notes, command answers) are TextRuns under an escaped title', () => {
    const card = renderTeamsMessage({ title: 'Top *hashtags*', lines: ['#win [x](https://e.example)', ''] });
    expect(markdownTexts(card)).toEqual(['Top \\*hashtags\\*']);
    expect(textRuns(card)).toEqual(['#win [x](https://e.example)', ' ']);
  });
});

describe('Adaptive Cards as a newcomer reads them', () => {
  it('a moved card and a removed card have no author line', () => {
    for (const card of [buildMovedCard(mk('hi'), { to: 'Refunds', by: 'Lea' }), noticeCard('12', 'This case was removed: erased.', { code: 'closed', label: 'Removed' })]) {
      const all = [...markdownTexts(renderAdaptiveCard(card)), ...textRuns(renderAdaptiveCard(card))].join('\n');
      expect(all).toMatch(/moved to Refunds|removed: erased/);
      expect(all).not.toMatch(/followers|@moved|@removed/);
    }
  });

  it('shows personal data once, whether found or tagged, and the detected language', () => {
    const pii = [{ kind: 'phone', start: 0, end: 5 }];
    const card = renderAdaptiveCard(buildCard(mk('call me', { screening: { ...mk('x').screening, tags: ['personal-data'], pii, language: 'fr' } }), { approvalsNeeded: 1 }));
    expect(markdownTexts(card).join('\n').match(/personal.data/g)).toHaveLength(1);
    expect(elements(card).find((e) => e.type === 'FactSet')!.facts).toContainEqual({ title: 'Language', value: 'French · fr' });
  });

  it('shows a customer\'s **bold** and *bold* as written', () => {
    const card = renderAdaptiveCard(buildCard(mk('this is **bold** and *loud*', {}, '**Big** Name'), { approvalsNeeded: 1 }));
    expect(textRuns(card)).toContain('this is **bold** and *loud*');
    expect(markdownTexts(card).join('\n')).toContain('\\*\\*Big\\*\\* Name');
  });
});

describe('Adaptive Card 1.5 schema', () => {
  const v = loadTeamsValidators();

  it('accepts every card Earshot sends to Teams', () => {
    const cards = sampleTeamsCards();
    expect(cards.length).toBeGreaterThan(30);
    for (const { name, card } of cards) expect(v.card(card), name).toEqual([]);
  });

  it('catches a card that breaks the schema', () => {
    const card = renderAdaptiveCard(buildCard(mk('x'), { approvalsNeeded: 1 }));
    const broken = { ...card, body: [...card.body, { type: 'TextBlock', text: 'x', wrap: 'yes' }], actions: [{ type: 'Action.Execute', verb: 7 }] };
    expect(v.card(broken).length).toBeGreaterThan(0);
  });
});

describe('Teams messages stay under the size limit', () => {
  it('cuts a very long command answer and says how much is left out', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `case ${i} · ${'x'.repeat(60)}`);
    const card = renderTeamsMessage({ title: 'Queue', lines });
    const size = Buffer.byteLength(JSON.stringify(card));
    expect(size).toBeLessThan(28 * 1024);
    const last = card.body.at(-1) as El;
    expect(last.text).toMatch(/^_… \d+ more line\(s\) not shown/);
    const shown = card.body.filter((e) => e.type === 'RichTextBlock').length;
    expect(last.text).toContain(`… ${2000 - shown} more`);
  });
});
