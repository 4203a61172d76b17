import type { Config } from '../config/schema.js';
import { attachPrivateMessages } from './private-inbox.js';
import { revealNumbers } from '../screening/mask-personal-data.js';
import type { Case } from '../domain/case.js';
import { mentionKey, MentionSchema, type Mention } from '../domain/mention.js';
import { routeCase } from '../routing/route-case.js';
import { screenMention } from '../screening/screen-mention.js';
import { screenWithModel, type MentionScreener } from './mention-screener.js';
import type { CorrectionMemory } from '../screening/correction-memory.js';
import type { TextModel } from '../screening/text-model.js';
import type { PollResult } from '../sources/mention-source.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Outbox } from '../outbox/outbox.js';
import type { CaseService } from './case-service.js';
import { enqueueDelivery } from './delivery-kinds.js';
import { foldFollowUp } from './follow-up.js';
import { CURSOR, DROPPED, INBOX, INBOX_FAILURES, INBOX_MAX_FAILURES, MENTION_CASE, PARKED, PENDING } from './inbox-keys.js';
import type { StormService } from './storms.js';
import { completeFold, foldNearDuplicate, indexNewCase, SIMILAR_OF, SPLIT_OUT } from './near-duplicates.js';

export { CURSOR, DROPPED, INBOX, MENTION_CASE, PENDING };

/**
 * Records what a poll heard, then moves the source's cursor. Mentions go to a durable
 * inbox first: if the process dies before the cursor is saved, the next poll hears
 * them again and the inbox (keyed by network and post id) makes that harmless.
 */
export async function recordPoll(store: Store, source: string, result: PollResult): Promise<number> {
  // One read for the whole poll, then the inbox entries, then their queue entries: a queue
  // entry never comes before its mention is in the inbox.
  const keys = result.mentions.map(mentionKey);
  const known = await store.getMany(keys.map(MENTION_CASE));
  const fresh = result.mentions.filter((_, i) => known[i] === undefined);
  for (const m of fresh) await store.set(INBOX(mentionKey(m)), m);
  await store.zAddMany(fresh.map((m) => ({ set: PENDING, member: mentionKey(m), score: Date.parse(m.createdAt) || 0 })));
  if (result.cursor !== undefined) await store.set(CURSOR(source), result.cursor);
  return fresh.length;
}

export interface PipelineDeps {
  store: Store;
  config: Config;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  cases: CaseService;
  /** The trained text model, if the team has one. */
  model?: () => TextModel | undefined;
  /** Staff corrections by post (see src/app/learning.ts). */
  corrections?: () => CorrectionMemory | undefined;
  /** Storm mode: decides whether a case gets its own card or joins its group's storm card. */
  storms?: Pick<StormService, 'place' | 'mode'> | undefined;
  /** Screening by an AI model (`assist.screening`), after the built-in classifier; absent, no model is asked. */
  screener?: MentionScreener | undefined;
}

/** `duplicates`: posts that belonged to a case already (processed before, or a follow-up); `folded`: near-identical posts folded into an open case. */
export interface ProcessReport {
  cases: number; dropped: number; duplicates: number; folded: number;
  /** Mentions whose screening or case threw this run: left in the inbox for the next run (set aside after a few). */
  failed: number;
  /** The run stopped at its limit with more waiting: the runner goes on. */
  more?: boolean | undefined;
}

/**
 * Screens, routes and opens a case for every mention waiting in the inbox. Each step
 * is idempotent, so a crash at any point is repaired by processing again: a mention
 * maps to exactly one case id (set-if-absent), a case is created once, and the card
 * is posted once (the delivery checks where the card already is).
 */
export async function processInbox(deps: PipelineDeps, limit = 500): Promise<ProcessReport> {
  const { store } = deps;
  const report: ProcessReport = { cases: 0, dropped: 0, duplicates: 0, folded: 0, failed: 0 };
  // Private messages join their cases first; those that open a case of their own are put in
  // the mention inbox, and join the case it opens after this run (the pass at the end).
  await attachPrivateMessages(deps);
  const pending = await store.zRangeByScore(PENDING, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, limit);
  const raws = await store.getMany<unknown>(pending.map(({ member }) => INBOX(member)));
  // Let go of what this run handled in one go at the end (or as it fails): a crash before
  // that has those posts handled again, which every step allows (as a crash between a
  // post's case and its removal always did).
  const done: string[] = [];
  try {
    for (const [i, { member: key }] of pending.entries()) {
      const outcome = await screenOne(deps, key, raws[i], report);
      if (outcome === 'done') done.push(key);
    }
  } finally {
    await letGo(store, done);
  }
  if (pending.length > 0) await attachPrivateMessages(deps);
  if (pending.length === limit && report.failed < pending.length) report.more = true;
  return report;
}

/** Screens one inbox entry and opens (or finds) its case; 'done' when it may leave the inbox. */
async function screenOne(deps: PipelineDeps, key: string, raw: unknown, report: ProcessReport): Promise<'done' | 'kept'> {
  const { store, clock, log } = deps;
  const parsed = MentionSchema.safeParse(raw);
  if (!parsed.success) {
    log.error({ key, problem: parsed.error.issues[0]?.message }, 'unreadable mention in the inbox; skipped');
    await store.zRemove(PENDING, key);
    return 'kept';
  }
  // Hidden characters inside a number go before anything reads the post, so screening sees
  // the number a renderer would show (and masks it), not two harmless halves.
  const mention = { ...parsed.data, text: revealNumbers(parsed.data.text) };
  let outcome: Awaited<ReturnType<typeof openCase>>;
  try {
    outcome = await openCase(deps, mention, clock.now().toISOString());
  } catch (e) {
    // One post that cannot be opened must not hold back the posts behind it.
    report.failed += 1;
    await setAsideIfStuck(deps, key, e);
    return 'kept';
  }
  if (outcome === 'dropped') report.dropped += 1;
  else if (outcome === 'created') report.cases += 1;
  else if (outcome === 'folded') report.folded += 1;
  else report.duplicates += 1;
  return 'done';
}

