import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Command } from 'commander';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { register as registerScreen } from '../../src/cli/commands/screen.js';
import { register as registerTrain } from '../../src/cli/commands/train.js';
import { textModelFromJson } from '../../src/screening/text-model.js';

const dir = mkdtempSync(join(tmpdir(), 'earshot-screening-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `
brand:
  name: Acme Air
  handles: { x: [AcmeAir] }
  publicNumberPatterns: ['\\bAC\\s?\\d{1,4}\\b']
sources:
  - { name: x-main, network: x, queries: ['@AcmeAir'] }
groups:
  - { id: general, slack: { channel: C0GENERAL } }
  - { id: baggage, slack: { channel: C0BAGGAGE } }
  - { id: delays, slack: { channel: C0DELAYS } }
routing:
  fallback: general
  rules:
    - name: refunds
      when: { keywords: [refund] }
      then: { tag: [refund], priority: high }
`;
const configFile = join(dir, 'earshot.yaml');
writeFileSync(configFile, CONFIG);

const csvQuote = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** A labelled history written as a team would export it. */
function writeHistory(file: string): void {
  const rows: string[][] = [];
  const places = ['Denver', 'Boston', 'Paris', 'Oslo', 'Rome'];
  for (let i = 0; i < 60; i++) {
    const p = places[i % places.length]!;
    rows.push([`my bag never arrived in ${p}, nobody helps`, 'negative', 'complaint', 'baggage']);
    rows.push([`flight delayed 3 hours in ${p}, awful`, 'Negative', 'complaint', 'delays']);
    rows.push([`thanks for the great crew in ${p}!`, 'pos', 'praise', i % 3 === 0 ? '' : 'general']);
    rows.push([`what time does boarding start in ${p}?`, 'neutral', 'question', 'general']);
  }
  writeFileSync(file, ['post,feeling,why,where', ...rows.map((r) => r.map(csvQuote).join(','))].join('\n'));
}

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
  registerTrain(program);
  registerScreen(program);
  await program.parseAsync(['node', 'earshot', ...args]);
}

const lines = () => out.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('earshot train', () => {
  const history = join(dir, 'history.csv');
  const model = join(dir, 'model.json');
  writeHistory(history);

  it('builds a model file from a labelled CSV, skipping empty labels per task', async () => {
    await earshot('--config', configFile, 'train', history, '--text', 'post', '--sentiment', 'feeling', '--intent', 'why', '--topic', 'where', '--out', model);
    const m = textModelFromJson(JSON.parse(readFileSync(model, 'utf8')));
    expect(m.tasks.sentiment!.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(m.tasks.intent!.labels).toEqual(['complaint', 'praise', 'question']);
    expect(m.tasks.topic!.labels).toEqual(['baggage', 'delays', 'general']);
    expect(m.tasks.topic!.seen.reduce((a, b) => a + b, 0)).toBe(240 - 20);
    expect(out.join('')).toMatch(/Trained on 240 rows of history\.csv in [\d.]+s; wrote .*model\.json/);
    expect(out.join('')).toContain('sentiment: negative 120, neutral 60, positive 60');
  });

  it('names the available columns when a column is missing', async () => {
    await expect(earshot('--config', configFile, 'train', history, '--text', 'body', '--sentiment', 'feeling', '--out', model))
      .rejects.toThrow(`${history}: no column "body" (given by --text); the file has: "post", "feeling", "why", "where"`);
  });

  it('refuses labels it cannot map, with the row and the accepted values', async () => {
    const bad = join(dir, 'bad-labels.csv');
    writeFileSync(bad, 'text,s\nhello,positive\nworld,meh\n');
    await expect(earshot('--config', configFile, 'train', bad, '--text', 'text', '--sentiment', 's', '--out', model))
      .rejects.toThrow('row 2: sentiment "meh" is not one of negative, neutral, positive');
  });

  it('says when the file is missing or not CSV, and when the config is missing', async () => {
    await expect(earshot('--config', configFile, 'train', join(dir, 'nope.csv'), '--text', 't', '--sentiment', 's', '--out', model)).rejects.toThrow('nope.csv: file not found');
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, 'a,b\n"unterminated,1\n');
    await expect(earshot('--config', configFile, 'train', broken, '--text', 'a', '--sentiment', 'b', '--out', model)).rejects.toThrow(/broken\.csv: not readable as CSV/);
    await expect(earshot('--config', join(dir, 'none.yaml'), 'train', history, '--text', 'post', '--sentiment', 'feeling', '--out', model)).rejects.toThrow(/none\.yaml has 1 problem[\s\S]*file not found/);
  });

  it('notes topics that name no skill group', async () => {
    const odd = join(dir, 'odd-topics.csv');
    writeFileSync(odd, 'text,s,t\nmy bag is lost,negative,bags\nthanks,positive,general\n');
    await earshot('--config', configFile, 'train', odd, '--text', 'text', '--sentiment', 's', '--topic', 't', '--out', join(dir, 'odd.json'));
    expect(err.join('')).toContain('topics "bags" name no skill group');
  });

  it('requires --text, --sentiment and --out', async () => {
    await expect(earshot('--config', configFile, 'train', history, '--text', 'post', '--out', model)).rejects.toThrow(/--sentiment/);
  });
});

describe('earshot screen', () => {
  const history = join(dir, 'history2.csv');
  const model = join(dir, 'model2.json');
  writeHistory(history);

  it('prints one JSON object per CSV row, with the model', async () => {
    await earshot('--config', configFile, 'train', history, '--text', 'post', '--sentiment', 'feeling', '--intent', 'why', '--topic', 'where', '--out', model);
    out = [];
    const input = join(dir, 'input.csv');
    writeFileSync(input, [
      'id,message',
      '1,"@AcmeAir my bag never arrived in Lisbon, nobody helps"',
      '2,"@AcmeAir flight delayed 3 hours in Lisbon, awful. I want a refund"',
      '3,"RT @bob: @AcmeAir thanks for the great crew"',
      '4,"@AcmeAir card 4111 1111 1111 1111 charged twice on AC 857"',
    ].join('\n'));
    await earshot('--config', configFile, 'screen', input, '--text', 'message', '--model', model, '--now', '2025-03-04T10:00:00Z');
    const rows = lines();
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3, 4]);
    expect(rows[0]).toMatchObject({ sentiment: 'negative', intent: 'complaint', topic: 'baggage', group: 'baggage', dropped: false, pii: [] });
    expect(rows[1]).toMatchObject({ topic: 'delays', group: 'delays', priority: 'high', rulesFired: [{ rule: 'refunds', why: "keyword 'refund'" }] });
    expect(rows[2]).toMatchObject({ dropped: true, dropReason: 'repost without comment ("RT @…")' });
    expect(rows[3]!.pii).toEqual([{ kind: 'card', start: 14, end: 33 }]);
    for (const r of rows) expect(Object.keys(r)).toEqual(expect.arrayContaining(['row', 'sentiment', 'intent', 'topic', 'group', 'priority', 'pii', 'rulesFired', 'dropped']));
  });

  it('reads JSONL, and screens without a model (lexicon and word rules)', async () => {
    const input = join(dir, 'input.jsonl');
    writeFileSync(input, [
      JSON.stringify({ body: '@AcmeAir worst airline ever, my flight was cancelled' }),
      '',
      JSON.stringify({ body: '@AcmeAir what time does the lounge open?' }),
    ].join('\n'));
    await earshot('--config', configFile, 'screen', input, '--text', 'body');
    const rows = lines();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ row: 1, sentiment: 'negative', intent: 'complaint', topic: null, group: 'general' });
    expect(rows[1]).toMatchObject({ row: 2, intent: 'question' });
  });

  it('uses a JSONL line that is a whole mention as the mention (author, reposts…)', async () => {
    const input = join(dir, 'mentions.jsonl');
    const m = { network: 'x', source: 'x-main', id: '9', text: 'We are on it!', createdAt: '2025-03-04T09:00:00Z', url: 'u', author: { id: '1', handle: 'AcmeAir', name: 'Acme' } };
    writeFileSync(input, `${JSON.stringify(m)}\n`);
    await earshot('--config', configFile, 'screen', input, '--text', 'text');
    expect(lines()[0]).toMatchObject({ dropped: true, dropReason: "the brand's own post" });
  });

  it('gives clear errors for a bad JSONL line, a missing field and a bad model file', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"text":"ok"}\n{not json}\n');
    await expect(earshot('--config', configFile, 'screen', bad, '--text', 'text')).rejects.toThrow(/bad\.jsonl: line 2 is not JSON/);
    const good = join(dir, 'good.jsonl');
    writeFileSync(good, '{"text":"ok"}\n');
    await expect(earshot('--config', configFile, 'screen', good, '--text', 'message')).rejects.toThrow('no column "message" (given by --text); the file has: "text"');
    const notModel = join(dir, 'not-model.json');
    writeFileSync(notModel, '{"weights": []}');
    await expect(earshot('--config', configFile, 'screen', good, '--text', 'text', '--model', notModel)).rejects.toThrow(/not-model\.json: not a usable Earshot text model/);
    await expect(earshot('--config', configFile, 'screen', good, '--text', 'text', '--model', join(dir, 'missing.json'))).rejects.toThrow(/missing\.json: file not found/);
  });

  it('reads the config from EARSHOT_CONFIG when --config is not given', async () => {
    const input = join(dir, 'env.csv');
    writeFileSync(input, 'text\nI want a refund\n');
    vi.stubEnv('EARSHOT_CONFIG', configFile);
    try {
      await earshot('screen', input, '--text', 'text');
    } finally {
      vi.unstubAllEnvs();
    }
    expect(lines()[0]).toMatchObject({ priority: 'high', rulesFired: [{ rule: 'refunds', why: "keyword 'refund'" }] });
  });
});
