import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthorLinks } from '../../src/app/author-links.js';
import { CaseRepository } from '../../src/app/case-repository.js';
import { CaseService } from '../../src/app/case-service.js';
import { CommandRouter } from '../../src/app/commands.js';
import type { DeliveryKind } from '../../src/app/delivery-kinds.js';
import { MENTION_CASE, processInbox, recordPoll, type PipelineDeps } from '../../src/app/pipeline.js';
import { eraseAuthor, purgeExpired } from '../../src/app/retention.js';
import { keepThreadNote } from '../../src/app/thread-notes.js';
import { JOB_RUN, runLeasedJob, type JobRun } from '../../src/jobs/leased-job.js';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import { SYSTEM } from '../../src/domain/actor.js';
import type { Mention } from '../../src/domain/mention.js';
import { Outbox, type OutboxItem } from '../../src/outbox/outbox.js';
import { wireWorkflow } from '../../src/server/workflow-wiring.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

const DELIVER_NOTICE: DeliveryKind = 'notice.post';
const REDACT_CARD: DeliveryKind = 'card.redact';

const alice: Actor = { platform: 'slack', id: 'UALICE', name: 'alice' };
const bob: Actor = { platform: 'slack', id: 'UBOB', name: 'bob' };
const lea: Actor = { platform: 'slack', id: 'ULEAD', name: 'lea' };

const baseConfig = (extra: Record<string, unknown> = {}): Config => ConfigSchema.parse({
  brand: { name: 'Acme', handles: { x: ['acme'] } },
  sources: [{ name: 'x', network: 'x', queries: ['@acme'] }],
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' }, leadChannel: 'C0LEADS001' }],
  routing: { fallback: 'care' },
  policy: { approvers: ['slack:ULEAD'] },
  ...extra,
});

let n = 0;
function mention(author: { id: string; handle: string }, text: string, at: string, extra: Partial<Mention> = {}): Mention {
  n += 1;
  const id = String(1000 + n);
  return {
    network: 'x', source: 'x', id, text, createdAt: at, url: `https://x.com/i/web/status/${id}`,
    author: { id: author.id, handle: author.handle, name: author.handle, followers: 10, verified: false },
    isRepost: false, isQuote: false, conversationId: id, ...extra,
  };
}

interface Rig { store: Store; clock: ManualClock; cases: CaseService; outbox: Outbox; config: Config; pipeline: PipelineDeps }

async function rig(config: Config, at = '2026-01-05T09:00:00.000Z'): Promise<Rig> {
  const store = await openStore('sqlite://:memory:', { namespace: `wf${Math.random().toString(36).slice(2, 8)}` });
  const clock = new ManualClock(Date.parse(at));
  const log = silentLogger();
  const outbox = new Outbox({ store, clock, log, instanceId: 'test' });
  const cases = new CaseService({ repo: new CaseRepository(store), outbox, config, clock, log, sources: new Map() });
  return { store, clock, cases, outbox, config, pipeline: { store, config, clock, log, outbox, cases } };
}

/** What the outbox holds, oldest first. */
async function queued(store: Store, kind?: string): Promise<OutboxItem[]> {
  const ids = await store.zRangeByScore('outbox:pending', 0, Number.MAX_SAFE_INTEGER);
  const items = await Promise.all(ids.map((i) => store.get<OutboxItem>(`outbox:item:${i.member}`)));
  return items.filter((i): i is OutboxItem => !!i && (!kind || i.kind === kind));
}

async function hear(r: Rig, ...ms: Mention[]): Promise<void> {
  await recordPoll(r.store, 'x', { mentions: ms, cursor: undefined, requests: 1 });
  await processInbox(r.pipeline);
}

async function caseOf(r: Rig, m: Mention) {
  const id = await r.store.get<string>(MENTION_CASE(`x:${m.id}`));
  return id ? r.cases.get(id) : undefined;
}

