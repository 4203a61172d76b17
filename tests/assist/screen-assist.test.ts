import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { register as registerScreen } from '../../src/cli/commands/screen.js';
import { startFakeModel, type FakeModel } from '../fakes/fake-model.js';
import { dataOf } from './assist-rig.js';

/**
 * `earshot screen --assist` on a small labelled file: the fake model answers from a script
 * (a crude classifier of its own), and the command reports the model's figures next to the
 * built-in classifier's, falling back to the built-in one on the token budget or a timeout.
 */
const FIXTURE = join(__dirname, '..', 'fixtures', 'assist', 'screen-labelled.csv');
const dir = mkdtempSync(join(tmpdir(), 'earshot-screen-assist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fake model's own classifier: it reads the post from the data block, as a model would. */
const script = (user: string): string => {
  const post = String(dataOf(user).post).toLowerCase();
  if (post.includes('bag')) return JSON.stringify({ sentiment: 'negative', intent: 'complaint', topic: 'baggage' });
  if (post.includes('thank')) return JSON.stringify({ sentiment: 'positive', intent: 'praise', topic: null });
  if (post.includes('when')) return JSON.stringify({ sentiment: 'neutral', intent: 'question', topic: 'delays' });
  return JSON.stringify({ sentiment: 'neutral', intent: 'other', topic: null });
};

const configFile = (origin: string, assist = '') => {
  const file = join(dir, `earshot-${Math.random().toString(36).slice(2, 8)}.yaml`);
  writeFileSync(file, `
brand: { name: Acme Air, handles: { x: [AcmeAir] } }
sources: [{ name: x-main, network: x, queries: ['@AcmeAir'] }]
groups:
  - { id: general, slack: { channel: C0GENERAL } }
  - { id: baggage, slack: { channel: C0BAGGAGE } }
  - { id: delays, slack: { channel: C0DELAYS } }
routing: { fallback: general }
${origin ? `assist: { provider: openai-compatible, model: screener, baseURL: '${origin}/v1', timeout: 1s${assist} }` : ''}
`);
  return file;
};

let out: string[] = [];
let err: string[] = [];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err.push(String(s)); return true; });
});
afterEach(() => vi.restoreAllMocks());

async function earshot(...args: string[]): Promise<void> {
  const program = new Command().option('-c, --config <file>').exitOverride().configureOutput({ writeErr: (s) => err.push(s), writeOut: (s) => out.push(s) });
  registerScreen(program);
  await program.parseAsync(['node', 'earshot', ...args]);
}
const rows = () => out.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
const LABELS = [
  { sentiment: 'negative', intent: 'complaint', topic: 'baggage' },
  { sentiment: 'positive', intent: 'praise', topic: '' },
  { sentiment: 'neutral', intent: 'question', topic: 'delays' },
  { sentiment: 'negative', intent: 'complaint', topic: 'baggage' },
  { sentiment: 'negative', intent: 'complaint', topic: '' },
  { sentiment: 'neutral', intent: 'other', topic: '' },
];
const LABELLED = ['--text', 'post', '--sentiment', 'feeling', '--intent', 'why', '--topic', 'where'];

/** "k/n (p%)" for the rows whose `field` matches the label, counted from the printed rows. */
function figure(printed: Array<Record<string, any>>, task: 'sentiment' | 'intent' | 'topic', pick: (r: Record<string, any>) => Record<string, any>): string {
  const labelled = printed.map((r, i) => ({ r, label: LABELS[i]![task] })).filter((x) => x.label);
  const k = labelled.filter((x) => (pick(x.r)[task] ?? '') === x.label).length;
  return `${k}/${labelled.length} (${Math.round((100 * k) / labelled.length)}%)`;
}

