import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { readZip } from '../../scripts/read-zip.js';
import { loadTeamsValidators, pngSize, SchemasMissingError, schemasDir, validateTeams } from '../../scripts/validate-teams.js';
import { tempDir } from '../e2e/support/bot-process.js';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const APP_ID = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';

const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(TSX, [join(ROOT, 'scripts', script), ...args], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });

async function zipOf(files: Record<string, Buffer>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of Object.entries(files)) zip.addBuffer(data, name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('the Teams app package', () => {
  it('the teams:package script builds a zip of manifest.json and the two icons that passes the v1.17 schema', () => {
    const out = join(tempDir('teams-pkg'), 'earshot-teams.zip');
    const r = run('package-teams.ts', ['--out', out], { MICROSOFT_APP_ID: APP_ID, TEAMS_WEBSITE_URL: 'https://care.example.org/earshot' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const files = readZip(readFileSync(out));
    expect([...files.keys()].sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    expect(manifest).toMatchObject({ manifestVersion: '1.17', id: APP_ID, bots: [{ botId: APP_ID }], developer: { privacyUrl: 'https://care.example.org/earshot' } });
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(pngSize(files.get('color.png')!)).toEqual({ width: 192, height: 192 });
    expect(pngSize(files.get('outline.png')!)).toEqual({ width: 32, height: 32 });
    expect(validateTeams({ zip: out })).toEqual([]);

    const check = run('validate-teams.ts', ['--zip', out]);
    expect(check.status).toBe(0);
    expect(check.stdout).toMatch(/manifest .* and \d+ Adaptive Cards are valid/);
  });

  it.each(['README.md', 'docs/teams.md'])('the packaging command in %s works as written, with real values where it shows …', (doc) => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    const line = /^([A-Z_]+=.*npm run teams:package.*)$/m.exec(text)?.[1]?.replace(/\s+#.*$/, '');
    expect(line).toBeDefined();
    // What a reader types in place of each "…": the bot's app id, a page of theirs.
    const typed: Record<string, string> = { MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'secret', TEAMS_WEBSITE_URL: 'care.example.org/earshot' };
    const command = line!.replace(/([A-Z_]+)=(\S*)…/g, (_all, name: string, prefix: string) => {
      expect(typed, `a value for ${name}`).toHaveProperty(name);
      return `${name}=${prefix}${typed[name]}`;
    });
    const r = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 });
    expect(r.stderr).not.toContain('teams:package:');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Teams app ${APP_ID}`);
  });

  it('refuses to package without the bot id and the web pages, naming each variable', () => {
    const r = run('package-teams.ts', ['--out', join(tempDir('teams-pkg'), 'x.zip')], { MICROSOFT_APP_ID: 'not-a-guid' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('MICROSOFT_APP_ID is "not-a-guid", not a GUID');
    expect(r.stderr).toContain('TEAMS_WEBSITE_URL is not set');
  });

  it('the validation catches a broken package', async () => {
    const dir = join(ROOT, 'manifests', 'teams');
    const good = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8').replaceAll(/\$\{\{[A-Z_]+\}\}/g, 'x'));
    const broken = { ...good, manifestVersion: '1.17', id: 'not-a-guid', version: '1.0.0', bots: [{ ...good.bots[0], botId: APP_ID, commandLists: [{ scopes: ['team'], commands: [{ title: 'x'.repeat(40), description: 'd' }] }] }] };
    const zip = join(tempDir('teams-pkg'), 'broken.zip');
    writeFileSync(zip, await zipOf({ 'manifest.json': Buffer.from(JSON.stringify(broken)), 'color.png': readFileSync(join(dir, 'outline.png')), 'outline.png': readFileSync(join(dir, 'outline.png')) }));
    const problems = validateTeams({ zip });
    expect(problems.some((p) => p.includes('/id'))).toBe(true);
    expect(problems.some((p) => p.includes('/bots/0/commandLists/0/commands/0/title'))).toBe(true);
    expect(problems.some((p) => p.includes('icons.color: color.png is 32×32, must be 192×192'))).toBe(true);
    expect(run('validate-teams.ts', ['--zip', zip]).status).toBe(1);
  });

  it('fails clearly when Microsoft\'s schemas are not where the tests expect them', () => {
    expect(schemasDir()).toBe(join(ROOT, '..', 'shared', 'schemas'));
    expect(() => loadTeamsValidators('/nonexistent/schemas')).toThrow(SchemasMissingError);
    const r = run('validate-teams.ts', ['--schemas', '/nonexistent/schemas']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('vendor schemas are missing: teams-manifest-v1.17.schema.json, adaptive-card-1.5.schema.json not found in /nonexistent/schemas');
  });
});
