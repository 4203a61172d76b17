import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * The decisions about clicks and forms are made once, by one CaseInteractions that the
 * server builds and hands to every chat surface: a surface that built its own could drift
 * (another `people` list for the reassign form, say) without any test noticing.
 */
describe('the composition root', () => {
  it('is the only place in src that builds a CaseInteractions', () => {
    const builders = files(join(ROOT, 'src'))
      .filter((f) => /\bnew CaseInteractions\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(builders).toEqual(['src/server/earshot.ts']);
  });
});
