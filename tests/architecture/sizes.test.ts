import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

import { describeViolation, measureSizes, readText, tsFiles, type SizeExemption, type SizeLimits } from './code-sizes.js';

const ROOT = join(__dirname, '..', '..');

/** A file is read in one sitting, a function on one screen or two. */
const LIMITS: SizeLimits = { fileLines: 300, functionLines: 80 };

/**
 * What may stay over the limits, each with why. Entries for files another change is
 * reworking name them so the list shrinks when that change lands: an exemption that is
 * no longer needed fails the test below, so remove it then.
 */
const EXEMPTIONS: SizeExemption[] = [
  { path: 'src/sandbox/', reason: 'the sandbox fakes imitate whole services in one place (a fake Slack, a fake X); they are test scaffolding, not the bot' },
  { path: 'src/screening/tokenize-post.ts', fn: 'tokenizePost', reason: 'the tokenizer hot path: one loop with its state in locals, which the screening benchmark depends on' },
];

const sources = () => tsFiles(join(ROOT, 'src')).map((f) => ({ path: relative(ROOT, f).split(sep).join('/'), text: readText(f) }));

describe(`no file under src/ over ${LIMITS.fileLines} lines, no function over ${LIMITS.functionLines}`, () => {
  const files = sources();
  const { violations, used } = measureSizes(files, LIMITS, EXEMPTIONS);

  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('finds nothing over the limits outside the exemptions', () => {
    expect(violations.map(describeViolation), 'split these along their seams (or, with a reason, exempt them)').toEqual([]);
  });

  it('every exemption is still needed, and says why', () => {
    for (const e of EXEMPTIONS) expect(e.reason.length, `${e.path} ${e.fn ?? ''}`).toBeGreaterThan(10);
    const stale = EXEMPTIONS.filter((e) => !used.has(e)).map((e) => `${e.path}${e.fn ? ` ${e.fn}()` : ''}`);
    expect(stale, 'these are within the limits now: remove their exemptions').toEqual([]);
  });
});

describe('the size check itself', () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  total += ${i};`).join('\n');
  const limits: SizeLimits = { fileLines: 300, functionLines: 80 };

  it('fires on a long function, method and arrow function, and on a long file', () => {
    const text = [
      `export function long(): number {\n  let total = 0;\n${body(85)}\n  return total;\n}`,
      `export class Long {\n  method(): number {\n    let total = 0;\n${body(85)}\n    return total;\n  }\n}`,
      `export const arrow = (): number => {\n  let total = 0;\n${body(85)}\n  return total;\n};`,
      `export function short(): number {\n  return 1;\n}`,
      ...Array.from({ length: 40 }, (_, i) => `export const c${i} = ${i};`),
    ].join('\n');
    const { violations } = measureSizes([{ path: 'src/sample.ts', text }], limits, []);
    expect(violations.map((v) => v.fn)).toEqual([undefined, 'long', 'method', 'arrow']);
    expect(violations.find((v) => v.fn === 'long')).toMatchObject({ line: 1, lines: 89 });
    expect(violations.find((v) => v.fn === undefined)!.lines).toBeGreaterThan(300);
  });

  it('stays quiet within the limits, and where an exemption covers the sample', () => {
    // Exactly at the limit: 80 lines.
    const fn = `export function edge(): number {\n  let total = 0;\n${body(76)}\n  return total;\n}`;
    expect(measureSizes([{ path: 'src/edge.ts', text: fn }], limits, []).violations).toEqual([]);
    const long = `export function long(): number {\n  let total = 0;\n${body(85)}\n  return total;\n}`;
    const exempt: SizeExemption[] = [{ path: 'src/hot.ts', fn: 'long', reason: 'a sample hot path' }, { path: 'src/fakes/', reason: 'sample scaffolding' }];
    const { violations, used } = measureSizes([{ path: 'src/hot.ts', text: long }, { path: 'src/fakes/fake.ts', text: long }], limits, exempt);
    expect(violations).toEqual([]);
    expect(used.size).toBe(2);
    // An exemption for one function does not cover another of the same file.
    const other = long.replace('function long', 'function other');
    expect(measureSizes([{ path: 'src/hot.ts', text: other }], limits, exempt).violations.map((v) => v.fn)).toEqual(['other']);
  });
});
