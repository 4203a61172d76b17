/**
 * Booking references: six letters or digits after words that name them, or (without such
 * words) a six-character code mixing letters and digits that is not a flight number.
 */
import { letterOrDigitAt, type Candidate } from './pii-kinds.js';

const PNR_CONTEXT = /\b(?:pnr|record locator|locator|confirmation|conf|booking|reservation|res|reference|ref)\b(?:\s*(?:number|no\.?|num|code|#|is|:|=))*\s*#?\s*([A-Za-z0-9]{6})\b/gi;
const PNR_SHAPE = /(?<![A-Za-z0-9#/@._-])([A-Z0-9]{6})(?![A-Za-z0-9_-])/g;
const NOT_PERSONAL_CODE = /(?:promo|discount|coupon|voucher|gift|offer|sale)\w*\W+(?:code\W+)?$/iu;
// Quick pre-checks without Unicode mode (cheaper to run on every post).
const PNR_HINT = /pnr|locator|conf|book|reserv|ref/i;
/** Quick test for an upper-case letter next to a digit, before the costlier code search. */
const CODE_HINT = /[A-Z]\d|\d[A-Z]/;
/** Flight numbers: airline code (two characters, one may be a digit) and 1–4 digits ("UA1429", "B6 123"). */
const FLIGHT_NUMBER = /^(?:[A-Z]{2}|[A-Z]\d|\d[A-Z])\d{1,4}[A-Z]?$/u;

/** Adds the booking references in `text` to `found`. */
export function findBookingReferences(text: string, found: Candidate[]): void {
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
}
