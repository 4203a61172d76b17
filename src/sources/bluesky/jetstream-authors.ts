import type { Mention } from '../../domain/mention.js';
import type { SourceCache } from '../mention-source.js';

/** What Earshot shows of a Bluesky author. */
export interface BlueskyAuthor {
  handle: string;
  name: string;
  followers: number;
}

/** Looks up to {@link PER_LOOKUP} authors by DID (`app.bsky.actor.getProfiles`); absent ones are left out. */
export type BlueskyProfileLookup = (dids: string[]) => Promise<Map<string, BlueskyAuthor>>;

export interface JetstreamAuthorsOptions {
  lookup: BlueskyProfileLookup;
  /** The store, where answers are kept for {@link ttlMs} so each author is looked up about once a day. */
  cache?: SourceCache | undefined;
  ttlMs?: number | undefined;
  /** A post waits at most this long for its author's look-up (default 2 s); then the DID stands in, and the answer is kept for the next post. */
  waitMs?: number | undefined;
  /** A failed look-up is not tried again for this author before this long (default 1 min). */
  retryMs?: number | undefined;
  now?: (() => number) | undefined;
}

/** getProfiles takes at most 25 actors a call. */
export const PER_LOOKUP = 25;
const DAY_MS = 86_400_000;
export const AUTHOR_KEY = (did: string) => `bluesky-author:${did}`;
/** Failed look-ups remembered in memory, at most this many. */
const MAX_FAILED = 1000;

/**
 * Names the author of a Jetstream post: Jetstream carries only the author's DID, so the
 * handle, display name and follower count come from the Bluesky source's profile look-up,
 * kept in the store with a TTL. Look-ups asked for together go in one call (up to 25), one
 * per author however many posts ask. When the look-up fails or is slow the post goes on
 * with the DID as its handle (a card does not wait on a profile), and that author is
 * tried again later.
 */
export class JetstreamAuthors {
  private readonly failedAt = new Map<string, number>();
  private readonly asked = new Map<string, Promise<BlueskyAuthor | undefined>>();
  private queue: Array<{ did: string; done: (a: BlueskyAuthor | undefined) => void }> = [];

  constructor(private readonly opts: JetstreamAuthorsOptions) {}

  async name(mention: Mention): Promise<Mention> {
    const author = await this.find(mention.author.id);
    if (!author) return mention;
    const { followersUnknown: _unknown, ...known } = mention.author;
    return { ...mention, author: { ...known, handle: author.handle, name: author.name || author.handle, followers: author.followers } };
  }

  private async find(did: string): Promise<BlueskyAuthor | undefined> {
    const cached = await this.opts.cache?.get<BlueskyAuthor>(AUTHOR_KEY(did)).catch(() => undefined);
    if (cached && typeof cached.handle === 'string') return cached;
    const failed = this.failedAt.get(did);
    if (failed !== undefined && this.now() - failed < (this.opts.retryMs ?? 60_000)) return undefined;
    let answer = this.asked.get(did);
    if (!answer) {
      answer = new Promise<BlueskyAuthor | undefined>((done) => this.queueLookup(did, done)).finally(() => this.asked.delete(did));
      this.asked.set(did, answer);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((done) => { timer = setTimeout(() => done(undefined), this.opts.waitMs ?? 2000); });
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private queueLookup(did: string, done: (a: BlueskyAuthor | undefined) => void): void {
    this.queue.push({ did, done });
    // Posts read from one burst of frames ask within a tick or two: they share the call.
    if (this.queue.length === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const all = this.queue;
    this.queue = [];
    for (let i = 0; i < all.length; i += PER_LOOKUP) void this.lookup(all.slice(i, i + PER_LOOKUP));
  }

  private async lookup(batch: Array<{ did: string; done: (a: BlueskyAuthor | undefined) => void }>): Promise<void> {
    let found = new Map<string, BlueskyAuthor>();
    try {
      found = await this.opts.lookup(batch.map((b) => b.did));
    } catch {
      // Each author below counts as failed.
    }
    for (const { did, done } of batch) {
      const author = found.get(did);
      if (author) {
        this.failedAt.delete(did);
        await this.opts.cache?.set(AUTHOR_KEY(did), author, this.opts.ttlMs ?? DAY_MS).catch(() => undefined);
      } else {
        if (this.failedAt.size >= MAX_FAILED) this.failedAt.delete(this.failedAt.keys().next().value!);
        this.failedAt.set(did, this.now());
      }
      done(author);
    }
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
