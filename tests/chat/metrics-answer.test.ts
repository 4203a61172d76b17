import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandRouter, type CommandReply } from '../../src/app/commands.js';
import { CaseRepository } from '../../src/app/case-repository.js';
import { registerMetricsCommands } from '../../src/app/metrics-commands.js';
import { PeopleNames } from '../../src/app/people-directory.js';
import { renderCommandMessage } from '../../src/chat/slack/slack-listeners.js';
import { renderSummaryBlocks } from '../../src/chat/slack/render-summary-blocks.js';
import { renderTeamsMessage, renderSummaryCard } from '../../src/chat/teams/render-teams-message.js';
import type { AdaptiveCard } from '../../src/chat/teams/render-adaptive-card.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';
import type { SummaryLayout } from '../../src/metrics/summary-layout.js';
import { applyIncrements } from '../../src/metrics-store/rollup-store.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';
import { loadTeamsValidators } from '../../scripts/validate-teams.js';
import { alice, answer, bob, newCase, play } from '../metrics/case-history.js';

const NOW = new Date('2024-05-06T15:30:00Z');
const LEAD: Actor = { platform: 'slack', id: 'ULEAD', name: 'lea' };
const CONFIG = parseConfig(`
brand: { name: Acme }
sources: [{ name: x-main, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: C0CARE0001 } }]
routing: { fallback: care }
policy: { approvers: ['slack:ULEAD'] }
`);

type Block = Record<string, any>;

/**
 * The Block Kit shapes Slack accepts for the blocks an answer uses (docs.slack.dev/reference/block-kit):
 * known block types, text objects of a known type within their limits, at most 10 fields
 * of at most 2000 characters, at most 10 context elements, at most 50 blocks.
 */
function blockKitProblems(blocks: readonly Block[]): string[] {
  const problems: string[] = [];
  const text = (t: Block | undefined, where: string, max: number, kinds = ['mrkdwn', 'plain_text']) => {
    if (!t || typeof t !== 'object') return problems.push(`${where}: no text object`);
    if (!kinds.includes(t.type)) problems.push(`${where}: text type ${t.type}`);
    if (typeof t.text !== 'string' || t.text.length === 0) problems.push(`${where}: empty text`);
    else if (t.text.length > max) problems.push(`${where}: ${t.text.length} > ${max}`);
    const allowed = t.type === 'mrkdwn' ? ['type', 'text', 'verbatim'] : ['type', 'text', 'emoji'];
    for (const k of Object.keys(t)) if (!allowed.includes(k)) problems.push(`${where}: unknown key ${k}`);
  };
  if (blocks.length > 50) problems.push(`${blocks.length} blocks`);
  blocks.forEach((b, i) => {
    const at = `block ${i} (${b.type})`;
    if (b.block_id !== undefined && (typeof b.block_id !== 'string' || b.block_id.length > 255)) problems.push(`${at}: block_id`);
    switch (b.type) {
      case 'header': text(b.text, at, 150, ['plain_text']); break;
      case 'divider': break;
      case 'section':
        if (!b.text && !b.fields) problems.push(`${at}: neither text nor fields`);
        if (b.text) text(b.text, at, 3000);
        if (b.fields) {
          if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > 10) problems.push(`${at}: ${b.fields?.length} fields`);
          (b.fields as Block[]).forEach((f, j) => text(f, `${at} field ${j}`, 2000));
        }
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) problems.push(`${at}: elements`);
        (b.elements as Block[]).forEach((e, j) => text(e, `${at} element ${j}`, 3000));
        break;
      default: problems.push(`${at}: unexpected block type`);
    }
  });
  return problems;
}

/** Every element of a card, depth first. */
function elements(card: AdaptiveCard): Block[] {
  const out: Block[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') { out.push(v as Block); Object.values(v).forEach(walk); }
  };
  walk(card.body);
  return out;
}

