import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const exampleDirs = readdirSync(EXAMPLES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(EXAMPLES, d.name));
const markdown = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f)), ...exampleDirs.map((d) => join(d, 'README.md')).filter(existsSync)];

describe('examples and the documents pointing at them', () => {
  it('every file an example says is "in this folder" is there', () => {
    for (const dir of exampleDirs) {
      for (const f of readdirSync(dir)) {
        for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/see ([\w.-]+) in this folder/g)) {
          expect(existsSync(join(dir, m[1]!)), `${f} in ${dir} points to ${m[1]}`).toBe(true);
        }
      }
    }
  });

  it('every example folder has a README', () => {
    for (const dir of exampleDirs) expect(existsSync(join(dir, 'README.md')), dir).toBe(true);
  });

  it('every relative link and every examples/ path in the documents exists', () => {
    for (const file of markdown) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)/g)) {
        expect(existsSync(join(dirname(file), m[1]!)), `${file} links to ${m[1]}`).toBe(true);
      }
      for (const m of text.matchAll(/(?<![\w/.])examples\/[\w./-]*[\w]/g)) {
        expect(existsSync(join(ROOT, m[0])), `${file} names ${m[0]}`).toBe(true);
      }
    }
  });
});
