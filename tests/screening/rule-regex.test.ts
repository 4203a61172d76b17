import { describe, expect, it } from 'vitest';

import type { Rule } from '../../src/config/schema.js';
import { evaluateRule, requiredDigitRun, type RuleFacts } from '../../src/screening/evaluate-rule.js';
import { mention, NOW } from './support.js';

const facts = (text: string): RuleFacts => ({
  mention: mention(text), language: 'en', sentiment: 'negative', intent: 'complaint', vip: [], blocked: [], now: NOW,
});
const regexRule = (regex: string): Rule => ({ name: 'r', when: { regex }, then: { tag: ['hit'] }, final: false });

describe('digits a rule regex needs (its quick pre-check)', () => {
  const cases: Array<[string, number]> = [
    [String.raw`\b\d{3}-?\d{10}\b`, 10],
    [String.raw`\d+`, 1],
    [String.raw`\d*`, 0],
    [String.raw`\d{0,3}`, 0],
    [String.raw`\d{3}?`, 3],
    [String.raw`x\d+?y`, 1],
    [String.raw`\d{2,}\d?\d{3}`, 5],
    [String.raw`\d\d\d\D\d\d`, 3],
    [String.raw`(?<!\d)\d{4}(?!\d)`, 4],
    [String.raw`\bBA-\d{8}\b`, 8],
    // Anything it cannot read for sure counts as needing none.
    [String.raw`a|\d{5}`, 0],
    [String.raw`(\d{5}|x)`, 0],
    [String.raw`[\d]{5}`, 0],
    [String.raw`\\d{5}`, 0],
    [String.raw`\p{Nd}{4}`, 0],
    [String.raw`[a\]|]\d{2}`, 2],
    ['refund(ed)?', 0],
  ];
  it.each(cases)('%s needs %i digits in a row', (source, run) => {
    expect(requiredDigitRun(source)).toBe(run);
  });

  it('fires exactly where the regex matches, on either side of the pre-check', () => {
    const rule = regexRule(String.raw`\b\d{3}-?\d{10}\b`);
    const texts: Array<[string, boolean]> = [
      ['e-ticket 016-1234567890 please', true],
      ['e-ticket 0161234567890 please', true],
      ['only nine 123456789 digits', false],
      ['ten digits 1234567890 but no prefix', false],
      ['fourteen 01612345678901 is too long', false],
      ['no digits at all', false],
    ];
    for (const [text, fires] of texts) expect(evaluateRule(rule, facts(text)).fired, text).toBe(fires);
  });
});
