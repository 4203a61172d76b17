import type { Card } from '../cards/card.js';
import { insightKey } from './insight-store.js';
import { parseAuthorRef } from '../domain/author-ref.js';
import { noticeCard } from '../cards/notice-card.js';
import type { ChatGateway } from './chat-gateway.js';
import type { Config } from '../config/schema.js';
import { isOpen, type Case, type CardView } from '../domain/case.js';
import { MentionSchema, mentionKey, type Network } from '../domain/mention.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { SYSTEM } from '../domain/actor.js';
import { PRIVATE_INBOX, PRIVATE_PENDING } from './private-inbox.js';
import { AuthorLinks } from './author-links.js';
import { BY_CREATED, type CaseRepository } from './case-repository.js';
import { DROPPED, INBOX, MENTION_CASE, PENDING } from './pipeline.js';
import { forgetCaseLabels } from './learning.js';
import { deliveryKinds, enqueueDelivery, type DeliveryHandlers } from './delivery-kinds.js';

export interface RetentionDeps {
  store: Store;
  repo: CaseRepository;
  config: Config;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
}

const DAY = 86_400_000;

/** A card with nothing of the author left in it. */
export function redactedCard(caseId: string, why: string): Card {
  return { ...noticeCard(caseId, `This case was removed: ${why}.`, { code: 'closed', label: 'Removed' }), summary: `Case ${caseId} · removed` };
}

/**
 * Removes one case for good: its cards are replaced by a removal notice (through the
 * outbox, so a running bot does it even when this runs from the command line), every
 * index that points at it goes, and its posts are tombstoned so listening again does
 * not bring them back.
 */
export async function purgeCase(deps: Pick<RetentionDeps, 'store' | 'repo' | 'outbox'>, c: Case, why: string): Promise<void> {
  if (c.views.length > 0) await enqueueDelivery(deps.outbox, 'card.redact', { caseId: c.id, views: c.views, why });
  for (const key of [mentionKey(c.mention), ...(c.followUps ?? []).map((f) => mentionKey({ network: c.mention.network, id: f.id }))]) {
    await deps.store.set(MENTION_CASE(key), DROPPED);
  }
  await forgetCaseLabels(deps.store, c.id);
  // What AI assist wrote about it (a translation and summaries of the author's posts).
  await deps.store.delete(insightKey(c.id));
  await deps.repo.purge(c);
}

/**
 * The retention job: purges cases (with the author's posts, names and our replies)
 * that have not changed for `retention.days`; open cases only once they are older
 * than `retention.openDays`, if set.
 */
export async function purgeExpired(deps: RetentionDeps): Promise<{ purged: number; kept: number }> {
  const r = deps.config.retention;
  if (!r) return { purged: 0, kept: 0 };
  const now = deps.clock.now().getTime();
  const cutoff = now - r.days * DAY;
  const old = await deps.store.zRangeByScore(BY_CREATED, Number.NEGATIVE_INFINITY, cutoff, 5000);
  let purged = 0;
  let kept = 0;
  for (const { member: id } of old) {
    const c = await deps.repo.get(id);
    if (!c) { await deps.store.zRemove(BY_CREATED, id); continue; }
    const openTooLong = r.openDays !== undefined && Date.parse(c.createdAt) < now - r.openDays * DAY;
    if ((isOpen(c.status) && !openTooLong) || Date.parse(c.updatedAt) > cutoff) { kept += 1; continue; }
    await purgeCase(deps, c, `retention (${r.days} days)`);
    purged += 1;
  }
  if (purged > 0) deps.log.info({ purged, kept, days: r.days }, 'retention: old cases purged');
  return { purged, kept };
}

/**
 * Erases everything about one author on request: every case of theirs (posts, name,
 * our replies and drafts, notes, the private conversation) with its cards, and their posts
 * and private messages still waiting in the inboxes. What stays is a tombstone per post id, so the posts are not heard again.
 */
export async function eraseAuthor(deps: Pick<RetentionDeps, 'store' | 'repo' | 'outbox' | 'log'>, ref: string): Promise<{ network: Network; authorId: string | undefined; cases: number; waiting: number }> {
  const { network, who } = parseAuthorRef(ref);
  let authorId: string | undefined = who;
  let ids = await deps.repo.caseIdsOfAuthor(network, who);
  if (ids.length === 0) {
    authorId = await deps.repo.authorIdOfHandle(network, who);
    ids = authorId ? await deps.repo.caseIdsOfAuthor(network, authorId) : [];
  }
  let cases = 0;
  const handles = new Set<string>(/^\d+$/.test(who) ? [] : [who]);
  for (const id of ids) {
    const c = await deps.repo.get(id);
    if (!c) continue;
    handles.add(c.mention.author.handle);
    await purgeCase(deps, c, 'erased at the author\'s request');
    cases += 1;
  }
  let waiting = 0;
  const handle = who.toLowerCase();
  for (const { member: key } of await deps.store.zRangeByScore(PENDING, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)) {
    const m = MentionSchema.safeParse(await deps.store.get(INBOX(key)));
    if (!m.success || m.data.network !== network) continue;
    if (m.data.author.id !== who && m.data.author.id !== authorId && m.data.author.handle.toLowerCase() !== handle) continue;
    authorId ??= m.data.author.id;
    handles.add(m.data.author.handle);
    await deps.store.set(MENTION_CASE(key), DROPPED);
    await deps.store.zRemove(PENDING, key);
    await deps.store.delete(INBOX(key));
    waiting += 1;
  }
  // Their private messages still waiting to join a case go the same way.
  for (const { member: key } of await deps.store.zRangeByScore(PRIVATE_PENDING, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)) {
    const w = await deps.store.get<{ network?: string; message?: { direction?: string; from?: { id?: string; handle?: string }; to?: { id?: string; handle?: string } } }>(PRIVATE_INBOX(key));
    // The author's own messages, and ours to them (sent outside Earshot, waiting to join their case).
    const from = w?.message?.direction === 'out' ? w.message.to : w?.message?.from;
    if (!w || w.network !== network || !from) continue;
    if (from.id !== who && from.id !== authorId && from.handle?.toLowerCase() !== handle) continue;
    authorId ??= from.id;
    await deps.store.set(MENTION_CASE(key), DROPPED);
    await deps.store.zRemove(PRIVATE_PENDING, key);
    await deps.store.delete(PRIVATE_INBOX(key));
    waiting += 1;
  }
  // Staff links between this author's identities on several networks go too.
  const links = new AuthorLinks(deps.store);
  for (const handle of handles) await links.unlink({ network, handle }, SYSTEM, new Date());
  // No name or handle in the log: only how much was erased.
  deps.log.info({ network, cases, waiting }, 'author erased on request');
  return { network, authorId: cases + waiting > 0 ? authorId : undefined, cases, waiting };
}

/** Registers the delivery that replaces a purged case's cards with a removal notice. */
export function registerRetentionDeliveries(outbox: Outbox, gateways: ReadonlyMap<CardView['platform'], ChatGateway>): void {
  deliveryKinds.register(outbox, retentionDeliveries(gateways));
}

/** The handler of the removal notices; a redaction without valid card views goes to the dead letters. */
export function retentionDeliveries(gateways: ReadonlyMap<CardView['platform'], ChatGateway>): Pick<DeliveryHandlers, 'card.redact'> {
  return {
    'card.redact': async (p) => {
      const card = redactedCard(p.caseId, p.why ?? 'removed');
      for (const v of p.views) {
        const g = gateways.get(v.platform);
        if (!g) continue;
        await g.updateCard(v, card);
      }
    },
  };
}
