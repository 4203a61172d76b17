import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INTENT_NAMES } from '../../src/cli/command-list.js';
import { INTENTS } from '../../src/domain/screening.js';
import { PENDING } from '../../src/app/inbox-keys.js';
import { recordSpend } from '../../src/jobs/poll-budget.js';
import { openStore } from '../../src/store/open-store.js';
import { freePort, MAIN, ROOT, tempDir } from '../e2e/support/bot-process.js';
import { startFakeX } from '../fakes/fake-x.js';

function earshot(args: string[], opts: { cwd?: string; env?: Record<string, string>; nodeArgs?: string[] } = {}) {
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), MAIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', ...opts.env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** As {@link earshot}, without blocking: for commands that talk to a fake network served by this process. */
function earshotAsync(args: string[], opts: { cwd: string; env: Record<string, string> }): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: opts.cwd, env: { PATH: process.env.PATH ?? '', ...opts.env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += String(d); });
    child.stderr.on('data', (d: Buffer) => { err += String(d); });
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}

const SECRETS = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'sig', X_BEARER_TOKEN: 'b' };

describe('the earshot command line', () => {
  it('lists its commands with --help', () => {
    const r = earshot(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['start', 'check-config', 'schema']) expect(r.out).toContain(cmd);
    expect(r.out).toContain('--config <file>');
  });

  it('answers --help loading only commander and the command list, not the product', () => {
    // A module hook that writes down every module the process loads.
    const dir = tempDir('cli-loads');
    const log = join(dir, 'loaded.txt');
    writeFileSync(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function resolve(spec, ctx, next) { const r = await next(spec, ctx); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`);
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
    const r = earshot(['--help'], { nodeArgs: ['--import', pathToFileURL(join(dir, 'register.mjs')).href] });
    expect(r.code).toBe(0);
    const loaded = readFileSync(log, 'utf8').split('\n').filter((u) => u && !u.startsWith('node:'));
    const ours = loaded.filter((u) => u.includes('/dist/')).map((u) => u.slice(u.indexOf('/dist/') + 1));
    expect(ours.sort()).toEqual(['dist/src/cli/command-list.js', 'dist/src/cli/main.js']);
    const packages = new Set(loaded.filter((u) => u.includes('/node_modules/')).map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)![1]));
    expect([...packages]).toEqual(['commander']);
  });

  it('prints its version from package.json', () => {
    const r = earshot(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it("a command's --help shows the global --config, and a missing option points to that command's help", () => {
    const help = earshot(['export', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--from <date>');
    expect(help.out).toMatch(/Global Options:[\s\S]*--config <file>/);
    const missing = earshot(['export']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("required option '--from <date>' not specified");
    expect(missing.err).toContain('earshot export --help');
    expect(missing.err).not.toContain('"earshot --help"');
  });

  it('the help of train lists the intents screening knows', () => {
    expect(INTENT_NAMES).toBe(INTENTS.join(', '));
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

  it('check-config names where the environment came from, refuses .env.example\'s placeholders, and says what will not work', () => {
    const example = join(ROOT, 'earshot.example.yaml');
    const dir = tempDir('cli-env');
    const bare = earshot(['check-config', '--config', example], { cwd: dir });
    expect(bare.err).toContain(`${example} and the environment (no .env file), checked together (3 problems):`);
    expect(bare.err).not.toContain('(.env)');
    expect(bare.err).not.toContain('together has');
    copyFileSync(join(ROOT, '.env.example'), join(dir, '.env'));
    const copied = earshot(['check-config', '--config', example], { cwd: dir });
    expect(copied.code).toBe(1);
    expect(copied.err).toContain(`Placeholders in the environment with ${join(dir, '.env')} (2 problems):`);
    expect(copied.err).toContain('SLACK_BOT_TOKEN: is a placeholder, not a real credential');
    const listenOnly = earshot(['check-config', '--config', example], { env: SECRETS });
    expect(listenOnly.code).toBe(0);
    expect(listenOnly.out).toMatch(/⚠ X source "x-mentions" will listen but not reply: .*X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_SECRET are not set/);
  });

  it('start refuses a bad configuration before connecting to anything', () => {
    const dir = tempDir('cli-start');
    writeFileSync(join(dir, 'earshot.yaml'), 'brand: {}\n');
    const r = earshot(['start'], { cwd: dir, env: SECRETS });
    expect(r.code).toBe(1);
    expect(r.err).toContain('brand.name');
  });

  it('train and screen run without a configuration file, and say what they do instead', () => {
    const dir = tempDir('cli-noconfig');
    const rows = ['text,sentiment,topic'];
    for (let i = 0; i < 20; i++) rows.push(`my bag is lost ${i},negative,baggage`, `thanks for the crew ${i},positive,care`);
    writeFileSync(join(dir, 'history.csv'), rows.join('\n'));
    const train = earshot(['train', 'history.csv', '--text', 'text', '--sentiment', 'sentiment', '--topic', 'topic', '--out', 'model.json'], { cwd: dir });
    expect(train.err).toMatch(/note: no configuration \(.*earshot\.yaml not found; give --config <file>\), so the topics were not checked against skill groups/);
    expect(train.code).toBe(0);
    writeFileSync(join(dir, 'posts.csv'), 'text\n"my bag is lost again"\n');
    const screen = earshot(['screen', 'posts.csv', '--text', 'text', '--model', 'model.json'], { cwd: dir });
    expect(screen.code).toBe(0);
    expect(screen.err).toMatch(/note: no configuration .*screening without brand handles, lists or routing rules/);
    expect(JSON.parse(screen.out.trim())).toMatchObject({ row: 1, sentiment: 'negative', topic: 'baggage', group: null, dropped: false });
  });

  it('screen reads a missing follower column as unknown, not as an account nobody follows', () => {
    const dir = tempDir('cli-followers');
    const post = '"@acme my bag is lost, photos https://pics.example/1 https://pics.example/2"';
    writeFileSync(join(dir, 'no-column.csv'), `text\n${post}\n`);
    const config = ['--config', join(ROOT, 'earshot.example.yaml')];
    const unknown = earshot([...config, 'screen', 'no-column.csv', '--text', 'text'], { cwd: dir });
    expect(unknown.code).toBe(0);
    expect(JSON.parse(unknown.out.trim())).toMatchObject({ dropped: false });
    // A count of 0 the file does give is still evidence (with the two links).
    writeFileSync(join(dir, 'zero.csv'), `text,followers\n${post},0\n${post},\n${post},1200\n`);
    const given = earshot([...config, 'screen', 'zero.csv', '--text', 'text'], { cwd: dir }).out.trim().split('\n').map((l) => JSON.parse(l) as { dropped: boolean; dropReason?: string });
    expect(given.map((r) => r.dropped)).toEqual([true, false, false]);
    expect(given[0]!.dropReason).toContain('no followers, posts links');
  });

  it('export and labels refuse a SQLite store that is not there, and do not create it', () => {
    const dir = tempDir('cli-nostore');
    for (const args of [['export', '--from', '2026-01-01', '--to', '2026-01-31'], ['labels']]) {
      const r = earshot(args, { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.err).toContain(`there is no store at ${join(dir, 'data', 'earshot.sqlite')} (STORE_URL=sqlite://./data/earshot.sqlite), so there is nothing to read`);
      expect(r.err).toContain('STORE_URL=sqlite://./data/demo.sqlite STORE_NAMESPACE=sandbox');
      expect(r.err).not.toContain('    at ');
      expect(existsSync(join(dir, 'data'))).toBe(false);
    }
  });

  it('export and labels name the store and namespace they read, and say when it holds nothing there', async () => {
    const dir = tempDir('cli-emptyns');
    const store = await openStore(`sqlite://${join(dir, 'demo.sqlite')}`, { namespace: 'sandbox' });
    await store.close();
    const env = { STORE_URL: `sqlite://${join(dir, 'demo.sqlite')}` };
    const exported = earshot(['export', '--from', '2026-01-01', '--to', '2026-01-31'], { cwd: dir, env });
    expect(exported.code).toBe(0);
    expect(exported.err).toContain(`Exported 0 case(s) created 2026-01-01 to 2026-01-31 (UTC) from ${env.STORE_URL}, namespace "earshot"`);
    expect(exported.err).toMatch(/note: .*namespace "earshot" has no cases at all\. Is it the right store and namespace\?.*namespace "sandbox"/);
    const labels = earshot(['labels'], { cwd: dir, env });
    expect(labels.code).toBe(0);
    expect(labels.err).toMatch(/Wrote 0 staff label\(s\) from .*namespace "earshot"[\s\S]*has no cases and no staff labels at all/);
  });

  it('start says which Slack it could not reach, and what to check', async () => {
    const dir = tempDir('cli-noslack');
    const port = await freePort(); // nothing listens there
    const r = earshot(['start', '--config', join(ROOT, 'earshot.example.yaml')], {
      cwd: dir,
      env: { ...SECRETS, SLACK_API_URL: `http://127.0.0.1:${port}/api/`, PORT: '0', HOST: '127.0.0.1', STORE_URL: `sqlite://${join(dir, 's.sqlite')}`, LOG_LEVEL: 'error' },
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`earshot: Could not reach Slack's Web API at 127.0.0.1:${port} (SLACK_API_URL) to check SLACK_BOT_TOKEN (auth.test)`);
    expect(r.err).toContain(`and that SLACK_API_URL (http://127.0.0.1:${port}/api/) is right`);
    expect(r.err).not.toContain('earshot: A request error occurred');
  });

  it('backfill is listed, with its own --help', () => {
    expect(earshot(['--help']).out).toContain('backfill');
    const help = earshot(['backfill', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--since <time>');
    expect(help.out).toContain('--dry-run');
    expect(help.out).toContain('X keeps 7 days at most');
    expect(help.out).toContain('default 1h');
  });

  it('backfill refuses a bad --since with an error naming the flag, before reading any configuration', () => {
    const dir = tempDir('cli-since');
    for (const [since, why] of [['yesterday', 'is neither a date nor a duration'], ['2999-01-01', 'is not in the past']] as const) {
      const r = earshot(['backfill', 'x-mentions', '--since', since], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.err).toContain(`earshot: --since "${since}" ${why}`);
      expect(r.err).toContain('6h, 3d');
      expect(r.err).not.toContain('    at ');
    }
    const missing = earshot(['backfill', 'x-mentions'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("required option '--since <time>' not specified");
  });

  it('backfill records an X source\'s posts since the time once, counts with --dry-run, keeps to the budget and to X\'s seven days', async () => {
    const x = await startFakeX({ me: { username: 'acmeair' } });
    try {
      const dir = tempDir('cli-backfill');
      // The example's source, with a budget that does not make this test wait for its even pace.
      writeFileSync(join(dir, 'earshot.yaml'), readFileSync(join(ROOT, 'earshot.example.yaml'), 'utf8').replace('perWindow: 60', 'perWindow: 100000'));
      const storeUrl = `sqlite://${join(dir, 's.sqlite')}`;
      const env = { X_BEARER_TOKEN: 'b', X_API_URL: x.url, STORE_URL: storeUrl, LOG_LEVEL: 'error' };
      const now = Date.now();
      x.addTweet({ text: '@acmeair where is my bag from last week', author: 'old', createdAt: new Date(now - 3 * 86_400_000).toISOString() });
      const ids = [
        x.addTweet({ text: '@acmeair lost my bag', author: 'jane', createdAt: new Date(now - 5 * 3_600_000).toISOString() }).id,
        x.addTweet({ text: '@acmeair thanks for the help', author: 'sam', createdAt: new Date(now - 2 * 3_600_000).toISOString() }).id,
      ];

      const dry = await earshotAsync(['backfill', 'x-mentions', '--since', '6h', '--dry-run'], { cwd: dir, env });
      expect(dry.err).toMatch(/backfill x-mentions: 2 page\(s\) fetched, 2 post\(s\) heard, 2 would record, posts back to /);
      expect(dry.code).toBe(0);
      expect(dry.out).toMatch(/2 new would be recorded \(dry run: nothing was\)/);
      let store = await openStore(storeUrl, { namespace: 'earshot' });
      expect(await store.zCard(PENDING)).toBe(0);
      await store.close();

      const first = await earshotAsync(['backfill', 'x-mentions', '--since', '6h'], { cwd: dir, env });
      expect(first.code).toBe(0);
      expect(first.out).toMatch(/Backfilled "x-mentions" since .*: 2 page\(s\) fetched, 2 post\(s\) heard, 2 new recorded\./);
      const again = await earshotAsync(['backfill', 'x-mentions', '--since', '6h'], { cwd: dir, env });
      expect(again.code).toBe(0);
      expect(again.out).toContain('0 new recorded');
      store = await openStore(storeUrl, { namespace: 'earshot' });
      expect((await store.zRangeByScore(PENDING, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).map((p) => p.member).sort()).toEqual(ids.map((id) => `x:${id}`).sort());
      expect(await store.get('cursor:x-mentions')).toBeUndefined();
      // Listening spent the window's budget: the backfill stops, saying how to carry on.
      await recordSpend(store, 'x-mentions', { perWindow: 100000, window: 900_000 }, 100000, undefined, Date.now());
      await store.close();

      const calls = x.calls.length;
      const spent = await earshotAsync(['backfill', 'x-mentions', '--since', '6h'], { cwd: dir, env });
      expect(spent.code).toBe(1);
      expect(spent.err).toMatch(/earshot: backfill of "x-mentions" stopped before reaching \S+: the budget allows no more requests now \(\d+ of 100000 requests spent in this window/);
      expect(spent.err).toMatch(/run it again after \S+ with the same time: earshot backfill x-mentions --since \d{4}-\d{2}-\d{2}T/);
      expect(x.calls.length).toBe(calls);

      const far = await earshotAsync(['backfill', 'x-mentions', '--since', '8d'], { cwd: dir, env });
      expect(far.code).toBe(1);
      expect(far.err).toContain("--since reaches 8.0 days back, but X's recent search keeps only the last 7 days");
    } finally {
      await x.close();
    }
  });

  it('prints the JSON Schema of the configuration', () => {
    const r = earshot(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.out);
    expect(schema.properties.sources).toBeDefined();
  });
});
