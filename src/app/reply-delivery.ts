import { SYSTEM } from '../domain/actor.js';
import { RemoteRefusedError } from '../domain/remote-errors.js';
import type { DeliveryContext } from './delivery-context.js';
import type { DeliveryHandlers } from './delivery-kinds.js';
import { sendPrivateDraft } from './private-deliveries.js';

/**
 * The handler of `reply.send`: a case's approved public reply, posted exactly once through
 * its source and recorded with `sent` (a private draft goes through private-deliveries.ts).
 */
export function replyDelivery(ctx: DeliveryContext): Pick<DeliveryHandlers, 'reply.send'> {
  const { deps, limited, load } = ctx;
  const { cases, log } = deps;

  return {
    'reply.send': async (p, item) => {
      const c = await load(p.caseId, item.kind);
      if (!c || c.status !== 'sending' || !c.draft) return;
      if (c.draft.channel === 'private') return sendPrivateDraft(deps, c, item.attempts > 0 || p.resumed === true);
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
      const existing = item.attempts > 0 || p.resumed === true ? await source.findReply(c.mention, text) : undefined;
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
    },
  };
}
