import { SYSTEM } from '../domain/actor.js';
import { sameView, viewTarget, type Case, type CardView } from '../domain/case.js';
import { buildMovedCard } from '../cards/notice-card.js';
import { routeCase } from '../routing/route-case.js';
import type { ChatGateway } from './chat-gateway.js';
import type { Config } from '../config/schema.js';
import { RemoteRefusedError } from '../domain/remote-errors.js';
import type { Outbox, OutboxItem } from '../outbox/outbox.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { Logger } from '../util/logger.js';
import { DELIVERY, type CaseService } from './case-service.js';
import { maskPersonalData } from '../screening/mask-personal-data.js';
import { caseCard } from './case-card.js';
import { DELIVER_IMAGE, DELIVER_NOTICE } from './digest.js';
import { limitedCall, type CallLimiter } from './delivery-resources.js';

export interface DeliveryDeps {
  config: Config;
  cases: CaseService;
  outbox: Outbox;
  gateways: ReadonlyMap<CardView['platform'], ChatGateway>;
  sources: ReadonlyMap<string, MentionSource>;
  log: Logger;
  /** Log replies instead of posting them. */
  dryRun: boolean;
  /** Rate limits every API call goes through (see delivery-resources.ts); none in unit tests. */
  limits?: CallLimiter | undefined;
}

