/**
 * `npm run bench:import`: what loading the server costs before it can start, each run in a
 * fresh Node process: wall time and CPU time of `import()` of the built server
 * (dist/src/server/earshot.js, `npm run build` first), and which of the heavy SDKs that
 * import loaded. botbuilder and @atproto/api should not be among them: they load when
 * Teams is on or a Bluesky source polls. CPU time is the steadier figure on a busy
 * machine. The last line is one JSON object.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const RUNS = Number(process.env.RUNS ?? 15);
const ROOT = join(import.meta.dirname, '..');
const SERVER = join(ROOT, 'dist', 'src', 'server', 'earshot.js');
const WATCHED = ['botbuilder', 'botframework-connector', '@atproto/api', '@slack/bolt', 'twitter-api-v2', 'vega', 'vega-lite'];

if (!existsSync(SERVER)) {
  console.error(`${SERVER} is missing: run npm run build first.`);
  process.exit(1);
}

const probe = `
  import Module from 'node:module';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await import(${JSON.stringify(pathToFileURL(SERVER).href)});
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const packages = new Set();
  for (const file of Object.keys(Module._cache)) {
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file.slice(file.lastIndexOf('node_modules')));
    if (m) packages.add(m[1]);
  }
  console.log(JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, packages: [...packages] }));
  process.exit(0);
`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const runs: Array<{ wallMs: number; cpuMs: number; packages: string[] }> = [];
for (let i = 0; i < RUNS; i++) {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: ROOT, encoding: 'utf8' });
  const run = JSON.parse(out.trim().split('\n').pop()!) as (typeof runs)[number];
  runs.push(run);
  console.log(`run ${i + 1}: ${Math.round(run.wallMs)} ms wall, ${Math.round(run.cpuMs)} ms CPU`);
}
const loaded = WATCHED.filter((p) => runs[0]!.packages.includes(p));
console.log(JSON.stringify({
  runs: RUNS,
  wallMedianMs: Math.round(median(runs.map((r) => r.wallMs))),
  wallMinMs: Math.round(Math.min(...runs.map((r) => r.wallMs))),
  cpuMedianMs: Math.round(median(runs.map((r) => r.cpuMs))),
  packages: runs[0]!.packages.length,
  loaded,
}));
