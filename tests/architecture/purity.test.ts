import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
// The cards too: same case and same `now`, same card.
const PURE = ['src/domain', 'src/screening', 'src/routing', 'src/cases', 'src/metrics', 'src/cards'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Reads of the clock, the environment or chance: the pure middle is given these instead. */
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew Date\(\s*\)/, 'new Date() without an argument'],
  [/\bprocess\.(env|argv|cwd|hrtime)\b/, 'process.env/argv/cwd/hrtime'],
  [/\bperformance\.now\s*\(/, 'performance.now()'],
  [/\bDateTime\.(now|local)\s*\(\s*\)/, "luxon's DateTime.now()/local()"],
  [/\bMath\.random\s*\(/, 'Math.random() (pass a seeded generator)'],
];

/** Source without comments and string literals, so prose about Date.now() does not count. */
const code = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').replace(/(['"`])(?:\\.|(?!\1)[^\\\n])*\1/g, '""');

describe('the pure middle reads no clock, environment or chance', () => {
  const all = PURE.flatMap((d) => files(join(ROOT, d)));
  it('has files to check', () => {
    expect(all.length).toBeGreaterThan(10);
  });
  it.each(all.map((f) => [relative(ROOT, f)]))('%s', (file) => {
    const src = code(readFileSync(join(ROOT, file), 'utf8'));
    const found = FORBIDDEN.filter(([re]) => re.test(src)).map(([, what]) => what);
    expect(found, `${file} uses ${found.join(', ')}`).toEqual([]);
  });
  it('the checker itself catches a clock read', () => {
    expect(FORBIDDEN.some(([re]) => re.test(code('const t = Date.now();')))).toBe(true);
    expect(FORBIDDEN.some(([re]) => re.test(code('// Date.now() is not called here')))).toBe(false);
  });
});
