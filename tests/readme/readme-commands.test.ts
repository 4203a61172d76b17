import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { startFakeModel } from '../fakes/fake-model.js';
import { dataOf } from '../assist/assist-rig.js';
import { openStore } from '../../src/store/open-store.js';
import { distinctCommands, fillPlaceholders, isSynopsis, readmeCommands } from './readme-commands.js';

/**
 * Every command the README shows, run as written against the built CLI (`dist/`): in a
 * scratch folder with the files the README has the reader make, placeholders (`…`) filled
 * with values of the right form. Commands that start a server are started, asked whether
 * they answer, and stopped. A synopsis (`earshot demo [--port 3000] [--keep]`) or a bare
 * command name in the prose (`earshot train`) is checked against the command's own help:
 * the command exists and takes every option shown. What cannot run here is in ALLOWED with
 * the reason; a README command that is none of these fails the test.
 *
 * `npx earshot …` runs the package's bin, dist/src/cli/main.js; the test calls that file
 * through an `earshot` on the PATH, because npx would first link the project into its own
 * cache and run its `prepare` script (a full build) on first use.
 */
const REPO = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const CLI = join(REPO, 'dist/src/cli/main.js');

/** Commands not run here, each with why. */
const ALLOWED: Array<{ match: RegExp; reason: string; check?: (text: string) => void }> = [
  { match: /^npm ci$/, reason: 'installs every dependency from the registry and compiles native modules: network, and minutes' },
  { match: /^npm test$/, reason: 'the whole suite, which includes this test: many minutes' },
  {
    match: /^npm run bench:[a-z-]+$/,
    reason: 'benchmarks run for minutes and some read data that is not shipped; checked: the script exists',
    check: (text) => expect(Object.keys(pkg().scripts), text).toContain(text.slice('npm run '.length)),
  },
  {
    match: /^npm run lint:layers$/,
    reason: 'the layer rules, which npm test runs (and tests/architecture checks rule by rule); checked: the script exists',
    check: (text) => expect(Object.keys(pkg().scripts), text).toContain('lint:layers'),
  },
  { match: /^apt-get install /, reason: 'installs system packages as root from the network' },
  { match: /^\.ci\/run$/, reason: 'starts the databases, installs Chromium, then runs npm ci and npm test' },
];

const pkg = () => JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };

interface Ran { code: number | null; out: string }

const freePort = () => new Promise<number>((done, fail) => {
  const s = createServer();
  s.once('error', fail);
  s.listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => done(port));
  });
});

