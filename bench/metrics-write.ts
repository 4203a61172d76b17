/**
 * `npx tsx bench/metrics-write.ts`: what keeping the rollups current costs per case change,
 * through the real `recordCaseChange` on a Store (SQLite file by default; `BENCH_STORE_URL`
 * for another, e.g. `redis://127.0.0.1:6379`; a server keeps the `benchwrite` namespace).
 *
 * 1,000 new cases (two scopes each, a third with one to three hashtags, now and then a
 * campaign tag) are recorded one after another, as ingest records them, then a claim of
 * each (the next change a case usually sees, with an agent scope). Each change is timed
 * from the call to its end. The baseline, measured in the same run on the same store,
 * writes the same increments the way the rollups did before `hIncrMany`: one `hIncr`
 * per counter (all at once), each its own commit. The two alternate by blocks of 50
 * changes, so both see the same load on a shared machine.
 *
 * The last line printed is one JSON object with the figures.
 */
import { seededRandom } from '../src/domain/seeded-random.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../src/domain/actor.js';
import { CaseSchema, type Case } from '../src/domain/case.js';
import { rollupUpdates, type RollupOptions } from '../src/metrics/rollup.js';
import { recordCaseChange } from '../src/metrics-store/rollup-store.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';

const N = Number(process.env.BENCH_CASES ?? 1_000);
const NOW_MS = Date.parse('2025-06-30T08:00:00.000Z');
const TAGS = ['delay', 'refund', 'wifi', 'lostbag', 'crew', 'app', 'seat', 'food'];
const GROUPS = ['care', 'billing', 'tech'];
const AGENTS: Actor[] = Array.from({ length: 12 }, (_, i) => ({ platform: 'slack', id: `UAGENT${i}`, name: `Agent ${i}` }));
const OPTS: RollupOptions = { timezone: 'Europe/Paris', campaigns: ['summer25'], sla: { targetMinutes: 60 } };

function newCases(n: number, prefix: string): Case[] {
  const rnd = seededRandom(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const tags: string[] = [];
    if (rnd() < 0.35) for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) tags.push(pick(TAGS));
    if (rnd() < 0.05) tags.push('summer25');
    const at = new Date(NOW_MS + i * 30_000).toISOString();
    const group = pick(GROUPS);
    return CaseSchema.parse({
      id: `${prefix}${i}`, version: 0, group, status: 'new', createdAt: at, updatedAt: at,
      mention: {
        network: 'x', source: 'x-main', id: `m${i}`, text: `@acme help please ${tags.map((t) => `#${t}`).join(' ')}`, createdAt: at,
        url: `https://example.test/${i}`, author: { id: `a${i}`, handle: `user${i}`, name: `User ${i}`, followers: 100 + i },
      },
      screening: { group, priority: pick(['low', 'normal', 'high'] as const), sentiment: pick(['negative', 'neutral', 'positive'] as const), topic: pick(['delay', 'baggage', 'refund']) },
    });
  });
}

function claimed(c: Case, i: number): Case {
  const agent = AGENTS[i % AGENTS.length]!;
  const at = new Date(Date.parse(c.createdAt) + 10 * 60_000).toISOString();
  return { ...c, version: 1, status: 'claimed', owner: agent, updatedAt: at, audit: [{ at, actor: agent, action: 'claim', from: 'new', to: 'claimed' }] };
}

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const r2 = (x: number): number => Math.round(x * 100) / 100;

/** How the rollups were written before hIncrMany: one hIncr per counter, each its own commit. */
async function perCounter(store: Store, prev: Case | undefined, next: Case): Promise<void> {
  await Promise.all(rollupUpdates(prev, next, OPTS).map(async (i) => {
    const n = await store.hIncr(i.hash, i.field, i.by);
    if (i.rank) await store.zAdd(i.rank, i.field, -n);
  }));
}

type Change = [Case | undefined, Case];
type Writer = (store: Store, prev: Case | undefined, next: Case) => Promise<void>;
const WRITERS: Record<'batched' | 'perCounter', Writer> = {
  batched: (store, prev, next) => recordCaseChange(store, prev, next, OPTS),
  perCounter,
};
const BLOCK = 50;

