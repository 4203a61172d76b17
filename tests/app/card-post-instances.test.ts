import { afterEach, describe, expect, it } from 'vitest';
import { CaseRepository } from '../../src/app/case-repository.js';
import { CaseService } from '../../src/app/case-service.js';
import { registerDeliveries } from '../../src/app/deliveries.js';
import { MENTION_CASE, processInbox, recordPoll } from '../../src/app/pipeline.js';
import type { ChatGateway } from '../../src/app/chat-gateway.js';
import { ConfigSchema } from '../../src/config/schema.js';
import type { CardView } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { Outbox } from '../../src/outbox/outbox.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

/**
 * Two instances on one store both open the case of one mention (each reads it from the
 * inbox before the other is done), so both ask for its card. One card must be posted:
 * in the multi-instance test a second card of one case drew twice the clicks, and the
 * extra refusals looked like a click answered twice.
 */
const config = ConfigSchema.parse({
  brand: { name: 'Acme', handles: { x: ['acme'] } },
  sources: [{ name: 'x', network: 'x', queries: ['@acme'] }],
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }],
  routing: { fallback: 'care' },
  policy: { approvers: ['slack:ULEAD'] },
});
const log = silentLogger();

const mention: Mention = {
  network: 'x', source: 'x', id: '2001', text: '@acme my booking is broken', createdAt: '2026-01-05T09:00:00.000Z', url: 'https://x.com/i/web/status/2001',
  author: { id: 'c1', handle: 'traveller', name: 'traveller', followers: 10, verified: false },
  isRepost: false, isQuote: false, conversationId: '2001',
};

const stores: Store[] = [];
afterEach(async () => { await Promise.all(stores.splice(0).map((s) => s.close())); });

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A Slack that records posts; a post can be held open until released. */
function slack() {
  const posts: string[] = [];
  let hold: Promise<void> | undefined;
  let release = () => {};
  const gateway: ChatGateway = {
    platform: 'slack',
    async postCard(target, card) {
      const ts = `1700000000.${String(posts.length + 1).padStart(6, '0')}`;
      posts.push(`${card.caseId}@${ts}`);
      if (hold) await hold;
      return { platform: 'slack', channel: target, ts } satisfies CardView;
    },
    findCard: async () => undefined,
    updateCard: async () => undefined,
    postNote: async () => undefined,
  };
  return {
    gateway, posts,
    holdPosts() { hold = new Promise((r) => { release = r; }); },
    releasePosts() { hold = undefined; release(); },
  };
}

function instance(store: Store, instanceId: string, gateway: ChatGateway) {
  const outbox = new Outbox({ store, clock: systemClock, log, instanceId });
  const cases = new CaseService({ repo: new CaseRepository(store), outbox, config, clock: systemClock, log, sources: new Map() });
  registerDeliveries({ config, cases, outbox, gateways: new Map([['slack', gateway]]), sources: new Map(), log, clock: systemClock, dryRun: false });
  return { outbox, cases, pipeline: { store, config, clock: systemClock, log, outbox, cases } };
}

describe('one card per case and channel across instances', () => {
  it('posts one card when a second instance queues the post (with an earlier outbox id) while the first is posting', async () => {
    const store = await openStore('sqlite://:memory:', { namespace: 'cardpost' });
    stores.push(store);
    const fake = slack();

    // Instance b's store: its enqueue of the card can be held after the item got its id
    // and before it takes the coalescing slot; its lease refusals are counted.
    let holdSlot: Promise<void> | undefined;
    let releaseSlot = () => {};
    let refusedLeases = 0;
    let bHeld = false;
    const storeB = new Proxy(store, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (typeof v !== 'function') return v;
        if (prop === 'insertIfAbsent') {
          return async (key: string, ...rest: unknown[]) => {
            if (key.startsWith('outbox:coalesce:post:') && holdSlot) { bHeld = true; await holdSlot; }
            return (v as (...a: unknown[]) => unknown).call(target, key, ...rest);
          };
        }
        if (prop === 'acquireLease') {
          return async (...args: unknown[]) => {
            const ok = await (v as (...a: unknown[]) => Promise<boolean>).apply(target, args);
            if (!ok) refusedLeases += 1;
            return ok;
          };
        }
        return (v as (...a: unknown[]) => unknown).bind(target);
      },
    });
    const a = instance(store, 'instance-a', fake.gateway);
    const b = instance(storeB, 'instance-b', fake.gateway);

    await recordPoll(store, 'x', { mentions: [mention], cursor: undefined, requests: 1 });
    // b opens the case first and takes outbox id 1 for its card, then is held.
    holdSlot = new Promise((r) => { releaseSlot = r; });
    const bOpens = processInbox(b.pipeline);
    await until('b to store its card item', () => bHeld);
    // a finds the case open, and queues its own request for the card (id 2).
    expect((await processInbox(a.pipeline)).duplicates).toBe(1);
    // a delivers it: the slot is freed and the post is under way.
    fake.holdPosts();
    const aDelivers = a.outbox.drain();
    await until('a to post', () => fake.posts.length === 1);
    // Now b's item (the lower id) is queued, and is the head of the case's lane for b.
    holdSlot = undefined;
    releaseSlot();
    await bOpens;
    const bDelivers = b.outbox.drain();
    // b either waits for the case's lane or posts a second card.
    await until('b to wait for the lane or to post', () => refusedLeases > 0 || fake.posts.length > 1);
    expect(fake.posts).toHaveLength(1);

    fake.releasePosts();
    await Promise.all([aDelivers, bDelivers]);
    await b.outbox.drain();
    await a.outbox.drain();
    const caseId = (await store.get<string>(MENTION_CASE('x:2001')))!;
    expect(fake.posts).toHaveLength(1);
    expect((await a.cases.get(caseId))!.views).toHaveLength(1);
    expect(await a.outbox.depth()).toBe(0);
  });
});
