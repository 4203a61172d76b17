/**
 * `npm run bench:crash`: the full crash test — 20 kills with SIGKILL at seeded random
 * moments during a 1,000-mention run, 20 cases answered while the bot keeps dying — which
 * is too long for `npm test` (each restart loads the whole app). It runs
 * tests/e2e/crash.test.ts with the full figures and ends with one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.CRASH_RUNS ?? 20);
const mentions = Number(process.env.CRASH_MENTIONS ?? 1000);
const seed = Number(process.env.CRASH_SEED ?? 4242);
const started = Date.now();
const r = spawnSync('npx', ['vitest', 'run', 'tests/e2e/crash.test.ts'], {
  cwd: root,
  env: { ...process.env, CRASH_RUNS: String(runs), CRASH_MENTIONS: String(mentions), CRASH_SEED: String(seed) },
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
const out = `${r.stdout}${r.stderr}`;
const summary = /crash test: (\d+) kills in (\d+) s, (\d+) mentions, (\d+) replies, total (\d+) s/.exec(out);
process.stdout.write(out.split('\n').filter((l) => /crash test|✓|×|FAIL|Error|expected/.test(l)).join('\n') + '\n');
process.stdout.write(`${JSON.stringify({
  bench: 'crash',
  passed: r.status === 0,
  kills: runs,
  mentions,
  replies: summary ? Number(summary[4]) : undefined,
  seed,
  lostMentions: r.status === 0 ? 0 : undefined,
  duplicateCards: r.status === 0 ? 0 : undefined,
  duplicateReplies: r.status === 0 ? 0 : undefined,
  seconds: Math.round((Date.now() - started) / 1000),
})}\n`);
process.exit(r.status ?? 1);
