import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportLabels, LABEL_COLUMNS } from '../../src/cli/commands/labels.js';
import { register as registerTrain } from '../../src/cli/commands/train.js';
import { CaseRepository } from '../../src/app/case-repository.js';
import { CaseInteractions } from '../../src/app/case-interactions.js';
import { CaseService } from '../../src/app/case-service.js';
import { forgetCaseLabels, LABELS, Learner, MIN_LEARNED_LABELS, staffLabels } from '../../src/app/learning.js';
import { MENTION_CASE, processInbox, recordPoll, type PipelineDeps } from '../../src/app/pipeline.js';
import { purgeExpired } from '../../src/app/retention.js';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import { SYSTEM } from '../../src/domain/actor.js';
import type { Case } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { Outbox } from '../../src/outbox/outbox.js';
import { screenMention } from '../../src/screening/screen-mention.js';
import { predictText, seededRandom, textModelFromJson, trainTextModel, type TextModel } from '../../src/screening/text-model.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

const alice: Actor = { platform: 'slack', id: 'UALICE', name: 'alice' };

const config: Config = ConfigSchema.parse({
  brand: { name: 'Acme', handles: { x: ['acme'] } },
  sources: [{ name: 'x', network: 'x', queries: ['@acme'] }],
  groups: [
    { id: 'care', slack: { channel: 'C0CARE0001' } },
    { id: 'baggage', slack: { channel: 'C0BAGS0001' } },
    { id: 'delays', slack: { channel: 'C0LATE0001' } },
  ],
  routing: { fallback: 'care' },
  retention: { days: 30 },
  // Near-identical posts must each get a case here, to show how each was screened.
  duplicates: { enabled: false },
});

/** A small model trained on made-up posts: sentiment, and topics named like the groups. */
function baseModel(): TextModel {
  const rows: Array<[string, string, string]> = [
    ['my flight is delayed again', 'negative', 'delays'],
    ['two hours late and no update', 'negative', 'delays'],
    ['stuck at the gate, flight late', 'negative', 'delays'],
    ['delayed for the third time this week', 'negative', 'delays'],
    ['you lost my bag', 'negative', 'baggage'],
    ['my suitcase never arrived', 'negative', 'baggage'],
    ['broken luggage handle after the flight', 'negative', 'baggage'],
    ['where is my bag, it is missing', 'negative', 'baggage'],
    ['thanks for the great crew today', 'positive', 'care'],
    ['lovely service, thank you', 'positive', 'care'],
    ['great flight, friendly staff', 'positive', 'care'],
    ['what time does boarding start', 'neutral', 'care'],
    ['how do I change my seat', 'neutral', 'care'],
    ['is there wifi on board', 'neutral', 'care'],
  ];
  return trainTextModel(rows.map(([text, sentiment, topic]) => ({ text, labels: { sentiment, topic } })), { seed: 7 });
}

let n = 0;
function mention(text: string): Mention {
  n += 1;
  const id = String(5000 + n);
  return {
    network: 'x', source: 'x', id, text, createdAt: '2026-01-05T09:00:00.000Z', url: `https://x.com/i/web/status/${id}`,
    author: { id: `a${n}`, handle: `author${n}`, name: `Author ${n}`, followers: 10, verified: false },
    isRepost: false, isQuote: false, conversationId: id,
  };
}

interface Rig { store: Store; cases: CaseService; learner: Learner; pipeline: PipelineDeps & { outbox: Outbox }; clock: ManualClock }
const stores: Store[] = [];

async function rig(base: TextModel | undefined, store?: Store): Promise<Rig> {
  const s = store ?? (await openStore('sqlite://:memory:', { namespace: `learn${Math.random().toString(36).slice(2, 8)}` }));
  if (!store) stores.push(s);
  const clock = new ManualClock(Date.parse('2026-01-05T09:00:00.000Z'));
  const log = silentLogger();
  const outbox = new Outbox({ store: s, clock, log, instanceId: 'test' });
  const cases = new CaseService({ repo: new CaseRepository(s), outbox, config, clock, log, sources: new Map() });
  const learner = new Learner({ store: s, log, base });
  learner.attach(cases);
  return { store: s, cases, learner, clock, pipeline: { store: s, config, clock, log, outbox, cases, model: () => learner.current(), corrections: () => learner.corrections() } };
}

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function open(r: Rig, text: string): Promise<Case> {
  const m = mention(text);
  await recordPoll(r.store, 'x', { mentions: [m], cursor: undefined, requests: 1 });
  await processInbox(r.pipeline);
  const id = await r.store.get<string>(MENTION_CASE(`x:${m.id}`));
  return (await r.cases.get(id!))!;
}

