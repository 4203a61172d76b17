import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deliveryKinds, enqueueDelivery, type DeliveredPayload, type DeliveryKind, type DurableKind } from '../../src/app/delivery-kinds.js';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';
import { Outbox, type OutboxItem } from '../../src/outbox/outbox.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { tempDir } from '../e2e/support/bot-process.js';
import { idleSource } from '../e2e/support/idle-source.js';

/**
 * The table of outbox kinds (delivery-kinds.ts) is the one list of what the outbox may
 * carry: every kind in it has a handler once the server has started, the app enqueues
 * nothing outside it, and a payload read back from the store is checked by its kind's
 * schema before any handler sees it.
 */
const AGENT: Actor = { platform: 'slack', id: 'U0AGENT001', name: 'alice' };

describe('the table of outbox kinds at start-up', () => {
  let app: Earshot;
  const enqueued: string[] = [];

  beforeAll(async () => {
    const config = parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, teams: { channel: General } }]
routing: { fallback: care }
`);
    const env = parseEnv({ STORE_URL: `sqlite://${join(tempDir('kinds'), 'k.sqlite')}`, PORT: '0', HOST: '127.0.0.1', TEAMS_LOCAL_DEV: 'true' });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idleSource()]]), outboxIntervalMs: 50 });
    const real = app.outbox.enqueue.bind(app.outbox);
    app.outbox.enqueue = async (kind, ...rest) => { enqueued.push(kind); return real(kind, ...rest); };
  });

  afterAll(async () => { await app?.stop(); });

  it('has a handler for every kind in the table, and none for a kind outside it', () => {
    expect([...app.outbox.handledKinds()].sort()).toEqual([...deliveryKinds.kinds()].sort());
  });

  it('enqueues only kinds of the table while a case is opened, claimed and drafted', async () => {
    await recordPoll(app.store, 'x-mentions', {
      mentions: [{ network: 'x', source: 'x-mentions', id: '41', text: '@acme where is my refund', createdAt: new Date().toISOString(), url: 'https://x.com/i/web/status/41', author: { id: 'a41', handle: 'h41', name: 'N', followers: 1, verified: false }, isRepost: false, isQuote: false }],
      cursor: '41', requests: 1,
    });
    await app.processInbox();
    const id = (await app.store.setMembers('open:care'))[0]!;
    expect((await app.cases.apply(id, { type: 'claim' }, AGENT)).ok).toBe(true);
    expect((await app.cases.apply(id, { type: 'draft', text: 'We are looking into it.' }, AGENT)).ok).toBe(true);
    expect(enqueued).toEqual(expect.arrayContaining(['card.post', 'card.update', 'thread.note']));
    for (const kind of enqueued) expect(deliveryKinds.has(kind), kind).toBe(true);
  });
});

