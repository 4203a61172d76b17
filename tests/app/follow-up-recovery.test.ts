import { afterEach, describe, expect, it } from 'vitest';
import { CaseRepository, PENDING_FOLLOW_UPS } from '../../src/app/case-repository.js';
import { CaseService, DELIVERY, FOLLOW_UP_GRACE_MS } from '../../src/app/case-service.js';
import { registerDeliveries } from '../../src/app/deliveries.js';
import { MENTION_CASE, processInbox, recordPoll } from '../../src/app/pipeline.js';
import type { ChatGateway } from '../../src/app/chat-gateway.js';
import { ConfigSchema } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case, CardView, Reply } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { Outbox, type OutboxItem } from '../../src/outbox/outbox.js';
import type { MentionSource } from '../../src/sources/mention-source.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

/**
 * A process killed between a case change and the outbox items that carry it out (the
 * card refresh, the card move, the reply) must not leave the case waiting for ever: in the
 * crash test a case stuck in "sending", its reply never queued, was never answered.
 */
const config = ConfigSchema.parse({
  brand: { name: 'Acme', handles: { x: ['acme'] } },
  sources: [{ name: 'x', network: 'x', queries: ['@acme'] }],
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }, { id: 'billing', slack: { channel: 'C0BILL0001' } }],
  routing: { fallback: 'care' },
  policy: { requireApproval: false },
});
const alice: Actor = { platform: 'slack', id: 'UALICE', name: 'alice' };
const log = silentLogger();

/** X as far as replies go: what was posted, and a search that finds it again. */
function network() {
  const posted: Array<{ to: string; text: string }> = [];
  const reply = (m: Mention, text: string): Reply => ({ id: `r${m.id}`, url: `https://x.com/i/web/status/r${m.id}`, at: '2026-01-05T09:05:00.000Z', text });
  const source: MentionSource = {
    name: 'x', network: 'x', canReply: true,
    poll: async () => ({ mentions: [], cursor: undefined, requests: 0 }),
    reply: async (m, text) => { posted.push({ to: m.id, text }); return reply(m, text); },
    findReply: async (m, text) => (posted.some((p) => p.to === m.id && p.text === text) ? reply(m, text) : undefined),
    checkReply: () => undefined,
  };
  return { source, posted };
}

/** Slack as far as cards go: posts, refreshes by card, notes. */
function chat() {
  const updates: string[] = [];
  const posts: string[] = [];
  const gateway: ChatGateway = {
    platform: 'slack',
    async postCard(target, card) {
      posts.push(`${card.caseId}:${target}`);
      return { platform: 'slack', channel: target, ts: `1700000000.${String(posts.length).padStart(6, '0')}` } satisfies CardView;
    },
    findCard: async () => undefined,
    updateCard: async (view, card) => { updates.push(`${card.caseId}:${view.platform === 'slack' ? view.channel : ''}:${card.status.code}`); },
    postNote: async () => undefined,
  };
  return { gateway, updates, posts };
}

const stores: Store[] = [];
afterEach(async () => { await Promise.all(stores.splice(0).map((s) => s.close())); });

async function rig() {
  const store = await openStore('sqlite://:memory:', { namespace: 'resume' });
  stores.push(store);
  const clock = new ManualClock(Date.parse('2026-01-05T09:00:00.000Z'));
  const outbox = new Outbox({ store, clock, log, instanceId: 'one' });
  const x = network();
  const slack = chat();
  const sources = new Map([['x', x.source]]);
  const repo = new CaseRepository(store);
  const cases = new CaseService({ repo, outbox, config, clock, log, sources });
  registerDeliveries({ config, cases, outbox, gateways: new Map([['slack', slack.gateway]]), sources, log, clock, dryRun: false });
  return { store, clock, outbox, cases, repo, x, slack };
}
type Rig = Awaited<ReturnType<typeof rig>>;

let n = 0;
async function openCase(r: Rig): Promise<Case> {
  n += 1;
  const m: Mention = {
    network: 'x', source: 'x', id: String(3000 + n), text: `@acme my bag is lost #${n}`, createdAt: '2026-01-05T09:00:00.000Z',
    url: `https://x.com/i/web/status/${3000 + n}`, author: { id: `c${n}`, handle: `traveller${n}`, name: `Traveller ${n}`, followers: 10, verified: false },
    isRepost: false, isQuote: false, conversationId: String(3000 + n),
  };
  await recordPoll(r.store, 'x', { mentions: [m], cursor: undefined, requests: 1 });
  await processInbox({ store: r.store, config, clock: r.clock, log, outbox: r.outbox, cases: r.cases });
  await r.outbox.drain();
  const id = (await r.store.get<string>(MENTION_CASE(`x:${m.id}`)))!;
  return (await r.cases.get(id))!;
}

/** The process dies as it queues the first item of `kind`: what came before it is queued, the rest is not. */
function dieAtEnqueue(r: Rig, kind: string): () => void {
  const real = r.outbox.enqueue.bind(r.outbox);
  r.outbox.enqueue = async (k, ...rest) => {
    if (k === kind) throw new Error('killed');
    return real(k, ...rest);
  };
  return () => { r.outbox.enqueue = real; };
}

async function queued(store: Store, kind: string): Promise<OutboxItem[]> {
  const ids = await store.zRangeByScore('outbox:pending', 0, Number.MAX_SAFE_INTEGER);
  const items = await Promise.all(ids.map((i) => store.get<OutboxItem>(`outbox:item:${i.member}`)));
  return items.filter((i): i is OutboxItem => !!i && i.kind === kind);
}

