import type { Actor } from '../domain/actor.js';
import type { AuditEntry, Case, CaseStatus } from '../domain/case.js';
import { isOpen, reachedCustomer } from '../domain/case.js';
import type { Priority, Sentiment } from '../domain/screening.js';
import { businessDeadline, type BusinessHours } from '../domain/business-deadline.js';
import { dayKey, epochMs, localHour } from '../domain/days.js';
import { hashtags } from './hashtags.js';
import { Increments, type Increment } from './increments.js';
import {
  ALL, F, G, OPEN_GAUGE_HASH, agentKey, keyPart, tagRankSet, tagsHash, type AgentCounter, type Scope,
} from './rollup-keys.js';

export type { Increment } from './increments.js';

export interface SlaOptions {
  /**
   * The first-response deadline of a case (ISO instant), e.g. from the SLA module's
   * business-hours clock; undefined means the case has no target.
   */
  deadline?: ((c: Case) => string | undefined) | undefined;
  /** Minutes to first response: one number for every priority, or per priority. */
  targetMinutes?: number | Partial<Record<Priority, number>> | undefined;
  /** Count `targetMinutes` in business hours only (see {@link businessDeadline}). */
  businessHours?: BusinessHours | undefined;
}

export interface RollupOptions {
  /** IANA zone whose calendar days and hours the rollups use. Default UTC. */
  timezone?: string | undefined;
  sla?: SlaOptions | undefined;
  /**
   * Campaign hashtags (without `#`, any case), counted exactly. Every hashtag is also
   * counted for trends (at most {@link RollupOptions.maxHashtags} per post).
   */
  campaigns?: readonly string[] | undefined;
  /** Most hashtags counted per post (default 10). */
  maxHashtags?: number | undefined;
}

/** The instant a case's first response is due, or undefined when it has no target. */
export function firstResponseDeadline(c: Case, sla: SlaOptions | undefined): string | undefined {
  if (!sla) return undefined;
  if (sla.deadline) return sla.deadline(c);
  const t = sla.targetMinutes;
  const minutes = typeof t === 'number' ? t : t?.[c.screening.priority];
  if (minutes === undefined) return undefined;
  if (sla.businessHours) return businessDeadline(c.createdAt, minutes, sla.businessHours);
  return new Date(epochMs(c.createdAt) + minutes * 60_000).toISOString();
}

const isPerson = (a: Actor | undefined): a is Actor => !!a && a.platform !== 'system';
const agentScope = (a: Actor | undefined): Scope[] => (isPerson(a) ? [{ kind: 'agent', agent: agentKey(a) }] : []);
const caseScopes = (c: Case): Scope[] => [ALL, { kind: 'group', group: c.group }];
const seconds = (fromIso: string, toIso: string): number => (epochMs(toIso) - epochMs(fromIso)) / 1000;

/** The open-case gauges a case contributes to: +1 each while it is open. */
function gaugeFields(c: Case | undefined): string[] {
  if (!c || !isOpen(c.status)) return [];
  return [G.all, G.group(c.group), ...(isPerson(c.owner) ? [G.agent(agentKey(c.owner))] : [])];
}

function countAgent(acc: Increments, day: string, c: Case, who: Actor | undefined, counter: AgentCounter): void {
  if (!isPerson(who)) return;
  acc.each(day, [...caseScopes(c), ...agentScope(who)], F.agent(agentKey(who), counter));
}