/** Every file under `dir` ending in .ts. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('enqueuing', () => {
  it('goes through the typed helper everywhere in the app: the outbox is called with a kind only from the table', () => {
    const raw = [...sources('src'), ...sources('jobs')].filter((f) => /(?<!deliveryKinds)\.enqueue\(/.test(readFileSync(f, 'utf8')));
    // The table's helper (which enqueueDelivery calls), nothing else.
    expect(raw.map((f) => f.replaceAll('\\', '/')).sort()).toEqual(['src/outbox/message-kinds.ts']);
  });

  it('takes lanes and coalescing slots from the table', async () => {
    const calls: unknown[][] = [];
    const outbox = { enqueue: async (...args: unknown[]) => { calls.push(args); return true; } } as unknown as Outbox;
    await enqueueDelivery(outbox, 'card.post', { caseId: '7', platform: 'slack', target: 'C1' });
    await enqueueDelivery(outbox, 'reply.send', { caseId: '7', version: 3 });
    await enqueueDelivery(outbox, 'notice.post', { platform: 'slack', target: 'C9', text: 'hi' }, { lane: 'lead:care' });
    await enqueueDelivery(outbox, 'storm.update', { stormId: 's1', platform: 'teams' }, { delayMs: 500 });
    await enqueueDelivery(outbox, 'metrics.rollup', { caseId: '7', change: '2:3', payload: { increments: [] } });
    expect(calls).toEqual([
      ['card.post', 'case:7', { caseId: '7', platform: 'slack', target: 'C1' }, { coalesce: 'post:7:slack:C1' }],
      ['reply.send', 'reply:7', { caseId: '7', version: 3 }, {}],
      ['notice.post', 'lead:care', { platform: 'slack', target: 'C9', text: 'hi' }, {}],
      ['storm.update', 'storm:s1', { stormId: 's1', platform: 'teams' }, { coalesce: 'storm-update:s1', delayMs: 500 }],
      ['metrics.rollup', 'metrics.rollup:7', { caseId: '7', change: '2:3', payload: { increments: [] } }, {}],
    ]);
  });
});

describe('a payload read back from the store', () => {
  const stores: Store[] = [];
  afterEach(async () => { await Promise.all(stores.splice(0).map((s) => s.close())); });

  async function outboxWith(onDead: (item: OutboxItem, e: Error) => void) {
    const store = await openStore('sqlite://:memory:', { namespace: `kinds${Math.random().toString(36).slice(2, 8)}` });
    stores.push(store);
    return { store, outbox: new Outbox({ store, clock: new ManualClock(Date.parse('2026-01-05T09:00:00.000Z')), log: silentLogger(), instanceId: 'one', onDead }) };
  }

  it('goes to the dead letters when malformed, without calling the handler; a good one behind it is delivered', async () => {
    const dead: Array<{ kind: string; error: string }> = [];
    const { outbox } = await outboxWith((item, e) => dead.push({ kind: item.kind, error: e.message }));
    const seen: Array<DeliveredPayload<'card.update'>> = [];
    deliveryKinds.on(outbox, 'card.update', async (p) => { seen.push(p); });
    let redacted = 0;
    deliveryKinds.on(outbox, 'card.redact', async () => { redacted += 1; });
    // As an older or broken writer might have stored them: a number for the case, views that are not views.
    await outbox.enqueue('card.update', 'case:1', { caseId: 1 });
    await outbox.enqueue('card.redact', 'case:2', { caseId: '2', views: [{ platform: 'slack' }] });
    await enqueueDelivery(outbox, 'card.update', { caseId: '1' });
    await outbox.drain();
    expect(seen).toEqual([{ caseId: '1' }]);
    expect(redacted).toBe(0);
    expect(await outbox.deadLetters()).toBe(2);
    expect(await outbox.depth()).toBe(0);
    // Two lanes, delivered side by side: in either order.
    expect(dead.map((d) => d.kind).sort()).toEqual(['card.redact', 'card.update']);
    expect(dead.find((d) => d.kind === 'card.update')!.error).toMatch(/malformed payload \(caseId: /);
  });

  it('spends no rate-limited resource when malformed', async () => {
    const repo = { get: async () => undefined };
    const item = (kind: string, payload: Record<string, unknown>): OutboxItem => ({ id: 1, kind, key: 'k', payload, attempts: 0, notBefore: 0, createdAt: 0 });
    expect(await deliveryKinds.resourceOf(item('card.post', { caseId: '1', platform: 'slack', target: 'C1' }), repo)).toBe('slack.post:C1');
    expect(await deliveryKinds.resourceOf(item('card.post', { caseId: '1', platform: 'fax', target: 'C1' }), repo)).toBeUndefined();
    expect(await deliveryKinds.resourceOf(item('storm.update', { stormId: 's' }), repo)).toBe('slack.update');
    expect(await deliveryKinds.resourceOf(item('no.such', {}), repo)).toBeUndefined();
  });
});

/**
 * Type-level: `npm run typecheck` compiles this file, so each `@ts-expect-error` below fails
 * the check if the wrong call ever compiles. Never run.
 */
export function wrongPayloadsDoNotCompile(outbox: Outbox): void {
  // @ts-expect-error the case id is a string
  void enqueueDelivery(outbox, 'card.update', { caseId: 7 });
  // @ts-expect-error a post needs its channel
  void enqueueDelivery(outbox, 'card.post', { caseId: '7', platform: 'slack' });
  // @ts-expect-error no such platform
  void enqueueDelivery(outbox, 'storm.post', { stormId: 's', platform: 'fax', target: 'C1' });
  // @ts-expect-error no such kind
  void enqueueDelivery(outbox, 'card.delete', { caseId: '7' });
  // @ts-expect-error a notice's lane is the caller's to name
  void enqueueDelivery(outbox, 'notice.post', { platform: 'slack', target: 'C1', text: 'hi' });
  // @ts-expect-error a card's lane is the table's, not the caller's
  void enqueueDelivery(outbox, 'card.update', { caseId: '7' }, { lane: 'elsewhere' });
  // @ts-expect-error a handler gets its own kind's payload
  deliveryKinds.on(outbox, 'reply.send', async (p: DeliveredPayload<'card.post'>) => { void p; });
  // @ts-expect-error only case-change work is durable
  const notDurable: DurableKind = 'card.post';
  const kind: DeliveryKind = 'learn.label';
  void notDurable; void kind;
}
