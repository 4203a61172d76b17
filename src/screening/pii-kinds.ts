import type { PiiFinding } from '../domain/screening.js';

/** The kinds of personal data detection finds. */
export const PII_KINDS = ['card', 'iban', 'phone', 'email', 'booking-reference', 'ticket-number', 'account-number'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** A finding whose kind is one of ours (the domain type keeps `kind` a plain string). */
export interface Candidate extends PiiFinding { kind: PiiKind }

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Whether the character at `i` is a letter or digit of any script (false outside the text). */
export function letterOrDigitAt(text: string, i: number): boolean {
  if (i < 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return LETTER_OR_DIGIT.test(text[i]!);
}
