import type { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import type { CaseChoice, CaseForm } from '../../src/app/case-interactions.js';
import { buildStormCard } from '../../src/cards/build-storm-card.js';
import { buildCard } from '../../src/cards/build-card.js';
import { clip, MAX_MARKS, sanitizeText, TEXT_MAX } from '../../src/chat/safe-text.js';
import { draftModal, rejectModal } from '../../src/chat/slack/modals.js';
import { renderBlockKit } from '../../src/chat/slack/render-block-kit.js';
import { renderStormBlockKit } from '../../src/chat/slack/render-storm-block-kit.js';
import { choiceModal } from '../../src/chat/slack/slack-choices.js';
import { SlackGateway } from '../../src/chat/slack/slack-gateway.js';
import { renderCommandReply } from '../../src/chat/slack/slack-listeners.js';
import { tellEphemeral } from '../../src/chat/slack/tell-ephemeral.js';
import { renderAdaptiveCard, type AdaptiveCard } from '../../src/chat/teams/render-adaptive-card.js';
import { renderStormAdaptiveCard } from '../../src/chat/teams/render-storm-adaptive-card.js';
import { renderTeamsChoice } from '../../src/chat/teams/render-teams-choice.js';
import { renderTeamsDialog } from '../../src/chat/teams/render-teams-dialog.js';
import { renderTeamsMessage } from '../../src/chat/teams/render-teams-message.js';
import { renderTeamsStormDialog } from '../../src/chat/teams/render-teams-storm-dialog.js';
import { cardActivity } from '../../src/chat/teams/teams-gateway.js';
import type { Case } from '../../src/domain/case.js';
import type { Storm } from '../../src/domain/storm.js';
import { maskPersonalData, NO_PUBLIC_NUMBERS } from '../../src/screening/mask-personal-data.js';
import type { Logger } from '../../src/util/logger.js';

const ZWJ = '\u200D';
const ZWNJ = '\u200C';
const RLO = '\u202E';

/** A row of the corpus: `sanitized` is what sanitizeText must make of it, when that is fixed. */
interface Row { name: string; text: string; sanitized?: string }

const HOSTILE: Row[] = [
  { name: '236 joiners inside a word', text: `pay${`${ZWJ}${ZWNJ}`.repeat(118)}pal`, sanitized: 'paypal' },
  { name: '236 ZWJ alone', text: ZWJ.repeat(236), sanitized: '' },
  { name: '236 ZWJ between emoji', text: `👍${ZWJ.repeat(236)}👍`, sanitized: `👍${ZWJ}👍` },
  { name: '236 ZWNJ in Persian', text: `می${ZWNJ.repeat(236)}خواهم`, sanitized: `می${ZWNJ}خواهم` },
  { name: 'joiner between Latin letters', text: `b${ZWJ}ank a${ZWNJ}ccount`, sanitized: 'bank account' },
  { name: 'joiner after a space or at the ends', text: `${ZWJ}hi ${ZWNJ}there${ZWJ}`, sanitized: 'hi there' },
  { name: 'RLO: gpj.exe shown as exe.jpg', text: `invoice_${RLO}gpj.exe`, sanitized: 'invoice_gpj.exe' },
  { name: 'every bidi control', text: 'a\u202Ab\u202Bc\u202Cd\u202De\u2066f\u2067g\u2068h\u2069i\u200Ej\u200Fk\u061Cl', sanitized: 'abcdefghijkl' },
  { name: 'invisible format characters', text: 'z\u200Be\u2060r\u2061o\u2062w\u2063i\u2064d\uFEFFt\u00ADh\u180E', sanitized: 'zerowidth' },
  { name: 'tag characters outside an emoji', text: 'sa\u{E0041}\u{E0042}fe\u{E007F}', sanitized: 'safe' },
  { name: 'controls and an ANSI escape', text: 'a\u0007\u001B[31mred\u009B\u0085', sanitized: 'a[31mred' },
  { name: 'Slack: channel, here, everyone', text: 'Hey <!channel> <!here> <!everyone> <!subteam^S012345>' },
  { name: 'Slack: user and channel mentions', text: 'cc <@U123> and <#C024BE7LH|general>' },
  { name: 'Slack: disguised link', text: 'Click <https://evil.example|bank.com> now' },
  { name: 'Slack: mention hidden by a zero-width space', text: '<\u200B!channel> <@\u2060U123>', sanitized: '<!channel> <@U123>' },
  { name: 'Slack: formatting', text: '*bold* _it_ ~strike~ `code` ```block```' },
  { name: 'Markdown: disguised link', text: '[bank.com](https://evil.example)' },
  { name: 'Teams: at mentions', text: '<at>Everyone</at> <at>General</at> look' },
  { name: 'HTML link and heading', text: '<a href="https://evil.example">https://bank.example</a>\n# Heading\n- list' },
  { name: 'lookalike link with a fraction slash', text: 'https://bank.com\u2044login@evil.example' },
  { name: '10,000 characters without a space', text: 'x'.repeat(10_000) },
  { name: '10,000 characters of joined letters', text: `a${ZWJ}`.repeat(5_000) },
  { name: 'Zalgo', text: [...'HELP'].map((c) => c + '\u0301\u0336\u0353\u035C\u0489'.repeat(12)).join(''), sanitized: [...'HELP'].map((c) => `${c}\u0301\u0336\u0353\u035C`).join('') },
  { name: 'Zalgo with joiners between the marks', text: `Z${'\u0301\u200C\u0302'.repeat(40)}!`, sanitized: 'Z\u0301\u200C\u0302\u0301\u200C\u0302!' },
  { name: 'hundreds of blank lines', text: `top${'\n'.repeat(500)}bottom\r\n\r\n\r\n\u2028end`, sanitized: 'top\n\nbottom\n\nend' },
  { name: 'lone surrogate', text: 'broken \uD800 surrogate', sanitized: 'broken \uFFFD surrogate' },
];

/** Text that must come through every renderer exactly as written. */
const LEGIT: Row[] = [
  { name: 'family (ZWJ sequence)', text: '👨‍👩‍👧 family' },
  { name: 'technologist with skin tone', text: '👩🏽‍💻 at work' },
  { name: 'rainbow flag (VS16 then ZWJ)', text: '🏳️‍🌈 and ❤️‍🔥' },
  { name: 'skin-tone modifiers', text: '👋🏿 👍🏻' },
  { name: 'flags', text: '🇫🇷 🇩🇪 🇯🇵' },
  { name: 'keycaps', text: '1️⃣ #️⃣ *️⃣' },
  { name: 'Scotland (emoji tag sequence)', text: '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} go' },
  { name: 'Persian with ZWNJ', text: 'می‌خواهم بلیطم را عوض کنم' },
  { name: 'Hindi with ZWJ and ZWNJ', text: 'क्‍ष और क्‌ष, मेरा सामान कहाँ है?' },
  { name: 'Malayalam with ZWJ', text: 'ന്‍റെ' },
  { name: 'combining accents (NFD)', text: 'cafe\u0301 Tie\u0302\u0301ng Vie\u0323\u0302t' },
  { name: 'plain complaint', text: 'My bag is lost, flight LH 123 :( help!\nSecond line.' },
];

const CORPUS = [...HOSTILE.map((r) => ({ ...r, legit: false })), ...LEGIT.map((r) => ({ ...r, legit: true }))];
const label = (r: Row) => r.name;

// Independent of the implementation: the rules as the policy states them.
const EMOJI_BEFORE_ZWJ = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F]/u;
const EMOJI = /\p{Extended_Pictographic}/u;
const LETTER = /[\p{L}\p{M}]/u;
const TAG_SEQUENCE = /(\p{Extended_Pictographic})[\u{E0020}-\u{E007E}]+\u{E007F}/gu;
const FORBIDDEN = /[^\P{Cf}\u200C\u200D]|[^\P{Cc}\n\t]|[\u2028\u2029]/u;

