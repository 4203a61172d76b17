import { describe, expect, it } from 'vitest';
import { buildStormCard, type StormFigures } from '../../src/cards/build-storm-card.js';
import type { StormCard } from '../../src/cards/card.js';
import { renderStormBlockKit } from '../../src/chat/slack/render-storm-block-kit.js';
import { isTeamsStormAction, parseTeamsAction, parseTeamsStormAction } from '../../src/chat/teams/parse-teams-action.js';
import type { AdaptiveCard } from '../../src/chat/teams/render-adaptive-card.js';
import { renderStormAdaptiveCard } from '../../src/chat/teams/render-storm-adaptive-card.js';
import { renderTeamsStormDialog, STORM_TEMPLATE_FIELD } from '../../src/chat/teams/render-teams-storm-dialog.js';
import { decodeActionValue } from '../../src/domain/actions.js';
import type { Storm, StormReply } from '../../src/domain/storm.js';
import { loadTeamsValidators } from '../../scripts/validate-teams.js';

type El = Record<string, any>;
const NOW = '2026-01-05T09:00:00.000Z';
const storm: Storm = { id: 's1', version: 3, group: 'care', topic: 'baggage', status: 'live', startedAt: NOW, updatedAt: NOW, views: [] };

const HOSTILE = [
  'Click [my bank](https://evil.example) now',
  '<at>Everyone</at> <at>General</at> look',
  '**bold** _it_ ~~strike~~ `code`',
  '# Heading\n- list\n1. numbered',
  '<a href="https://evil.example">https://bank.example</a>',
  'bidi \u202Egnp.exe\u202C and zero\u200Bwidth',
  'x'.repeat(10_000),
];

const figures = (patch: Partial<StormFigures> = {}): StormFigures => ({
  count: 1234, sentiment: { negative: 1000, neutral: 200, positive: 34 }, foldedHighPriority: 3, replied: 0, queued: 0, skipped: 0,
  topAuthors: HOSTILE.map((h, i) => ({ name: h.slice(0, 40), handle: `h${i}<at>x</at>`, followers: 10 ** i, verified: i === 0 })),
  samples: HOSTILE.map((h, i) => ({ author: h.slice(0, 30), handle: `s${i}`, followers: i, text: h })),
  ...patch,
});
const OPTS = { groupName: 'Care', approvalsNeeded: 1, canReply: true, template: { name: 'Sorry *now*', text: 'Hi {{author.name}}, [sorry](https://evil.example)' } };
const reply = (status: StormReply['status']): StormReply => ({ templateId: 'sorry', by: { platform: 'teams', id: 'a1', name: 'Alice [x](https://evil.example)' }, at: NOW, approvals: status === 'drafted' ? [] : [{ platform: 'slack', id: 'U2', name: 'lea' }], status, through: 0 });

/** The storm in every state its card shows. */
const STATES: Array<[string, Storm]> = [
  ['live', storm],
  ['drafted', { ...storm, reply: reply('drafted') }],
  ['approved', { ...storm, reply: reply('approved') }],
  ['sending', { ...storm, reply: reply('sending') }],
  ['queued', { ...storm, reply: { ...reply('queued'), through: 10 } }],
  ['calm', { ...storm, status: 'calm' }],
  ['closed', { ...storm, status: 'closed', endedAt: NOW }],
];

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