async function seeded(): Promise<Store> {
  const store = await openStore('sqlite://:memory:', { namespace: `mgr${Math.random().toString(36).slice(2, 8)}` });
  const cases: Array<[string, Actor, string, string]> = [];
  // Twelve cases about #refund today (none yesterday): a spike; one answered by Bob.
  for (let i = 0; i < 12; i++) cases.push([`r${i}`, alice, `2024-05-06T${String(8 + (i % 6)).padStart(2, '0')}:00:00Z`, 'where is my #refund']);
  cases.push(['b1', bob, '2024-05-06T09:30:00Z', 'hello']);
  for (const [id, agent, at, text] of cases) {
    const sentAt = new Date(Date.parse(at) + 20 * 60_000).toISOString();
    await applyIncrements(store, play(newCase({ id, at, text, source: 'x-main' }), answer(agent, at, sentAt), { sla: { targetMinutes: 30 } }).increments);
  }
  return store;
}

describe('a metrics answer a manager reads in ten seconds', () => {
  let store: Store;
  let router: CommandRouter;
  const run = (text: string, actor: Actor = LEAD): Promise<CommandReply> => router.run(text, { actor, audience: 'private', now: NOW });

  beforeAll(async () => {
    store = await seeded();
    const names = new PeopleNames();
    names.use(async (a) => ({ UALICE: 'Alice Agent', UBOB: 'Bob Builder' } as Record<string, string>)[a.id]);
    router = new CommandRouter(CONFIG);
    registerMetricsCommands(router, { store, repo: new CaseRepository(store), config: CONFIG, log: silentLogger(), names });
  });

  afterAll(async () => {
    await store?.close?.();
  });

  it('leads with the headline figures, in order, in plain words', async () => {
    const reply = await run('metrics today');
    const layout = reply.summary!.layout;
    expect(layout.title).toBe('Earshot metrics: today (2024-05-06)');
    expect(layout.facts.map((f) => f.label)).toEqual(['New cases', 'Answered', 'Median first response', 'SLA met', 'Open now']);
    // Every answer took 20 minutes; the histogram's median is within a few percent of that.
    expect(layout.facts.map((f) => f.value)).toEqual(['13 (none yesterday by this time)', '13', '19 min', '100% (13 of 13)', '0']);
    // The text fallback says the same, in the same order, right after the title.
    expect(reply.lines.slice(0, 6)).toEqual([layout.title, ...layout.facts.map((f) => `${f.label}: ${f.value}`)]);
    // A spike in words, not "12 vs 0 expected (12×)"; no "±" error footnote anywhere.
    expect(layout.notes).toEqual(['13 new cases, usually none.', '12 cases about #refund, usually none.']);
    expect(reply.lines.join('\n')).not.toMatch(/[±×]|expected|are within/);
  });

  it('shows people by display name, never by id', async () => {
    const text = (await run('metrics today')).lines.join('\n');
    expect(text).toContain('Agents: Alice Agent: 12 sent, 12 handled · Bob Builder: 1 sent, 1 handled');
    expect(text).not.toMatch(/UALICE|UBOB|slack:U/);
  });

  it('uses correct plurals', async () => {
    const text = (await run('metrics today details')).lines.join('\n');
    expect(text).toContain('Reach: 13 authors answered');
    const one = (await run('metrics 2024-05-05..2024-05-06 details')).summary!.layout;
    expect(one.breakdowns.find((b) => b.label === 'Reach')?.text).toMatch(/^13 authors answered, [\d,]+ followers between them$/);
  });

  it('keeps the long breakdowns behind "details"', async () => {
    const short = await run('metrics today');
    expect(short.summary!.layout.breakdowns.map((b) => b.label)).toEqual(['By group', 'By source', 'Top hashtags', 'Agents']);
    expect(short.summary!.layout.more).toMatch(/Add "details"/);
    const long = await run('metrics today details');
    const labels = long.summary!.layout.breakdowns.map((b) => b.label);
    expect(labels.slice(0, 4)).toEqual(['By group', 'By source', 'Top hashtags', 'Agents']);
    expect(labels).toEqual(expect.arrayContaining(['First response', 'Sentiment', 'Approvals', 'Reach']));
    expect(long.summary!.layout.more).toBeUndefined();
  });

  it('Slack: the headline is a section with fields, the whole message valid Block Kit', async () => {
    const reply = await run('metrics today');
    const message = renderCommandMessage(reply, ['The charts are in your direct messages with Earshot.']);
    const blocks = message.blocks as unknown as Block[];
    expect(blockKitProblems(blocks)).toEqual([]);
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: 'Earshot metrics: today (2024-05-06)' } });
    const headline = blocks.find((b) => b.type === 'section' && b.fields)!;
    expect(headline.fields.map((f: Block) => f.text)).toEqual([
      '*New cases*\n13 (none yesterday by this time)', '*Answered*\n13', '*Median first response*\n19 min', '*SLA met*\n100% (13 of 13)', '*Open now*\n0',
    ]);
    expect(blocks.indexOf(headline)).toBe(1);
    expect(JSON.stringify(blocks)).toContain('The charts are in your direct messages with Earshot.');
    // The text stays the notification fallback.
    expect(message.text).toContain('New cases: 13');
  });

  it('Teams: the headline is a FactSet, and the card passes the Adaptive Card schema', async () => {
    const reply = await run('metrics today details');
    const card = renderTeamsMessage(reply);
    const facts = elements(card).find((e) => e.type === 'FactSet')!;
    expect(facts.facts.map((f: Block) => f.title)).toEqual(['New cases', 'Answered', 'Median first response', 'SLA met', 'Open now']);
    expect(facts.facts[3].value).toBe('100% \\(13 of 13\\)');
    expect(loadTeamsValidators().card(card)).toEqual([]);
    // Everything after the headline is TextRuns: never parsed as Markdown.
    expect(elements(card).filter((e) => e.type === 'TextRun').map((e) => e.text)).toContain('Agents: Alice Agent: 12 sent, 12 handled · Bob Builder: 1 sent, 1 handled');
  });

  it('escapes and bounds what came from posts on both surfaces', () => {
    const hostile = '<!channel> [x](https://evil.example) **b** \u202Eexe' + 'z'.repeat(5000);
    const layout: SummaryLayout = {
      title: `Earshot metrics: today, group ${hostile}`,
      facts: [{ label: 'New cases', value: `3 about #${hostile}` }],
      notes: [`12 new cases about #${hostile}, usually none.`],
      breakdowns: [{ label: 'Top hashtags', text: `#${hostile} 12` }],
    };
    const blocks = renderSummaryBlocks(layout, [hostile]) as unknown as Block[];
    expect(blockKitProblems(blocks)).toEqual([]);
    // mrkdwn is parsed by Slack: escaped there; the header is plain_text, never parsed.
    const mrkdwn = JSON.stringify(blocks.slice(1));
    expect(mrkdwn).not.toMatch(/<!channel>/);
    expect(mrkdwn).toContain('&lt;!channel&gt;');
    expect(JSON.stringify(blocks)).not.toContain('\u202E');
    const card = renderSummaryCard(layout, [hostile]);
    expect(loadTeamsValidators().card(card)).toEqual([]);
    const fact = elements(card).find((e) => e.type === 'FactSet')!.facts[0];
    expect(fact.value).not.toMatch(/(?<!\\)\[x\]|(?<!\\)<|\u202E/);
    expect(fact.value.length).toBeLessThanOrEqual(400);
    for (const run of elements(card).filter((e) => e.type === 'TextRun')) expect((run.text as string).length).toBeLessThanOrEqual(600);
    expect(JSON.stringify(card)).not.toContain('\u202E');
  });
});