describe('follow-ups: the author wrote again', () => {
  let r: Rig;
  beforeEach(async () => { r = await rig(baseConfig()); });
  afterEach(async () => { await r.store.close(); });

  it('folds a later post in the same conversation into the case and reopens it; other authors get their own case', async () => {
    const first = mention({ id: 'a1', handle: 'traveller' }, '@acme my bag is lost', '2026-01-05T09:00:00.000Z');
    await hear(r, first);
    const c = (await caseOf(r, first))!;
    expect((await r.cases.apply(c.id, { type: 'close' }, alice)).ok).toBe(true);

    const again = mention({ id: 'a1', handle: 'traveller' }, '@acme still no bag', '2026-01-05T10:00:00.000Z', { conversationId: first.id, inReplyToId: first.id });
    const other = mention({ id: 'b2', handle: 'bystander' }, '@acme me too', '2026-01-05T10:01:00.000Z', { conversationId: first.id, inReplyToId: first.id });
    await hear(r, again, other);
    const folded = (await caseOf(r, again))!;
    expect(folded.id).toBe(c.id);
    expect(folded.status).toBe('new');
    expect(folded.followUps?.map((f) => f.id)).toEqual([again.id]);
    expect(folded.audit.at(-1)).toMatchObject({ action: 'follow_up', from: 'closed', to: 'new', actor: SYSTEM });
    expect((await caseOf(r, other))!.id).not.toBe(c.id);

    // Hearing the same post again changes nothing.
    await r.store.delete(MENTION_CASE(`x:${again.id}`));
    await hear(r, again);
    expect((await r.cases.get(c.id))!.followUps).toHaveLength(1);
  });

  it('folds an answer to our reply, and lists the author\'s earlier cases', async () => {
    const first = mention({ id: 'a1', handle: 'traveller' }, '@acme refund?', '2026-01-05T09:00:00.000Z');
    await hear(r, first);
    const c = (await caseOf(r, first))!;
    await new CaseRepository(r.store).modify(c.id, (cur) => ({ ...cur, status: 'sent', reply: { id: '9001', url: 'https://x.com/i/web/status/9001', at: '2026-01-05T09:30:00.000Z', text: 'DM us' } }));
    const answer = mention({ id: 'a1', handle: 'traveller' }, '@acme done', '2026-01-05T11:00:00.000Z', { conversationId: 'elsewhere', inReplyToId: '9001' });
    await hear(r, answer);
    expect((await caseOf(r, answer))!.id).toBe(c.id);

    // A network without conversation ids: the author answers their own earlier post.
    const threadless = mention({ id: 'a1', handle: 'traveller' }, '@acme and another thing', '2026-01-05T12:00:00.000Z', { conversationId: undefined, inReplyToId: first.id });
    delete threadless.conversationId;
    await hear(r, threadless);
    expect((await caseOf(r, threadless))!.id).toBe(c.id);

    const fresh = mention({ id: 'a1', handle: 'traveller' }, '@acme new problem', '2026-01-06T09:00:00.000Z');
    await hear(r, fresh);
    const second = (await caseOf(r, fresh))!;
    expect(second.id).not.toBe(c.id);
    expect(await new CaseRepository(r.store).earlierCases(second)).toEqual([{ id: c.id, status: 'new', createdAt: c.createdAt }]);
    // The first case's card, drawn again, does not list the newer case as an earlier one.
    expect(await new CaseRepository(r.store).earlierCases(c)).toEqual([]);

    // A third case lists both, newest first.
    const third = mention({ id: 'a1', handle: 'traveller' }, '@acme and now this', '2026-01-07T09:00:00.000Z');
    await hear(r, third);
    const last = (await caseOf(r, third))!;
    expect((await new CaseRepository(r.store).earlierCases(last)).map((e) => e.id)).toEqual([second.id, c.id]);
    expect((await new CaseRepository(r.store).earlierCases(second)).map((e) => e.id)).toEqual([c.id]);
  });
});

describe('internal notes from the card thread', () => {
  it('keeps a reply as a note without changing the version or echoing it into the thread', async () => {
    const r = await rig(baseConfig());
    const m = mention({ id: 'a1', handle: 'traveller' }, '@acme hello', '2026-01-05T09:00:00.000Z');
    await hear(r, m);
    const c = (await caseOf(r, m))!;
    await new CaseRepository(r.store).modify(c.id, (cur) => ({ ...cur, views: [{ platform: 'slack', channel: 'C0CARE0001', ts: '1700000000.000100' }] }));
    const before = (await queued(r.store, 'thread.note')).length;
    const card = { platform: 'slack' as const, channel: 'C0CARE0001', ts: '1700000000.000100' };
    const kept = await keepThreadNote(r.cases, { card, id: 'slack:C0CARE0001:1700000001.000200', text: 'Called them, it is in Denver', by: alice, at: '2026-01-05T09:05:00.000Z' });
    expect(kept?.ok).toBe(true);
    const after = (await r.cases.get(c.id))!;
    expect(after.notes).toEqual([{ id: 'slack:C0CARE0001:1700000001.000200', at: '2026-01-05T09:05:00.000Z', by: alice, text: 'Called them, it is in Denver' }]);
    expect(after.version).toBe(c.version);
    expect((await queued(r.store, 'thread.note')).length).toBe(before);
    const again = await keepThreadNote(r.cases, { card, id: 'slack:C0CARE0001:1700000001.000200', text: 'Called them, it is in Denver', by: alice, at: '2026-01-05T09:05:00.000Z' });
    expect(again?.ok).toBe(false);
    expect(await keepThreadNote(r.cases, { card: { ...card, ts: '1' }, id: 'x', text: 'hi', by: alice, at: '2026-01-05T09:05:00.000Z' })).toBeUndefined();
    await r.store.close();
  });
});

