import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const CRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string, target: string): { code: number; out: string } {
  try {
    const out = execFileSync(CRUISE, [target, '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'], { cwd, encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: `${err.stdout}${err.stderr}` };
  }
}

describe('layer rules (dependency-cruiser)', () => {
  const tmp = join(ROOT, 'tests', '.tmp', 'layers');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('the real tree has no violations', () => {
    const r = cruise(ROOT, 'src');
    expect(r.out).not.toMatch(/error /);
    expect(r.code).toBe(0);
  });

  it('refuses an SDK, I/O or adapter import in the pure middle, and cross-adapter imports', () => {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'src', 'cases'), { recursive: true });
    mkdirSync(join(tmp, 'src', 'chat', 'slack'), { recursive: true });
    mkdirSync(join(tmp, 'src', 'sources', 'twitter'), { recursive: true });
    mkdirSync(join(tmp, 'src', 'outbox'), { recursive: true });
    writeFileSync(join(tmp, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowJs: true } }));
    writeFileSync(join(tmp, 'src', 'outbox', 'outbox.ts'), 'export const outbox = 1;\n');
    writeFileSync(join(tmp, 'src', 'sources', 'twitter', 'source.ts'), 'export const source = 1;\n');
    writeFileSync(join(tmp, 'src', 'cases', 'bad.ts'), [
      "import { App } from '@slack/bolt';",
      "import { readFileSync } from 'node:fs';",
      "import { outbox } from '../outbox/outbox.js';",
      'export const x = [App, readFileSync, outbox];',
    ].join('\n'));
    writeFileSync(join(tmp, 'src', 'chat', 'slack', 'bad.ts'), "import { source } from '../../sources/twitter/source.js';\nexport const y = source;\n");
    const r = cruise(tmp, 'src');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('pure-middle-no-sdk');
    expect(r.out).toContain('pure-middle-no-io');
    expect(r.out).toContain('pure-middle-no-edges');
    expect(r.out).toContain('adapters-do-not-import-each-other');
  });
});
