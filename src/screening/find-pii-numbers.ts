/**
 * Personal data written as numbers: payment cards and phone numbers in digit runs, IBANs,
 * ticket numbers and account numbers named as such. Only posts with six digits or more
 * are searched (see `findPii`).
 */
import { cardScheme, IBAN_LENGTHS, ibanValid } from './pii-checksums.js';
import { letterOrDigitAt, type Candidate } from './pii-kinds.js';

/** Digit runs that may hold separators: "4111 1111-1111 1111". */
// Patterns below avoid Unicode mode where they can: they run on every post, and the
// few that need a Unicode-aware edge check it on their candidates only (`letterOrDigitAt`).
const DIGIT_RUN = /(?<![A-Za-z0-9])[+(]?\d(?:[ \-.]?\d|[ ]?\(\d{1,4}\)[ ]?\d|\)[ ]?\d)*(?!\d)/g;
const IBAN_START = /(?<![\p{L}\p{N}])([A-Za-z]{2}\d{2})(?=[ ]?[A-Za-z0-9])/gu;
const TICKET_CONTEXT = /\b(?:e-?ticket|ticket)\s*(?:number|no\.?|num|#)?\s*(?:is|:)?\s*#?\s*((?:\d{3}[ -]?\d{10})|\d{13,14})\b/gi;
const ACCOUNT_VALUE = String.raw`\s*(?:is|:|=)?\s*#?\s*([A-Za-z]{0,3}[ -]?\d[\d -]{3,22}\d|[A-Za-z]{1,3}\d{5,12})\b`;
/** Words that name an account on their own ("acct 12345678", "SkyMiles 1234567890"). */
const ACCOUNT_STRONG = new RegExp(String.raw`\b(?:account|acct|a\/c|frequent fl[yi]er|loyalty|policy|mileage ?plus|aadvantage|skymiles|true ?blue|rapid rewards|sort code|routing)\s*(?:number|no\.?|num|nr|#|id)?` + ACCOUNT_VALUE, 'gi');
/** Words that name an account only with "number"/"#" ("member number 1234567", not "customer service 1-800…"). */
const ACCOUNT_WEAK = new RegExp(String.raw`\b(?:member(?:ship)?|customer|rewards|client|ff)\s*(?:number|no\.?|num|nr|#|id)` + ACCOUNT_VALUE, 'gi');
const TICKET_HINT = /ticket/i;
const IBAN_HINT = /[A-Za-z]{2}\d\d/;
const ACCOUNT_HINT = /acc|a\/c|fl[yi]er|loyal|polic|mileage|advantage|skymiles|blue|rapid|sort|routing|member|customer|rewards|client|ff/i;
const PHONE_CONTEXT = /(?:call|phone|tel|telephone|mobile|cell|whatsapp|text me|reach me|number|contact|ring|sms)\W{0,3}(?:\w+\W{1,3}){0,3}$/iu;

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

/** Cards, else phone numbers, in every digit run. */
function digitRunsIn(text: string, found: Candidate[]): void {
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
}

/** IBANs: a country code and check digits, the country's length (groups of four may be spaced), mod-97. */
function ibansIn(text: string, found: Candidate[]): void {
  if (!IBAN_HINT.test(text)) return;
  for (const m of text.matchAll(IBAN_START)) {
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
}

/** Ticket numbers after the word "ticket", else the 13-digit e-ticket form with its dash. */
function ticketsIn(text: string, found: Candidate[]): void {
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
}

/** Account numbers named as such ("acct 12345678", "member number 1234567"). */
function accountsIn(text: string, found: Candidate[]): void {
  if (!ACCOUNT_HINT.test(text)) return;
  for (const m of [...text.matchAll(ACCOUNT_STRONG), ...text.matchAll(ACCOUNT_WEAK)]) {
    const v = m[1]!.trim();
    if (digitsOf(v).length < 5) continue;
    const s = m.index + m[0].lastIndexOf(v);
    found.push({ kind: 'account-number', start: s, end: s + v.length });
  }
}

/** Adds the numbers in `text` to `found`, in the order the kinds were always searched. */
export function findPiiNumbers(text: string, found: Candidate[]): void {
  digitRunsIn(text, found);
  ibansIn(text, found);
  ticketsIn(text, found);
  accountsIn(text, found);
}