/** Registers the handlers for everything the app puts in the outbox. */
export function registerDeliveries(deps: DeliveryDeps): void {
  const { outbox, cases, gateways, log } = deps;
  const limited = limitedCall(deps.limits);
  const cardOf = caseCard(deps);
  const gateway = (platform: CardView['platform']): ChatGateway => {
    const g = gateways.get(platform);
    if (!g) throw new RemoteRefusedError(`no ${platform} connection is configured`);
    return g;
  };
  const load = async (item: OutboxItem): Promise<Case | undefined> => {
    const c = await cases.repo.get(String(item.payload.caseId));
    if (!c) log.warn({ caseId: item.payload.caseId, kind: item.kind }, 'delivery for a case that no longer exists; skipped');
    return c;
  };

  outbox.on(DELIVERY.postCard, async (item) => {
    const c = await load(item);
    if (!c) return;
    const platform = item.payload.platform as CardView['platform'];
    const target = String(item.payload.target);
    const g = gateway(platform);
    const already = c.views.find((v) => v.platform === platform && (v.platform === 'slack' ? v.channel === target : v.conversationId === target || (item.payload.resolved as string | undefined) === v.conversationId));
    if (already) return;
    // An earlier attempt may have posted and died before recording it: look first.
    const found = item.attempts > 0 ? await limited(`${platform}.read`, () => g.findCard(target, c.id, item.createdAt)) : undefined;
    // The card is made before the call's turn comes: the store read stays outside the limiter.
    const post = async (): Promise<CardView> => {
      const card = await cardOf(c);
      return limited(`${platform}.post:${target}`, () => g.postCard(target, card));
    };
    const view = found ?? (await post());
    const updated = await cases.repo.modify(c.id, (cur) => (cur.views.some((v) => sameView(v, view)) ? undefined : { ...cur, views: [...cur.views, view] }));
    // The case may have moved while the card was being posted.
    if (updated && updated.version !== c.version) {
      await outbox.enqueue(DELIVERY.updateCard, `case:${c.id}`, { caseId: c.id }, { coalesce: `update:${c.id}` });
    }
  });

  outbox.on(DELIVERY.updateCard, async (item) => {
    const c = await load(item);
    if (!c) return;
    const card = await cardOf(c);
    for (const view of c.views) await limited(`${view.platform}.update`, () => gateway(view.platform).updateCard(view, card));
  });

  outbox.on(DELIVERY.moveCard, async (item) => {
    const c = await load(item);
    if (!c) return;
    // Where the case is now (it may have moved again since this was queued).
    const { group, channels } = routeCase(c.group, deps.config);
    const stays = (v: CardView): boolean => channels.some((ch) => ch.platform === v.platform && ch.target === viewTarget(v));
    const by = typeof item.payload.by === 'string' && item.payload.by ? item.payload.by : undefined;
    const moved = buildMovedCard(c, { to: group.name ?? group.id, by });
    for (const view of c.views.filter((v) => !stays(v))) {
      await limited(`${view.platform}.update`, () => gateway(view.platform).updateCard(view, moved));
      // The old card is retired: later changes refresh only the cards in the new group's channels.
      await cases.repo.modify(c.id, (cur) => (cur.views.some((v) => sameView(v, view)) ? { ...cur, views: cur.views.filter((v) => !sameView(v, view)) } : undefined));
    }
    for (const ch of channels) {
      await outbox.enqueue(DELIVERY.postCard, `case:${c.id}`, { caseId: c.id, platform: ch.platform, target: ch.target }, { coalesce: `post:${c.id}:${ch.platform}:${ch.target}` });
    }
  });

  outbox.on(DELIVERY.note, async (item) => {
    const c = await load(item);
    if (!c) return;
    const done = (item.payload.done as string[] | undefined) ?? [];
    const at = String(item.payload.at).replace('T', ' ').slice(0, 16) + ' UTC';
    const note = item.payload.note ? `\n“${String(item.payload.note)}”` : '';
    // A note may quote the post or the author (a follow-up, staff's own words): gated like the card.
    const text = maskPersonalData(`${String(item.payload.text)} · ${at}${note}`, deps.config);
    for (const view of c.views) {
      const id = `${view.platform}:${viewTarget(view)}`;
      if (done.includes(id)) continue;
      const g = gateway(view.platform);
      // Exactly once: after an attempt that may have posted, look for the note's marker first.
      const ref = `${item.id}`;
      const posted = item.attempts > 0 && g.findNote ? await limited(`${view.platform}.read`, () => g.findNote!(view, ref)) : false;
      if (!posted) await limited(`${view.platform}.post:${viewTarget(view)}`, () => g.postNote(view, text, ref));
      done.push(id);
      // Remembered on the item, so a retry after a failure on another surface
      // does not repeat the note here.
      item.payload.done = done;
    }
  });

  outbox.on(DELIVER_NOTICE, async (item) => {
    const g = gateway(item.payload.platform as CardView['platform']);
    if (!g.postNotice) throw new RemoteRefusedError(`${g.platform} cannot post notices`);
    await limited(`${g.platform}.post:${String(item.payload.target)}`, () => g.postNotice!(String(item.payload.target), maskPersonalData(String(item.payload.text), deps.config)));
  });

  outbox.on(DELIVER_IMAGE, async (item) => {
    const g = gateway(item.payload.platform as CardView['platform']);
    if (!g.postImage) throw new RemoteRefusedError(`${g.platform} cannot post images`);
    const p = item.payload as { target: string; title: string; filename: string; png: string };
    await g.postImage(p.target, { title: p.title, filename: p.filename, png: Buffer.from(p.png, 'base64') });
  });

  outbox.on(DELIVERY.sendReply, async (item) => {
    const c = await load(item);
    if (!c || c.status !== 'sending' || !c.draft) return;
    const source = deps.sources.get(c.mention.source);
    if (!source || !source.canReply) {
      await cases.apply(c.id, { type: 'send_failed', error: `replies cannot be posted through ${c.mention.network}` }, SYSTEM);
      return;
    }
    const text = c.draft.text;
    if (deps.dryRun) {
      log.info({ caseId: c.id, network: c.mention.network, inReplyTo: c.mention.id, text }, 'DRY_RUN: reply not posted');
      await cases.apply(c.id, { type: 'sent', reply: { id: `dry-run-${c.id}`, url: c.mention.url, at: new Date(c.updatedAt).toISOString(), text } }, SYSTEM);
      return;
    }
    // Exactly once: an earlier attempt (or, for a resumed delivery, an earlier life) may
    // have reached the network before dying.
    const existing = item.attempts > 0 || item.payload.resumed === true ? await source.findReply(c.mention, text) : undefined;
    let reply = existing;
    if (!reply) {
      try {
        reply = await limited(`${c.mention.network}.reply:${source.name}`, () => source.reply(c.mention, text));
      } catch (e) {
        if (e instanceof RemoteRefusedError) {
          await cases.apply(c.id, { type: 'send_failed', error: e.message }, SYSTEM);
          return;
        }
        throw e;
      }
    }
    const r = await cases.apply(c.id, { type: 'sent', reply }, SYSTEM);
    if (!r.ok) log.error({ caseId: c.id, refusal: r.refusal }, 'reply posted but the case could not record it');
  });
}
