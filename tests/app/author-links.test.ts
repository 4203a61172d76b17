import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthorLinks, parseAuthorRef, registerAuthorLinkCommands } from '../../src/app/author-links.js';
import { CommandRouter } from '../../src/app/commands.js';
import { PolicySchema } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';

const LEA: Actor = { platform: 'slack', id: 'U0LEAD0001', name: 'lea' };
const NOW = new Date('2026-01-05T09:00:00Z');

describe('author links: one person across networks only when staff say so', () => {
  let store: Store;
  let links: AuthorLinks;
  beforeEach(async () => {
    store = await openStore('sqlite://:memory:', { namespace: `links${Math.random().toString(36).slice(2, 8)}` });
    links = new AuthorLinks(store);
  });
  afterEach(async () => { await store.close(); });

  it('parses network:handle the way each network writes handles', () => {
    expect(parseAuthorRef('x:@Jane')).toEqual({ network: 'x', handle: 'jane' });
    expect(parseAuthorRef('mastodon:Jane@Mastodon.Social')).toEqual({ network: 'mastodon', handle: 'jane@mastodon.social' });
    expect(parseAuthorRef('reddit:u/Jane_Doe')).toEqual({ network: 'reddit', handle: 'jane_doe' });
    for (const bad of ['jane', 'myspace:jane', 'x:', 'x:two words']) expect(() => parseAuthorRef(bad)).toThrow(/network:handle/);
  });

  it('keeps identities apart until linked, then shows them as one person', async () => {
    const x = parseAuthorRef('x:jane');
    const bsky = parseAuthorRef('bluesky:jane.bsky.social');
    expect(await links.identities(x)).toEqual(['x:jane']);
    expect(await links.personOf(bsky)).toBeUndefined();
    expect(await links.link(x, bsky, LEA, NOW)).toEqual(['bluesky:jane.bsky.social', 'x:jane']);
    expect(await links.identities(bsky)).toEqual(['bluesky:jane.bsky.social', 'x:jane']);
    const person = await links.personOf(x);
    expect(person?.history).toEqual([{ action: 'link', refs: ['x:jane', 'bluesky:jane.bsky.social'], by: 'lea', at: NOW.toISOString() }]);
  });

  it('adds a third identity to an existing person, and joins two people into one', async () => {
    await links.link(parseAuthorRef('x:jane'), parseAuthorRef('bluesky:jane.bsky.social'), LEA, NOW);
    expect(await links.link(parseAuthorRef('reddit:jane_doe'), parseAuthorRef('x:jane'), LEA, NOW)).toEqual(['bluesky:jane.bsky.social', 'reddit:jane_doe', 'x:jane']);
    await links.link(parseAuthorRef('mastodon:jd@mastodon.social'), parseAuthorRef('rss:jane_doe'), LEA, NOW);
    const all = await links.link(parseAuthorRef('rss:jane_doe'), parseAuthorRef('x:jane'), LEA, NOW);
    expect(all).toEqual(['bluesky:jane.bsky.social', 'mastodon:jd@mastodon.social', 'reddit:jane_doe', 'rss:jane_doe', 'x:jane']);
    expect(await links.identities(parseAuthorRef('mastodon:jd@mastodon.social'))).toEqual(all);
    // Linking what is already one person changes nothing.
    expect(await links.link(parseAuthorRef('x:jane'), parseAuthorRef('reddit:jane_doe'), LEA, NOW)).toEqual(all);
  });

  it('unlinks an identity; a person left with one identity is dissolved', async () => {
    await links.link(parseAuthorRef('x:jane'), parseAuthorRef('bluesky:jane.bsky.social'), LEA, NOW);
    await links.link(parseAuthorRef('x:jane'), parseAuthorRef('reddit:jane_doe'), LEA, NOW);
    expect(await links.unlink(parseAuthorRef('reddit:jane_doe'), LEA, NOW)).toEqual({ unlinked: true, remaining: ['bluesky:jane.bsky.social', 'x:jane'] });
    expect(await links.identities(parseAuthorRef('reddit:jane_doe'))).toEqual(['reddit:jane_doe']);
    expect((await links.personOf(parseAuthorRef('x:jane')))?.history.map((h) => h.action)).toEqual(['link', 'link', 'unlink']);
    expect(await links.unlink(parseAuthorRef('x:jane'), LEA, NOW)).toEqual({ unlinked: true, remaining: [] });
    expect(await links.identities(parseAuthorRef('bluesky:jane.bsky.social'))).toEqual(['bluesky:jane.bsky.social']);
    expect(await links.unlink(parseAuthorRef('x:jane'), LEA, NOW)).toEqual({ unlinked: false, remaining: [] });
  });

  it('two staff linking the same identity at once both land, in one person', async () => {
    const [a, b] = await Promise.all([
      links.link(parseAuthorRef('x:jane'), parseAuthorRef('bluesky:jane.bsky.social'), LEA, NOW),
      links.link(parseAuthorRef('x:jane'), parseAuthorRef('reddit:jane_doe'), LEA, NOW),
    ]);
    const final = await links.identities(parseAuthorRef('x:jane'));
    expect(final).toEqual(['bluesky:jane.bsky.social', 'reddit:jane_doe', 'x:jane']);
    expect(a.length + b.length).toBeGreaterThanOrEqual(5);
  });

  it('answers the link, unlink and links commands through the command router', async () => {
    // An empty policy.agents list makes everyone staff, who may link authors in private.
    const commands = new CommandRouter({ policy: PolicySchema.parse({}), metrics: { timezone: 'UTC', campaigns: [], viewers: [] } });
    registerAuthorLinkCommands(commands, { store });
    const ctx = { actor: LEA, audience: 'private' as const, now: NOW };
    expect((await commands.run('link x:jane bluesky:jane.bsky.social', ctx)).lines).toEqual(['Linked as one person: bluesky:jane.bsky.social, x:jane.']);
    expect((await commands.run('links x:jane', ctx)).lines).toEqual([
      'One person: bluesky:jane.bsky.social, x:jane.',
      '2026-01-05 09:00 UTC: lea linked x:jane and bluesky:jane.bsky.social',
    ]);
    expect((await commands.run('link x:jane', ctx)).lines[0]).toMatch(/^Usage: link x:jane bluesky:/);
    expect((await commands.run('link x:jane facebook:jane', ctx)).lines[0]).toMatch(/"facebook:jane" is not an author/);
    expect((await commands.run('unlink bluesky:jane.bsky.social', ctx)).lines).toEqual(['bluesky:jane.bsky.social is no longer linked to anyone.']);
    expect((await commands.run('links x:jane', ctx)).lines).toEqual(['x:jane is not linked to anyone: on each network it is its own author.']);
    expect(commands.names()).toEqual(expect.arrayContaining(['link', 'unlink', 'links']));
  });
});
