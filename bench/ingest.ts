/**
 * `npm run bench:ingest [-- --count N]`: mentions through screen → route → case, as the
 * server runs them (the inbox, `processInbox`, the case service with its durable metrics
 * rollups, near-duplicate folding on), on a SQLite file store. Cards are suppressed: the
 * `card.post` items are queued in the outbox as usual, but nothing delivers them.
 *
 * The baseline, measured in the same run on a fresh SQLite file of its own: bare store
 * writes of the same records (one `set` of each mention's case document). Reported: the
 * pipeline's mentions per second, the baseline's records per second, their ratio, the
 * pipeline's store calls per mention, and peak RSS (of the pipeline phase, which the target is
 * for, and of the whole process). Targets (issue 20): peak RSS ≤ 200 MB, ratio ≥ 0.5. The last line
 * is one JSON object.
 *
 * The mentions are made up from a seeded generator: most are distinct complaints and
 * praise from distinct authors; one in five is an edited copy of a recent complaint (a
 * near-duplicate the pipeline folds).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaseRepository, caseKey } from '../src/app/case-repository.js';
import { CaseService } from '../src/app/case-service.js';
import { trackMetrics } from '../src/app/metrics-commands.js';
import { processInbox, recordPoll } from '../src/app/pipeline.js';
import { parseConfig } from '../src/config/load-config.js';
import type { Case } from '../src/domain/case.js';
import type { Mention } from '../src/domain/mention.js';
import { seededRandom } from '../src/domain/seeded-random.js';
import { Outbox } from '../src/outbox/outbox.js';
import { openStore } from '../src/store/open-store.js';
import { ManualClock } from '../src/util/clock.js';
import { createLogger } from '../src/util/logger.js';
import { guardRun, InFlightCalls, watchCalls } from './stall-watch.js';

function countArg(): number {
  const i = process.argv.indexOf('--count');
  const raw = i >= 0 ? process.argv[i + 1] : process.env.COUNT;
  if (raw === undefined) return 1_000_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1000) throw new Error(`--count must be a whole number of at least 1000, got "${raw}"`);
  return n;
}

/** `--stall-seconds N` (default 120): a store call under way this long ends the run with a report (exit 3). */
function stallSecondsArg(): number {
  const i = process.argv.indexOf('--stall-seconds');
  if (i < 0) return 120;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--stall-seconds must be a positive number, got "${process.argv[i + 1]}"`);
  return n;
}

const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x, network: x, queries: ['@acme'], enabled: false }
groups:
  - { id: care, slack: { channel: C0CARE0001 } }
  - { id: baggage, slack: { channel: C0BAGS0001 } }
routing:
  fallback: care
  rules:
    - { name: bags, when: { keywords: [bag, luggage, suitcase] }, then: { route: baggage } }
storm: { enabled: false }
`;

const SUBJECTS = ['my flight', 'my bag', 'the app', 'my refund', 'the lounge', 'my seat', 'the crew', 'my booking', 'the wifi', 'my suitcase', 'the gate agent', 'check-in'];
const COMPLAINTS = ['was cancelled', 'is lost', 'keeps crashing', 'never arrived', 'was filthy', 'was double booked', 'was rude', 'vanished', 'does not work', 'is broken', 'took three hours', 'was a mess'];
const PRAISE = ['was wonderful', 'made my day', 'was spotless', 'was quick', 'was so kind', 'was perfect'];
const PLACES = ['Lisbon', 'Porto', 'Madrid', 'Paris', 'Rome', 'Berlin', 'Oslo', 'Dublin', 'Vienna', 'Prague', 'Athens', 'Milan'];
const TAILS = ['and nobody answers', 'what now', 'please help', 'this is the third time', 'unbelievable', 'thanks a lot', 'any news', 'so tired'];

/** The mentions, made up from a seed: distinct posts, and one in five an edited copy of a recent one. */
function makeMentions(count: number): (i: number) => Mention {
  const rnd = seededRandom(20);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const recent: string[] = [];
  const start = Date.parse('2026-01-05T00:00:00.000Z');
  return (i) => {
    let text: string;
    if (recent.length > 0 && rnd() < 0.2) {
      text = `${pick(recent)} ${pick(TAILS)}`;
    } else {
      const n = Math.floor(rnd() * 100_000);
      text = rnd() < 0.8
        ? `@acme ${pick(SUBJECTS)} to ${pick(PLACES)} ${pick(COMPLAINTS)} on flight AC${n} ${pick(TAILS)}`
        : `@acme ${pick(SUBJECTS)} in ${pick(PLACES)} ${pick(PRAISE)} ref ${n}`;
      recent.push(text);
      if (recent.length > 50) recent.shift();
    }
    const id = String(10_000_000 + i);
    return {
      network: 'x', source: 'x', id, text, createdAt: new Date(start + Math.floor((i * 86_400_000) / count)).toISOString(),
      url: `https://x.com/i/web/status/${id}`, conversationId: id, isRepost: false, isQuote: false,
      author: { id: `a${Math.floor(rnd() * count)}`, handle: `user${i % 100_000}`, name: 'A traveller', followers: Math.floor(rnd() * 5000), verified: false },
    };
  };
}

const mb = (bytes: number) => Math.round(bytes / 1_048_576);

async function main(): Promise<void> {
  const count = countArg();
  const batch = 500;
  const dir = mkdtempSync(join(tmpdir(), 'earshot-bench-ingest-'));
  const config = parseConfig(CONFIG);
  const log = createLogger('silent');
  // The process's peak, and the pipeline phase's own (sampled after every batch): the bare
  // baseline, run first, has its own high-water mark (1,000,000 writes: about 200 MB in one run).
  let peak = process.memoryUsage().rss;
  let pipelinePeak = 0;
  const sample = (phase: 'bare' | 'pipeline') => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
    if (phase === 'pipeline') pipelinePeak = Math.max(pipelinePeak, rss);
  };

  // Baseline: bare writes of one case document per mention, on a store of its own.
  const bare = await openStore(`sqlite://${join(dir, 'bare.sqlite')}`, { namespace: 'bench' });
  const make = makeMentions(count);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const m = make(i);
    const c: Case = {
      id: String(i + 1), version: 0, mention: m, group: 'care', status: 'new', approvals: [], createdAt: m.createdAt, updatedAt: m.createdAt, views: [], audit: [], duplicates: 0,
      screening: { group: 'care', priority: 'normal', tags: [], pii: [], rulesFired: [], drop: false, secondApprover: false, language: 'en' },
    } as unknown as Case;
    await bare.set(caseKey(c.id), c);
    if (i % batch === 0) sample('bare');
  }
  const bareMs = performance.now() - t0;
  await bare.close();

  // The pipeline, on its own store: polls of 500 recorded into the inbox, then screened.
  const opened = await openStore(`sqlite://${join(dir, 'pipeline.sqlite')}`, { namespace: 'bench' });
  // Every Store call the pipeline makes is counted (a round trip each: a statement, or a
  // batch statement for the *Many calls), and watched while it is under way (see stall-watch.ts).
  const store = watchCalls(opened, calls);
  walPath = `${join(dir, 'pipeline.sqlite')}-wal`;
  const clock = new ManualClock(Date.parse('2026-01-05T00:00:00.000Z'));
  const outbox = new Outbox({ store, clock, log, instanceId: 'bench' });
  const cases = new CaseService({ repo: new CaseRepository(store), outbox, config, clock, log, sources: new Map() });
  trackMetrics(cases, store, config);
  const deps = { store, config, clock, log, outbox, cases };
  const again = makeMentions(count);
  const totals = { cases: 0, folded: 0, dropped: 0, duplicates: 0 };
  const t1 = performance.now();
  for (let i = 0; i < count; i += batch) {
    const mentions: Mention[] = [];
    for (let k = i; k < Math.min(count, i + batch); k++) mentions.push(again(k));
    clock.set(new Date(Date.parse(mentions[0]!.createdAt)));
    reached = `the batch of mentions ${i + 1}–${i + mentions.length} of ${count}`;
    await recordPoll(store, 'x', { mentions, cursor: undefined, requests: 1 });
    const r = await processInbox(deps, batch);
    totals.cases += r.cases; totals.folded += r.folded; totals.dropped += r.dropped; totals.duplicates += r.duplicates;
    sample('pipeline');
    if ((i / batch) % 20 === 0) process.stderr.write(`\r${i + mentions.length}/${count}`);
    // A line every 100,000 mentions, so a long run that is cut short still says how it went.
    const done = i + mentions.length;
    if (done % 100_000 === 0 && done < count) {
      const sofar = done / ((performance.now() - t1) / 1000);
      process.stderr.write(`\n${JSON.stringify({ progress: done, mentionsPerSecond: Math.round(sofar), bareWritesPerSecond: Math.round(count / (bareMs / 1000)), ratio: Number((sofar / (count / (bareMs / 1000))).toFixed(3)), storeCallsPerMention: Number((calls.started / done).toFixed(1)), pipelinePeakRssMb: mb(pipelinePeak), peakRssMb: mb(peak) })}\n`);
    }
  }
  process.stderr.write('\n');
  const pipelineMs = performance.now() - t1;
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  const peakRss = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  const rate = count / (pipelineMs / 1000);
  const bareRate = count / (bareMs / 1000);
  const ratio = rate / bareRate;
  console.log(`mentions: ${count} (cases ${totals.cases}, folded ${totals.folded}, dropped ${totals.dropped})`);
  console.log(`pipeline: ${Math.round(rate)} mentions/s; bare store writes: ${Math.round(bareRate)} records/s; ratio ${ratio.toFixed(3)} (target ≥ 0.5)`);
  console.log(`peak RSS: ${mb(pipelinePeak)} MB in the pipeline phase, ${mb(peakRss)} MB for the whole process (target ≤ 200 MB); store calls per mention: ${(calls.started / count).toFixed(1)}`);
  console.log(JSON.stringify({
    bench: 'ingest', count, cases: totals.cases, folded: totals.folded, dropped: totals.dropped,
    mentionsPerSecond: Math.round(rate), bareWritesPerSecond: Math.round(bareRate), ratio: Number(ratio.toFixed(3)),
    storeCallsPerMention: Number((calls.started / count).toFixed(1)), pipelinePeakRssMb: mb(pipelinePeak), peakRssMb: mb(peakRss), rssTargetMet: mb(pipelinePeak) <= 200, ratioTargetMet: ratio >= 0.5,
  }));
}

// What the stall watch reports: where the pipeline is, and the size of its database's WAL.
const calls = new InFlightCalls();
let reached = 'the bare baseline';
let walPath: string | undefined;
const walSize = (): string => {
  if (!walPath) return 'no WAL yet';
  try { return `WAL ${mb(statSync(walPath).size)} MB`; } catch { return 'no WAL file'; }
};

guardRun(main, { calls, stallMs: stallSecondsArg() * 1000, where: () => reached, extra: walSize }).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