/** Every joiner that is in a run or outside the contexts the policy allows, by position. */
function joinerProblems(s: string): string[] {
  const cps = [...s];
  const out: string[] = [];
  cps.forEach((c, i) => {
    if (c !== ZWJ && c !== ZWNJ) return;
    const prev = cps[i - 1] ?? '';
    const next = cps[i + 1] ?? '';
    if (next === ZWJ || next === ZWNJ) out.push(`run at ${i}`);
    else if (!(c === ZWJ && EMOJI_BEFORE_ZWJ.test(prev) && EMOJI.test(next)) && !(LETTER.test(prev) && LETTER.test(next))) out.push(`stray at ${i}`);
  });
  return out;
}

/** What the policy promises of any text on screen. */
function expectClean(s: string, where: string): void {
  expect(joinerProblems(s), where).toEqual([]);
  expect(s.replace(TAG_SEQUENCE, '$1'), where).not.toMatch(FORBIDDEN);
  expect(s, where).not.toMatch(new RegExp(`(?:\\p{M}[\\u200C\\u200D]?){${MAX_MARKS + 1}}`, 'u'));
  expect(s, where).not.toMatch(/\n[^\S\n]*\n[^\S\n]*\n/);
}

// Slack: a live mention or link starts with "<"; the only live links are Earshot's own.
const OUR_SLACK_LINK = /<https:\/\/x\.com\/i\/web\/status\/100\|[^>]*>/g;
const SLACK_LIVE = /<[!@#]|<https?:|<mailto:/i;
// Teams: Markdown that would do something, after backslash escapes and Earshot's own formatting.
const OUR_TEAMS_LINK = /\[Open on X\]\(https:\/\/x\.com\/i\/web\/status\/100\)/g;
function liveMarkdown(text: string): string[] {
  const t = text.replace(OUR_TEAMS_LINK, '').replace(/\\[\\`*_~[\]()#<>]/g, '').replace(/\*\*[^*]*\*\*/g, '').replace(/(^| )_[^_]*_/g, '');
  const found: string[] = [];
  if (/\[[^\]]*\]\([^)]*\)/.test(t)) found.push('link');
  if (/[*_~`]/.test(t)) found.push('emphasis');
  if (/<[a-z!/]/i.test(t)) found.push('tag');
  if (/^\s*#/m.test(t)) found.push('heading');
  return found;
}

const unescapeSlack = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const unquote = (s: string) => s.split('\n').map((l) => l.replace(/^>/, '')).join('\n');
const unescapeTeams = (s: string) => s.replace(/\\([\\`*_~[\]()#<>.+-])/g, '$1');

type El = Record<string, any>;
/** Every string in a rendered structure, with the key it sits under. */
function strings(v: unknown, key = ''): Array<{ key: string; text: string }> {
  if (typeof v === 'string') return [{ key, text: v }];
  if (Array.isArray(v)) return v.flatMap((x) => strings(x, key));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => strings(x, k));
  return [];
}
/** Every object in a rendered structure, depth first. */
function objects(v: unknown): El[] {
  if (Array.isArray(v)) return v.flatMap(objects);
  if (v && typeof v === 'object') return [v as El, ...Object.values(v).flatMap(objects)];
  return [];
}
const blockText = (blocks: unknown, id: string): string => (objects(blocks).find((b) => b.block_id === id)?.text?.text ?? objects(objects(blocks).find((b) => b.block_id === id)?.elements)[0]?.text) as string;
/** The first text run of the first rich text element of this type in a block (the card's post, by default). */
const richRun = (blocks: unknown, type: string, id = 'mention'): string => ((objects(blocks).find((b) => b.block_id === id)!.elements as El[]).find((e) => e.type === type)?.elements[0].text ?? '') as string;
const textRuns = (card: AdaptiveCard): string[] => objects(card.body).filter((e) => e.type === 'TextRun').map((e) => e.text as string);
const markdownTexts = (card: AdaptiveCard): string[] =>
  objects(card.body).flatMap((e) => (e.type === 'TextBlock' ? [e.text as string] : e.type === 'FactSet' ? (e.facts as El[]).flatMap((f) => [f.title, f.value]) : []));

const NOW = '2026-01-05T10:00:00.000Z';
const HANDLE = 'cust';
/** A drafted case with `text` everywhere a stranger's words reach a card: post, name, follow-up, note, draft. */
const mkCase = (text: string): Case => ({
  id: '12', version: 4, status: 'drafted', group: 'care',
  mention: { network: 'x', source: 'x', id: '100', text, createdAt: NOW, url: 'https://x.com/i/web/status/100', author: { id: 'a1', handle: HANDLE, name: text, followers: 12345, verified: true }, isRepost: false, isQuote: false },
  screening: { group: 'care', tags: ['baggage'], priority: 'high', drop: false, pii: [], rulesFired: [], secondApprover: false },
  draft: { text, by: { platform: 'slack', id: 'U1', name: 'ann' }, at: NOW },
  followUps: [{ id: 'f1', text, at: NOW, url: 'https://x.com/i/web/status/101' }],
  notes: [{ id: 'n1', at: NOW, by: { platform: 'slack', id: 'U2', name: 'bob' }, text }],
  approvals: [], createdAt: NOW, updatedAt: NOW, views: [], audit: [], duplicates: 0,
});
const storm: Storm = { id: 's1', version: 3, group: 'care', topic: 'baggage', status: 'live', startedAt: NOW, updatedAt: NOW, views: [] };
const mkStorm = (text: string) => buildStormCard(storm, {
  count: 3, sentiment: { negative: 3, neutral: 0, positive: 0 }, foldedHighPriority: 0, replied: 0, queued: 0, skipped: 0,
  topAuthors: [{ name: text, handle: HANDLE, followers: 10, verified: false }],
  samples: [{ author: text, handle: HANDLE, followers: 10, text }],
}, { groupName: 'Care', approvalsNeeded: 1, canReply: true });
const mkForm = (text: string, action: CaseForm['action'] = 'case.draft'): CaseForm => ({
  action, caseId: '12', version: 4, title: 'Case 12 · X', author: `@${HANDLE}`, mentionText: maskPersonalData(text, NO_PUBLIC_NUMBERS), initial: text, draft: text, limitHint: 'X: 280 characters',
});
const mkChoice = (text: string): CaseChoice => ({
  action: 'case.ignore', caseId: '12', version: 4, title: `Case 12 · ${text}`, label: 'Why?', options: [{ value: 'spam', label: text }], freeText: { label: 'Reason', required: false }, submit: 'Ignore',
});

/** Slack calls captured by a stand-in client. */
function fakeSlack() {
  const calls: El[] = [];
  const record = async (args: El) => { calls.push(args); return { ok: true, ts: '1.2', channel: 'C1' }; };
  const client = { chat: { postEphemeral: record, postMessage: record } } as unknown as WebClient;
  return { calls, client };
}
const quietLog = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} } as unknown as Logger;

/**
 * One surface: what it renders from the text, the strings a person would see, and (for the
 * strangers' free text) the part that carries it, unescaped, to compare with the bound.
 */
interface Surface {
  name: string;
  platform: 'slack' | 'teams';
  render: (text: string) => Promise<unknown> | unknown;
  /** The stranger's text as the surface shows it, unescaped: bounded by `max`, and unchanged when legitimate. */
  carried: (out: any) => string[];
  max: number;
  /** Strings Slack parses as mrkdwn, or Teams as Markdown. */
  markup: (out: any) => string[];
  /** How a legitimate text shows here, when not exactly as written (a name is put on one line). */
  legitAs?: (text: string) => string;
}

const slackCard = (t: string) => renderBlockKit(buildCard(mkCase(t), { approvalsNeeded: 1 }));
const teamsCard = (t: string) => renderAdaptiveCard(buildCard(mkCase(t), { approvalsNeeded: 1 }));
const slackMrkdwn = (r: { text: string; blocks: unknown }) => [r.text, ...objects(r.blocks).filter((o) => o.type === 'mrkdwn').map((o) => o.text as string)];
const afterFirstLine = (s: string) => s.slice(s.indexOf('\n') + 1);
const none = () => [];
const oneLine = (t: string) => t.replace(/\s*\n\s*/g, ' ');

const SURFACES: Surface[] = [
  // The post and the name are rich text, which Slack never parses: carried as they are, unescaped.
  { name: 'Slack case card: post', platform: 'slack', render: slackCard, max: TEXT_MAX.cardText, markup: slackMrkdwn, carried: (r) => [richRun(r.blocks, 'rich_text_quote')] },
  { name: 'Slack case card: author name', platform: 'slack', render: slackCard, max: TEXT_MAX.name, markup: slackMrkdwn, legitAs: oneLine, carried: (r) => [richRun(r.blocks, 'rich_text_section')] },
  { name: 'Slack case card: draft', platform: 'slack', render: slackCard, max: TEXT_MAX.draftText, markup: slackMrkdwn, carried: (r) => [unescapeSlack(unquote(afterFirstLine(blockText(r.blocks, 'draft'))))] },
  {
    name: 'Slack case card: follow-up and note', platform: 'slack', render: slackCard, max: 2 * TEXT_MAX.note + 1, markup: slackMrkdwn,
    carried: (r) => [unescapeSlack(blockText(r.blocks, 'notes'))],
  },
  { name: 'Slack storm card: sample', platform: 'slack', render: (t) => renderStormBlockKit(mkStorm(t)), max: TEXT_MAX.stormSample, markup: slackMrkdwn, carried: (r) => [richRun(r.blocks, 'rich_text_quote', 'sample:0')] },
  {
    name: 'Slack draft modal', platform: 'slack', render: (t) => draftModal({ meta: { caseId: '12', version: 4 }, caseTitle: 'Case 12', mentionText: maskPersonalData(t, NO_PUBLIC_NUMBERS), author: t, initial: t, limitHint: '280' }),
    max: TEXT_MAX.modalText, markup: none, carried: (v) => [objects(v.blocks).find((b) => b.type === 'section')!.text.text, objects(v.blocks).find((b) => b.type === 'plain_text_input')!.initial_value],
  },
  { name: 'Slack reject modal', platform: 'slack', render: (t) => rejectModal({ meta: { caseId: '12', version: 4 }, caseTitle: 'Case 12', draft: t }), max: TEXT_MAX.modalText, markup: none, carried: (v) => [objects(v.blocks).find((b) => b.type === 'section')!.text.text] },
  { name: 'Slack choice modal: option', platform: 'slack', render: (t) => choiceModal(mkChoice(t), 'C1'), max: TEXT_MAX.option, markup: none, carried: (v) => [objects(v.blocks).find((b) => b.type === 'static_select')!.options[0].text.text] },
  {
    name: 'Slack ephemeral answer', platform: 'slack', max: TEXT_MAX.ephemeral, markup: (c) => [c.text], carried: (c) => [unescapeSlack(c.text.slice(c.text.indexOf('\n') + 1))],
    render: async (t) => { const s = fakeSlack(); await tellEphemeral(s.client, quietLog, 'C1', 'U1', `Your draft was not saved.\n${t}`); return s.calls[0]; },
  },
  {
    name: 'Slack thread note', platform: 'slack', max: TEXT_MAX.message, markup: (c) => [c.text], carried: (c) => [unescapeSlack(c.text)],
    render: async (t) => { const s = fakeSlack(); await new SlackGateway(s.client).postNote({ platform: 'slack', channel: 'C1', ts: '1.1' }, t); return s.calls[0]; },
  },
  { name: 'Slack command answer', platform: 'slack', render: (t) => ({ text: renderCommandReply({ title: 'Queue', lines: [t] }) }), max: TEXT_MAX.message, markup: (r) => [r.text], carried: (r) => [unescapeSlack(afterFirstLine(r.text))] },

  { name: 'Teams case card: post', platform: 'teams', render: teamsCard, max: TEXT_MAX.cardText, markup: markdownTexts, carried: (c) => [textRuns(c)[0]!] },
  {
    name: 'Teams case card: author name', platform: 'teams', render: teamsCard, max: TEXT_MAX.name, markup: markdownTexts, legitAs: oneLine,
    carried: (c) => { const line = markdownTexts(c)[1]!; return [unescapeTeams(line.slice(2, line.lastIndexOf(`** @${HANDLE}`)))]; },
  },
  { name: 'Teams case card: draft', platform: 'teams', render: teamsCard, max: TEXT_MAX.draftText, markup: markdownTexts, carried: (c) => [textRuns(c)[1]!] },
  {
    name: 'Teams case card: follow-up and note', platform: 'teams', render: teamsCard, max: TEXT_MAX.note, markup: markdownTexts,
    carried: (c) => objects(c.body).filter((e) => e.type === 'TextBlock' && e.isSubtle && e.size === 'Small' && !e.text.startsWith('baggage') && !e.text.includes('priority')).map((e) => unescapeTeams(e.text)),
  },
  { name: 'Teams storm card: sample', platform: 'teams', render: (t) => renderStormAdaptiveCard(mkStorm(t)), max: TEXT_MAX.stormSample, markup: markdownTexts, carried: (c) => [textRuns(c)[0]!] },
  {
    name: 'Teams draft dialog', platform: 'teams', render: (t) => renderTeamsDialog(mkForm(t)), max: TEXT_MAX.modalText, markup: (d) => markdownTexts(d.task.value.card.content),
    carried: (d) => [textRuns(d.task.value.card.content)[0]!, objects(d.task.value.card.content.body).find((e) => e.type === 'Input.Text')!.value],
  },
  { name: 'Teams reject dialog', platform: 'teams', render: (t) => renderTeamsDialog(mkForm(t, 'case.reject')), max: TEXT_MAX.modalText, markup: (d) => markdownTexts(d.task.value.card.content), carried: (d) => [textRuns(d.task.value.card.content)[0]!] },
  {
    name: 'Teams choice dialog: option', platform: 'teams', render: (t) => renderTeamsChoice(mkChoice(t)), max: TEXT_MAX.option, markup: (d) => markdownTexts(d.task.value.card.content),
    carried: (d) => [objects(d.task.value.card.content.body).find((e) => e.type === 'Input.ChoiceSet')!.choices[0].title],
  },
  {
    name: 'Teams storm dialog: template', platform: 'teams', render: (t) => renderTeamsStormDialog({ stormId: 's1', version: 3, topic: t, templates: [{ id: 'tpl', name: t, text: t }] }),
    max: TEXT_MAX.option, markup: (d) => markdownTexts(d.task.value.card.content), carried: (d) => [objects(d.task.value.card.content.body).find((e) => e.type === 'Input.ChoiceSet')!.choices[0].title],
  },
  { name: 'Teams thread note or answer', platform: 'teams', render: (t) => cardActivity(renderTeamsMessage({ title: 'Note', lines: [t] }), t), max: TEXT_MAX.draftText, markup: (a) => markdownTexts(a.attachments[0].content), carried: (a) => [textRuns(a.attachments[0].content)[0]!] },
];

describe('sanitizeText: the hostile-text corpus', () => {
  it.each(HOSTILE.filter((r) => r.sanitized !== undefined).map((r) => [label(r), r] as const))('%s', (_n, r) => {
    expect(sanitizeText(r.text)).toBe(r.sanitized);
  });

  it.each(CORPUS.map((r) => [label(r), r] as const))('leaves nothing the policy removes: %s', (_n, r) => {
    const out = sanitizeText(r.text);
    expectClean(out, r.name);
    // Applying it again changes nothing: the renderers may sanitize text that is already clean.
    expect(sanitizeText(out)).toBe(out);
  });

  it.each(LEGIT.map((r) => [label(r), r] as const))('keeps legitimate text as written: %s', (_n, r) => {
    expect(sanitizeText(r.text)).toBe(r.text);
  });

  it('returns text with nothing to remove as it is', () => {
    const plain = 'Lost my bag at FRA, booking ABC123. 👨‍👩‍👧 می‌خواهم';
    expect(sanitizeText(plain)).toBe(plain);
  });

  it('clip leaves no joiner or unfinished tag sequence at the cut', () => {
    expect(clip('👨‍👩‍👧', 4)).toBe('👨…');
    expect(clip('🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}', 7)).toBe('🏴…');
    expect(clip('x'.repeat(10_000), TEXT_MAX.cardText)).toHaveLength(TEXT_MAX.cardText);
  });
});

describe.each(SURFACES.map((s) => [s.name, s] as const))('%s', (_s, surface) => {
  it.each(CORPUS.map((r) => [label(r), r] as const))('%s', async (_n, r) => {
    const out = await surface.render(r.text);
    for (const { key, text } of strings(out)) expectClean(text, `${surface.name} · ${key}`);
    for (const m of surface.markup(out)) {
      if (surface.platform === 'slack') expect(m.replace(OUR_SLACK_LINK, ''), surface.name).not.toMatch(SLACK_LIVE);
      else expect(liveMarkdown(m), `${surface.name}: ${m.slice(0, 80)}`).toEqual([]);
    }
    const carried = surface.carried(out);
    expect(carried.length, surface.name).toBeGreaterThan(0);
    for (const c of carried) {
      expect(c.length, surface.name).toBeLessThanOrEqual(surface.max);
      if (r.legit) expect(c, surface.name).toContain((surface.legitAs ?? String)(r.text));
    }
  });
});
