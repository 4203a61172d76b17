/**
 * Untrusted text (mention text, author names, notes) passes through here before any
 * renderer sees it. Pure functions, shared by the Slack and Teams renderers.
 */

// Bidi embeddings/overrides/isolates can make text display in a misleading order
// (e.g. a fake link or amount); zero-width spaces hide words from filters. ZWJ/ZWNJ are
// kept: emoji sequences and several scripts need them.
const INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200B\u2060\uFEFF\u200E\u200F\u061C]/g;
// C0/C1 controls except tab and newline.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** Makes text well-formed (no lone surrogates), strips invisible and control characters. */
export function sanitizeText(input: string): string {
  return input.toWellFormed().replace(INVISIBLE, '').replace(CONTROL, '').replace(/\r\n?/g, '\n');
}

/** Cuts to at most `max` code units without splitting a surrogate pair, adding "…". */
export function clip(input: string, max: number): string {
  if (input.length <= max) return input;
  let cut = Math.max(0, max - 1);
  const code = input.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${input.slice(0, cut)}…`;
}

/** Like {@link clip} for already-escaped text: never cuts an `&…;` entity in half. */
export function clipEscaped(input: string, max: number): string {
  if (input.length <= max) return input;
  let out = clip(input, max);
  const amp = out.lastIndexOf('&', out.length - 1);
  if (amp !== -1 && out.indexOf(';', amp) === -1) out = `${out.slice(0, amp)}…`;
  return out;
}

/**
 * Only http(s) URLs, re-serialised so they carry no characters that end a Slack link
 * (`>`, `|`) or a Markdown link (`)`), or undefined when the input is not a URL at all.
 */
export function safeUrl(input: string): string | undefined {
  let u: URL;
  try { u = new URL(input); } catch { return undefined; }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  if (u.username || u.password) return undefined;
  return u.href.replace(/\|/g, '%7C').replace(/[()]/g, (c) => (c === '(' ? '%28' : '%29')).replace(/[<>"'`\s]/g, encodeURIComponent);
}

/** A compact follower count: 950, 12.3k, 4.1M. */
export function compactNumber(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, '')}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}