function created(acc: Increments, c: Case, opts: RollupOptions, zone: string): void {
  const day = dayKey(c.createdAt, zone);
  const scopes = caseScopes(c);
  const m = c.mention;
  acc.each(day, scopes, F.cases);
  acc.each(day, scopes, F.hour(localHour(c.createdAt, zone)));
  acc.each(day, scopes, F.network(m.network));
  acc.each(day, scopes, F.source(m.source));
  acc.each(day, scopes, F.group(c.group));
  acc.each(day, scopes, F.sentiment(c.screening.sentiment ?? 'unknown'));
  acc.each(day, scopes, F.intent(c.screening.intent ?? 'unknown'));
  acc.each(day, scopes, F.priority(c.screening.priority));
  if (c.screening.topic) acc.each(day, scopes, F.topic(c.screening.topic.toLowerCase()));
  const campaigns = new Set((opts.campaigns ?? []).map((t) => t.replace(/^#/, '').toLowerCase()));
  for (const tag of hashtags(m.text, opts.maxHashtags ?? 10)) {
    if (campaigns.has(tag)) acc.each(day, scopes, F.campaign(tag));
    const field = keyPart(tag);
    for (const s of scopes) acc.add(tagsHash(day, s), field, 1, tagRankSet(day, s));
  }
}

/**
 * Who answered: the person who pressed Send (the `sent` entry itself is written by the
 * outbox). Nobody for a message the brand sent from the network's own app: Earshot does not
 * know who wrote it.
 */
function sender(c: Case, index: number): Actor | undefined {
  if (c.audit[index]?.action === 'private_outside') return undefined;
  for (let i = index - 1; i >= 0; i--) {
    const e = c.audit[i]!;
    if (e.action === 'send' && isPerson(e.actor)) return e.actor;
  }
  return isPerson(c.owner) ? c.owner : c.audit[index]?.actor;
}

/** An entry of the audit trail, judged on its own. */
type EntryTest = (e: AuditEntry) => boolean;
/** What decides the first-response SLA: a message reaching the customer, or closing the case without one. Ignored cases are not held to it. */
const SLA_DECISION: EntryTest = (e) => reachedCustomer(e) || e.to === 'closed';
/** The conversation became private: moved there by our message (through Earshot or not), or opened by the author's. */
const PRIVATE_START: EntryTest = (e) => e.action === 'private_sent' || e.action === 'private_in' || e.action === 'private_outside';
const reachedBefore = (c: Case, index: number, test: EntryTest): boolean => {
  for (let i = 0; i < index; i++) if (test(c.audit[i]!)) return true;
  return false;
};

function slaOutcome(acc: Increments, day: string, c: Case, at: string, scopes: Scope[], opts: RollupOptions): void {
  const deadline = firstResponseDeadline(c, opts.sla);
  if (deadline === undefined) return;
  const met = epochMs(at) <= epochMs(deadline);
  acc.each(day, scopes, met ? F.slaMet(c.screening.priority) : F.slaBreached(c.screening.priority));
}

/**
 * One audit entry's counters. Agent work (claimed, drafted, approved, rejected) follows
 * the action; response, resolution, SLA and "handled" follow the status it moved to, so
 * every way out of the backlog is counted the same way.
 */
function event(acc: Increments, c: Case, e: AuditEntry, index: number, opts: RollupOptions, zone: string): void {
  const day = dayKey(e.at, zone);
  const scopes = caseScopes(c);
  switch (e.action) {
    case 'claim':
      countAgent(acc, day, c, e.actor, 'claimed');
      break;
    case 'draft':
      countAgent(acc, day, c, e.actor, 'drafted');
      break;
    case 'approve':
    case 'reject': {
      const approving = e.action === 'approve';
      countAgent(acc, day, c, e.actor, approving ? 'approved' : 'rejected');
      // The case-level decision is the final approval or a rejection; a first of two
      // approvals is not yet a decision.
      if (approving && e.to !== 'approved') break;
      const drafter = c.draft?.by;
      const decided = [...scopes, ...agentScope(drafter)];
      acc.each(day, decided, approving ? F.approved : F.rejected);
      if (c.draft) acc.histogram(day, decided, 'apt', seconds(c.draft.at, e.at));
      break;
    }
    case 'send_failed':
      acc.each(day, scopes, F.sendFailed);
      break;
    case 'reopen':
      acc.each(day, scopes, F.reopened);
      break;
    case 'escalate':
      acc.each(day, scopes, F.escalated);
      break;
    default:
      break;
  }
  // Private conversations, once per case (a DM may come in without changing the status).
  if (PRIVATE_START(e) && !reachedBefore(c, index, PRIVATE_START)) acc.each(day, scopes, F.privateConversations);
  // A first response is the first message that reached the customer, public or private.
  if (reachedCustomer(e) && !reachedBefore(c, index, reachedCustomer)) {
    const mine = [...scopes, ...agentScope(sender(c, index))];
    acc.histogram(day, mine, 'frt', seconds(c.createdAt, e.at));
    // Reach counts public replies only: a private message is seen by the author alone.
    if (e.to === 'sent') {
      acc.each(day, mine, F.answered);
      acc.each(day, mine, F.followers, c.mention.author.followers);
    }
  }
  if (SLA_DECISION(e) && !reachedBefore(c, index, SLA_DECISION)) slaOutcome(acc, day, c, e.at, [...scopes, ...agentScope(reachedCustomer(e) ? sender(c, index) : isPerson(e.actor) ? e.actor : c.owner)], opts);
  if (e.from === e.to) return;

  // Who is credited: the sender for a reply, else the person who acted, else the owner.
  const who = reachedCustomer(e) ? sender(c, index) : isPerson(e.actor) ? e.actor : c.owner;
  const mine = [...scopes, ...agentScope(who)];
  if (e.to === 'sent') {
    acc.each(day, mine, F.replies);
    acc.each(day, mine, F.replyHour(localHour(e.at, zone)));
    countAgent(acc, day, c, who, 'sent');
  }
  if (e.to === 'closed') acc.each(day, mine, F.closed);
  if (e.to === 'ignored') acc.each(day, mine, F.ignored);
  // Moved to private: counted once per case, whatever number of private messages follow.
  if (e.to === 'redirected' && !reachedBefore(c, index, (x) => x.to === 'redirected')) acc.each(day, mine, F.redirected);
  if (isOpen(e.from) && !isOpen(e.to)) countAgent(acc, day, c, who, 'handled');
  if (e.to === 'closed' && !reachedBefore(c, index, (x) => x.to === 'closed')) acc.histogram(day, mine, 'res', seconds(c.createdAt, e.at));
}

export class RollupMismatchError extends Error {
  readonly code = 'ROLLUP_MISMATCH';
  constructor(message: string) {
    super(message);
    this.name = 'RollupMismatchError';
  }
}

/**
 * The counter increments that keep the rollups current when a case changes from `prev`
 * (undefined when it was just created) to `next`. Only the audit entries `next` adds are
 * read, never older history or other cases, so the cost is constant per transition.
 *
 * Apply the increments once per successful write of `next` (after the compare-and-set
 * that stored it): applying them twice counts the transition twice.
 *
 * Days are calendar days in `opts.timezone` (default UTC). Events are counted on the day
 * they happen: volume on the day the case was created, a response on the day it was sent.
 */
export function rollupUpdates(prev: Case | undefined, next: Case, opts: RollupOptions = {}): Increment[] {
  if (prev && prev.id !== next.id) throw new RollupMismatchError(`cannot diff case ${prev.id} against case ${next.id}`);
  const zone = opts.timezone ?? 'UTC';
  const acc = new Increments();
  if (!prev) created(acc, next, opts, zone);
  const start = prev ? prev.audit.length : 0;
  for (let i = start; i < next.audit.length; i++) event(acc, next, next.audit[i]!, i, opts, zone);

  const before = gaugeFields(prev);
  const after = gaugeFields(next);
  for (const f of before) acc.add(OPEN_GAUGE_HASH, f, -1);
  for (const f of after) acc.add(OPEN_GAUGE_HASH, f, 1);
  return acc.list();
}

/**
 * The counters of one near-identical post folded into case `c` at `at`: counted on that
 * day, for everyone and the case's group. Apply once per folded post (metrics-store's
 * `applyIncrementsOnce`, keyed by the post).
 */
export function foldedUpdates(c: Case, at: string, opts: Pick<RollupOptions, 'timezone'> = {}): Increment[] {
  const acc = new Increments();
  acc.each(dayKey(at, opts.timezone ?? 'UTC'), caseScopes(c), F.folded);
  return acc.list();
}

const SCORE: Record<Sentiment, number> = { negative: -1, neutral: 0, positive: 1 };

/** The author's next post after our reply, as screened. */
export interface FollowUp {
  sentiment: Sentiment | undefined;
  /**
   * When the follow-up was screened (ISO; normally `now`). Counting it on the day it was
   * seen, not the day it was posted, keeps days that are over unchanged once sealed.
   */
  at: string;
}

/**
 * Increments for a sentiment shift: call it when the same author's next post after our
 * reply to case `answered` has been screened. It compares that post's sentiment with the
 * case's own (negative −1, neutral 0, positive +1) and counts improved / same / worsened
 * and the sum of shifts, on the follow-up's day, for the case's group and the agent who
 * owned it. Returns nothing when either sentiment is unknown.
 */
export function sentimentShiftUpdates(answered: Case, followUp: FollowUp, opts: Pick<RollupOptions, 'timezone'> = {}): Increment[] {
  const from = answered.screening.sentiment;
  const to = followUp.sentiment;
  if (!from || !to) return [];
  const acc = new Increments();
  const day = dayKey(followUp.at, opts.timezone ?? 'UTC');
  const scopes = [...caseScopes(answered), ...agentScope(answered.owner)];
  const delta = SCORE[to] - SCORE[from];
  acc.each(day, scopes, F.shiftCount);
  acc.each(day, scopes, F.shiftSum, delta);
  acc.each(day, scopes, F.shift(delta > 0 ? 'improved' : delta < 0 ? 'worsened' : 'same'));
  acc.each(day, scopes, F.shiftPair(from, to));
  return acc.list();
}
