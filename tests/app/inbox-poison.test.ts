import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaseRepository } from '../../src/app/case-repository.js';
import { CaseService } from '../../src/app/case-service.js';
import { INBOX_MAX_FAILURES, PARKED, PENDING } from '../../src/app/inbox-keys.js';
import { createInboxRunner } from '../../src/app/inbox-runner.js';
import { MENTION_CASE, processInbox, recordPoll, type PipelineDeps } from '../../src/app/pipeline.js';
import { ConfigSchema } from '../../src/config/schema.js';
import type { Mention } from '../../src/domain/mention.js';
import { Outbox } from '../../src/outbox/outbox.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

/**
 * One post that cannot be screened (a model that throws on it, a store write that fails
 * for it) must not hold back the posts behind it; and a burst larger than one run's limit
 * is screened to the end by the runner, not a tick later.
 */
const config = ConfigSchema.parse({
  brand: { name: 'Acme', handles: { x: ['acme'] } },
  sources: [{ name: 'x', network: 'x', queries: ['@acme'] }],
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }],
  routing: { fallback: 'care' },
  duplicates: { enabled: false },
});

const mention = (id: string, text: string): Mention => ({
  network: 'x', source: 'x', id, text, createdAt: '2026-01-05T09:00:00.000Z', url: `https://x.com/i/web/status/${id}`,
  author: { id: `u${id}`, handle: `h${id}`, name: `h${id}`, followers: 10, verified: false }, isRepost: false, isQuote: false,
});

/** The store, except that opening a case for post 1 always fails (a write the database refuses for that one record). */
function failingFor(store: Store, key: string): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'insertIfAbsent') {
        return async (k: string, value: unknown, ttl?: number) => {
          if (k === key) throw new Error('value too long for type character varying');
          return target.insertIfAbsent(k, value, ttl);
        };
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('the inbox goes on past a post it cannot open', () => {
  let store: Store;
  let deps: PipelineDeps;
  const warned: string[] = [];
  const errors: string[] = [];

  beforeEach(async () => {
    store = await openStore('sqlite://:memory:', { namespace: `poison${Math.random().toString(36).slice(2, 8)}` });
    const clock = new ManualClock(Date.parse('2026-01-05T09:00:00.000Z'));
    const log = { ...silentLogger(), warn: (_o: unknown, m?: string) => { warned.push(String(m)); }, error: (_o: unknown, m?: string) => { errors.push(String(m)); } } as ReturnType<typeof silentLogger>;
    const outbox = new Outbox({ store, clock, log, instanceId: 'test' });
    const cases = new CaseService({ repo: new CaseRepository(store), outbox, config, clock, log, sources: new Map() });
    deps = { store: failingFor(store, MENTION_CASE('x:1')), config, clock, log, outbox, cases };
    warned.length = 0;
    errors.length = 0;
  });
  afterEach(async () => { await store.close(); });

  it('opens the cases behind a failing post, retries it on later runs, then sets it aside with an error', async () => {
    await recordPoll(store, 'x', { mentions: [mention('1', '@acme my card was charged twice'), mention('2', '@acme my bag is lost'), mention('3', '@acme refund please')], cursor: '3', requests: 1 });
    const first = await processInbox(deps);
    expect(first).toMatchObject({ cases: 2, failed: 1 });
    expect(await store.get(MENTION_CASE('x:2'))).toBeTruthy();
    expect(await store.get(MENTION_CASE('x:3'))).toBeTruthy();
    expect((await store.zRangeByScore(PENDING, -Infinity, Infinity)).map((m) => m.member)).toEqual(['x:1']);
    expect(warned.at(-1)).toMatch(/stays in the inbox/);

    for (let i = 1; i < INBOX_MAX_FAILURES; i++) expect((await processInbox(deps)).failed).toBe(1);
    expect(await store.zRangeByScore(PENDING, -Infinity, Infinity)).toEqual([]);
    expect((await store.zRangeByScore(PARKED, -Infinity, Infinity)).map((m) => m.member)).toEqual(['x:1']);
    expect(errors.at(-1)).toMatch(/in 5 runs; it is set aside/);
    // Kept, not lost: the mention itself is still in the store for an operator.
    expect(await store.get('inbox:x:1')).toMatchObject({ text: '@acme my card was charged twice' });
  });

  it('screens a burst larger than one run to the end in one request to the runner', async () => {
    const burst = Array.from({ length: 23 }, (_, i) => mention(String(100 + i), `@acme complaint number ${i}`));
    await recordPoll(store, 'x', { mentions: burst, cursor: '122', requests: 1 });
    const runs: number[] = [];
    const runner = createInboxRunner({ screen: async () => { const r = await processInbox(deps, 5); runs.push(r.cases); return r; }, log: silentLogger() });
    await runner.run();
    expect(runs.reduce((a, b) => a + b, 0)).toBe(23);
    expect(runs.length).toBeGreaterThanOrEqual(5);
    expect(await store.zRangeByScore(PENDING, -Infinity, Infinity)).toEqual([]);
  });
});
