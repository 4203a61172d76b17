import { findPii, type PiiConfig, type PiiKind } from './find-pii.js';

declare const masked: unique symbol;

/**
 * Text that went through {@link maskPersonalData}: the only kind of stranger text a surface
 * (card, dialog, answer, storm card, export, label, log) accepts. Only this module makes
 * one; tests/architecture/masking-gate.test.ts refuses a cast to it anywhere else, so a new
 * surface cannot show a post or its author without passing the gate.
 */
export type Masked = string & { readonly [masked]: true };

/** A gate bound to one configuration, for builders that mask many strings. */
export type Mask = (text: string) => Masked;

const LABEL: Record<PiiKind, string> = {
  card: 'card number',
  iban: 'IBAN',
  phone: 'phone number',
  email: 'e-mail address',
  'booking-reference': 'booking reference',
  'ticket-number': 'ticket number',
  'account-number': 'account number',
};

// Format characters and controls other than tab, line feed and carriage return.
const HIDDEN_IN_NUMBER = /\d[\p{Cf}\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]|[\p{Cf}\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]\d/u;
const HIDDEN_IN_NUMBER_ALL = /(?<=\d)[\p{Cf}\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]+(?=[\d \-.])|(?<=[\d \-.])[\p{Cf}\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]+(?=\d)/gu;

/**
 * Takes out invisible format characters and controls inside a number ("4111\u200b1111…"):
 * they would hide it from detection, and a renderer that strips them would then show it
 * whole. Nothing else of the text changes.
 */
export function revealNumbers(text: string): string {
  return HIDDEN_IN_NUMBER.test(text) ? text.replace(HIDDEN_IN_NUMBER_ALL, '') : text;
}

/** No brand numbers to spare: masks every number that looks personal (logs, Earshot's own text). */
export const NO_PUBLIC_NUMBERS: PiiConfig = { brand: { publicNumberPatterns: [] } };

/**
 * The masking gate. Every string that comes from a post or its author passes here before
 * any surface shows it: each span of personal data becomes its kind in brackets
 * (`[card number]`, `[e-mail address]`), keeping nothing of the value. Detection is
 * {@link findPii}'s, run afresh on the very string shown, so text built around a post (a
 * rule explanation, a follow-up, a note that quotes it) is masked as surely as the post.
 */
export function maskPersonalData(input: string, config: PiiConfig): Masked {
  const text = revealNumbers(input);
  const findings = findPii(text, config);
  if (findings.length === 0) return text as Masked;
  let out = '';
  let at = 0;
  for (const f of [...findings].sort((a, b) => a.start - b.start)) {
    if (f.start < at) {
      // Overlapping findings: the mask already covers the first; extend it over this one.
      at = Math.max(at, f.end);
      continue;
    }
    out += `${text.slice(at, f.start)}[${LABEL[f.kind as PiiKind] ?? f.kind.replace(/[_-]/g, ' ')}]`;
    at = f.end;
  }
  return (out + text.slice(at)) as Masked;
}

/** {@link maskPersonalData} bound to one configuration. */
export function personalDataMask(config: PiiConfig): Mask {
  return (text) => maskPersonalData(text, config);
}
