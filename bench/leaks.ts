/**
 * `npm run bench:leaks`: personal data through every surface, at volume. POSTS generated
 * posts (default 10,000) carry every kind of personal data the screener knows (cards of
 * each scheme with spaces, dashes and none; IBANs; phones; e-mails; booking references) in
 * the text, the author's name, a follow-up and a thread note, some disguised with hidden
 * characters inside the number. They go through the real pipeline and services on a real
 * store, and every surface is recorded as a person would receive it (tests/helpers/leak-harness.ts).
 *
 * The baseline, measured in the same run: the same surfaces checked against the raw posts
 * with the gate taken away, i.e. how many values the posts expose (`exposed`). Reported:
 * `leaks` (values found on any surface; must be 0) and `leakRatio` = leaks / exposed.
 * The last line is one JSON object.
 */
import { findLeaks, generatePersonalPosts, leakConfig, runThroughSurfaces } from '../tests/helpers/leak-harness.js';

const POSTS = Number(process.env.POSTS ?? 10_000);
const SEED = Number(process.env.SEED ?? 11);
const CHUNK = 1000;

const config = leakConfig();
const started = Date.now();
let leaks = 0;
let exposed = 0;
let cases = 0;
let storms = 0;
const surfaces = new Set<string>();
const bySurface = new Map<string, number>();
const examples: string[] = [];
// Chunks keep each run's store and log small; every chunk is a fresh instance of the bot.
for (let at = 0; at < POSTS; at += CHUNK) {
  const posts = generatePersonalPosts(Math.min(CHUNK, POSTS - at), SEED + at, config);
  const run = await runThroughSurfaces(posts, config);
  for (const s of run.surfaces.keys()) surfaces.add(s);
  cases += run.cases;
  storms += run.storms;
  const found = findLeaks(run, posts);
  leaks += found.length;
  for (const l of found) {
    bySurface.set(l.surface, (bySurface.get(l.surface) ?? 0) + 1);
    if (examples.length < 5) examples.push(`${l.surface} ${l.kind}: …${l.excerpt}…`);
  }
  // The baseline: what the raw posts themselves would show without the gate.
  const raw = new Map([['raw-posts', posts.map((p) => `${p.mention.text}\n${p.mention.author.name}\n${p.followUp}\n${p.note}`)]]);
  exposed += findLeaks({ surfaces: raw, cases: 0, storms: 0 }, posts).length;
  process.stderr.write(`  ${Math.min(at + CHUNK, POSTS).toLocaleString('en-US')} of ${POSTS.toLocaleString('en-US')} posts: ${leaks} leaks so far (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
}

console.log(`posts ${POSTS}, cases ${cases}, storm cards ${storms}, surfaces ${surfaces.size} (${[...surfaces].sort().join(', ')})`);
console.log(`values the posts expose (baseline, no gate): ${exposed}; found on a surface: ${leaks} (ratio ${(leaks / Math.max(1, exposed)).toFixed(4)})`);
for (const e of examples) console.log(`  leak: ${e}`);
console.log(JSON.stringify({ bench: 'leaks', posts: POSTS, surfaces: surfaces.size, leaks, exposed, leakRatio: leaks / Math.max(1, exposed), bySurface: Object.fromEntries(bySurface), seconds: Math.round((Date.now() - started) / 1000) }));
if (leaks > 0) process.exitCode = 1;
