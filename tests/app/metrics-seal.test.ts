import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaseRepository } from '../../src/app/case-repository.js';
import { CaseService } from '../../src/app/case-service.js';
import { CommandRouter } from '../../src/app/commands.js';
import { sealMetrics } from '../../src/app/metrics-seal.js';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import { JOB_RUN, type JobRun } from '../../src/jobs/leased-job.js';
import { addDays } from '../../src/domain/days.js';
import { lastDays, rangePeriod, type Period } from '../../src/metrics/period.js';
import { OPEN_GAUGE_HASH } from '../../src/metrics/rollup-keys.js';
import { applyIncrements, metricsFor, SEAL_MARK_KEY, type MetricsFilter } from '../../src/metrics-store/rollup-store.js';
import { Outbox } from '../../src/outbox/outbox.js';
import { createScheduler } from '../../src/server/scheduler.js';
import { wireWorkflow } from '../../src/server/workflow-wiring.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { alice, answer, bob, newCase, play } from '../metrics/case-history.js';

// Not UTC, so a job that used UTC days would seal one day too many (see the first test).
const TZ = 'America/New_York';

const config: Config = ConfigSchema.parse({
  brand: { name: 'Acme', handles: { x: ['acme'] } },
  sources: [{ name: 'x', network: 'x', queries: ['@acme'] }],
  groups: [
    { id: 'care', slack: { channel: 'C0CARE0001' } },
    { id: 'billing', slack: { channel: 'C0BILL0001' } },
  ],
  routing: { fallback: 'care' },
  policy: { approvers: ['slack:ULEAD'] },
  metrics: { timezone: TZ },
});

/** Two cases a day from 2025-04-20 to 2025-06-30 (New York), answered by Alice or Bob and approved by the lead. */
async function history(store: Store): Promise<void> {
  for (let d = 0; addDays('2025-04-20', d) <= '2025-06-30'; d++) {
    const day = addDays('2025-04-20', d);
    for (const [i, group, agent] of [[0, 'care', alice], [1, 'billing', bob]] as const) {
      const c = newCase({ id: `c${d}-${i}`, at: `${day}T${15 + i}:00:00Z`, group, text: `late again #delay${d % 3}` });
      const { increments } = play(c, answer(agent, `${day}T${15 + i}:10:00Z`, `${day}T${15 + i}:30:00Z`), { timezone: TZ });
      await applyIncrements(store, increments);
    }
  }
}

/** The store, counting writes and remembering which hashes were read. */
function watched(store: Store) {
  const seen = { writes: 0, hashesRead: [] as string[] };
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (prop === 'set' || prop === 'insertIfAbsent' || prop === 'hIncrMany' || prop === 'hIncr') seen.writes++;
        if (prop === 'hGetAll') seen.hashesRead.push(String(args[0]));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, seen };
}