/** Markdown that would do something, ignoring backslash-escaped characters and Earshot's own bold and italics. */
function liveMarkdown(text: string): string[] {
  const unescaped = text.replace(/\\[\\`*_~[\]()#<>]/g, '').replace(/\*\*[^*]*\*\*/g, '').replace(/ _[^_]*_/g, '');
  const found: string[] = [];
  if (/\[[^\]]*\]\([^)]*\)/.test(unescaped)) found.push('link');
  if (/[*_~`]/.test(unescaped)) found.push('emphasis');
  if (/<at>/i.test(unescaped) || /<[a-z!/]/i.test(unescaped)) found.push('tag');
  if (/^\s*#/m.test(unescaped)) found.push('heading');
  return found;
}

describe('storm card as an Adaptive Card', () => {
  it.each(STATES)('no link, emphasis, tag or mention from outside, and the posts as written (%s)', (_name, s) => {
    const card = renderStormAdaptiveCard(buildStormCard(s, figures(), OPTS));
    for (const t of markdownTexts(card)) expect(liveMarkdown(t), t.slice(0, 120)).toEqual([]);
    // Sample posts and the template are TextRuns, never parsed as Markdown.
    const runs = textRuns(card);
    expect(runs).toContain('Click [my bank](https://evil.example) now');
    expect(runs).toContain('<at>Everyone</at> <at>General</at> look');
    for (const r of runs) {
      expect(r).not.toMatch(/[\u202A-\u202E\u200B]/);
      expect(r.length).toBeLessThanOrEqual(2000);
    }
    expect(JSON.stringify(card)).not.toMatch(/"entities"|"mentioned"/);
  });

  it.each(STATES)('offers the same actions as the Block Kit storm card, carrying storm id and version (%s)', (_name, s) => {
    const model = buildStormCard(s, figures(), OPTS);
    const slack = ((renderStormBlockKit(model).blocks as unknown as El[]).find((b) => b.type === 'actions')?.elements ?? []) as El[];
    const teams = renderStormAdaptiveCard(model).actions ?? [];
    expect(teams.map((a) => a.verb ?? (a.data as El).action)).toEqual(slack.map((e) => e.action_id));
    for (const e of slack) expect(decodeActionValue(e.value)).toEqual({ caseId: 's1', version: 3 });
    for (const a of teams) {
      if ((a.data as El).action === 'storm.draft') {
        // Choosing the template needs a dialog: an Action.Submit that asks for task/fetch.
        expect(a).toMatchObject({ type: 'Action.Submit', data: { msteams: { type: 'task/fetch' }, action: 'storm.draft', stormId: 's1', version: 3 } });
      } else {
        expect(a).toMatchObject({ type: 'Action.Execute', data: { stormId: 's1', version: 3 } });
        expect(a.fallback).toMatchObject({ type: 'Action.Submit', data: { action: a.verb, stormId: 's1', version: 3 } });
      }
    }
  });

  it('shows the count, the state of the reply and the widest reach', () => {
    const card = renderStormAdaptiveCard(buildStormCard({ ...storm, reply: reply('drafted') }, figures(), OPTS));
    const md = markdownTexts(card).join('\n');
    expect(md).toContain('1,234');
    expect(md).toContain('Storm under way');
    expect(md).toMatch(/\*\*Reply to all\*\* \(waiting for approval\) by Alice \\\[x\\\]\\\(https:\/\/evil\.example\\\)/);
    expect(md).toContain('Widest reach');
    expect(md).toContain('@h0\\<at\\>x\\</at\\>');
    expect(textRuns(card)).toContain('Hi {{author.name}}, [sorry](https://evil.example)');
    expect(card.fallbackText).toContain('Storm: 1,234 mentions about baggage in Care');
    // Every sample and author the card model holds fits at full length.
    expect(elements(card).filter((e) => e.type === 'Container' && e.separator)).toHaveLength(3);
    expect(elements(card).filter((e) => e.type === 'FactSet')[1]!.facts).toHaveLength(5);
  });

  it.each([['é'], ['😀'], ['*'], ['\\']])('stays under the Teams message size limit (28 KB) with the longest texts (%s)', (ch) => {
    const long = ch.repeat(20_000);
    const card: StormCard = {
      ...buildStormCard({ ...storm, reply: reply('approved') }, figures({
        topAuthors: Array.from({ length: 10 }, () => ({ name: long, handle: long, followers: 1e9, verified: true })),
        samples: Array.from({ length: 10 }, () => ({ author: long, handle: long, followers: 1e9, text: long })),
      }), { ...OPTS, approvalsNeeded: 2, template: { name: long, text: long }, links: Array.from({ length: 10 }, () => ({ label: long, url: `https://x.com/${'a'.repeat(2000)}` })) }),
      title: long,
      summary: long,
      facts: Array.from({ length: 20 }, () => ({ label: long, value: long })),
    };
    card.reply = { ...card.reply!, by: long, approvals: Array.from({ length: 10 }, () => long), state: long };
    const rendered = renderStormAdaptiveCard(card);
    const size = Buffer.byteLength(JSON.stringify(rendered));
    expect(size).toBeLessThan(28 * 1024);
    // Shortened, not emptied: the count, the reply and the buttons are still there.
    expect(rendered.actions!.map((a) => a.verb ?? (a.data as El).action)).toEqual(['storm.send', 'storm.discard', 'storm.close']);
    expect(elements(rendered).some((e) => e.type === 'Container' && e.style === 'emphasis')).toBe(true);
  });
});

describe('storm reply dialog', () => {
  const dialog = { stormId: 's1', version: 3, topic: 'baggage [x](https://evil.example)', templates: [{ id: 'sorry', name: 'Sorry *now*', text: 'Hi {{author.name}}, [sorry](https://evil.example)' }, { id: 'later', name: 'Later', text: 'Hi {{author.handle}}' }] };

  it('shows each template as written, one choice, and remembers the storm and the version', () => {
    const card = renderTeamsStormDialog(dialog).task.value.card.content;
    expect(textRuns(card)).toEqual(['Hi {{author.name}}, [sorry](https://evil.example)', 'Hi {{author.handle}}']);
    expect(markdownTexts(card).flatMap(liveMarkdown)).toEqual([]);
    const choice = elements(card).find((e) => e.type === 'Input.ChoiceSet')!;
    expect(choice).toMatchObject({ id: STORM_TEMPLATE_FIELD, isRequired: true, choices: [{ title: 'Sorry *now*', value: 'sorry' }, { title: 'Later', value: 'later' }] });
    expect(choice.value).toBeUndefined();
    expect(card.actions![0]).toMatchObject({ type: 'Action.Submit', data: { action: 'storm.draft', stormId: 's1', version: 3 } });
  });

  it('shows again with the choice kept and the problem under it', () => {
    const card = renderTeamsStormDialog(dialog, { templateId: 'later', problem: 'Pick *one*.' }).task.value.card.content;
    expect(elements(card).find((e) => e.type === 'Input.ChoiceSet')!.value).toBe('later');
    expect(markdownTexts(card)).toContain('Pick \\*one\\*.');
  });
});

describe('storm actions from Teams', () => {
  it('parses the Action.Execute invoke, the Submit fallback and the dialog submission', () => {
    expect(parseTeamsStormAction({ action: { type: 'Action.Execute', verb: 'storm.approve', data: { stormId: 's1', version: 3 } } }))
      .toEqual({ ok: true, value: { actionId: 'storm.approve', stormId: 's1', version: 3, templateId: undefined } });
    expect(parseTeamsStormAction({ action: 'storm.close', stormId: 's1', version: '3' }))
      .toEqual({ ok: true, value: { actionId: 'storm.close', stormId: 's1', version: 3, templateId: undefined } });
    expect(parseTeamsStormAction({ msteams: { type: 'task/fetch' }, action: 'storm.draft', stormId: 's1', version: 3, [STORM_TEMPLATE_FIELD]: 'sorry' }))
      .toEqual({ ok: true, value: { actionId: 'storm.draft', stormId: 's1', version: 3, templateId: 'sorry' } });
  });

  it('refuses junk and tells storm buttons from case buttons', () => {
    expect(parseTeamsStormAction({ action: 'storm.close', stormId: '../../etc', version: 3 })).toEqual({ ok: false, problem: 'That button carries no valid storm reference.' });
    expect(parseTeamsStormAction({ action: 'storm.explode', stormId: 's1', version: 3 })).toEqual({ ok: false, problem: 'Unknown action "storm.explode".' });
    expect(parseTeamsStormAction({ action: 'storm.close', stormId: 's1', version: -1 }).ok).toBe(false);
    expect(isTeamsStormAction({ action: { type: 'Action.Execute', verb: 'storm.send', data: {} } })).toBe(true);
    expect(isTeamsStormAction({ action: 'storm.draft' })).toBe(true);
    expect(isTeamsStormAction({ action: { type: 'Action.Execute', verb: 'case.claim', data: { caseId: '1', version: 1 } } })).toBe(false);
    expect(isTeamsStormAction(undefined)).toBe(false);
    // A case card's parser never takes a storm button for a case action.
    expect(parseTeamsAction({ action: 'storm.close', stormId: 's1', version: 3 }).ok).toBe(false);
  });
});

describe('storm cards against the Adaptive Card 1.5 schema', () => {
  const v = loadTeamsValidators();
  it.each(STATES)('accepts the storm card with hostile input (%s)', (_name, s) => {
    expect(v.card(renderStormAdaptiveCard(buildStormCard(s, figures(), OPTS)))).toEqual([]);
    expect(v.card(renderStormAdaptiveCard(buildStormCard(s, figures({ topAuthors: [], samples: [] }), { ...OPTS, canReply: false, approvalsNeeded: 0 })))).toEqual([]);
  });
  it('accepts the reply dialog', () => {
    const d = renderTeamsStormDialog({ stormId: 's1', version: 3, topic: 't', templates: [{ id: 'a', name: 'A', text: 'Hi {{author.name}}' }] }, { templateId: 'a', problem: 'x' });
    expect(v.card(d.task.value.card.content)).toEqual([]);
  });
});
