import type { PiiFinding } from '../domain/screening.js';
import type { PiiKind } from './pii-kinds.js';

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