/** Times each change, the two writers alternating block by block (and which goes first). */
async function timeBoth(store: Store, changes: Record<keyof typeof WRITERS, Change[]>) {
  const each = { batched: [] as number[], perCounter: [] as number[] };
  const total = { batched: 0, perCounter: 0 };
  for (let b = 0, turn = 0; b < N; b += BLOCK, turn++) {
    for (const w of turn % 2 ? (['perCounter', 'batched'] as const) : (['batched', 'perCounter'] as const)) {
      const t0 = performance.now();
      for (const [prev, next] of changes[w].slice(b, b + BLOCK)) {
        const t = performance.now();
        await WRITERS[w](store, prev, next);
        each[w].push(performance.now() - t);
      }
      total[w] += performance.now() - t0;
    }
  }
  const fig = (w: keyof typeof WRITERS) => ({ totalMs: total[w], p50: pct(each[w], 0.5), p95: pct(each[w], 0.95) });
  return { batched: fig('batched'), perCounter: fig('perCounter') };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'earshot-bench-write-'));
  const url = process.env.BENCH_STORE_URL ?? `sqlite://${join(dir, 'write.sqlite')}`;
  const store = await openStore(url, { namespace: 'benchwrite' });
  try {
    const cases = { batched: newCases(N, 'b'), perCounter: newCases(N, 'p') };
    // A server store keeps what earlier runs wrote: count what this run adds.
    const before = (await store.hGetAll('metrics:day:2025-06-30:all')).cases ?? 0;
    const created = await timeBoth(store, { batched: cases.batched.map((c) => [undefined, c]), perCounter: cases.perCounter.map((c) => [undefined, c]) });
    const claims = await timeBoth(store, {
      batched: cases.batched.map((c, i) => [c, claimed(c, i)]),
      perCounter: cases.perCounter.map((c, i) => [c, claimed(c, i)]),
    });
    const counted = ((await store.hGetAll('metrics:day:2025-06-30:all')).cases ?? 0) - before;
    if (counted !== 2 * N) throw new Error(`expected ${2 * N} cases counted, found ${counted}`);
    const kind = store.kind;
    console.log(`metrics write bench on ${kind}: ${N} new cases then ${N} claims per writer, one at a time; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    const line = (what: string, f: { totalMs: number; p50: number; p95: number }) =>
      console.log(`   ${what.padEnd(34)} total ${String(Math.round(f.totalMs)).padStart(6)} ms   p50 ${r2(f.p50).toFixed(2).padStart(6)} ms   p95 ${r2(f.p95).toFixed(2).padStart(6)} ms`);
    line('new case, one hIncr per counter', created.perCounter);
    line('new case, hIncrMany', created.batched);
    line('claim, one hIncr per counter', claims.perCounter);
    line('claim, hIncrMany', claims.batched);
    const ratio = (a: number, b: number) => r2(a / b);
    console.log(`ratio hIncrMany / per counter: new case total ${ratio(created.batched.totalMs, created.perCounter.totalMs)}, claim total ${ratio(claims.batched.totalMs, claims.perCounter.totalMs)}`);
    console.log(JSON.stringify({
      bench: 'metrics-write', store: kind, cases: N,
      new_total_ms: r2(created.batched.totalMs), new_p50_ms: r2(created.batched.p50), new_p95_ms: r2(created.batched.p95),
      new_total_ms_per_counter: r2(created.perCounter.totalMs), new_p50_ms_per_counter: r2(created.perCounter.p50), new_p95_ms_per_counter: r2(created.perCounter.p95),
      claim_total_ms: r2(claims.batched.totalMs), claim_p50_ms: r2(claims.batched.p50), claim_p95_ms: r2(claims.batched.p95),
      claim_total_ms_per_counter: r2(claims.perCounter.totalMs), claim_p50_ms_per_counter: r2(claims.perCounter.p50), claim_p95_ms_per_counter: r2(claims.perCounter.p95),
      ratio_new_total: ratio(created.batched.totalMs, created.perCounter.totalMs), ratio_claim_total: ratio(claims.batched.totalMs, claims.perCounter.totalMs),
      load_avg_1m: r2(loadavg()[0]!),
    }));
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