describe('the SLA sweep job, in process with a fake clock', () => {
  const config = baseConfig({
    groups: [{ id: 'care', slack: { channel: 'C0CARE0001' }, leadChannel: 'C0LEADS001', assign: { mode: 'assign', strategy: 'least-load', members: ['slack:UALICE', 'slack:UBOB'], pickupTimeout: '10m', maxTries: 2 } }],
    availability: { default: { timezone: 'Europe/London', from: '08:00', to: '18:00' } },
    sla: { hours: { timezone: 'Europe/London' }, remindBefore: '15m', targets: [{ firstResponse: '1h' }] },
    policy: { approvers: ['slack:ULEAD'], claimTimeout: '30m' },
    jobs: { sweepInterval: '60s' },
  });

  it('assigns, moves the offer on, returns it to the channel, reminds and escalates once, across a weekend', async () => {
    // Friday 16:30 in London.
    const r = await rig(config, '2026-01-09T16:30:00.000Z');
    const wiring = wireWorkflow({ config, store: r.store, cases: r.cases, outbox: r.outbox, clock: r.clock, log: silentLogger(), commands: new CommandRouter(config), gateways: new Map(), instanceId: 'one' });
    const m = mention({ id: 'a1', handle: 'traveller' }, '@acme help', '2026-01-09T16:30:00.000Z');
    await hear(r, m);
    // Offered at once by the case listener, to the agent with the least load.
    let c = (await caseOf(r, m))!;
    expect(c.assignment).toMatchObject({ to: { id: 'UALICE' }, mode: 'assign' });
    expect((await r.cases.apply(c.id, { type: 'claim' }, bob)).ok).toBe(false);

    const tick = async (iso: string) => { r.clock.set(new Date(iso)); expect(await wiring.runJob('sla-sweep')).toBe(true); return (await r.cases.get(c.id))!; };
    const release = async () => { await r.store.releaseLease('job:sla-sweep', 'one'); };

    c = await tick('2026-01-09T16:39:00.000Z');
    expect(c.assignment?.to.id).toBe('UALICE');
    await release();
    c = await tick('2026-01-09T16:40:00.000Z');
    expect(c.assignment?.to.id).toBe('UBOB');
    await release();
    c = await tick('2026-01-09T16:50:00.000Z');
    expect(c.assignment).toBeUndefined();
    expect(c.offered?.map((a) => a.id)).toEqual(['UALICE', 'UBOB']);
    await release();

    // 30 business minutes were used on Friday (16:30–17:00); 30 remain from Monday 09:00:
    // the reminder comes at 09:15 and the breach at 09:30 (GMT), nothing over the weekend.
    c = await tick('2026-01-10T12:00:00.000Z');
    expect(c.slaMarks).toBeUndefined();
    await release();
    c = await tick('2026-01-12T09:14:00.000Z');
    expect(c.slaMarks).toBeUndefined();
    await release();
    c = await tick('2026-01-12T09:15:00.000Z');
    expect(Object.keys(c.slaMarks ?? {})).toEqual(['sla.firstResponse.reminder']);
    expect(await queued(r.store, DELIVER_NOTICE)).toHaveLength(0);
    await release();
    c = await tick('2026-01-12T09:30:00.000Z');
    expect(Object.keys(c.slaMarks ?? {}).sort()).toEqual(['sla.firstResponse.breach', 'sla.firstResponse.reminder']);
    await release();
    c = await tick('2026-01-12T09:35:00.000Z');
    const notices = await queued(r.store, DELIVER_NOTICE);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.payload).toMatchObject({ platform: 'slack', target: 'C0LEADS001' });
    expect(String(notices[0]!.payload.text)).toContain(`Case ${c.id}`);
    // The reminder and the breach were noted in the card's thread.
    const notes = (await queued(r.store, 'thread.note')).map((i) => String(i.payload.text));
    expect(notes.some((t) => t.startsWith('SLA reminder'))).toBe(true);
    expect(notes.some((t) => t.startsWith('SLA breached'))).toBe(true);
    expect((await r.store.get<JobRun>(JOB_RUN('sla-sweep')))?.instanceId).toBe('one');
    await wiring.stop();
    await r.store.close();
  });

  it('offers a case moved into a group that routes to people, and queues its move to that group\'s channel', async () => {
    const two = baseConfig({
      groups: [
        { id: 'front', slack: { channel: 'C0FRONT001' } },
        { id: 'care', slack: { channel: 'C0CARE0001' }, assign: { mode: 'suggest', strategy: 'least-load', members: ['slack:UALICE', 'slack:UBOB'] } },
      ],
      routing: { fallback: 'front' },
    });
    const r = await rig(two, '2026-01-06T10:00:00.000Z');
    const wiring = wireWorkflow({ config: two, store: r.store, cases: r.cases, outbox: r.outbox, clock: r.clock, log: silentLogger(), commands: new CommandRouter(two), gateways: new Map(), instanceId: 'one' });
    const m = mention({ id: 'a9', handle: 'mover' }, '@acme my refund?', '2026-01-06T10:00:00.000Z');
    await hear(r, m);
    let c = (await caseOf(r, m))!;
    expect(c.group).toBe('front');
    expect(c.assignment).toBeUndefined();
    expect((await r.cases.apply(c.id, { type: 'reroute', to: 'care', note: 'refunds are care' }, lea, c.version)).ok).toBe(true);
    c = (await caseOf(r, m))!;
    expect(c).toMatchObject({ group: 'care', status: 'new', assignment: { to: { id: 'UALICE' }, mode: 'suggest' } });
    // The note is for the receiving group: kept on the case, so that group's card shows it.
    expect(c.notes).toEqual([{ id: expect.stringMatching(/^move:\d+$/), at: expect.any(String), by: lea, text: 'refunds are care', movedFrom: 'front' }]);
    const moves = await queued(r.store, 'card.move');
    expect(moves.map((i) => i.payload)).toEqual([{ caseId: c.id, group: 'care', from: 'front', by: 'lea' }]);
    expect((await r.store.setMembers('open:front'))).not.toContain(c.id);
    expect((await r.store.setMembers('open:care'))).toContain(c.id);
    // An unknown group, or the group it is in, is refused with the reason.
    const unknown = await r.cases.apply(c.id, { type: 'reroute', to: 'nowhere' }, lea);
    expect(!unknown.ok && unknown.refusal.message).toBe('There is no group "nowhere"; groups: front, care.');
    const same = await r.cases.apply(c.id, { type: 'reroute', to: 'care' }, lea);
    expect(!same.ok && same.refusal.message).toBe('The case is already in care.');
    await wiring.stop();
    await r.store.close();
  });

  it('lets a claim lapse when its owner does nothing, and wakes snoozed cases', async () => {
    const r = await rig(config, '2026-01-05T09:00:00.000Z');
    const wiring = wireWorkflow({ config, store: r.store, cases: r.cases, outbox: r.outbox, clock: r.clock, log: silentLogger(), commands: new CommandRouter(config), gateways: new Map(), instanceId: 'one' });
    const a = mention({ id: 'a1', handle: 'one' }, '@acme one', '2026-01-05T09:00:00.000Z');
    const b = mention({ id: 'b1', handle: 'two' }, '@acme two', '2026-01-05T09:00:00.000Z');
    await hear(r, a, b);
    const ca = (await caseOf(r, a))!;
    const cb = (await caseOf(r, b))!;
    expect((await r.cases.apply(ca.id, { type: 'claim' }, lea)).ok).toBe(true);
    expect((await r.cases.apply(cb.id, { type: 'snooze', until: '2026-01-05T09:20:00.000Z' }, lea)).ok).toBe(true);
    r.clock.set(new Date('2026-01-05T09:29:00.000Z'));
    await wiring.runJob('sla-sweep');
    expect((await r.cases.get(ca.id))!.owner?.id).toBe('ULEAD');
    expect((await r.cases.get(cb.id))!.status).toBe('new');
    await r.store.releaseLease('job:sla-sweep', 'one');
    r.clock.set(new Date('2026-01-05T09:30:00.000Z'));
    await wiring.runJob('sla-sweep');
    const lapsed = (await r.cases.get(ca.id))!;
    expect(lapsed.owner).toBeUndefined();
    expect(lapsed.audit.at(-1)).toMatchObject({ action: 'expire_claim', actor: SYSTEM });
    await wiring.stop();
    await r.store.close();
  });

  it('runs each tick on one instance: the lease holder runs, the other skips until the lease lapses', async () => {
    const r = await rig(config);
    let runs = 0;
    const job = (instanceId: string) => runLeasedJob({ store: r.store, job: 'probe', instanceId, intervalMs: 2000, now: () => r.clock.now(), run: async () => { runs += 1; } });
    expect((await job('a')).ran).toBe(true);
    expect((await job('b')).ran).toBe(false);
    await new Promise((res) => setTimeout(res, 1900));
    expect((await job('b')).ran).toBe(true);
    expect(runs).toBe(2);
    expect((await r.store.get<JobRun>(JOB_RUN('probe')))).toMatchObject({ instanceId: 'b', runs: 2 });
    await r.store.close();
  });
});

