/**
 * A run lets go of the posts it handled together, at its end. A post staff split out of
 * its case while the run was still going is back in the inbox by then: it must stay there
 * and get a case of its own, not be let go with the rest.
 */
import { afterEach, expect, it } from 'vitest';
import { CaseInteractions } from '../../src/app/case-interactions.js';
import { CaseRepository } from '../../src/app/case-repository.js';
import { CaseService } from '../../src/app/case-service.js';
import { trackSplits } from '../../src/app/near-duplicates.js';
import { INBOX, MENTION_CASE, PENDING, processInbox, recordPoll } from '../../src/app/pipeline.js';
import { ConfigSchema } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Mention } from '../../src/domain/mention.js';
import { Outbox } from '../../src/outbox/outbox.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

const log = silentLogger();
const alice: Actor = { platform: 'slack', id: 'UALICE', name: 'alice' };
const COMPLAINT = '@acme my flight to Lisbon was cancelled and nobody at the gate can tell me when I will get home';
const stores: Store[] = [];
afterEach(async () => { await Promise.all(stores.splice(0).map((s) => s.close())); });

it('keeps a post split out during the run in the inbox, and gives it its own case on the next run', async () => {
  const config = ConfigSchema.parse({
    brand: { name: 'Acme', handles: { x: ['acme'] } },
    sources: [{ name: 'x', network: 'x', queries: ['@acme'] }],
    groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }],
    routing: { fallback: 'care' },
    policy: { requireApproval: false },
  });
  const store = await openStore('sqlite://:memory:', { namespace: 'letgo' });
  stores.push(store);
  const clock = new ManualClock(Date.parse('2026-01-05T09:00:00.000Z'));
  const outbox = new Outbox({ store, clock, log, instanceId: 'one' });
  const cases = new CaseService({ repo: new CaseRepository(store), outbox, config, clock, log, sources: new Map() });
  trackSplits(cases, store, () => undefined);
  const interactions = new CaseInteractions({ cases, config, clock, outbox });
  const post = (id: string, text: string, minute: number): Mention => ({
    network: 'x', source: 'x', id, text, createdAt: new Date(clock.now().getTime() + minute * 60_000).toISOString(), url: `https://x.com/i/web/status/${id}`,
    author: { id: `u-${id}`, handle: `fan${id}`, name: 'fan', followers: 10, verified: false }, isRepost: false, isQuote: false, conversationId: id,
  });

  await recordPoll(store, 'x', { mentions: [post('1', COMPLAINT, 0)], cursor: undefined, requests: 1 });
  await processInbox({ store, config, clock, log, outbox, cases });
  const first = (await store.get<string>(MENTION_CASE('x:1')))!;

  // One run: a copy (folded into the first case), then an unrelated post. While the run
  // reaches the second, staff split the copy out of the first case.
  const copy = post('2', `${COMPLAINT} again`, 1);
  await recordPoll(store, 'x', { mentions: [copy, post('3', '@acme the lounge in Porto was lovely, thank you', 2)], cursor: undefined, requests: 1 });
  let split = false;
  const watched = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'get' || typeof v !== 'function') return v;
      return async (key: string) => {
        if (key === MENTION_CASE('x:3') && !split) {
          split = true;
          const c = (await cases.get(first))!;
          expect(c.duplicates).toBe(1);
          const offer = await interactions.openChoice('case.split', { caseId: c.id, version: c.version }, alice);
          if (!offer.ok) throw new Error('no split offered');
          const done = await interactions.applyChoice(offer.choice, { option: 'x:2' }, alice);
          if (!done.ok) throw new Error(done.refusal.message);
        }
        return target.get(key);
      };
    },
  });
  const report = await processInbox({ store: watched, config, clock, log, outbox, cases });
  expect(split).toBe(true);
  expect(report).toMatchObject({ folded: 1, cases: 1 });
  // The copy is back in the inbox (the unrelated post is gone from it), and not bound to a case.
  expect((await store.zRangeByScore(PENDING, -Infinity, Infinity)).map((p) => p.member)).toEqual(['x:2']);
  expect(await store.get(INBOX('x:2'))).toBeDefined();
  expect(await store.get(INBOX('x:3'))).toBeUndefined();

  const next = await processInbox({ store, config, clock, log, outbox, cases });
  expect(next).toMatchObject({ cases: 1, folded: 0 });
  const own = await store.get<string>(MENTION_CASE('x:2'));
  expect(own).toBeDefined();
  expect(own).not.toBe(first);
  expect((await cases.get(first))!.duplicates).toBe(0);
  expect(await store.zCard(PENDING)).toBe(0);
});