const screen = (r: Rig, text: string) => screenMention(mention(text), { config, now: '2026-01-05T09:00:00.000Z', model: r.learner.current(), corrections: r.learner.corrections() });

describe('learning from staff decisions', () => {
  it('a corrected sentiment changes the next prediction for a near-identical post, and little else', async () => {
    const r = await rig(baseModel());
    const post = 'the wifi on board was slow';
    const c = await open(r, post);
    const before = c.screening.sentiment!;
    const corrected = before === 'positive' ? 'negative' : 'positive';
    const unrelated = predictText(r.learner.current()!, 'thanks for the great crew today').sentiment!.label;

    const done = await r.cases.apply(c.id, { type: 'retag', sentiment: corrected }, alice, c.version);
    expect(done.ok).toBe(true);
    expect(done.ok && done.case.screening.sentiment).toBe(corrected);
    // The card's badge changes with it; the audit says what was corrected.
    expect(done.ok && done.case.audit.at(-1)?.note).toBe(`sentiment ${before} → ${corrected}`);

    const again = await open(r, 'The wifi on board was slow!');
    expect(again.id).not.toBe(c.id);
    expect(again.screening.sentiment).toBe(corrected);
    expect(screen(r, 'the wifi on board was so slow').sentiment).toBe(corrected);
    expect(predictText(r.learner.current()!, 'thanks for the great crew today').sentiment!.label).toBe(unrelated);
    const labels = [];
    for await (const l of staffLabels(r.store)) labels.push(l);
    expect(labels).toMatchObject([{ caseId: c.id, decision: 'retag', labels: { sentiment: corrected }, text: post }]);
  });

  it('moving a case to another group teaches its topic: the next such post is routed there', async () => {
    const r = await rig(baseModel());
    const post = 'seat 14C armrest is broken';
    const c = await open(r, post);
    expect(c.group).not.toBe('delays');
    const moved = await r.cases.apply(c.id, { type: 'reroute', to: 'delays' }, alice, c.version);
    expect(moved.ok).toBe(true);
    expect(moved.ok && moved.case).toMatchObject({ group: 'delays', status: 'new' });
    const next = await open(r, 'Seat 14C armrest is broken!!');
    expect(next.id).not.toBe(c.id);
    expect(next.screening.topic).toBe('delays');
    expect(next.group).toBe('delays');
  });

  it('an ignore as spam teaches intent "other"; "no reply needed" and system changes teach nothing', async () => {
    const r = await rig(baseModel());
    const a = await open(r, 'win a free iphone click here');
    const b = await open(r, 'thanks for the great crew today');
    await r.cases.apply(a.id, { type: 'ignore', reason: 'Spam or a bot' }, alice, a.version);
    await r.cases.apply(b.id, { type: 'ignore', reason: 'No reply needed' }, alice, b.version);
    const c = await open(r, 'my suitcase never arrived again');
    await r.cases.apply(c.id, { type: 'claim' }, alice, c.version);
    await r.cases.apply(c.id, { type: 'expire_claim' }, SYSTEM);
    const labels = [];
    for await (const l of staffLabels(r.store)) labels.push(l);
    expect(labels.map((l) => [l.caseId, l.decision, l.labels])).toEqual([[a.id, 'ignore', { intent: 'other' }]]);
  });

  it('without a trained model, a task learned from staff is used only once it has enough labels of two kinds', async () => {
    const r = await rig(undefined);
    expect(r.learner.current()).toBeUndefined();
    const lexicon = screen(r, 'lost luggage again').group;
    expect(lexicon).toBe('care');
    // One correction: not enough to route every post to that group.
    const first = await open(r, 'lost luggage at the carousel');
    await r.cases.apply(first.id, { type: 'reroute', to: 'baggage' }, alice, first.version);
    expect(r.learner.current()?.tasks.topic).toBeUndefined();
    expect(screen(r, 'what time is boarding').group).toBe('care');
    // Staff keep moving luggage posts to baggage and delay posts to delays (posts that
    // differ by more than a word or two: near-identical ones the correction memory routes
    // already, with no new decision).
    const words = ['Denver', 'Boston', 'yesterday', 'honestly', 'terminal', 'morning', 'seriously', 'evening', 'Chicago', 'again', 'weekend', 'Atlanta'];
    const rnd = seededRandom(11);
    const some = (k: number) => Array.from({ length: k }, () => words[Math.floor(rnd() * words.length)]!).join(' ');
    let moves = 0;
    for (let i = 0; moves < MIN_LEARNED_LABELS; i++) {
      const [text, to] = i % 2 === 0 ? [`${some(2)} lost luggage ${some(3)}`, 'baggage'] : [`${some(2)} flight delayed ${some(3)}`, 'delays'];
      const c = await open(r, text);
      if (c.group === to) continue;
      await r.cases.apply(c.id, { type: 'reroute', to }, alice, c.version);
      moves += 1;
    }
    const learned = r.learner.current();
    expect(learned?.tasks.topic?.labels.sort()).toEqual(['baggage', 'delays']);
    expect(screen(r, 'lost luggage again').group).toBe('baggage');
    expect(screen(r, 'flight delayed by hours again').group).toBe('delays');
  });

  it('every instance applies the labels any instance recorded, once each and in order; a restart replays them', async () => {
    const a = await rig(baseModel());
    const b = await rig(baseModel(), a.store);
    const c = await open(a, 'the lounge was closed');
    const corrected = c.screening.sentiment === 'positive' ? 'negative' : 'positive';
    await a.cases.apply(c.id, { type: 'retag', sentiment: corrected }, alice, c.version);
    expect(screen(b, 'the lounge was closed!').sentiment).not.toBe(corrected);
    expect(await b.learner.catchUp()).toBe(1);
    expect(await b.learner.catchUp()).toBe(0);
    expect(screen(b, 'the lounge was closed!').sentiment).toBe(corrected);
    const restarted = new Learner({ store: a.store, log: silentLogger(), base: baseModel() });
    expect(await restarted.catchUp()).toBe(1);
    expect(predictText(restarted.current()!, 'the lounge was closed!').sentiment!.label).toBe(corrected);
  });

  it('forgets a case\'s labels with the case (retention, erasure): a restart no longer learns its text', async () => {
    const r = await rig(baseModel());
    const c = await open(r, 'my phone +44 7700 900123 was charged twice');
    const moved = await r.cases.apply(c.id, { type: 'reroute', to: c.group === 'baggage' ? 'delays' : 'baggage' }, alice, c.version);
    expect(moved.ok, moved.ok ? '' : moved.refusal.message).toBe(true);
    const [label] = await r.store.zRangeByScore(LABELS, 0, Number.POSITIVE_INFINITY);
    expect(label).toBeDefined();
    // Personal data is masked in the stored example.
    const stored = [];
    for await (const l of staffLabels(r.store)) stored.push(l);
    expect(stored[0]!.text).not.toContain('7700');
    r.clock.advance(31 * 86_400_000);
    await r.cases.apply(c.id, { type: 'close' }, alice);
    r.clock.advance(31 * 86_400_000);
    expect((await purgeExpired({ store: r.store, repo: new CaseRepository(r.store), outbox: new Outbox({ store: r.store, clock: r.clock, log: silentLogger(), instanceId: 't' }), config, clock: r.clock, log: silentLogger() })).purged).toBe(1);
    expect(await r.store.zCard(LABELS)).toBe(0);
    expect(await forgetCaseLabels(r.store, c.id)).toBe(0);
    expect(await new Learner({ store: r.store, log: silentLogger(), base: baseModel() }).catchUp()).toBe(0);
  });

  it('the Move and Correct dialogs offer what fits, and refuse answers they did not offer, changing nothing', async () => {
    const r = await rig(baseModel());
    const interactions = new CaseInteractions({ cases: r.cases, config, clock: r.clock, outbox: r.pipeline.outbox });
    const c = await open(r, 'my seat would not recline on the whole flight');
    const ref = { caseId: c.id, version: c.version };
    const route = await interactions.openChoice('case.route', ref, alice);
    expect(route.ok && route.choice.options.map((o) => o.value)).toEqual(config.groups.map((g) => g.id).filter((g) => g !== c.group));
    const retag = await interactions.openChoice('case.retag', ref, alice);
    expect(retag.ok && retag.choice.options.map((o) => o.value)).not.toContain(`sentiment:${c.screening.sentiment}`);
    const choice = (action: 'case.route' | 'case.retag') => ({ action, caseId: c.id, version: c.version });
    for (const option of ['intent:bogus', 'sentiment:', 'topic:delays', '__proto__', 'sentiment:positive:extra', undefined]) {
      const res = await interactions.applyChoice(choice('case.retag'), { option }, alice);
      expect(res.ok, String(option)).toBe(false);
      expect(!res.ok && res.refusal.message).toBe('Pick the sentiment or intent that is right for this post.');
    }
    const nowhere = await interactions.applyChoice(choice('case.route'), { option: 'nowhere' }, alice);
    expect(!nowhere.ok && nowhere.refusal.message).toMatch(/^There is no group "nowhere"/);
    const long = await interactions.applyChoice(choice('case.route'), { option: c.group === 'delays' ? 'care' : 'delays', text: 'x'.repeat(2001) }, alice);
    expect(!long.ok && long.refusal.message).toBe('The note is 2001 characters; the limit is 2000.');
    expect(await r.cases.get(c.id)).toEqual(c);
    expect(await r.store.zCard(LABELS)).toBe(0);
  });

  it('`earshot labels` writes the staff labels as a CSV that `earshot train` builds a model from', async () => {
    const r = await rig(baseModel());
    const taught: Array<[string, string]> = [];
    for (let i = 0; i < 6; i++) {
      const c = await open(r, `=cmd| my pram was left behind at gate ${i}`);
      const to = c.group === 'baggage' ? 'delays' : 'baggage';
      await r.cases.apply(c.id, { type: 'reroute', to }, alice, c.version);
      const d = await open(r, `what a lovely lounge in terminal ${i}`);
      const s = d.screening.sentiment === 'negative' ? 'neutral' : 'negative';
      await r.cases.apply(d.id, { type: 'retag', sentiment: s }, alice, d.version);
      taught.push([to, s]);
    }
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (b: Buffer) => chunks.push(b));
    expect(await exportLabels(r.store, sink)).toBe(12);
    const csv = Buffer.concat(chunks).toString('utf8');
    const rows = parse(csv, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual([...LABEL_COLUMNS]);
    expect(rows.filter((x) => x.decision === 'reroute').map((x) => x.topic)).toEqual(taught.map((t) => t[0]));
    // A post a stranger wrote is never a spreadsheet formula.
    expect(rows[0]!.text!.startsWith("'=")).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'earshot-labels-'));
    try {
      const file = join(dir, 'labels.csv');
      writeFileSync(file, csv);
      writeFileSync(join(dir, 'earshot.yaml'), 'brand: { name: Acme }\nsources: [{ name: x, network: x, queries: [\'@acme\'] }]\ngroups: [{ id: care, slack: { channel: C0CARE0001 } }, { id: baggage, slack: { channel: C0BAGS0001 } }, { id: delays, slack: { channel: C0LATE0001 } }]\nrouting: { fallback: care }\n');
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const program = new Command().option('-c, --config <file>').exitOverride();
      registerTrain(program);
      await program.parseAsync(['node', 'earshot', '--config', join(dir, 'earshot.yaml'), 'train', file, '--text', 'text', '--sentiment', 'sentiment', '--intent', 'intent', '--topic', 'topic', '--out', join(dir, 'model.json')]);
      out.mockRestore();
      const model = textModelFromJson(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')));
      expect(model.tasks.topic!.seen.reduce((a, b) => a + b, 0)).toBe(6);
      expect(model.tasks.sentiment!.seen.reduce((a, b) => a + b, 0)).toBe(6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