describe('retention and erasure', () => {
  it('purges cases unchanged for the configured days, redacts their cards and never hears them again', async () => {
    const r = await rig(baseConfig({ retention: { days: 30 } }), '2026-01-05T09:00:00.000Z');
    const old = mention({ id: 'a1', handle: 'old' }, '@acme old', '2026-01-05T09:00:00.000Z');
    const open = mention({ id: 'a2', handle: 'open' }, '@acme open', '2026-01-05T09:00:00.000Z');
    await hear(r, old, open);
    const c = (await caseOf(r, old))!;
    await new CaseRepository(r.store).modify(c.id, (cur) => ({ ...cur, views: [{ platform: 'slack', channel: 'C0CARE0001', ts: '1.1' }] }));
    expect((await r.cases.apply(c.id, { type: 'close' }, alice)).ok).toBe(true);
    r.clock.set(new Date('2026-02-03T09:00:00.000Z'));
    expect(await purgeExpired({ store: r.store, repo: new CaseRepository(r.store), config: r.config, clock: r.clock, log: silentLogger(), outbox: r.outbox })).toEqual({ purged: 0, kept: 0 });
    r.clock.set(new Date('2026-02-05T09:00:01.000Z'));
    expect(await purgeExpired({ store: r.store, repo: new CaseRepository(r.store), config: r.config, clock: r.clock, log: silentLogger(), outbox: r.outbox })).toEqual({ purged: 1, kept: 1 });
    expect(await r.cases.get(c.id)).toBeUndefined();
    expect(await new CaseRepository(r.store).caseIdsOfAuthor('x', 'a1')).toEqual([]);
    expect(await new CaseRepository(r.store).caseForCard({ platform: 'slack', channel: 'C0CARE0001', ts: '1.1' })).toBeUndefined();
    expect((await queued(r.store, REDACT_CARD)).map((i) => i.payload.caseId)).toEqual([c.id]);
    expect(await recordPoll(r.store, 'x', { mentions: [old], cursor: undefined, requests: 1 })).toBe(0);
    await r.store.close();
  });

  it('erases one author by handle: cases, posts waiting in the inbox, and nobody else', async () => {
    const r = await rig(baseConfig());
    const a = mention({ id: 'a1', handle: 'Traveller' }, '@acme one', '2026-01-05T09:00:00.000Z');
    const a2 = mention({ id: 'a1', handle: 'Traveller' }, '@acme two', '2026-01-05T09:01:00.000Z');
    const other = mention({ id: 'b1', handle: 'someone' }, '@acme three', '2026-01-05T09:02:00.000Z');
    await hear(r, a, a2, other);
    const waiting = mention({ id: 'a1', handle: 'Traveller' }, '@acme four', '2026-01-05T09:03:00.000Z');
    await recordPoll(r.store, 'x', { mentions: [waiting], cursor: undefined, requests: 1 });
    const links = new AuthorLinks(r.store);
    await links.link({ network: 'x', handle: 'traveller' }, { network: 'bluesky', handle: 'traveller.bsky.social' }, lea, new Date('2026-01-05T09:00:00Z'));
    const result = await eraseAuthor({ store: r.store, repo: new CaseRepository(r.store), outbox: r.outbox, log: silentLogger() }, 'x:@traveller');
    expect(result).toEqual({ network: 'x', authorId: 'a1', cases: 2, waiting: 1 });
    expect(await new CaseRepository(r.store).caseIdsOfAuthor('x', 'a1')).toEqual([]);
    expect(await new CaseRepository(r.store).authorIdOfHandle('x', 'traveller')).toBeUndefined();
    expect(await caseOf(r, other)).toBeDefined();
    expect(await links.personOf({ network: 'x', handle: 'traveller' })).toBeUndefined();
    expect(await processInbox(r.pipeline)).toEqual({ cases: 0, dropped: 0, duplicates: 0, folded: 0, failed: 0 });
    await expect(eraseAuthor({ store: r.store, repo: new CaseRepository(r.store), outbox: r.outbox, log: silentLogger() }, 'traveller')).rejects.toThrow(/network/);
    await r.store.close();
  });
});