async function drafted(r: Rig): Promise<Case> {
  const c = await openCase(r);
  expect((await r.cases.apply(c.id, { type: 'claim' }, alice)).ok).toBe(true);
  expect((await r.cases.apply(c.id, { type: 'draft', text: 'Sorry about your bag, we are on it.' }, alice)).ok).toBe(true);
  await r.outbox.drain();
  return c;
}

describe('changes a crash cut off before their follow-ups', () => {
  it('sends the reply of a case left "sending" with no reply queued, once, and refreshes its card', async () => {
    const r = await rig();
    const c = await drafted(r);
    const revive = dieAtEnqueue(r, DELIVERY.sendReply);
    // The change is saved, so the clicker is told it was done, not that it failed.
    expect((await r.cases.apply(c.id, { type: 'send' }, alice)).ok).toBe(true);
    revive();
    expect((await r.cases.get(c.id))!.status).toBe('sending');
    expect(await queued(r.store, DELIVERY.sendReply)).toHaveLength(0);

    // Within the grace the change may still be under way on another instance: left alone.
    expect(await r.cases.resumeFollowUps()).toBe(0);
    r.clock.advance(FOLLOW_UP_GRACE_MS + 1);
    expect(await r.cases.resumeFollowUps()).toBe(1);
    expect((await queued(r.store, DELIVERY.sendReply)).map((i) => i.payload)).toEqual([{ caseId: c.id, version: c.version + 3, resumed: true }]);
    // Resumed once: the entry is gone.
    expect(await r.cases.resumeFollowUps()).toBe(0);
    expect(await r.store.zCard(PENDING_FOLLOW_UPS)).toBe(0);

    await r.outbox.drain();
    expect(r.x.posted).toEqual([{ to: c.mention.id, text: 'Sorry about your bag, we are on it.' }]);
    expect((await r.cases.get(c.id))!.status).toBe('sent');
    expect(r.slack.updates.at(-1)).toBe(`${c.id}:C0CARE0001:sent`);
  });

  it('posts no second reply when the first delivery was queued before the crash, or an earlier life posted it', async () => {
    const r = await rig();
    const c = await drafted(r);
    // Killed after everything was queued, before the change was marked done.
    const endChange = r.repo.endChange.bind(r.repo);
    r.repo.endChange = async () => { throw new Error('killed'); };
    // The change is saved, so the clicker is told it was done, not that it failed.
    expect((await r.cases.apply(c.id, { type: 'send' }, alice)).ok).toBe(true);
    r.repo.endChange = endChange;
    r.clock.advance(FOLLOW_UP_GRACE_MS + 1);
    expect(await r.cases.resumeFollowUps()).toBe(1);
    expect(await queued(r.store, DELIVERY.sendReply)).toHaveLength(2);
    await r.outbox.drain();
    expect(r.x.posted).toHaveLength(1);
    expect((await r.cases.get(c.id))!.status).toBe('sent');

    // A reply an earlier life posted before dying (the case still says "sending"): found, not repeated.
    const d = await drafted(r);
    const revive = dieAtEnqueue(r, DELIVERY.sendReply);
    // The change is saved, so the clicker is told it was done, not that it failed.
    expect((await r.cases.apply(d.id, { type: 'send' }, alice)).ok).toBe(true);
    revive();
    await r.x.source.reply(d.mention, 'Sorry about your bag, we are on it.');
    r.clock.advance(FOLLOW_UP_GRACE_MS + 1);
    expect(await r.cases.resumeFollowUps()).toBe(1);
    await r.outbox.drain();
    expect(r.x.posted.filter((p) => p.to === d.mention.id)).toHaveLength(1);
    expect((await r.cases.get(d.id))!).toMatchObject({ status: 'sent', reply: { id: `r${d.mention.id}` } });
  });

  it('moves the card of a case moved just before the crash', async () => {
    const r = await rig();
    const c = await openCase(r);
    expect(r.slack.posts).toEqual([`${c.id}:C0CARE0001`]);
    const revive = dieAtEnqueue(r, DELIVERY.moveCard);
    // The change is saved, so the clicker is told it was done, not that it failed.
    expect((await r.cases.apply(c.id, { type: 'reroute', to: 'billing' }, alice)).ok).toBe(true);
    revive();
    r.clock.advance(FOLLOW_UP_GRACE_MS + 1);
    expect(await r.cases.resumeFollowUps()).toBe(1);
    expect((await queued(r.store, DELIVERY.moveCard)).map((i) => i.payload)).toEqual([{ caseId: c.id, group: 'billing', from: 'care', by: 'alice' }]);
    await r.outbox.drain();
    expect(r.slack.posts).toEqual([`${c.id}:C0CARE0001`, `${c.id}:C0BILL0001`]);
  });

  it('leaves nothing behind for changes carried out in full, or refused, or that lost their race', async () => {
    const r = await rig();
    const c = await drafted(r);
    expect((await r.cases.apply(c.id, { type: 'claim' }, alice)).ok).toBe(false);
    // Another instance changes the case between this one's read and its write.
    const replace = r.repo.replace.bind(r.repo);
    let raced = false;
    r.repo.replace = async (token, prev, next) => {
      if (!raced) {
        raced = true;
        await r.repo.modify(c.id, (cur) => ({ ...cur, version: cur.version + 1, updatedAt: cur.updatedAt }));
      }
      return replace(token, prev, next);
    };
    expect((await r.cases.apply(c.id, { type: 'send' }, alice)).ok).toBe(true);
    expect(raced).toBe(true);
    expect(await r.store.zCard(PENDING_FOLLOW_UPS)).toBe(0);
    r.clock.advance(FOLLOW_UP_GRACE_MS + 1);
    expect(await r.cases.resumeFollowUps()).toBe(0);
  });
});
