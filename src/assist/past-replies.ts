import type { Case } from '../domain/case.js';
import type { Config } from '../config/schema.js';
import { maskPersonalData } from '../screening/mask-personal-data.js';
import type { Store } from '../store/store.js';
import type { AssistIndex, PastReply } from './assist-index.js';

const SET = 'assist:past';
const key = (caseId: string) => `assist:past:${caseId}`;
const DAY = 86_400_000;

/**
 * The team's past approved replies, the posts they answered and their group, both masked,
 * kept for retrieval. Kept as long as cases are (`retention.days`), or a year.
 */
export class PastReplies {
  constructor(private readonly store: Store, private readonly config: Config, private readonly index: AssistIndex) {}

  /** Reads every stored past reply into the index (at start). */
  async load(): Promise<number> {
    const ids = await this.store.setMembers(SET);
    let n = 0;
    for (const id of ids) {
      const p = await this.store.get<PastReply>(key(id));
      if (!p) {
        await this.store.setRemove(SET, id);
        continue;
      }
      this.index.addPast(p);
      n += 1;
    }
    return n;
  }

  /** A case just sent: its post and reply become a past reply (masked). */
  async remember(c: Case): Promise<void> {
    if (!c.reply) return;
    const p: PastReply = {
      caseId: c.id,
      post: maskPersonalData(c.mention.text, this.config),
      reply: maskPersonalData(c.reply.text || c.draft?.text || '', this.config),
      group: c.group,
    };
    if (!p.reply.trim()) return;
    await this.store.set(key(c.id), p, (this.config.retention?.days ?? 365) * DAY);
    await this.store.setAdd(SET, c.id);
    this.index.addPast(p);
  }
}

/** Whether a change is the one that sent a case's reply. */
export const justSent = (prev: Case | undefined, next: Case): boolean => next.status === 'sent' && prev?.status !== 'sent' && !!next.reply;
