/**
 * The contract every network adapter keeps, run against each one and its fake network:
 * the cursor never repeats or skips (across polls, bursts and restarts from the persisted
 * string), the brand's own posts are dropped, failures come out as the shared error
 * classes, replies land in the right thread, the network's length rule is enforced and an
 * earlier reply is found before a retried send.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Mention } from '../../src/domain/mention.js';
import { DeliveryPermanentError, DeliveryRateLimitedError } from '../../src/outbox/delivery-errors.js';
import { SourceUnavailableError } from '../../src/sources/source-errors.js';
import { HARNESSES, type Harness } from './harnesses.js';

/** Polls with a fresh adapter each time (a restart), the cursor only ever passed as the stored string. */
async function drain(h: Harness, cursor: string | undefined, maxPolls = 40): Promise<{ heard: Mention[]; cursor: string | undefined; polls: number }> {
  const heard: Mention[] = [];
  let c = cursor;
  let empty = 0;
  let polls = 0;
  while (polls < maxPolls && empty < 2) {
    const r = await h.source().poll(c);
    polls += 1;
    heard.push(...r.mentions);
    c = r.cursor ?? c;
    empty = r.mentions.length === 0 ? empty + 1 : 0;
  }
  return { heard, cursor: c, polls };
}

const ids = (ms: Mention[]) => ms.map((m) => m.id);

describe.each(HARNESSES)('the source contract: %s', (_network, start) => {
  let h: Harness;
  beforeAll(async () => { h = await start(); });
  afterAll(async () => { await h?.close(); });
  beforeEach(() => {
    h.faults.clear();
    h.restoreAuth();
    h.resetCache();
  });

  it('hears each post once: across polls, across restarts, and through a burst larger than one poll', async () => {
    const base = await drain(h, undefined);
    const first = [h.post('acme my bag is lost'), h.post('acme where is my refund')];
    const a = await h.source().poll(base.cursor);
    expect(ids(a.mentions).sort()).toEqual([...first].sort());
    expect(typeof a.cursor).toBe('string');

    const second = [h.post('acme the app crashed'), h.post('acme thanks for nothing')];
    const b = await h.source().poll(a.cursor);
    expect(ids(b.mentions).sort()).toEqual([...second].sort());
    expect((await h.source().poll(b.cursor)).mentions).toEqual([]);

    const burst = Array.from({ length: h.burst }, (_, i) => h.post(`acme burst post ${i}`));
    const drained = await drain(h, b.cursor);
    expect(ids(drained.heard)).toHaveLength(new Set(ids(drained.heard)).size);
    expect(ids(drained.heard).sort()).toEqual([...burst].sort());
  });

  it('drops the brand\'s own posts and keeps the customers\'', async () => {
    const base = await drain(h, undefined);
    h.ownPost('acme here: we are looking into the outage');
    const theirs = h.post('acme is the outage over?');
    const r = await h.source().poll(base.cursor);
    expect(ids(r.mentions)).toEqual([theirs]);
    const m = r.mentions[0]!;
    expect(m.network).toBe(h.network);
    expect(m.url).toMatch(/^https:\/\/[^\s]+$/);
    expect(m.text).toContain('is the outage over?');
    expect(m.author.handle).not.toBe('');
  });

  it('reports refused credentials as permanent, naming what to fix', async () => {
    const base = await drain(h, undefined);
    h.post('acme anyone there?');
    h.breakAuth();
    const err = await h.source().poll(base.cursor).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryPermanentError);
    expect((err as Error).message).toMatch(h.authVar);
  });

  it('reports a network that drops the connection or fails on its side as unavailable', async () => {
    const base = await drain(h, undefined);
    h.faults.schedule('*', { kind: 'drop' }, 3);
    const dropped = await h.source().poll(base.cursor).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(SourceUnavailableError);
    h.faults.clear();
    h.faults.schedule('*', { kind: '5xx', status: 503 }, 3);
    const failed = await h.source().poll(base.cursor).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(SourceUnavailableError);
  });

  it('reports 429 as rate limited, with a wait', async () => {
    const base = await drain(h, undefined);
    h.faults.schedule('*', { kind: '429', retryAfter: 30 }, 3);
    const err = await h.source().poll(base.cursor).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryRateLimitedError);
    expect((err as DeliveryRateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect((err as DeliveryRateLimitedError).retryAfterMs).toBeLessThanOrEqual(31_000);
  });

  it('replies in the right thread, finds that reply again, and enforces the length rule', async () => {
    const source = h.source();
    const base = await drain(h, undefined);
    if (!source.canReply) {
      // Listen-only: no draft is offered, and nothing can be posted.
      h.post('acme review: slow refund');
      const r = await h.source().poll(base.cursor);
      expect(r.mentions).toHaveLength(1);
      expect(source.checkReply('thanks')).toMatch(/listen-only/);
      await expect(source.reply(r.mentions[0]!, 'thanks')).rejects.toBeInstanceOf(DeliveryPermanentError);
      expect(await source.findReply(r.mentions[0]!, 'thanks')).toBeUndefined();
      return;
    }
    const thread = h.threadPost('acme my bag is still missing');
    const other = h.post('acme a second question');
    const heard = (await h.source().poll(base.cursor)).mentions;
    const mention = heard.find((m) => m.id === thread.mention)!;
    const unanswered = heard.find((m) => m.id === other)!;
    expect(mention).toBeDefined();
    expect(unanswered).toBeDefined();

    expect(await source.findReply(mention, 'Sorry, DM us your file reference.')).toBeUndefined();
    const before = h.replies().length;
    const reply = await source.reply(mention, 'Sorry, DM us your file reference.');
    const posted = h.replies().slice(before);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.id).toBe(reply.id);
    expect(posted[0]!.parent).toBe(mention.id);
    if (posted[0]!.root !== undefined) expect(posted[0]!.root).toBe(thread.root);
    expect(posted[0]!.text).toContain('Sorry, DM us your file reference.');
    expect(reply.url).toMatch(/^https:\/\//);

    // The exactly-once check before a retried send.
    const again = await h.source().findReply(mention, 'Sorry, DM us your file reference.');
    expect(again?.id).toBe(reply.id);
    expect(await h.source().findReply(unanswered, 'anything')).toBeUndefined();

    const limit = h.limit!;
    expect(source.checkReply(limit.fits)).toBeUndefined();
    expect(source.checkReply(limit.tooLong)).toMatch(new RegExp(`allows ${limit.max}\\b`));
  });
});
