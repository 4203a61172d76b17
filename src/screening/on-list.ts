import type { Author, Network } from '../domain/mention.js';

/** Normalises a handle or list entry: case-insensitive, without a leading `@`. */
export const bareHandle = (s: string): string => s.trim().replace(/^@/u, '').toLowerCase();

/**
 * Whether an author is on a list. Entries may be a handle (`@jane`, `jane`), a handle on
 * one network (`x:jane`, `bluesky:jane.bsky.social`) or a user id (`id:12345`).
 */
export function onList(list: readonly string[], author: Author, network: Network): boolean {
  if (list.length === 0) return false;
  const handle = bareHandle(author.handle);
  return list.some((entry) => {
    const e = entry.trim();
    const m = /^([a-z]+):(.+)$/u.exec(e);
    if (m) {
      const [, prefix, rest] = m;
      if (prefix === 'id') return rest === author.id;
      return prefix === network && bareHandle(rest!) === handle;
    }
    return bareHandle(e) === handle;
  });
}
