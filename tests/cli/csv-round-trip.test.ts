import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { csvSafe, csvUnguard } from '../../src/cli/commands/csv-guard.js';
import { LABEL_COLUMNS, labelRow } from '../../src/cli/commands/labels.js';
import { readTable } from '../../src/cli/commands/train.js';
import { tempDir } from '../e2e/support/bot-process.js';

const TEXTS = [
  '@AcmeAir my bag never arrived',
  '=HYPERLINK("http://evil.example","click")',
  '+1 for the crew',
  '-- worst flight ever',
  '\tindented',
  "'@already quoted",
  "''=two apostrophes",
  "it's fine, no guard",
  "'plain apostrophe",
];

describe('the CSV injection guard', () => {
  it('guards every cell a spreadsheet would run (OWASP: = + - @ tab CR)', () => {
    for (const t of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1']) expect(csvSafe(t)).toBe(`'${t}`);
    expect(csvSafe('hello')).toBe('hello');
  });

  it('is undone exactly: unguard(guard(x)) is x for every text', () => {
    for (const t of TEXTS) expect(csvUnguard(csvSafe(t))).toBe(t);
  });

  it('earshot labels → earshot train: the labels file reads back as the texts staff labelled', () => {
    const file = join(tempDir('csv-round-trip'), 'labels.csv');
    const rows = TEXTS.map((text, i) => labelRow({ id: i, mention: `x:${i}`, text, labels: { sentiment: 'negative', topic: '-misc' }, decision: 'reroute', at: '2026-01-01T00:00:00Z', caseId: `c${i}` }));
    writeFileSync(file, stringify([[...LABEL_COLUMNS], ...rows]));
    const table = readTable(file);
    expect(table.rows.map((r) => r.text)).toEqual(TEXTS);
    expect(table.rows.every((r) => r.topic === '-misc')).toBe(true);
  });
});
