import { viewTarget } from '../domain/case.js';
import { RemoteRefusedError } from '../domain/remote-errors.js';
import { maskPersonalData } from '../screening/mask-personal-data.js';
import type { DeliveryContext } from './delivery-context.js';
import type { DeliveryHandlers } from './delivery-kinds.js';

/** The kinds that post text or a chart in chat: a line in a case's card threads, a notice, an image. */
export type NoteDeliveryKind = 'thread.note' | 'notice.post' | 'image.post';

/** The handlers of the note deliveries (kinds and payloads: delivery-kinds.ts). */
export function noteDeliveries(ctx: DeliveryContext): Pick<DeliveryHandlers, NoteDeliveryKind> {
  const { deps, limited, gateway, load } = ctx;

  return {
    'thread.note': async (p, item) => {
      const c = await load(p.caseId, item.kind);
      if (!c) return;
      const done = p.done ?? [];
      const at = p.at.replace('T', ' ').slice(0, 16) + ' UTC';
      const note = p.note ? `\n“${p.note}”` : '';
      // A note may quote the post or the author (a follow-up, staff's own words): gated like the card.
      const text = maskPersonalData(`${p.text} · ${at}${note}`, deps.config);
      for (const view of c.views) {
        const id = `${view.platform}:${viewTarget(view)}`;
        if (done.includes(id)) continue;
        const g = gateway(view.platform);
        // Exactly once: after an attempt that may have posted, look for the note's marker first.
        const ref = `${item.id}`;
        const posted = item.attempts > 0 && g.findNote ? await limited(`${view.platform}.read`, () => g.findNote!(view, ref)) : false;
        if (!posted) await limited(`${view.platform}.post:${viewTarget(view)}`, () => g.postNote(view, text, ref));
        done.push(id);
        // Remembered on the stored item (the outbox writes it back on a retry), so a retry
        // after a failure on another surface does not repeat the note here.
        item.payload.done = done;
      }
    },

    'notice.post': async (p) => {
      const g = gateway(p.platform);
      if (!g.postNotice) throw new RemoteRefusedError(`${g.platform} cannot post notices`);
      await limited(`${g.platform}.post:${p.target}`, () => g.postNotice!(p.target, maskPersonalData(p.text, deps.config)));
    },

    'image.post': async (p) => {
      const g = gateway(p.platform);
      if (!g.postImage) throw new RemoteRefusedError(`${g.platform} cannot post images`);
      await g.postImage(p.target, { title: p.title, filename: p.filename, png: Buffer.from(p.png, 'base64') });
    },
  };
}
