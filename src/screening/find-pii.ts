import type { Config } from '../config/schema.js';
import type { PiiFinding } from '../domain/screening.js';

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
export const PII_KINDS = ['card', 'iban', 'phone', 'email', 'booking-reference', 'ticket-number', 'account-number'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** The part of the configuration personal-data detection reads. */
export type PiiConfig = { brand: Pick<Config['brand'], 'publicNumberPatterns'> };

/** Luhn checksum (ISO/IEC 7812), over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Card schemes by issuer prefix and allowed lengths (ISO/IEC 7812 IIN ranges). */
const SCHEMES: Array<{ name: string; test: (d: string) => boolean; lengths: number[] }> = [
  { name: 'visa', test: (d) => d.startsWith('4'), lengths: [13, 16, 19] },
  { name: 'mastercard', test: (d) => { const p2 = +d.slice(0, 2); const p4 = +d.slice(0, 4); return (p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720); }, lengths: [16] },
  { name: 'amex', test: (d) => /^3[47]/u.test(d), lengths: [15] },
  { name: 'discover', test: (d) => { const p3 = +d.slice(0, 3); return d.startsWith('6011') || d.startsWith('65') || (p3 >= 644 && p3 <= 649) || (+d.slice(0, 6) >= 622126 && +d.slice(0, 6) <= 622925); }, lengths: [16, 17, 18, 19] },
  { name: 'diners', test: (d) => /^(30[0-5]|3095|36|38|39)/u.test(d), lengths: [14, 15, 16, 17, 18, 19] },
  { name: 'jcb', test: (d) => { const p4 = +d.slice(0, 4); return p4 >= 3528 && p4 <= 3589; }, lengths: [16, 17, 18, 19] },
  { name: 'unionpay', test: (d) => d.startsWith('62') || d.startsWith('81'), lengths: [16, 17, 18, 19] },
  { name: 'maestro', test: (d) => /^(5018|5020|5038|5893|6304|6759|676[1-3]|50|5[6-9]|6)/u.test(d), lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { name: 'mir', test: (d) => { const p4 = +d.slice(0, 4); return p4 >= 2200 && p4 <= 2204; }, lengths: [16, 17, 18, 19] },
  { name: 'rupay', test: (d) => /^(60|65|81|82|508)/u.test(d), lengths: [16] },
  { name: 'troy', test: (d) => d.startsWith('9792'), lengths: [16] },
];

/** The card scheme of a digit string that passes Luhn, or undefined. */
export function cardScheme(digits: string): string | undefined {
  if (digits.length < 12 || digits.length > 19 || !luhnValid(digits)) return undefined;
  return SCHEMES.find((s) => s.lengths.includes(digits.length) && s.test(digits))?.name;
}

/** IBAN lengths by country (ISO 13616 registry). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18,
  GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32,
  LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24,
  PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28,
  TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** ISO 7064 mod-97-10 check of an IBAN written without spaces. */
export function ibanValid(iban: string): boolean {
  const s = iban.toUpperCase();
  if (IBAN_LENGTHS[s.slice(0, 2)] !== s.length || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/u.test(s)) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const v = ch >= 'A' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

interface Candidate extends PiiFinding { kind: PiiKind }

/** Digit runs that may hold separators: "4111 1111-1111 1111". */
// Patterns below avoid Unicode mode where they can: they run on every post, and the
// few that need a Unicode-aware edge check it on their candidates only (`letterOrDigitAt`).
const DIGIT_RUN = /(?<![A-Za-z0-9])[+(]?\d(?:[ \-.]?\d|[ ]?\(\d{1,4}\)[ ]?\d|\)[ ]?\d)*(?!\d)/g;
const EMAIL = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,24}(?![\p{L}\p{N}])/gu;
const IBAN_START = /(?<![\p{L}\p{N}])([A-Za-z]{2}\d{2})(?=[ ]?[A-Za-z0-9])/gu;
const PNR_CONTEXT = /\b(?:pnr|record locator|locator|confirmation|conf|booking|reservation|res|reference|ref)\b(?:\s*(?:number|no\.?|num|code|#|is|:|=))*\s*#?\s*([A-Za-z0-9]{6})\b/gi;
const PNR_SHAPE = /(?<![A-Za-z0-9#/@._-])([A-Z0-9]{6})(?![A-Za-z0-9_-])/g;
const TICKET_CONTEXT = /\b(?:e-?ticket|ticket)\s*(?:number|no\.?|num|#)?\s*(?:is|:)?\s*#?\s*((?:\d{3}[ -]?\d{10})|\d{13,14})\b/gi;
const ACCOUNT_VALUE = String.raw`\s*(?:is|:|=)?\s*#?\s*([A-Za-z]{0,3}[ -]?\d[\d -]{3,22}\d|[A-Za-z]{1,3}\d{5,12})\b`;
/** Words that name an account on their own ("acct 12345678", "SkyMiles 1234567890"). */
const ACCOUNT_STRONG = new RegExp(String.raw`\b(?:account|acct|a\/c|frequent fl[yi]er|loyalty|policy|mileage ?plus|aadvantage|skymiles|true ?blue|rapid rewards|sort code|routing)\s*(?:number|no\.?|num|nr|#|id)?` + ACCOUNT_VALUE, 'gi');
/** Words that name an account only with "number"/"#" ("member number 1234567", not "customer service 1-800…"). */
const ACCOUNT_WEAK = new RegExp(String.raw`\b(?:member(?:ship)?|customer|rewards|client|ff)\s*(?:number|no\.?|num|nr|#|id)` + ACCOUNT_VALUE, 'gi');
const TICKET_HINT = /ticket/i;
const NOT_PERSONAL_CODE = /(?:promo|discount|coupon|voucher|gift|offer|sale)\w*\W+(?:code\W+)?$/iu;
// Quick pre-checks without Unicode mode (cheaper to run on every post).
const PNR_HINT = /pnr|locator|conf|book|reserv|ref/i;
/** Quick test for an upper-case letter next to a digit, before the costlier code search. */
const CODE_HINT = /[A-Z]\d|\d[A-Z]/;
const IBAN_HINT = /[A-Za-z]{2}\d\d/;
const ACCOUNT_HINT = /acc|a\/c|fl[yi]er|loyal|polic|mileage|advantage|skymiles|blue|rapid|sort|routing|member|customer|rewards|client|ff/i;
/** Flight numbers: airline code (two characters, one may be a digit) and 1–4 digits ("UA1429", "B6 123"). */
const FLIGHT_NUMBER = /^(?:[A-Z]{2}|[A-Z]\d|\d[A-Z])\d{1,4}[A-Z]?$/u;
const PHONE_CONTEXT = /(?:call|phone|tel|telephone|mobile|cell|whatsapp|text me|reach me|number|contact|ring|sms)\W{0,3}(?:\w+\W{1,3}){0,3}$/iu;

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

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Whether the character at `i` is a letter or digit of any script (false outside the text). */
function letterOrDigitAt(text: string, i: number): boolean {
  if (i < 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return LETTER_OR_DIGIT.test(text[i]!);
}

function digitsOf(s: string): string {
  let out = '';
  for (const ch of s) if (ch >= '0' && ch <= '9') out += ch;
  return out;
}

/** Cards inside a digit run: the whole run or a contiguous window of its groups. */
function cardsIn(run: string, start: number, out: Candidate[]): boolean {
  const groups: Array<{ s: number; e: number }> = [];
  const re = /\d+/gu;
  for (const m of run.matchAll(re)) groups.push({ s: m.index, e: m.index + m[0].length });
  for (let len = groups.length; len >= 1; len--) {
    for (let a = 0; a + len <= groups.length; a++) {
      const s = groups[a]!.s;
      const e = groups[a + len - 1]!.e;
      const d = digitsOf(run.slice(s, e));
      if (d.length < 12 || d.length > 19) continue;
      if (cardScheme(d)) {
        out.push({ kind: 'card', start: start + s, end: start + e });
        return true;
      }
    }
  }
  return false;
}

function looksLikeDateOrTime(run: string): boolean {
  return /^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}$/u.test(run) || /^\d{1,2}[.:]\d{2}$/u.test(run);
}

function phoneIn(text: string, run: string, start: number): Candidate | undefined {
  const d = digitsOf(run);
  if (d.length < 7 || d.length > 15 || looksLikeDateOrTime(run)) return undefined;
  const before = text.slice(Math.max(0, start - 40), start);
  const context = PHONE_CONTEXT.test(before);
  const hit: Candidate = { kind: 'phone', start, end: start + run.length };
  if (run.startsWith('+')) return d.length >= 8 ? hit : undefined;
  if (/\(\d{2,4}\)/u.test(run) && d.length >= 9) return hit;
  // North American 3-3-4 with separators: 555-123-4567, 555.123.4567, 555 123 4567, 1-800-555-0199.
  if (/^(?:1[ \-.])?\d{3}[ \-.]\d{3}[ \-.]\d{4}$/u.test(run)) return hit;
  // National numbers with a trunk 0: 07911 123456, 06 12 34 56 78, 030 1234567, 0161 496 0000.
  if (/^0\d/u.test(d) && d.length >= 10 && d.length <= 11 && /^0[\d \-.]+$/u.test(run) && /[ \-.]/u.test(run)) return hit;
  if (/^0\d{9,10}$/u.test(run)) return hit;
  // Anything else of phone length only with words that say it is a phone number.
  if (context && d.length >= 9) return hit;
  return undefined;
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

  if (hasSixDigits(text)) {
    for (const m of text.matchAll(DIGIT_RUN)) {
      const run = m[0];
      const start = m.index;
      if (letterOrDigitAt(text, start - 1)) continue;
      const bare = run.startsWith('+') ? run.slice(1) : run;
      const offset = run.length - bare.length;
      if (cardsIn(bare, start + offset, found)) continue;
      const phone = phoneIn(text, run, start);
      if (phone) found.push(phone);
    }
    if (IBAN_HINT.test(text)) for (const m of text.matchAll(IBAN_START)) {
      const country = m[1]!.slice(0, 2).toUpperCase();
      const len = IBAN_LENGTHS[country];
      if (!len) continue;
      let i = m.index;
      let compact = '';
      while (i < text.length && compact.length < len) {
        const ch = text[i]!;
        if (/[A-Za-z0-9]/u.test(ch)) compact += ch;
        else if (ch !== ' ' || compact.length % 4 !== 0) break;
        i++;
      }
      const next = text[i];
      if (compact.length === len && (next === undefined || !/[A-Za-z0-9]/u.test(next)) && ibanValid(compact)) {
        found.push({ kind: 'iban', start: m.index, end: i });
      }
    }
    if (TICKET_HINT.test(text)) {
      for (const m of text.matchAll(TICKET_CONTEXT)) {
        const v = m[1]!;
        const s = m.index + m[0].lastIndexOf(v);
        found.push({ kind: 'ticket-number', start: s, end: s + v.length });
      }
    } else {
      // E-ticket numbers are 13 digits: a 3-digit airline prefix and a 10-digit serial.
      for (const m of text.matchAll(/(?<![\p{N}\p{L}-])\d{3}-\d{10}(?![\p{N}])/gu)) {
        found.push({ kind: 'ticket-number', start: m.index, end: m.index + m[0].length });
      }
    }
    if (ACCOUNT_HINT.test(text)) for (const m of [...text.matchAll(ACCOUNT_STRONG), ...text.matchAll(ACCOUNT_WEAK)]) {
      const v = m[1]!.trim();
      if (digitsOf(v).length < 5) continue;
      const s = m.index + m[0].lastIndexOf(v);
      found.push({ kind: 'account-number', start: s, end: s + v.length });
    }
  }

  // Every mention has "@handle"; an address has a character of its own right before its "@".
  if (mayHaveEmail(text)) {
    for (const m of text.matchAll(EMAIL)) found.push({ kind: 'email', start: m.index, end: m.index + m[0].length });
  }

  // Booking references: six letters/digits after words that name them, or (without such
  // words) a six-character code mixing letters and digits that is not a flight number.
  if (PNR_HINT.test(text)) {
    for (const m of text.matchAll(PNR_CONTEXT)) {
      const v = m[1]!;
      // Real references are upper case or mix in digits; "Friday" after "booking" is a word.
      if (!(/^[A-Z0-9]{6}$/u.test(v) || (/\d/u.test(v) && /[A-Za-z]/u.test(v))) || /^\d+$/u.test(v) || FLIGHT_NUMBER.test(v.toUpperCase())) continue;
      const s = m.index + m[0].lastIndexOf(v);
      found.push({ kind: 'booking-reference', start: s, end: s + 6 });
    }
  }
  if (CODE_HINT.test(text)) for (const m of text.matchAll(PNR_SHAPE)) {
    const v = m[1]!;
    if (letterOrDigitAt(text, m.index - 1) || letterOrDigitAt(text, m.index + 6)) continue;
    const letters = v.replace(/\d/gu, '').length;
    if (letters < 2 || letters > 5 || FLIGHT_NUMBER.test(v)) continue;
    // "A320NE", "B737MX": aircraft types and such start with a letter and three digits.
    if (/^[A-Z]\d{3}/u.test(v)) continue;
    // Codes the brand hands out itself: "promo code SAVE20", "voucher XMAS24".
    if (NOT_PERSONAL_CODE.test(text.slice(Math.max(0, m.index - 24), m.index))) continue;
    found.push({ kind: 'booking-reference', start: m.index, end: m.index + 6 });
  }

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

const NAMES: Record<PiiKind, string> = {
  card: 'a payment card number',
  iban: 'a bank account number (IBAN)',
  phone: 'a phone number',
  email: 'an e-mail address',
  'booking-reference': 'a booking reference',
  'ticket-number': 'a ticket number',
  'account-number': 'an account number',
};

/** A sentence naming what was found, for refusals: "a payment card number and an e-mail address". */
export function describePii(findings: readonly PiiFinding[]): string {
  const kinds = [...new Set(findings.map((f) => f.kind))];
  const names = kinds.map((k) => NAMES[k as PiiKind] ?? k);
  if (names.length <= 1) return names[0] ?? 'nothing';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
}
