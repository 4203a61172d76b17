import * as z from 'zod';
import { REPLY_BLOCK, REPLY_INPUT } from './modals.js';

/** Slack's action for an edit in the draft modal's reply, sent while the modal watches typing (dispatch_action). */
export const TYPING_ACTION = new RegExp(`^${REPLY_INPUT}(~.+)?$`);

export const TypingSchema = z.object({
  type: z.literal('block_actions'),
  view: z.object({ id: z.string().min(1).max(64) }),
  actions: z.array(z.object({ block_id: z.literal(REPLY_BLOCK), action_id: z.string().regex(TYPING_ACTION), value: z.string().max(20_000).nullish() })).min(1),
});

/** What the person has in the reply field, and the `fill` of its action id (for Slack to keep it). */
export interface TypedReply {
  text: string;
  fill: string | undefined;
}

const KEEP_MS = 3_600_000;
const MOST = 5000;

/**
 * The last words typed in each draft modal's reply while a suggestion was being written
 * (Slack sends an action per edit while the modal watches typing). In this process's memory:
 * a modal lives an hour at most, and the oldest are forgotten past 5,000 modals.
 */
export class TypedReplies {
  private readonly byView = new Map<string, TypedReply & { at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records an edit from Slack's action payload; false when it is not one. */
  record(body: unknown): boolean {
    const r = TypingSchema.safeParse(body);
    if (!r.success) return false;
    const action = r.data.actions[0]!;
    const fill = action.action_id === REPLY_INPUT ? undefined : action.action_id.slice(REPLY_INPUT.length + 1);
    this.byView.delete(r.data.view.id);
    this.byView.set(r.data.view.id, { text: action.value ?? '', fill, at: this.now() });
    this.trim();
    return true;
  }

  /** What was typed in a modal since `since` (epoch ms), if anything. */
  since(viewId: string, since: number): TypedReply | undefined {
    const t = this.byView.get(viewId);
    return t && t.at >= since ? { text: t.text, fill: t.fill } : undefined;
  }

  forget(viewId: string): void {
    this.byView.delete(viewId);
  }

  private trim(): void {
    const old = this.now() - KEEP_MS;
    for (const [id, t] of this.byView) {
      if (this.byView.size <= MOST && t.at >= old) break;
      this.byView.delete(id);
    }
  }
}
