import { describe, expect, it } from 'vitest';
import { plainLinkHosts } from '../../src/cases/plain-link-hosts.js';
import { linkHosts } from '../../src/text-links/link-hosts.js';

/** Texts where X's link rules (twitter-text) and a plain reading could disagree. */
const SAMPLES = [
  'see https://Help.Acme.com/x and acme.org, mail help@acme.net',
  'e.g. this, i.e. that',
  'Try bit.ly/abc please',
  'See https://notacme.com',
  'www.Acme.co.uk/path?x=1.',
  '(acme.com)',
  'visit münchen.de now',
  'https://t.co/abc!',
  'Acme.COM.',
  'a.b.c.d.example.travel and example.museum',
];

describe('plainLinkHosts: the policy\'s link finder when none is passed in', () => {
  it.each(SAMPLES)('finds every host X would link in %j', (text) => {
    const plain = plainLinkHosts(text);
    for (const host of linkHosts(text)) expect(plain).toContain(host);
  });

  it('errs toward finding more than X, never less', () => {
    expect(plainLinkHosts('node.js and file.txt')).toEqual(['node.js', 'file.txt']);
    expect(plainLinkHosts('http://localhost/x')).toEqual(['localhost']);
  });

  it('does not read abbreviations or e-mail addresses as links', () => {
    expect(plainLinkHosts('e.g. this, i.e. that, U.S.A.')).toEqual([]);
    expect(plainLinkHosts('mail help@acme.net')).toEqual([]);
  });
});
