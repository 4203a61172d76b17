import { describe, expect, it } from 'vitest';

import { cardScheme, describePii, findPii, ibanValid, luhnValid } from '../../src/screening/find-pii.js';
import { maskPersonalData } from '../../src/screening/mask-personal-data.js';
import { screenMention } from '../../src/screening/screen-mention.js';
import { configWith, mention, NOW } from './support.js';

const config = configWith();
const kinds = (text: string) => findPii(text, config).map((f) => [f.kind, text.slice(f.start, f.end)]);

describe('payment cards', () => {
  // Well-known test numbers of each scheme (all pass Luhn).
  it.each([
    ['visa', '4111 1111 1111 1111'],
    ['visa', '4012-8888-8888-1881'],
    ['visa', '4222222222222'],
    ['mastercard', '5555 5555 5555 4444'],
    ['mastercard', '2223-0031-2200-3222'],
    ['amex', '3782 822463 10005'],
    ['amex', '371449635398431'],
    ['discover', '6011 1111 1111 1117'],
    ['diners', '3056 9309 0259 04'],
    ['jcb', '3530-1113-3330-0000'],
    ['unionpay', '6200 0000 0000 0005'],
    ['maestro', '6759 6498 2643 8453'],
  ])('finds a %s card written "%s"', (scheme, card) => {
    const text = `@AcmeAir you charged ${card} twice`;
    expect(kinds(text)).toEqual([['card', card]]);
    expect(cardScheme(card.replace(/\D/g, ''))).toBe(scheme);
  });
  it('ignores a 16-digit number that fails the Luhn check', () => {
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(kinds('ref 4111 1111 1111 1112 please')).toEqual([]);
  });
  it('finds the card inside a longer run of digits groups', () => {
    expect(kinds('card 4111 1111 1111 1111 2027 exp')).toEqual([['card', '4111 1111 1111 1111']]);
  });
});

describe('IBANs', () => {
  it.each([
    'DE89 3704 0044 0532 0130 00',
    'GB82WEST12345698765432',
    'FR14 2004 1010 0505 0001 3M02 606',
    'NL91ABNA0417164300',
    'ES9121000418450200051332',
    'BE68 5390 0754 7034',
    'CH93 0076 2011 6238 5295 7',
    'IT60X0542811101000000123456',
  ])('finds %s', (iban) => {
    expect(ibanValid(iban.replace(/ /g, ''))).toBe(true);
    expect(kinds(`refund to ${iban} thanks`)).toEqual([['iban', iban]]);
  });
  it('ignores an IBAN with a wrong check digit', () => {
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(kinds('DE89370400440532013001').filter(([k]) => k === 'iban')).toEqual([]);
  });
});

describe('phones, e-mails, booking references, tickets, accounts', () => {
  it.each([
    ['phone', '(415) 555-0132', 'call me on (415) 555-0132'],
    ['phone', '415-555-0132', 'my number 415-555-0132'],
    ['phone', '415.555.0132', 'try 415.555.0132 tonight'],
    ['phone', '+1 415 555 0132', 'reach me at +1 415 555 0132'],
    ['phone', '+44 20 7946 0958', 'ring +44 20 7946 0958'],
    ['phone', '07911 123456', 'text 07911 123456'],
    ['phone', '+33 6 12 34 56 78', 'appelez +33 6 12 34 56 78'],
    ['phone', '06 12 34 56 78', 'mon numéro 06 12 34 56 78'],
    ['phone', '+49 30 12345678', 'Telefon +49 30 12345678'],
    ['email', 'jane.doe+air@example.co.uk', 'write to jane.doe+air@example.co.uk please'],
    ['booking-reference', 'XKJQWE', 'booking ref XKJQWE still wrong'],
    ['booking-reference', 'Q7RT2M', 'PNR: Q7RT2M'],
    ['booking-reference', 'F3KXB8', 'rebooked me under F3KXB8 but nothing'],
    ['booking-reference', 'f3kxb8', 'my confirmation number is f3kxb8'],
    ['ticket-number', '016-2345678901', 'e-ticket number 016-2345678901 never issued'],
    ['ticket-number', '0162345678901', 'ticket 0162345678901'],
    ['account-number', '12345678', 'my account number is 12345678'],
    ['account-number', 'AB1234567', 'frequent flyer #AB1234567 not credited'],
    ['account-number', '99887766', 'member number: 99887766'],
  ])('finds a %s: %s', (kind, value, text) => {
    expect(kinds(text)).toEqual([[kind, value]]);
  });
});

describe('what is not personal data', () => {
  it.each([
    'flight UA1429 delayed again, 3 hours at gate B22',
    'AA 123 from JFK to LAX on 2/19 was great',
    'B6 1023 cancelled at 10:30pm, rebooked for 2015-02-25',
    'DL2024 seat 14C, no wifi for a $2100 ticket',
    'AC 857 to Heathrow', // the brand's own flight numbers (publicNumberPatterns)
    'my order ORD-12345678 never arrived', // an order number the brand publishes
    'got 5,000 points and a $200 voucher',
    'waited 1h 45 min, 200 people in line',
    'it is 2015 and you still lose bags',
    'customer service number is 1 800 is useless', // "customer" alone does not name an account
    'my booking Friday was moved', // a word after "booking" is not a reference
    '@AcmeAir @JetBlue hello', // handles are not e-mail addresses
    '@jo@mastodon.example wrote privately', // nor are fediverse handles (@user@domain)
    'the A320NE was new', // aircraft types
    'promo code SAVE20 did not work',
  ])('%s', (text) => {
    expect(kinds(text)).toEqual([]);
  });
  it("the brand's public number patterns win over the detector", () => {
    const brandPhone = configWith([], { brand: { name: 'Acme', publicNumberPatterns: [String.raw`\+1 800 555 0199`] } });
    expect(findPii('call us at +1 800 555 0199', brandPhone)).toEqual([]);
    expect(findPii('call me at +1 415 555 0132', brandPhone)).toHaveLength(1);
  });
});

describe('masking and describing', () => {
  it('masks a card by its kind, keeping nothing of the number', () => {
    expect(maskPersonalData('card 4111 1111 1111 1111 charged', config)).toBe('card [card number] charged');
  });
  it('masks several kinds at once, leaving the rest of the text', () => {
    expect(maskPersonalData('mail jane@example.com or call +44 20 7946 0958', config)).toBe('mail [e-mail address] or call [phone number]');
  });
  it('masks what it finds in the very string it is given (a rule explanation quoting a post)', () => {
    expect(maskPersonalData("card-number: regex /4\\d+/ matched '4111111111111111'", config)).toBe("card-number: regex /4\\d+/ matched '[card number]'");
  });
  it('spares the numbers the brand publishes itself', () => {
    const brandPhone = configWith([], { brand: { name: 'Acme', publicNumberPatterns: [String.raw`\+1 800 555 0199`] } });
    expect(maskPersonalData('call us at +1 800 555 0199', brandPhone)).toBe('call us at +1 800 555 0199');
  });
  it('says what was found, for a refusal at send time', () => {
    const text = 'card 4111111111111111, mail jane@example.com, call 415-555-0132';
    expect(describePii(findPii(text, config))).toBe('a payment card number, an e-mail address and a phone number');
    expect(describePii([])).toBe('nothing');
  });
  it('screening lists the findings and tags the mention', () => {
    const s = screenMention(mention('@AcmeAir my card 4111 1111 1111 1111 was charged twice'), { config, now: NOW });
    expect(s.pii).toEqual([{ kind: 'card', start: 17, end: 36 }]);
    expect(s.tags).toContain('personal-data');
  });
});
