/** The checksums that tell a real card or IBAN from any long number: most of detection's precision. */
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
export const IBAN_LENGTHS: Record<string, number> = {
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
