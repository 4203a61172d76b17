/**
 * Mastodon text rules: statuses arrive as HTML, and the server counts a reply's length
 * its own way (StatusLengthValidator): graphemes, every URL as 23 characters whatever
 * its length, and a mention as `@username` without its `@domain`.
 */

/** What Mastodon counts any URL as (instance configuration `characters_reserved_per_url`). */
export const MASTODON_URL_LENGTH = 23;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Plain text of a status's HTML `content`: paragraphs and line breaks kept, tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
      if (code[0] === '#') {
        const n = code[1] === 'x' || code[1] === 'X' ? Number.parseInt(code.slice(2), 16) : Number(code.slice(1));
        return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : whole;
      }
      return ENTITIES[code.toLowerCase()] ?? whole;
    })
    .trim();
}

const URL_RE = /\bhttps?:\/\/[^\s<>"]+/gi;
// Mastodon's own mention pattern (Account::MENTION_RE): the `@domain` part is what is not counted.
const MENTION_RE = /(^|[^\w/@])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)@[\w.-]+\w/gi;
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The length Mastodon counts for a status text. */
export function countMastodonLength(text: string): number {
  const countable = text
    .replace(URL_RE, 'x'.repeat(MASTODON_URL_LENGTH))
    .replace(MENTION_RE, (_m, pre: string, user: string) => `${pre}@${user}`);
  return [...segmenter.segment(countable)].length;
}

/** Does the text already address this account (`@user` or `@user@domain`)? */
export function mentionsAccount(text: string, acct: string): boolean {
  const user = acct.split('@')[0]!.toLowerCase();
  return new RegExp(`(^|[^\\w/@])@${user.replace(/[.]/g, '\\.')}(@[\\w.-]+)?(?![\\w@])`, 'i').test(text);
}

/** The reply text as posted: prefixed with the author's @handle unless it already names them, so they are notified. */
export function addressTo(text: string, acct: string): string {
  return mentionsAccount(text, acct) ? text : `@${acct} ${text}`;
}

/** A message when the reply, as it will be posted (addressed to `acct`), is over the instance's limit. */
export function checkMastodonReply(text: string, maxCharacters: number, acct?: string): string | undefined {
  const posted = acct ? addressTo(text, acct) : text;
  const n = countMastodonLength(posted);
  if (n <= maxCharacters) return undefined;
  const note = posted !== text ? ' including the @mention of the author Earshot adds' : '';
  return `The reply is ${n} characters as Mastodon counts them${note} (every link counts ${MASTODON_URL_LENGTH}); this instance allows ${maxCharacters}. Shorten it by ${n - maxCharacters}.`;
}

/**
 * A message when a private message is over the instance's limit. A Mastodon DM is a status,
 * so the status limit applies; the customer's @handle that Earshot puts in front when the
 * text does not name them counts too, as `@user` (about 10 to 20 characters): it is
 * checked again when the message is sent, with the recipient known.
 */
export function checkMastodonPrivate(text: string, maxCharacters: number, acct?: string): string | undefined {
  if (text.trim() === '') return 'The message is empty.';
  const posted = acct ? addressTo(text, acct) : text;
  const n = countMastodonLength(posted);
  if (n <= maxCharacters) return undefined;
  return `The message is ${n} characters as Mastodon counts them (every link counts ${MASTODON_URL_LENGTH}); a direct message is a status, and this instance allows ${maxCharacters}. Shorten it by ${n - maxCharacters}.`;
}

/**
 * `user@domain` for every account: a local account (no `@` in its acct) gets the domain of
 * its profile URL (the instance's public name), else the instance host.
 */
export function fullAcct(a: { acct: string; url?: string | null | undefined }, host: string): string {
  if (a.acct.includes('@')) return a.acct.toLowerCase();
  let domain = host;
  try { domain = new URL(a.url ?? '').host || domain; } catch { /* keep the instance host */ }
  return `${a.acct}@${domain}`.toLowerCase();
}
