/**
 * Personal data in a public post or in a draft reply: payment cards, IBANs, phone
 * numbers, e-mail addresses, booking references (PNRs), ticket numbers and account
 * numbers named as such. A mention with any is masked on its card and offered the
 * private-channel playbook; a draft with any is refused at send time.
 *
 * Precision matters as much as recall: flight numbers, dates, prices and the numbers a
 * brand publishes itself (`brand.publicNumberPatterns`) must not trip it, or staff learn
 * to ignore the warning. Checksums (Luhn for cards, mod-97 for IBANs) carry most of that.
 */
import type { Config } from '../config/schema.js';
import type { PiiFinding } from '../domain/screening.js';
import { findBookingReferences } from './find-booking-references.js';
import { findPiiNumbers } from './find-pii-numbers.js';
import type { Candidate, PiiKind } from './pii-kinds.js';

// What detection is made of, importable from here as before.
export { PII_KINDS, type PiiKind } from './pii-kinds.js';
export { cardScheme, ibanValid, luhnValid } from './pii-checksums.js';
export { describePii } from './describe-pii.js';

/** The part of the configuration personal-data detection reads. */
export type PiiConfig = { brand: Pick<Config['brand'], 'publicNumberPatterns'> };

// Not after an "@": `@jo@mastodon.social` is a fediverse handle (public), not an address.
const EMAIL = /(?<![\p{L}\p{N}._%+@-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,24}(?![\p{L}\p{N}])/gu;

const ANY_DIGIT = /\d/;

/**
 * Whether the text has six ASCII digits or more, the fewest any number searched for below
 * has. The regex finds the first digit faster than a loop; most posts have none.
 */
function hasSixDigits(text: string): boolean {
  let i = text.search(ANY_DIGIT);
  if (i < 0) return false;
  let digits = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++digits >= 6) return true;
  }
  return false;
}

/** Whether some "@" follows a character an address can hold (not a space: "@handle" does not). */
function mayHaveEmail(text: string): boolean {
  for (let at = text.indexOf('@', 1); at > 0; at = text.indexOf('@', at + 1)) {
    const c = text.charCodeAt(at - 1);
    if (c !== 32 && c !== 10 && c !== 9 && c !== 40 && c !== 34 && c !== 39) return true;
  }
  return false;
}

function compilePublic(patterns: readonly string[]): RegExp[] {
  const out: RegExp[] = [];
  for (const p of patterns) {
    try { out.push(new RegExp(p, 'gu')); } catch { /* the config loader reports invalid patterns at start */ }
  }
  return out;
}

const publicCache = new Map<string, RegExp[]>();

/** Spans of the text that the brand says are public numbers (flight and order numbers). */
function publicSpans(text: string, patterns: readonly string[]): Array<[number, number]> {
  if (patterns.length === 0) return [];
  const key = patterns.join('\u0000');
  let res = publicCache.get(key);
  if (!res) {
    res = compilePublic(patterns);
    if (publicCache.size > 100) publicCache.clear();
    publicCache.set(key, res);
  }
  const spans: Array<[number, number]> = [];
  for (const re of res) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) if (m[0].length > 0) spans.push([m.index, m.index + m[0].length]);
  }
  return spans;
}

/**
 * Finds personal data in a text. Findings are sorted and never overlap (the more
 * specific kind wins: a card over a phone number, an account number over a phone).
 */
export function findPii(text: string, config: PiiConfig): PiiFinding[] {
  const found: Candidate[] = [];

  if (hasSixDigits(text)) findPiiNumbers(text, found);

  // Every mention has "@handle"; an address has a character of its own right before its "@".
  if (mayHaveEmail(text)) {
    for (const m of text.matchAll(EMAIL)) found.push({ kind: 'email', start: m.index, end: m.index + m[0].length });
  }

  findBookingReferences(text, found);

  if (found.length === 0) return [];
  const pub = publicSpans(text, config.brand.publicNumberPatterns);
  const kept = found.filter((f) => !pub.some(([s, e]) => f.start >= s && f.end <= e));
  return resolveOverlaps(kept);
}

/** Which kind wins where findings overlap. An IBAN outranks a card: its digits may hold a Luhn-valid run. */
const SPECIFICITY: Record<PiiKind, number> = {
  iban: 8, card: 7, email: 5, 'ticket-number': 4, 'account-number': 3, 'booking-reference': 2, phone: 1,
};

function resolveOverlaps(found: Candidate[]): PiiFinding[] {
  const sorted = [...found].sort((a, b) => SPECIFICITY[b.kind] - SPECIFICITY[a.kind] || (b.end - b.start) - (a.end - a.start));
  const out: Candidate[] = [];
  for (const f of sorted) {
    if (out.some((o) => f.start < o.end && o.start < f.end)) continue;
    out.push(f);
  }
  return out.sort((a, b) => a.start - b.start).map(({ kind, start, end }) => ({ kind, start, end }));
}
