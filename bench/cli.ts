/**
 * `npm run bench:cli`: how long the command line takes to answer, each run a fresh Node
 * process, against a bare Node start (`node -e 0`) measured in the same run:
 * `earshot --help` (commander and the command list only) and `earshot check-config` on
 * the example configuration (loads the schemas, connects to nothing). Runs are
 * interleaved so a busy machine slows all three alike. Target: --help within 3× a bare
 * Node start. `npm run build` first. The last line is one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const RUNS = Number(process.env.RUNS ?? 15);
const ROOT = join(import.meta.dirname, '..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const EXAMPLE = join(ROOT, 'earshot.example.yaml');

if (!existsSync(MAIN)) {
  console.error(`${MAIN} is missing: run npm run build first.`);
  process.exit(1);
}

// check-config needs the credentials the example's groups and sources ask for (made up: nothing connects).
const ENV = { PATH: process.env.PATH ?? '', SLACK_BOT_TOKEN: 'xoxb-0000-bench', SLACK_SIGNING_SECRET: 'bench-signing', X_BEARER_TOKEN: 'bench-bearer' };
const CASES = {
  node: ['-e', '0'],
  help: [MAIN, '--help'],
  checkConfig: [MAIN, 'check-config', '--config', EXAMPLE],
} as const;
type Case = keyof typeof CASES;

function once(args: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: ENV, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const times: Record<Case, number[]> = { node: [], help: [], checkConfig: [] };
for (const c of Object.keys(CASES) as Case[]) once(CASES[c]); // warm the file cache
for (let i = 0; i < RUNS; i++) {
  for (const c of Object.keys(CASES) as Case[]) times[c].push(once(CASES[c]));
}
const med = { node: median(times.node), help: median(times.help), checkConfig: median(times.checkConfig) };
const ratio = (ms: number) => Math.round((ms / med.node) * 100) / 100;
console.log(`bare node start (node -e 0):       ${med.node.toFixed(0)} ms median of ${RUNS}`);
console.log(`earshot --help:                    ${med.help.toFixed(0)} ms, ${ratio(med.help)}× bare node (target ≤ 3×)`);
console.log(`earshot check-config (example):    ${med.checkConfig.toFixed(0)} ms, ${ratio(med.checkConfig)}× bare node`);
console.log(JSON.stringify({
  bench: 'cli',
  runs: RUNS,
  nodeMedianMs: Math.round(med.node),
  helpMedianMs: Math.round(med.help),
  checkConfigMedianMs: Math.round(med.checkConfig),
  helpRatio: ratio(med.help),
  checkConfigRatio: ratio(med.checkConfig),
  helpWithinTarget: ratio(med.help) <= 3,
}));
