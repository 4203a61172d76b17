/**
 * The inbox's step after the built-in classifier when screening by the model is on: what it
 * hands the `MentionScreener` port (the post masked, the group ids), what it does not hand it
 * (a post the noise filter drops; a post whose case was opened already), and a port that
 * throws, which leaves the built-in outcome and does not hold the post in the inbox.
 */
import { afterEach, expect, it } from 'vitest';
import { CaseRepository } from '../../src/app/case-repository.js';
import { CaseService } from '../../src/app/case-service.js';
import type { MentionScreener, ModelVerdict } from '../../src/app/mention-screener.js';
import { INBOX, MENTION_CASE, PENDING, processInbox, recordPoll } from '../../src/app/pipeline.js';
import { ConfigSchema } from '../../src/config/schema.js';
import type { Mention } from '../../src/domain/mention.js';
import { Outbox } from '../../src/outbox/outbox.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

const log = silentLogger();
const stores: Store[] = [];
afterEach(async () => { await Promise.all(stores.splice(0).map((s) => s.close())); });

const config = ConfigSchema.parse({
  brand: { name: 'Acme', handles: { x: ['acme'] } },
  sources: [{ name: 'x', network: 'x', queries: ['@acme'] }],
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }, { id: 'baggage', slack: { channel: 'C0BAGS0001' } }],
  routing: { fallback: 'care' },
});

/** A model stand-in behind the port: records what it was given, answers with `answer`. */
class RecordingScreener implements MentionScreener {
  readonly asked: Array<{ text: string; topics: readonly string[] }> = [];
  constructor(private readonly answer: (text: string) => ModelVerdict | Error) {}
  async screen(input: { text: string; topics: readonly string[]; now: string }) {
    this.asked.push({ text: input.text, topics: input.topics });
    const a = this.answer(input.text);
    if (a instanceof Error) throw a;
    return { ok: true as const, value: a };
  }
}

async function rig(screener: MentionScreener) {
  const store = await openStore('sqlite://:memory:', { namespace: `ms${Math.random().toString(36).slice(2, 8)}` });
  stores.push(store);
  const clock = new ManualClock(Date.parse('2026-01-05T09:00:00.000Z'));
  const outbox = new Outbox({ store, clock, log, instanceId: 'one' });
  const cases = new CaseService({ repo: new CaseRepository(store), outbox, config, clock, log, sources: new Map() });
  const deps = { store, config, clock, log, outbox, cases, screener };
  const post = (id: string, text: string, over: Partial<Mention> = {}): Mention => ({
    network: 'x', source: 'x', id, text, createdAt: clock.now().toISOString(), url: `https://x.com/i/web/status/${id}`,
    author: { id: `u-${id}`, handle: `fan${id}`, name: 'fan', followers: 10, verified: false }, isRepost: false, isQuote: false, conversationId: id, ...over,
  });
  const hear = async (...mentions: Mention[]) => { await recordPoll(store, 'x', { mentions, cursor: undefined, requests: 1 }); return processInbox(deps); };
  const caseOf = async (id: string) => cases.get((await store.get<string>(MENTION_CASE(`x:${id}`)))!);
  return { store, cases, post, hear, caseOf };
}

it('hands the port the post masked and the group ids, and opens the case in the group the model names', async () => {
  const screener = new RecordingScreener(() => ({ sentiment: 'negative', intent: 'complaint', topic: 'baggage' }));
  const r = await rig(screener);
  await r.hear(r.post('1', '@acme my bag is gone and you charged card 4111 1111 1111 1111 twice'));
  expect(screener.asked).toHaveLength(1);
  expect(screener.asked[0]!.text).not.toContain('4111');
  expect(screener.asked[0]!.text).toContain('[card number]');
  expect(screener.asked[0]!.topics).toEqual(['care', 'baggage']);
  expect(await r.caseOf('1')).toMatchObject({ group: 'baggage', screening: { by: 'model', group: 'baggage' } });
});

it('does not ask about a post the noise filter drops', async () => {
  const screener = new RecordingScreener(() => ({ sentiment: 'neutral', intent: 'other', topic: null }));
  const r = await rig(screener);
  const report = await r.hear(r.post('2', '@acme my flight was late again', { isRepost: true }));
  expect(report.dropped).toBe(1);
  expect(screener.asked).toHaveLength(0);
});

it('keeps the screening a case was opened with when its post is handled again, without asking again', async () => {
  const screener = new RecordingScreener(() => ({ sentiment: 'negative', intent: 'complaint', topic: 'baggage' }));
  const r = await rig(screener);
  const p = r.post('3', '@acme where is my suitcase');
  await r.hear(p);
  // As after a crash before the inbox let go of it: the post is waiting again.
  await r.store.set(INBOX('x:3'), p);
  await r.store.zAdd(PENDING, 'x:3', 1);
  const report = await r.hear();
  expect(report.duplicates).toBe(1);
  expect(screener.asked).toHaveLength(1);
  expect(await r.caseOf('3')).toMatchObject({ group: 'baggage', screening: { by: 'model' } });
});

it('keeps the built-in outcome when the port throws, and lets the post go from the inbox', async () => {
  const screener = new RecordingScreener(() => new Error('socket hang up'));
  const r = await rig(screener);
  const report = await r.hear(r.post('4', '@acme my suitcase is lost'));
  expect(report).toMatchObject({ cases: 1, failed: 0 });
  expect(await r.caseOf('4')).toMatchObject({ group: 'care', screening: { by: 'built-in', fallback: 'error' } });
  expect(await r.store.zRangeByScore(PENDING, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 10)).toEqual([]);
});
