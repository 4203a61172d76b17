import { describe, expect, it } from 'vitest';
import type { Mention } from '../../src/domain/mention.js';
import { AUTHOR_KEY, JetstreamAuthors, type BlueskyAuthor } from '../../src/sources/bluesky/jetstream-authors.js';
import { openStore } from '../../src/store/open-store.js';

const post = (did: string, n = 0): Mention => ({
  network: 'bluesky', source: 'bsky', id: `at://${did}/app.bsky.feed.post/${n}`, text: 'refund', createdAt: '2026-01-05T00:00:00.000Z',
  url: 'https://bsky.app/x', conversationId: 'c', isRepost: false, isQuote: false,
  author: { id: did, handle: did, name: did, followers: 0, followersUnknown: true, verified: false },
});
const profile = (did: string): BlueskyAuthor => ({ handle: `${did.slice(8)}.bsky.social`, name: `Name ${did.slice(8)}`, followers: 7 });

describe('JetstreamAuthors', () => {
  it('looks up authors asked for together in calls of at most 25, once per author, and keeps them in the store', async () => {
    const store = await openStore('sqlite://:memory:', { namespace: 'authors' });
    const calls: string[][] = [];
    const authors = new JetstreamAuthors({ cache: store, lookup: async (dids) => { calls.push(dids); return new Map(dids.map((d) => [d, profile(d)])); } });
    const dids = Array.from({ length: 30 }, (_, i) => `did:plc:a${i}`);
    const named = await Promise.all([...dids, 'did:plc:a3', 'did:plc:a3'].map((d, i) => authors.name(post(d, i))));
    // How the 30 split between calls depends on when each store read answers; never over 25 a call, each author once.
    expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(25);
    expect(calls.length).toBeLessThanOrEqual(3);
    expect(calls.flat()).toHaveLength(30);
    expect(new Set(calls.flat()).size).toBe(30);
    const made = calls.length;
    expect(named[3]!.author).toEqual({ id: 'did:plc:a3', handle: 'a3.bsky.social', name: 'Name a3', followers: 7, verified: false });
    expect(named[31]!.author.handle).toBe('a3.bsky.social');
    expect(await store.get(AUTHOR_KEY('did:plc:a29'))).toEqual(profile('did:plc:a29'));
    // Known now: named from the store, no call.
    await authors.name(post('did:plc:a0', 99));
    expect(calls).toHaveLength(made);
    await store.close();
  });

  it('lets a post go with its DID when the look-up is slow or fails, keeps a late answer, and waits before trying a failed author again', async () => {
    const store = await openStore('sqlite://:memory:', { namespace: 'authors' });
    let now = 1_000_000;
    let release: (() => void) | undefined;
    const calls: string[][] = [];
    const authors = new JetstreamAuthors({
      cache: store, waitMs: 50, retryMs: 60_000, now: () => now,
      lookup: async (dids) => {
        calls.push(dids);
        if (dids[0] === 'did:plc:slow') await new Promise<void>((r) => { release = r; });
        if (dids[0] === 'did:plc:down') throw new Error('503');
        return new Map(dids.map((d) => [d, profile(d)]));
      },
    });
    expect((await authors.name(post('did:plc:slow'))).author.handle).toBe('did:plc:slow');
    release!();
    await new Promise((r) => setTimeout(r, 20));
    expect((await authors.name(post('did:plc:slow', 1))).author.handle).toBe('slow.bsky.social');
    expect((await authors.name(post('did:plc:down'))).author).toMatchObject({ handle: 'did:plc:down', followersUnknown: true });
    expect((await authors.name(post('did:plc:down', 1))).author.handle).toBe('did:plc:down');
    expect(calls.filter((c) => c[0] === 'did:plc:down')).toHaveLength(1);
    now += 61_000;
    await authors.name(post('did:plc:down', 2));
    expect(calls.filter((c) => c[0] === 'did:plc:down')).toHaveLength(2);
    await store.close();
  });
});
