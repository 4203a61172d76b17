import { describe, expect, it } from 'vitest';
import { parseAuthorRef as linkRef } from '../../src/app/author-links.js';
import { eraseAuthor } from '../../src/app/retention.js';
import { AuthorRefInvalidError, parseAuthorRef } from '../../src/domain/author-ref.js';

describe('one parser of author references, for link and erase-author alike', () => {
  it('reads a handle, an id, a DID and user@instance, keeping what follows the network as written', () => {
    expect(parseAuthorRef('x:@Jane')).toEqual({ network: 'x', who: 'Jane' });
    expect(parseAuthorRef(' X:123456 ')).toEqual({ network: 'x', who: '123456' });
    expect(parseAuthorRef('bluesky:did:plc:abc123')).toEqual({ network: 'bluesky', who: 'did:plc:abc123' });
    expect(parseAuthorRef('mastodon:jane@mastodon.social')).toEqual({ network: 'mastodon', who: 'jane@mastodon.social' });
  });

  it('refuses what is not one, naming the form to write', () => {
    for (const bad of ['jane', 'myspace:jane', 'x:', 'x:@', 'x:two words']) {
      expect(() => parseAuthorRef(bad)).toThrow(AuthorRefInvalidError);
      expect(() => parseAuthorRef(bad)).toThrow(/network:handle/);
    }
  });

  it('link and erase-author refuse the same input with the same error', async () => {
    expect(() => linkRef('x:two words')).toThrow(AuthorRefInvalidError);
    const never = () => { throw new Error('the store is not reached for a bad reference'); };
    const deps = { store: never, repo: never, outbox: never, log: never } as never;
    await expect(eraseAuthor(deps, 'x:two words')).rejects.toThrow(AuthorRefInvalidError);
  });
});
