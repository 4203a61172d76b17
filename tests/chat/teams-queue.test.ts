import { describe, expect, it } from 'vitest';
import type { PersonalQueue } from '../../src/app/personal-queue-model.js';
import { buildCard } from '../../src/cards/build-card.js';
import { renderTeamsQueue, renderTeamsWelcome } from '../../src/chat/teams/render-teams-queue.js';
import { queueClickOf, queueViewOf } from '../../src/chat/teams/teams-personal-chat.js';
import type { Case } from '../../src/domain/case.js';
import { loadTeamsValidators } from '../../scripts/validate-teams.js';
import { makeCase } from '../cases/case-fixture.js';

/** The Teams personal queue card: valid Adaptive Card 1.5, inert text, under Teams' size limit, the commands it answers. */
const NOW = '2026-01-05T10:00:00.000Z';
const cardOf = (c: Case) => buildCard(c, { approvalsNeeded: 1 });
const long = (i: number): Case => makeCase('drafted', { id: `c${i}`, mention: { ...makeCase('new').mention, text: `**bold** [link](https://evil.example) <at>everyone</at> ${'x'.repeat(600)}` }, draft: { text: 'y'.repeat(2000), by: { platform: 'teams', id: 'a', name: 'Ann' }, at: NOW } });
const queue = (n: number): PersonalQueue => {
  const cards = Array.from({ length: n }, (_, i) => cardOf(long(i)));
  return { mine: cards, approvals: cards, atRisk: cards.map((card) => ({ card, due: 'Resolution overdue by 5 min' })), counts: { mine: n + 4, approvals: n, atRisk: n } };
};
const validators = loadTeamsValidators();

describe('the Teams personal queue card', () => {
  it('is a valid Adaptive Card 1.5 with every list, each case\'s buttons marked with the view', () => {
    const card = renderTeamsQueue(queue(2), 'all', NOW, { userId: '29:ann' });
    expect(validators.card(card)).toEqual([]);
    const json = JSON.stringify(card);
    for (const h of ['My cases', 'Waiting for my approval', 'At risk of breaching the SLA', 'Resolution overdue by 5 min', '…and 4 more']) expect(json).toContain(h);
    const sets = card.body.flatMap((b) => ((b.items as Array<Record<string, any>> | undefined) ?? []).filter((i) => i.type === 'ActionSet'));
    expect(sets).toHaveLength(6);
    for (const s of sets) for (const a of s.actions as Array<Record<string, any>>) expect(a.data.queue).toBe('all');
    expect(card.refresh).toEqual({ action: { type: 'Action.Execute', title: 'Refresh', verb: 'queue.refresh', data: { queue: 'all' } }, userIds: ['29:ann'] });
  });

  it('shows posts as TextRuns (never parsed) and fits under Teams\' 28 KB by showing fewer rows', () => {
    const q = queue(8);
    const card = renderTeamsQueue({ ...q, counts: { mine: 8, approvals: 8, atRisk: 8 } }, 'all', NOW);
    const json = JSON.stringify(card);
    expect(json.length).toBeLessThanOrEqual(24_000);
    expect(validators.card(card)).toEqual([]);
    // Cut, and saying so: fewer than the 24 rows, each list saying how many more there are.
    const rows = card.body.filter((b) => b.type === 'Container' && b.separator === true && !('spacing' in b));
    expect(rows.length).toBeGreaterThan(2);
    expect(rows.length).toBeLessThan(24);
    expect(json.match(/…and \d+ more/g)).toHaveLength(3);
    const runs = card.body.flatMap((b) => ((b.items as Array<Record<string, any>> | undefined) ?? [])).filter((i) => i.type === 'RichTextBlock');
    expect(runs.some((r) => r.inlines[0].text.includes('<at>everyone</at>'))).toBe(true);
    expect(card.body.filter((b) => b.type === 'TextBlock').map((b) => b.text).join(' ')).not.toContain('evil.example');
  });

  it('approvals shows the drafts alone; an empty list says so', () => {
    const json = JSON.stringify(renderTeamsQueue(queue(1), 'approvals', NOW));
    expect(json).toContain('Waiting for my approval');
    expect(json).not.toContain('My cases');
    expect(JSON.stringify(renderTeamsQueue({ mine: [], approvals: [], atRisk: [], counts: { mine: 0, approvals: 0, atRisk: 0 } }, 'approvals', NOW))).toContain('No draft is waiting for you.');
  });

  it('the welcome card is valid and its buttons type the commands', () => {
    const w = renderTeamsWelcome();
    expect(validators.card(w)).toEqual([]);
    const typed = (w.actions ?? []).map((a) => (a.data as { msteams: { value: string } }).msteams.value);
    expect(typed).toEqual(['my queue', 'approvals', 'help']);
    for (const t of typed.slice(0, 2)) expect(queueViewOf(t)).toBeDefined();
  });

  it.each<[string, unknown, ReturnType<typeof queueClickOf>]>([
    ['a queue card\'s button', { action: { type: 'Action.Execute', verb: 'case.approve', data: { caseId: '1', version: 2, queue: 'approvals' } } }, { view: 'approvals', refresh: false }],
    ['Teams refreshing the card', { action: { type: 'Action.Execute', verb: 'queue.refresh', data: { queue: 'all' } } }, { view: 'all', refresh: true }],
    ['the Action.Submit fallback', { action: 'case.claim', caseId: '1', version: 2, queue: 'all' }, { view: 'all', refresh: false }],
    ['the channel card\'s button', { action: { type: 'Action.Execute', verb: 'case.claim', data: { caseId: '1', version: 2 } } }, undefined],
    ['an unknown view', { action: { type: 'Action.Execute', verb: 'case.claim', data: { caseId: '1', version: 2, queue: 'everything' } } }, undefined],
  ])('tells where a click came from: %s', (_name, value, want) => {
    expect(queueClickOf(value)).toEqual(want);
  });

  it.each<[string, string | undefined]>([['my queue', 'all'], ['  My   Queue ', 'all'], ['approvals', 'approvals'], ['queue', undefined], ['my queue please', undefined], ['constructor', undefined]])('reads "%s" as %s', (text, view) => {
    expect(queueViewOf(text)).toBe(view);
  });
});