/**
 * Takes handled posts out of the queue, then out of the inbox: those still bound to a case
 * (or dropped). One that lost its binding since it was handled was split out by staff
 * meanwhile and is back in the inbox for a case of its own: it stays.
 */
async function letGo(store: Store, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  const bound = await store.getMany(keys.map(MENTION_CASE));
  const handled = keys.filter((_, i) => bound[i] !== undefined);
  if (handled.length === 0) return;
  await store.zRemove(PENDING, ...handled);
  await store.deleteMany(handled.map(INBOX));
}

/**
 * A mention whose screening or case failed stays in the inbox for the next run; after
 * INBOX_MAX_FAILURES runs it is set aside (kept in the store under PARKED, logged as an
 * error with the cause) so it cannot block the inbox for good.
 */
async function setAsideIfStuck(deps: PipelineDeps, key: string, e: unknown): Promise<void> {
  const failures = await deps.store.incr(INBOX_FAILURES(key));
  if (failures < INBOX_MAX_FAILURES) {
    deps.log.warn({ key, err: e, failures }, 'could not open a case for a mention; it stays in the inbox for the next run');
    return;
  }
  deps.log.error({ key, err: e, failures }, `could not open a case for a mention in ${failures} runs; it is set aside (${PARKED}) so the rest of the inbox goes on`);
  await deps.store.zAdd(PARKED, key, deps.clock.now().getTime());
  await deps.store.zRemove(PENDING, key);
}

async function openCase(deps: PipelineDeps, mention: Mention, now: string): Promise<'created' | 'existing' | 'dropped' | 'folded'> {
  const { store, config, outbox, cases } = deps;
  const key = mentionKey(mention);
  let caseId = await store.get<string>(MENTION_CASE(key));
  if (caseId === DROPPED) return 'dropped';
  // Folded into a near-identical post's case before (a crash came before the inbox let go of it): finish that, once.
  const foldedInto = caseId ? await store.get<string>(SIMILAR_OF(key)) : undefined;
  if (foldedInto && foldedInto === caseId) {
    await completeFold(deps, foldedInto, mention, now);
    return 'folded';
  }
  // The author wrote again in a conversation that already has their case: fold it in
  // (a post staff split out of a case gets a case of its own instead).
  // Read once here and handed on, for the near-duplicate fold below.
  const split = caseId ? undefined : (await store.get(SPLIT_OUT(key))) !== undefined;
  if (!split && await foldFollowUp(deps, mention, caseId, now)) return 'existing';
  const model = deps.model?.();
  const corrections = deps.corrections?.();
  const ctx = { config, now, ...(model ? { model } : {}), ...(corrections ? { corrections } : {}) };
  let screening = screenMention(mention, ctx);
  // The AI model, when on, for a post the built-in classifier keeps (once: a case already
  // opened keeps the screening it was opened with).
  if (deps.screener && !screening.drop) {
    screening = (caseId ? (await cases.get(caseId))?.screening : undefined) ?? await screenWithModel(deps.screener, mention, ctx, screening, deps.log);
  }
  if (!caseId && screening.drop) {
    await store.insertIfAbsent(MENTION_CASE(key), DROPPED);
    deps.log.debug({ key, reason: screening.dropReason }, 'mention dropped by screening');
    return 'dropped';
  }
  if (!caseId && await foldNearDuplicate(deps, mention, routeCase(screening.group, config).group.id, now, { split: split === true })) return 'folded';
  if (!caseId) {
    const candidate = String(await store.incr('seq:case'));
    caseId = (await store.insertIfAbsent(MENTION_CASE(key), candidate)) ? candidate : (await store.get<string>(MENTION_CASE(key)))!;
    if (caseId === DROPPED) return 'dropped';
  }
  const { group, channels } = routeCase(screening.group, config);
  const c: Case = {
    id: caseId,
    version: 0,
    mention,
    screening: { ...screening, group: group.id },
    group: group.id,
    status: 'new',
    approvals: [],
    createdAt: now,
    updatedAt: now,
    views: [],
    audit: [],
    duplicates: 0,
  };
  const created = await cases.create(c);
  await indexNewCase(deps, c, now);
  // Enqueued even when the case already existed: a crash may have come between the
  // two. Coalescing plus the delivery's own check keep it to one card per channel.
  // In a storm most cases join the storm card instead (decided once per case).
  const placement = deps.storms ? await deps.storms.place(created ? c : (await cases.get(caseId)) ?? c, channels) : { kind: 'card' as const };
  for (const ch of placement.kind === 'card' ? channels : []) {
    await enqueueDelivery(outbox, 'card.post', { caseId, platform: ch.platform, target: ch.target });
  }
  if (created) {
    await cases.afterCreate(c);
    return 'created';
  }
  // A crash may have come between creating the case and its durable work (its rollup):
  // done again, once per case whatever the number of tries.
  const stored = await cases.get(caseId);
  if (stored) await cases.repeatCreateWork(stored);
  return 'existing';
}
