import { SYSTEM } from '../domain/actor.js';
import { isOpen, type Case } from '../domain/case.js';
import { mentionKey, type Mention } from '../domain/mention.js';
import type { PrivateMessage, PrivatePollResult } from '../sources/private-messages.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import type { CaseService } from './case-service.js';
import { DROPPED, INBOX, MENTION_CASE, PENDING } from './inbox-keys.js';

/** Store keys of the private inbox: what a private poll heard, waiting to join a case. */
export const PRIVATE_INBOX = (key: string) => `private-inbox:${key}`;
export const PRIVATE_PENDING = 'private-inbox:pending';
export const PRIVATE_CURSOR = (source: string) => `private-cursor:${source}`;

/** A private message waiting in the inbox, with the source and network that heard it. */
interface Waiting { source: string; network: Mention['network']; message: PrivateMessage }

/** The key of a private message, and the id of the mention it stands for when it opens a case of its own. */
const dmId = (m: PrivateMessage) => `dm:${m.id}`;

/**
 * Writes what a private poll heard to the private inbox, and only then moves the cursor: a
 * crash in between polls the same messages again, and the inbox keeps each once. That is
 * the customers' messages, and ours whose recipient the network names: the ones Earshot
 * sent are found on their cases when they are attached, the others were sent from the
 * network's own app and are recorded as such.
 */
export async function recordPrivatePoll(store: Store, source: { name: string; network: Mention['network'] }, result: PrivatePollResult): Promise<number> {
  let added = 0;
  for (const message of result.messages) {
    if (message.direction !== 'in' && !message.to) continue;
    const key = `${source.network}:${dmId(message)}`;
    if (await store.get(PRIVATE_INBOX(key))) continue;
    const waiting: Waiting = { source: source.name, network: source.network, message };
    await store.set(PRIVATE_INBOX(key), waiting);
    await store.zAdd(PRIVATE_PENDING, key, Date.parse(message.at) || 0);
    added += 1;
  }
  if (result.cursor !== undefined) await store.set(PRIVATE_CURSOR(source.name), result.cursor);
  return added;
}

/** The author's case a private message joins: their most recent open (or waiting-in-private) case on that network. */
async function caseOfAuthor(cases: CaseService, network: string, authorId: string): Promise<Case | undefined> {
  const ids = await cases.caseIdsOfAuthor(network, authorId);
  for (const id of [...ids].reverse()) {
    const c = await cases.get(id);
    if (c && (isOpen(c.status) || c.status === 'redirected')) return c;
  }
  return undefined;
}

/** The mention a private message stands for when it opens a case of its own (screened and routed like any post). */
function mentionOf(w: Waiting): Mention {
  const m = w.message;
  return {
    network: w.network, source: w.source, id: dmId(m), text: m.text, createdAt: m.at, url: m.url ?? '',
    author: { id: m.from.id, handle: m.from.handle, name: m.from.name, followers: 0, followersUnknown: true, verified: false },
    conversationId: m.conversationId, isRepost: false, isQuote: false,
  };
}

/**
 * Attaches the private messages waiting in the inbox to their cases: the case the message
 * itself opened, else the author's open case. A message with neither is put in the
 * mention inbox, so it opens a case of its own routed like any mention, and waits here
 * until that case exists (the next pass attaches it). Idempotent: a message already on
 * its case is not added twice. Returns how many were attached.
 */
export async function attachPrivateMessages(deps: { store: Store; cases: CaseService; log: Logger }, limit = 500): Promise<number> {
  const { store, cases, log } = deps;
  let attached = 0;
  for (const { member: key } of await store.zRangeByScore(PRIVATE_PENDING, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, limit)) {
    const w = await store.get<Waiting>(PRIVATE_INBOX(key));
    const done = async () => { await store.zRemove(PRIVATE_PENDING, key); await store.delete(PRIVATE_INBOX(key)); };
    if (!w) { await store.zRemove(PRIVATE_PENDING, key); continue; }
    if (w.message.direction === 'out') {
      const outcome = await attachOutside(cases, log, w);
      if (outcome === 'wait') continue;
      if (outcome === 'attached') attached += 1;
      await done();
      continue;
    }
    const own = await store.get<string>(MENTION_CASE(mentionKey({ network: w.network, id: dmId(w.message) })));
    if (own === DROPPED) { log.info({ key }, 'a private message was screened out (noise); not attached'); await done(); continue; }
    const c = own ? await cases.get(own) : await caseOfAuthor(cases, w.network, w.message.from.id);
    if (!c) {
      if (own) continue; // Its case is being created.
      const mention = mentionOf(w);
      const mk = mentionKey(mention);
      await store.set(INBOX(mk), mention);
      await store.zAdd(PENDING, mk, Date.parse(mention.createdAt) || 0);
      continue;
    }
    const m = w.message;
    const r = await cases.apply(c.id, { type: 'private_in', message: { id: m.id, direction: 'in', text: m.text, at: m.at } }, SYSTEM);
    if (r.ok) attached += 1;
    else if (r.refusal.code !== 'invalid_transition') { log.warn({ key, caseId: c.id, refusal: r.refusal }, 'a private message could not join its case; it waits'); continue; }
    await done();
  }
  return attached;
}

/**
 * A message of ours heard by the private poll. Sent by Earshot: it is on its case already
 * (or about to be, while a private send is under way: it waits). Otherwise it was sent from
 * the network's own app: it joins the recipient's open case (else their latest case with a
 * private conversation) as ours, sent outside Earshot; never as the customer's.
 */
async function attachOutside(cases: CaseService, log: Logger, w: Waiting): Promise<'attached' | 'done' | 'wait'> {
  const m = w.message;
  const to = m.to!;
  const theirs: Case[] = [];
  for (const id of await cases.caseIdsOfAuthor(w.network, to.id)) {
    const c = await cases.get(id);
    if (c) theirs.push(c);
  }
  if (theirs.some((c) => c.private?.messages.some((x) => x.id === m.id))) return 'done';
  if (theirs.some((c) => c.status === 'sending' && c.draft?.channel === 'private')) return 'wait';
  const latest = [...theirs].reverse();
  const c = latest.find((x) => isOpen(x.status) || x.status === 'redirected') ?? latest.find((x) => x.private);
  if (!c) {
    log.info({ network: w.network, messageId: m.id }, 'a private message sent outside Earshot is to someone without a case here; not recorded');
    return 'done';
  }
  const r = await cases.apply(c.id, { type: 'private_outside', message: { id: m.id, direction: 'out', text: m.text, at: m.at } }, SYSTEM);
  if (r.ok) return 'attached';
  if (r.refusal.code === 'invalid_transition') return 'done';
  log.warn({ caseId: c.id, refusal: r.refusal }, 'a private message sent outside Earshot could not join its case; it waits');
  return 'wait';
}