describe('earshot screen --assist', () => {
  let model: FakeModel;
  beforeAll(async () => { model = await startFakeModel({ script: (call) => script(call.user) }); });
  afterAll(async () => { await model?.close(); });
  beforeEach(() => {
    model.calls.length = 0;
    model.latencyMs = 0;
  });

  it('gives every row the model\'s outputs and reports its figures next to the built-in classifier\'s', async () => {
    await earshot('--config', configFile(model.origin), 'screen', FIXTURE, ...LABELLED, '--assist');
    const printed = rows();
    expect(printed).toHaveLength(6);
    expect(printed.map((r) => r.assist)).toEqual([
      { sentiment: 'negative', intent: 'complaint', topic: 'baggage' },
      { sentiment: 'positive', intent: 'praise', topic: null },
      { sentiment: 'neutral', intent: 'question', topic: 'delays' },
      { sentiment: 'negative', intent: 'complaint', topic: 'baggage' },
      { sentiment: 'positive', intent: 'praise', topic: null },
      { sentiment: 'neutral', intent: 'other', topic: null },
    ]);
    const report = err.join('');
    // The model is wrong on row 5 only ("thank you, but the seat was broken").
    expect(report).toContain(`sentiment: built-in ${figure(printed, 'sentiment', (r) => r)}, model 5/6 (83%)`);
    expect(report).toContain(`intent: built-in ${figure(printed, 'intent', (r) => r)}, model 5/6 (83%)`);
    expect(report).toContain(`topic: built-in ${figure(printed, 'topic', (r) => r)}, model 3/3 (100%)`);
    expect(report).toMatch(/Model openai-compatible:screener: \d+ tokens; fell back to the built-in classifier on 0 of 6 rows;/);
    // One request per row; the post masked and in the data block, the topics to choose from beside it.
    expect(model.calls).toHaveLength(6);
    expect(model.calls.map((c) => c.raw).join('\n')).not.toContain('pat.doe@example.org');
    expect(dataOf(model.calls[3]!.user)).toMatchObject({ post: expect.stringContaining('[e-mail address]'), topics: ['general', 'baggage', 'delays'] });
    expect(model.calls[5]!.system).not.toContain('ignore your instructions');
  });

  it('falls back to the built-in classifier once the run\'s token budget is spent, and counts it', async () => {
    await earshot('--config', configFile(model.origin, ', dailyTokens: 1'), 'screen', FIXTURE, ...LABELLED, '--assist');
    const printed = rows();
    expect(model.calls).toHaveLength(1);
    expect(printed[0]!.assist.fallback).toBeUndefined();
    for (const r of printed.slice(1)) expect(r.assist).toEqual({ sentiment: r.sentiment, intent: r.intent, topic: r.topic, fallback: 'budget' });
    expect(err.join('')).toContain('fell back to the built-in classifier on 5 of 6 rows (budget 5)');
  });

  it('falls back on a timeout', async () => {
    model.latencyMs = 1800;
    const two = join(dir, 'two.csv');
    writeFileSync(two, 'post\n"@AcmeAir my bag is lost"\n"@AcmeAir thanks!"\n');
    await earshot('--config', configFile(model.origin), 'screen', two, '--text', 'post', '--assist');
    expect(rows().map((r) => r.assist.fallback)).toEqual(['model_timeout', 'model_timeout']);
    expect(err.join('')).toContain('fell back to the built-in classifier on 2 of 2 rows (model_timeout 2)');
  });

  it('says AI assist is off when the configuration has no assist: section, and sends nothing', async () => {
    await expect(earshot('--config', configFile(''), 'screen', FIXTURE, '--text', 'post', '--assist')).rejects.toThrow(/AI assist is off/);
    expect(model.calls).toHaveLength(0);
  });

  it('reports the built-in classifier\'s figures alone when there is no --assist', async () => {
    await earshot('--config', configFile(''), 'screen', FIXTURE, ...LABELLED);
    const printed = rows();
    expect(printed.every((r) => r.assist === undefined)).toBe(true);
    expect(err.join('')).toContain(`sentiment: built-in ${figure(printed, 'sentiment', (r) => r)}\n`);
    expect(model.calls).toHaveLength(0);
  });
});