describe('the metrics-seal job', () => {
  let store: Store;
  let clock: ManualClock;
  const log = silentLogger();

  beforeEach(async () => {
    store = await openStore('sqlite://:memory:', { namespace: `seal${Math.random().toString(36).slice(2, 8)}` });
    await history(store);
    // 01:00 on 30 June in New York: 29 June ended an hour ago, within the 2 h grace.
    clock = new ManualClock(Date.parse('2025-06-30T05:00:00Z'));
  });
  afterEach(async () => {
    await store.close();
  });

  it('seals the finished days of every scope in the metrics zone, so past periods read without sealing', async () => {
    const report = await sealMetrics({ store, config, clock, log });
    // 30 April..28 June: 60 days, the 7 whole weeks (5 May..22 June) and May, for the
    // all scope, two groups and three agents (Alice, Bob, and the lead who approved).
    expect(report).toEqual({ sealed: (60 + 7 + 1) * 6, scopes: 6, through: '2025-06-28', skipped: false });
    expect(await store.get(`metrics:sealed:d2025-06-28:all:volume`)).toBeDefined();
    expect(await store.get(`metrics:sealed:m2025-05:group:care:work`)).toBeDefined();
    expect(await store.get(`metrics:sealed:w2025-06-16:agent:slack:UBOB:work`)).toBeDefined();
    // In UTC 29 June would be over by now; in New York it is still in its grace period.
    expect(await store.get(`metrics:sealed:d2025-06-29:all:volume`)).toBeUndefined();

    const now = clock.now().toISOString();
    const asks: Array<[Period, MetricsFilter | undefined]> = [
      [lastDays(30, now, TZ), undefined],
      [lastDays(7, now, TZ), { group: 'billing' }],
      [lastDays(30, now, TZ), { agent: alice }],
      [rangePeriod('2025-06-02', '2025-06-15'), { group: 'care' }],
    ];
    for (const [period, filter] of asks) {
      const { store: s, seen } = watched(store);
      const summary = await metricsFor(s, period, filter, { now, timezone: TZ });
      // Real numbers came back (an agent's scope counts their replies, not cases).
      expect(summary.activity.replies).toBeGreaterThan(0);
      // Nothing written (no unit sealed), and no counter hash read but the live days' and the gauges.
      expect(seen.writes).toBe(0);
      expect(seen.hashesRead.filter((h) => h !== OPEN_GAUGE_HASH && !/:2025-06-(29|30):/.test(h))).toEqual([]);
    }
  });

  it('seals nothing twice: a second tick reads its mark, a run without it finds everything sealed, the next day adds one day and a week', async () => {
    await sealMetrics({ store, config, clock, log });
    const { store: s, seen } = watched(store);
    expect(await sealMetrics({ store: s, config, clock, log })).toEqual({ sealed: 0, scopes: 0, through: '2025-06-28', skipped: true });
    expect(seen.writes).toBe(0);

    await store.delete(SEAL_MARK_KEY);
    expect(await sealMetrics({ store, config, clock, log })).toMatchObject({ sealed: 0, scopes: 6, skipped: false });

    clock.advance(86_400_000);
    // 29 June and the week of 23–29 June, for each of the six scopes.
    expect(await sealMetrics({ store, config, clock, log })).toEqual({ sealed: 2 * 6, scopes: 6, through: '2025-06-29', skipped: false });
  });

  it('seals again when a group is added to the configuration', async () => {
    await sealMetrics({ store, config, clock, log });
    const more = ConfigSchema.parse({ ...config, groups: [...config.groups, { id: 'vip', slack: { channel: 'C0VIP00001' } }] });
    // The new group has no cases: its 68 units are sealed empty, the rest are there already.
    expect(await sealMetrics({ store, config: more, clock, log })).toMatchObject({ sealed: 68, scopes: 7 });
  });

  it('runs under the lease from the wiring, once across instances, with the configured interval', async () => {
    const outbox = new Outbox({ store, clock, log, instanceId: 'one' });
    const cases = new CaseService({ repo: new CaseRepository(store), outbox, config, clock, log, sources: new Map() });
    const wiring = (instanceId: string) => wireWorkflow({ config, store, cases, outbox, clock, log, commands: new CommandRouter(config), gateways: new Map(), instanceId });
    const one = wiring('one');
    const two = wiring('two');
    expect(config.jobs.metricsSealInterval).toBe(3_600_000);
    expect(await one.runJob('metrics-seal')).toBe(true);
    expect(await two.runJob('metrics-seal')).toBe(false);
    expect(await store.get<JobRun>(JOB_RUN('metrics-seal'))).toMatchObject({ instanceId: 'one', runs: 1, at: '2025-06-30T05:00:00.000Z' });
    expect(await store.get(`metrics:sealed:w2025-06-16:group:billing:volume`)).toBeDefined();
    await Promise.all([one.stop(), two.stop()]);
  });

  it('is scheduled with the other leased jobs, at the configured interval', () => {
    const every = ConfigSchema.parse({ ...config, jobs: { metricsSealInterval: '15m' } });
    const bree = createScheduler({ config: every, instanceId: 't', storeUrl: 'sqlite://unused', namespace: 'n', log, onMessage: () => {}, onError: () => {} });
    expect(bree.config.jobs.find((j) => j.name === 'metrics-seal')).toMatchObject({ interval: 900_000, timeout: 0 });
  });
});
