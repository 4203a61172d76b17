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
type Typed = TypedReply & { at: number };

/** Where the edits are kept so every instance sees them (the store); this process's memory without one. */
export interface TypedStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A modal lives an hour at most. */
const KEEP_MS = 3_600_000;
const MOST = 5000;
const key = (viewId: string) => `slack:typed:${viewId}`;

/** The same as the store, in this process's memory: the oldest are forgotten past 5,000 modals. */
class MemoryTyped implements TypedStore {
  private readonly byKey = new Map<string, { value: unknown; until: number }>();
  async get<T>(k: string): Promise<T | undefined> {
    const v = this.byKey.get(k);
    return v && v.until > Date.now() ? (v.value as T) : undefined;
  }
  async set(k: string, value: unknown, ttlMs = KEEP_MS): Promise<void> {
    this.byKey.delete(k);
    this.byKey.set(k, { value, until: Date.now() + ttlMs });
    for (const old of this.byKey.keys()) {
      if (this.byKey.size <= MOST) break;
      this.byKey.delete(old);
    }
  }
  async delete(k: string): Promise<void> {
    this.byKey.delete(k);
  }
}

/**
 * The last words typed in each draft modal's reply while a suggestion was being written
 * (Slack sends an action per edit while the modal watches typing), kept in the store so the
 * instance that puts the suggestion in sees edits another instance received.
 */
export class TypedReplies {
  private readonly store: TypedStore;

  constructor(store?: TypedStore | undefined, private readonly now: () => number = Date.now) {
    this.store = store ?? new MemoryTyped();
  }

  /** Records an edit from Slack's action payload; false when it is not one. */
  async record(body: unknown): Promise<boolean> {
    const r = TypingSchema.safeParse(body);
    if (!r.success) return false;
    const action = r.data.actions[0]!;
    const fill = action.action_id === REPLY_INPUT ? undefined : action.action_id.slice(REPLY_INPUT.length + 1);
    const typed: Typed = { text: action.value ?? '', fill, at: this.now() };
    await this.store.set(key(r.data.view.id), typed, KEEP_MS);
    return true;
  }

  /** What was typed in a modal since `since` (epoch ms), if anything. */
  async since(viewId: string, since: number): Promise<TypedReply | undefined> {
    const t = await this.store.get<Typed>(key(viewId));
    return t && t.at >= since ? { text: t.text, fill: t.fill ?? undefined } : undefined;
  }

  async forget(viewId: string): Promise<void> {
    await this.store.delete(key(viewId));
  }
}
