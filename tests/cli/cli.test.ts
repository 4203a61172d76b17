import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN, ROOT, tempDir } from '../e2e/support/bot-process.js';

function earshot(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', ...opts.env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const SECRETS = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'sig', X_BEARER_TOKEN: 'b' };

describe('the earshot command line', () => {
  it('lists its commands with --help', () => {
    const r = earshot(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['start', 'check-config', 'schema']) expect(r.out).toContain(cmd);
    expect(r.out).toContain('--config <file>');
  });

  it('check-config accepts the example file, connects to nothing, and says what it found', () => {
    const r = earshot(['check-config', '--config', join(ROOT, 'earshot.example.yaml')], { env: SECRETS });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/earshot\.example\.yaml is valid: 1 source\(s\), 3 group\(s\), 3 rule\(s\), 3 template\(s\)\./);
  });

  it('finds earshot.yaml in the working directory, or the file EARSHOT_CONFIG names', () => {
    const dir = tempDir('cli');
    copyFileSync(join(ROOT, 'earshot.example.yaml'), join(dir, 'earshot.yaml'));
    expect(earshot(['check-config'], { cwd: dir, env: SECRETS }).code).toBe(0);
    const other = tempDir('cli2');
    expect(earshot(['check-config'], { cwd: other, env: { ...SECRETS, EARSHOT_CONFIG: join(dir, 'earshot.yaml') } }).code).toBe(0);
    const missing = earshot(['check-config'], { cwd: other, env: SECRETS });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/earshot\.yaml has 1 problem:[\s\S]*file not found[\s\S]*hint: copy earshot\.example\.yaml/);
  });

  it('refuses a bad file and a bad environment together, listing every problem, exit 1', () => {
    const dir = tempDir('cli-bad');
    writeFileSync(join(dir, 'earshot.yaml'), 'brand: { name: Acme }\nsources: []\ngroups: [{ id: Care, slack: { channel: nope } }]\nrouting: { fallback: care }\n');
    const r = earshot(['check-config'], { cwd: dir, env: { SLACK_BOT_TOKEN: 'xoxp-user', PORT: 'http' } });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/sources \(line 2, column 10\): list at least one source/);
    expect(r.err).toMatch(/PORT: must be a port number \(0-65535\), got "http"/);
    expect(r.err).toContain('groups[0].id');
    expect(r.err).toContain('groups[0].slack.channel');
    expect(r.err).toContain('SLACK_BOT_TOKEN');
    expect(r.err).toContain('PORT');
    expect(r.err).not.toContain('    at '); // a message for people, not a stack trace
  });

  it('says which secrets are missing for the configured chat and sources, or skips chat with --no-chat', () => {
    const example = join(ROOT, 'earshot.example.yaml');
    const r = earshot(['check-config', '--config', example]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/SLACK_BOT_TOKEN: is not set, but groups post to Slack\n\s+hint: install the app from manifests\/slack\/manifest\.yml/);
    expect(r.err).toContain('source "x-mentions" listens on X but no X credentials are set');
    const noChat = earshot(['check-config', '--no-chat', '--config', example], { env: { X_BEARER_TOKEN: 'b' } });
    expect(noChat.code).toBe(0);
  });

  it('start refuses a bad configuration before connecting to anything', () => {
    const dir = tempDir('cli-start');
    writeFileSync(join(dir, 'earshot.yaml'), 'brand: {}\n');
    const r = earshot(['start'], { cwd: dir, env: SECRETS });
    expect(r.code).toBe(1);
    expect(r.err).toContain('brand.name');
  });

  it('prints the JSON Schema of the configuration', () => {
    const r = earshot(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.out);
    expect(schema.properties.sources).toBeDefined();
  });
});