describe('the README\'s commands, run as written', () => {
  const work = join(REPO, 'tests/.tmp', `readme-${randomBytes(4).toString('hex')}`);
  const bin = join(work, '.bin');
  let slack: FakeSlack;
  let x: FakeX;
  const help = new Map<string, Promise<Ran>>();

  /** The environment a reader's shell has: the CLI on the PATH, npm kept off the network. */
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? work,
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    LOG_LEVEL: 'warn',
    ...extra,
  });

  const sh = (command: string, cwd: string, extra: Record<string, string> = {}, timeoutMs = 30_000) => new Promise<Ran>((done) => {
    const child = spawn('bash', ['-c', command], { cwd, env: env(extra), detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => { out += `\n(killed after ${timeoutMs} ms)`; process.kill(-child.pid!, 'SIGKILL'); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); done({ code, out }); });
  });

  /** Starts a server command, waits until `url` answers 200, then stops it (the whole process group). */
  const serve = async (command: string, cwd: string, url: string, extra: Record<string, string> = {}): Promise<void> => {
    const child = spawn('bash', ['-c', command], { cwd, env: env(extra), detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<void>((done) => child.on('exit', () => done()));
    try {
      const deadline = Date.now() + 40_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`"${command}" exited with ${child.exitCode} before it answered:\n${out}`);
        const status = await fetch(url).then((r) => r.status, () => 0);
        if (status === 200) break;
        if (Date.now() > deadline) throw new Error(`"${command}" did not answer ${url} within 40 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  };

  /** The CLI's help for a command (or the top level), asked once. */
  const helpOf = async (sub: string | undefined): Promise<Ran> => {
    const key = sub ?? '';
    if (!help.has(key)) help.set(key, sh(`earshot ${sub ? `${sub} ` : ''}--help`, work));
    return help.get(key)!;
  };

  /** Values a reader puts in .env at step 2 (well-formed, not real). */
  const filledEnv = () => readFileSync(join(REPO, '.env.example'), 'utf8')
    .replace(/^SLACK_BOT_TOKEN=.*$/m, 'SLACK_BOT_TOKEN=xoxb-2718281828-3141592653-kT9sQ2wLmN4vB7xZ')
    .replace(/^SLACK_SIGNING_SECRET=.*$/m, 'SLACK_SIGNING_SECRET=8f14e45fceea167a5a36dedd4bea2543')
    .replace(/^X_BEARER_TOKEN=.*$/m, 'X_BEARER_TOKEN=AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI')
    .replace(/^X_API_KEY=.*$/m, 'X_API_KEY=xvz1evFS4wEEPTGEFPHBog')
    .replace(/^X_API_SECRET=.*$/m, 'X_API_SECRET=L8qq9PZyRg6ieKGEKhZolGC0vJWLw8iEJ88DRdyOg')
    .replace(/^X_ACCESS_TOKEN=.*$/m, 'X_ACCESS_TOKEN=370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb')
    .replace(/^X_ACCESS_SECRET=.*$/m, 'X_ACCESS_SECRET=LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE');

  /** A bot's store (empty) for the commands that read one: they never create it. */
  let storeMade: Promise<void> | undefined;
  const existingStore = () => (storeMade ??= openStore(`sqlite://${join(work, 'export.sqlite')}`, { namespace: 'earshot' }).then((s) => s.close()));

  /** Each command runs once, whichever test asks first (screening needs the trained model). */
  const once = new Map<string, Promise<void>>();
  const runOnce = (text: string): Promise<void> => {
    if (!once.has(text)) once.set(text, RUN[text]!(text));
    return once.get(text)!;
  };

  /** Commands run as written, each with what it must do. */
  const RUN: Record<string, (text: string) => Promise<void>> = {
    'npm run demo': async () => {
      // Port 3000 may be taken on a shared machine: `--port` is the README's own answer to that.
      const port = await freePort();
      await serve(`npm run demo -- --port ${port}`, REPO, `http://127.0.0.1:${port}/`);
    },
    'npm run demo -- --port 3100': async () => {
      const port = await freePort();
      await serve(`npm run demo -- --port ${port}`, REPO, `http://127.0.0.1:${port}/`);
    },
    'cp .env.example .env': async (text) => {
      const r = await sh(text, work);
      expect(r.code, r.out).toBe(0);
      expect(readFileSync(join(work, '.env'), 'utf8')).toBe(readFileSync(join(work, '.env.example'), 'utf8'));
    },
    'cp earshot.example.yaml earshot.yaml': async (text) => {
      const r = await sh(text, work);
      expect(r.code, r.out).toBe(0);
      expect(existsSync(join(work, 'earshot.yaml'))).toBe(true);
    },
    'npx earshot check-config': async (text) => {
      // After steps 2 and 3: the example files copied, .env filled in.
      const dir = join(work, 'configured');
      mkdirSync(dir, { recursive: true });
      copyFileSync(join(REPO, 'earshot.example.yaml'), join(dir, 'earshot.yaml'));
      writeFileSync(join(dir, '.env'), filledEnv());
      const r = await sh(text.replace(/^npx earshot/, 'earshot'), dir);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/valid/i);
    },
    'npm start': async (text) => {
      const port = await freePort();
      await serve(text, REPO, `http://127.0.0.1:${port}/healthz`, {
        EARSHOT_CONFIG: join(REPO, 'earshot.example.yaml'),
        SLACK_BOT_TOKEN: 'xoxb-2718281828-3141592653-kT9sQ2wLmN4vB7xZ', SLACK_SIGNING_SECRET: '8f14e45fceea167a5a36dedd4bea2543', SLACK_API_URL: slack.url,
        X_BEARER_TOKEN: 'bearer-for-the-fake', X_API_URL: x.url,
        STORE_URL: `sqlite://${join(work, 'start.sqlite')}`, PORT: String(port), HOST: '127.0.0.1',
      });
    },
    'npx earshot train history.csv --text text --sentiment sentiment --intent intent --topic group --out model.json': async (text) => {
      const r = await sh(text.replace(/^npx earshot/, 'earshot'), join(work, 'screening'));
      expect(r.code, r.out).toBe(0);
      expect(existsSync(join(work, 'screening', 'model.json'))).toBe(true);
    },
    'npx earshot screen sample.csv --text text --model model.json > screened.jsonl': async (text) => {
      const dir = join(work, 'screening');
      await runOnce('npx earshot train history.csv --text text --sentiment sentiment --intent intent --topic group --out model.json');
      const r = await sh(text.replace(/^npx earshot/, 'earshot'), dir);
      expect(r.code, r.out).toBe(0);
      const lines = readFileSync(join(dir, 'screened.jsonl'), 'utf8').trim().split('\n');
      expect(lines).toHaveLength(4);
      for (const l of lines) expect(JSON.parse(l)).toHaveProperty('sentiment');
    },
    'npx earshot screen history.csv --text text --sentiment sentiment --intent intent --topic group --assist > screened.jsonl': async (text) => {
      // As the AI assist section has it: an assist: section in earshot.yaml names the model
      // (here a fake OpenAI-compatible server answering like a crude classifier).
      const model = await startFakeModel({ script: (call) => JSON.stringify(/bag|luggage/.test(String(dataOf(call.user).post)) ? { sentiment: 'negative', intent: 'complaint', topic: 'baggage' } : { sentiment: 'neutral', intent: 'question', topic: null }) });
      try {
        const dir = join(work, 'screening-assist');
        mkdirSync(dir, { recursive: true });
        copyFileSync(join(work, 'screening', 'history.csv'), join(dir, 'history.csv'));
        writeFileSync(join(dir, 'earshot.yaml'), [
          'brand: { name: Acme Air }',
          "sources: [{ name: x-main, network: x, queries: ['@AcmeAir'] }]",
          'groups: [{ id: care, slack: { channel: C0CARE } }, { id: baggage, slack: { channel: C0BAGGAGE } }, { id: bookings, slack: { channel: C0BOOK } }]',
          'routing: { fallback: care }',
          `assist: { provider: openai-compatible, model: screener, baseURL: '${model.origin}/v1', timeout: 5s }`,
        ].join('\n'));
        const r = await sh(text.replace(/^npx earshot/, 'earshot'), dir, { ASSIST_API_KEY: 'not-a-real-key' });
        expect(r.code, r.out).toBe(0);
        const lines = readFileSync(join(dir, 'screened.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        expect(lines).toHaveLength(18);
        expect(lines.filter((l) => l.assist?.sentiment === 'negative' && l.assist?.topic === 'baggage')).toHaveLength(6);
        expect(r.out).toMatch(/sentiment: built-in \d+\/18 .*model \d+\/18/);
      } finally {
        await model.close();
      }
    },
    'earshot export --from 2026-01-01 --to 2026-01-31 --out cases.csv': async (text) => {
      await existingStore();
      const r = await sh(text, work, { EARSHOT_CONFIG: join(REPO, 'earshot.example.yaml'), STORE_URL: `sqlite://${join(work, 'export.sqlite')}` });
      expect(r.code, r.out).toBe(0);
      expect(readFileSync(join(work, 'cases.csv'), 'utf8').split('\n')[0]).toMatch(/id/);
    },
    'earshot labels --out labels.csv': async (text) => {
      await existingStore();
      const r = await sh(text, work, { EARSHOT_CONFIG: join(REPO, 'earshot.example.yaml'), STORE_URL: `sqlite://${join(work, 'export.sqlite')}` });
      expect(r.code, r.out).toBe(0);
      expect(existsSync(join(work, 'labels.csv'))).toBe(true);
    },
    'earshot --help': async (text) => {
      const r = await sh(text, work);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain('check-config');
    },
    'earshot --version': async (text) => {
      const r = await sh(text, work);
      expect(r.code, r.out).toBe(0);
      expect(r.out.trim()).toBe(pkg().version);
    },
    'node -e 0': async (text) => {
      expect((await sh(text, work)).code).toBe(0);
    },
    'MICROSOFT_APP_ID=… TEAMS_WEBSITE_URL=https://… npm run teams:package': async (text) => {
      const r = await sh(fillPlaceholders(text), REPO, {}, 45_000);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain('earshot-teams.zip');
      expect(existsSync(join(REPO, 'build', 'earshot-teams.zip'))).toBe(true);
    },
  };

  /** A synopsis or a bare command name: the command exists and its help shows every option given. */
  const checkAgainstHelp = async (text: string) => {
    const words = text.replace(/^npx /, '').split(/\s+/);
    expect(words[0]).toBe('earshot');
    const sub = words[1] && /^[a-z][a-z-]*$/.test(words[1]) ? words[1] : undefined;
    const r = await helpOf(sub);
    expect(r.code, `earshot ${sub ?? ''} --help:\n${r.out}`).toBe(0);
    for (const flag of text.match(/--[a-z][a-z-]*/g) ?? []) {
      if (flag === '--help' || flag === '--version') continue;
      expect(r.out, `"${text}" shows ${flag}, which "earshot ${sub ?? ''} --help" does not list`).toContain(flag);
    }
  };

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    mkdirSync(join(work, 'screening'), { recursive: true });
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'earshot'), `#!/bin/sh\nexec node "${CLI}" "$@"\n`);
    chmodSync(join(bin, 'earshot'), 0o755);
    copyFileSync(join(REPO, '.env.example'), join(work, '.env.example'));
    copyFileSync(join(REPO, 'earshot.example.yaml'), join(work, 'earshot.example.yaml'));
    // Labelled history and a sample to screen, as the Screening section has the reader bring.
    const rows = [
      ['my bag never arrived, terrible service', 'negative', 'complaint', 'baggage'],
      ['lost luggage again, awful', 'negative', 'complaint', 'baggage'],
      ['thanks for the quick refund, great crew', 'positive', 'praise', 'care'],
      ['lovely flight, friendly staff', 'positive', 'praise', 'care'],
      ['how do I change my booking date?', 'neutral', 'question', 'bookings'],
      ['can I add a seat to my booking', 'neutral', 'question', 'bookings'],
    ];
    const csv = (r: string[][]) => r.map((cells) => cells.map((c) => `"${c}"`).join(',')).join('\n');
    writeFileSync(join(work, 'screening', 'history.csv'), `text,sentiment,intent,group\n${csv([...rows, ...rows, ...rows])}\n`);
    writeFileSync(join(work, 'screening', 'sample.csv'), `text\n${csv([['my suitcase is missing'], ['great service today'], ['where is my refund'], ['change my booking please']])}\n`);
    slack = await startFakeSlack();
    x = await startFakeX({ me: { username: 'acme' } });
  });

  afterAll(async () => {
    await slack?.close();
    await x?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const commands = readmeCommands(README);

  it('finds the README\'s commands', () => {
    expect(commands.length).toBeGreaterThan(10);
    expect(commands.map((c) => c.text)).toContain('npm start');
  });

  // Independent commands run side by side (each server on its own free port), so the file
  // takes about as long as its slowest few commands.
  it.concurrent.each(distinctCommands(commands).map((c) => [`line ${c.lines.join(', ')}: ${c.text}`, c.text] as const))('%s', async (_name, text) => {
    if (RUN[text]) return runOnce(text);
    const allowed = ALLOWED.find((a) => a.match.test(text));
    if (allowed) return allowed.check?.(text);
    // A synopsis, a command's name, or a command with options named in prose ("earshot screen --assist").
    if (/^(npx )?earshot\b/.test(text) && (isSynopsis(text) || /^(npx )?earshot [a-z-]+( --[a-z-]+)*$/.test(text))) return checkAgainstHelp(text);
    throw new Error(`The README shows "${text}", which this test neither runs nor lists: run it in RUN, or put it in ALLOWED with the reason`);
  }, 60_000);
});
