/**
 * The hosts of the links in a text, as X would link them: twitter-text knows the real
 * top-level domains, so `acme.org` is a link and `e.g.` is not. This is the finder the
 * policy's link allowlist is checked with (see `LinkHosts` in cases/policy); it lives
 * outside the pure middle because twitter-text is a vendor library.
 */
import twitterText from 'twitter-text';

export function linkHosts(text: string): string[] {
  return twitterText.extractUrls(text).map((u) => {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : `https://${u}`;
    try {
      return new URL(withScheme).hostname.toLowerCase();
    } catch {
      return u.toLowerCase();
    }
  });
}
