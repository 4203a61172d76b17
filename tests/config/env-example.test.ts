import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvSchema } from '../../src/config/env.js';
import { TEAMS_MANIFEST_VARS } from '../../scripts/fill-teams-manifest.js';

const ROOT = join(__dirname, '..', '..');

/** Variables named in an env file, set or commented out (`# NAME=`), each with the comment line above it. */
function listed(file: string): Map<string, string> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const vars = new Map<string, string>();
  lines.forEach((line, i) => {
    const m = /^#?\s?([A-Z][A-Z0-9_]+)=/.exec(line);
    if (m) vars.set(m[1]!, lines.slice(0, i).reverse().find((l) => /^#\s+\S/.test(l) && !/^#\s?[A-Z][A-Z0-9_]+=/.test(l)) ?? '');
  });
  return vars;
}

describe('.env.example', () => {
  const vars = listed(join(ROOT, '.env.example'));
  // Read outside the schema: the config file's location, and the Teams packaging script's values.
  const known = new Set([...Object.keys(EnvSchema.shape), 'EARSHOT_CONFIG', ...Object.keys(TEAMS_MANIFEST_VARS)]);

  it('lists every variable the environment schema reads, each with a comment', () => {
    const missing = [...known].filter((k) => !vars.has(k));
    expect(missing).toEqual([]);
    for (const [k, comment] of vars) expect(comment, k).not.toBe('');
  });

  it('lists no variable Earshot does not read', () => {
    expect([...vars.keys()].filter((k) => !known.has(k))).toEqual([]);
  });
});
