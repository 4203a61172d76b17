/**
 * A link finder without a text library, for callers that pass no network-specific one
 * (see `LinkHosts` in policy). The server passes X's own rules (src/text-links); this one
 * errs toward finding too much — any `scheme://…`, and any bare `name.tld` with a
 * top-level part of two letters or more — so with an allowlist set, a link is refused
 * rather than let through unseen. `e.g.` and e-mail addresses are not links.
 */
const LINK = /(?<![\p{L}\p{N}@._-])(?:([a-z][a-z0-9+.-]*:\/\/[^\s<>"]+)|((?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,})(?![\p{L}\p{N}-]))/giu;

export function plainLinkHosts(text: string): string[] {
  const hosts: string[] = [];
  for (const m of text.matchAll(LINK)) {
    // Hosts are compared as URL parsing writes them (lower case, international names in punycode).
    const url = m[2] ? `https://${m[2]}` : m[1]!.replace(/[.,;:!?)\]}'"]+$/, '');
    try {
      hosts.push(new URL(url).hostname.toLowerCase());
    } catch {
      hosts.push((m[2] ?? url).toLowerCase());
    }
  }
  return hosts;
}
