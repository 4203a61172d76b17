import { NETWORKS, type Network } from './mention.js';

/** An author named by staff: `x:jane`, `x:@jane`, `x:123456`, `bluesky:did:plc:…`, `mastodon:jane@mastodon.social`. */
export interface AuthorRefInput {
  network: Network;
  /** A handle (without a leading @) or the network's user id, as written. */
  who: string;
}

export class AuthorRefInvalidError extends Error {
  readonly code = 'AUTHOR_REF_INVALID';
  constructor(readonly input: string) {
    super(`"${input}" is not an author: write network:handle (or network:user id), e.g. x:jane or bluesky:jane.bsky.social (networks: ${NETWORKS.join(', ')})`);
    this.name = 'AuthorRefInvalidError';
  }
}

/**
 * The one parser of `network:handle` (or `network:user id`) that staff type in commands
 * (`link`, `erase-author`). The part after the first `:` may itself hold `:` or `@`
 * (a Bluesky DID, Mastodon's user@instance); a leading @ is dropped.
 */
export function parseAuthorRef(input: string): AuthorRefInput {
  const m = /^([a-z]+):(.+)$/i.exec(input.trim());
  const network = m?.[1]?.toLowerCase();
  if (!m || !network || !(NETWORKS as readonly string[]).includes(network)) throw new AuthorRefInvalidError(input);
  const who = m[2]!.trim().replace(/^@/, '');
  if (!who || /\s/.test(who)) throw new AuthorRefInvalidError(input);
  return { network: network as Network, who };
}

/** Handles as each network compares them: without @ or u/, case-insensitive. */
export function normaliseHandle(network: Network, handle: string): string {
  let h = handle.trim().replace(/^@/, '');
  if (network === 'reddit') h = h.replace(/^\/?u\//i, '');
  return h.toLowerCase();
}
