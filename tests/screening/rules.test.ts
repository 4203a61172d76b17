import { describe, expect, it } from 'vitest';

import type { Rule } from '../../src/config/schema.js';
import { checkRules, evaluateRule, inTimeWindow, type RuleFacts } from '../../src/screening/evaluate-rule.js';
import { parseQuery, QuerySyntaxError } from '../../src/domain/parse-query.js';
import { screenMention } from '../../src/screening/screen-mention.js';
import { configWith, mention, NOW } from './support.js';

type When = Rule['when'];

const rule = (when: When, then: Rule['then'] = { tag: ['hit'] }, final = false): Rule => ({ name: 'r', when, then, final });

type MentionOver = NonNullable<Parameters<typeof mention>[1]>;

function facts(text: string, over: Partial<RuleFacts> & { author?: MentionOver['author']; network?: 'x' | 'bluesky' } = {}): RuleFacts {
  const { author, network, ...rest } = over;
  return {
    mention: mention(text, { ...(author ? { author } : {}), ...(network ? { network } : {}) }),
    language: 'en',
    sentiment: 'negative',
    intent: 'complaint',
    vip: ['@bigname', 'x:press_desk', 'id:777'],
    blocked: ['troll'],
    now: NOW,
    ...rest,
  };
}

describe('rule conditions', () => {
  const cases: Array<{ name: string; when: When; text: string; over?: Parameters<typeof facts>[1]; fires: boolean; why?: string }> = [
    // keywords: whole words and phrases, any case, any spacing
    { name: 'keyword, whole word', when: { keywords: ['bag'] }, text: 'Where is my BAG?', fires: true, why: "keyword 'BAG'" },
    { name: 'keyword is not a substring', when: { keywords: ['bag'] }, text: 'my baggage is late', fires: false },
    { name: 'keyword phrase across spaces', when: { keywords: ['lost bag'] }, text: 'a LOST   bag again', fires: true, why: "keyword 'LOST   bag'" },
    { name: 'keyword phrase in order only', when: { keywords: ['lost bag'] }, text: 'bag lost', fires: false },
    { name: 'keyword with a symbol', when: { keywords: ['#fail'] }, text: 'flight 3h late #fail', fires: true },
    { name: 'keyword, accented word', when: { keywords: ['retardé'] }, text: 'vol retardé encore', fires: true },
    { name: 'any of several keywords', when: { keywords: ['refund', 'money back'] }, text: 'I want my money back', fires: true, why: "keyword 'money back'" },
    // allKeywords / noneKeywords
    { name: 'all keywords present', when: { allKeywords: ['bag', 'damaged'] }, text: 'bag arrived damaged', fires: true, why: "all of 'bag', 'damaged'" },
    { name: 'all keywords, one missing', when: { allKeywords: ['bag', 'damaged'] }, text: 'bag arrived', fires: false },
    { name: 'none keywords absent', when: { noneKeywords: ['thanks'] }, text: 'still waiting', fires: true, why: "none of 'thanks'" },
    { name: 'none keywords present', when: { noneKeywords: ['thanks'] }, text: 'thanks, still waiting', fires: false },
    // boolean queries
    { name: 'query AND', when: { query: 'lost AND bag' }, text: 'bag got lost', fires: true, why: "query 'lost AND bag' matched 'lost', 'bag'" },
    { name: 'query implicit AND', when: { query: 'lost bag' }, text: 'the bag', fires: false },
    { name: 'query OR', when: { query: 'refund OR voucher' }, text: 'a voucher please', fires: true },
    { name: 'query NOT', when: { query: 'delay NOT weather' }, text: 'delay due to weather', fires: false },
    { name: 'query leading minus', when: { query: 'delay -weather' }, text: 'another delay', fires: true },
    { name: 'query parentheses', when: { query: '(lost OR damaged) AND (bag OR suitcase)' }, text: 'my suitcase is damaged', fires: true },
    { name: 'query quoted phrase', when: { query: '"cancel my account" OR "close my account"' }, text: 'please CLOSE my account', fires: true },
    { name: 'query phrase needs order', when: { query: '"cancel my account"' }, text: 'account cancel my', fires: false },
    // regex
    { name: 'regex, case-insensitive', when: { regex: 'refund(ed)?' }, text: 'Not REFUNDED yet', fires: true, why: "regex /refund(ed)?/ matched 'REFUNDED'" },
    { name: 'regex no match', when: { regex: '^urgent' }, text: 'not urgent', fires: false },
    // language, sentiment, intent, network
    { name: 'language matches', when: { language: ['en', 'fr'] }, text: 'x', fires: true, why: 'language en' },
    { name: 'language differs', when: { language: ['de'] }, text: 'x', fires: false },
    { name: 'language unknown', when: { language: ['en'] }, text: 'x', over: { language: undefined }, fires: false },
    { name: 'sentiment', when: { sentiment: ['negative'] }, text: 'x', fires: true, why: 'sentiment negative' },
    { name: 'sentiment differs', when: { sentiment: ['positive'] }, text: 'x', fires: false },
    { name: 'intent', when: { intent: ['complaint', 'question'] }, text: 'x', fires: true, why: 'intent complaint' },
    { name: 'intent differs', when: { intent: ['lead'] }, text: 'x', fires: false },
    { name: 'network', when: { network: ['bluesky'] }, text: 'x', over: { network: 'bluesky' }, fires: true, why: 'network bluesky' },
    { name: 'network differs', when: { network: ['bluesky'] }, text: 'x', fires: false },
    // author properties and lists
    { name: 'min followers met', when: { author: { minFollowers: 10_000 } }, text: 'x', over: { author: { followers: 25_000 } }, fires: true, why: 'author has 25,000 followers (≥ 10,000)' },
    { name: 'min followers not met', when: { author: { minFollowers: 10_000 } }, text: 'x', fires: false },
    { name: 'verified', when: { author: { verified: true } }, text: 'x', over: { author: { verified: true } }, fires: true, why: 'author is verified' },
    { name: 'not verified wanted', when: { author: { verified: false } }, text: 'x', over: { author: { verified: true } }, fires: false },
    { name: 'VIP by handle with @', when: { author: { vip: true } }, text: 'x', over: { author: { handle: 'BigName' } }, fires: true, why: 'author is on the VIP list' },
    { name: 'VIP by network:handle', when: { author: { vip: true } }, text: 'x', over: { author: { handle: 'press_desk' } }, fires: true },
    { name: 'VIP entry for another network', when: { author: { vip: true } }, text: 'x', over: { author: { handle: 'press_desk' }, network: 'bluesky' }, fires: false },
    { name: 'VIP by user id', when: { author: { vip: true } }, text: 'x', over: { author: { id: '777', handle: 'renamed' } }, fires: true },
    { name: 'not VIP', when: { author: { vip: true } }, text: 'x', fires: false },
    { name: 'not on the VIP list wanted', when: { author: { vip: false } }, text: 'x', fires: true, why: 'author is not on the VIP list' },
    { name: 'blocked', when: { author: { blocked: true } }, text: 'x', over: { author: { handle: 'Troll' } }, fires: true, why: 'author is on the blocked list' },
    { name: 'not blocked', when: { author: { blocked: true } }, text: 'x', fires: false },
    { name: 'author handles', when: { author: { handles: ['@traveller', 'other'] } }, text: 'x', fires: true, why: 'author @traveller' },
    { name: 'author handles, someone else', when: { author: { handles: ['other'] } }, text: 'x', fires: false },
    // time windows, in the window's time zone (NOW is Tuesday 10:00 UTC = 11:00 in Paris)
    { name: 'time window inside', when: { time: { days: ['mon', 'tue'], from: '09:00', to: '17:00', timezone: 'Europe/Paris' } }, text: 'x', fires: true, why: 'time mon,tue 09:00–17:00 Europe/Paris (now Tue 11:00)' },
    { name: 'time window, other day', when: { time: { days: ['sat', 'sun'], timezone: 'UTC' } }, text: 'x', fires: false },
    { name: 'time window, before opening', when: { time: { from: '12:00', to: '18:00', timezone: 'Europe/Paris' } }, text: 'x', fires: false },
    { name: 'time window, zone shifts the hour', when: { time: { from: '04:00', to: '06:00', timezone: 'America/New_York' } }, text: 'x', fires: true },
    // several conditions: all must hold, all are explained
    { name: 'all conditions must hold', when: { keywords: ['bag'], sentiment: ['positive'] }, text: 'bag', fires: false },
    { name: 'every condition explained', when: { keywords: ['bag'], language: ['en'], author: { minFollowers: 10 } }, text: 'lost bag', fires: true, why: "keyword 'bag'; language en; author has 120 followers (≥ 10)" },
  ];
  it.each(cases)('$name', ({ when, text, over, fires, why }) => {
    const v = evaluateRule(rule(when), facts(text, over));
    expect(v.fired).toBe(fires);
    if (why !== undefined && v.fired) expect(v.why).toBe(why);
  });
});

describe('time windows', () => {
  const overnight = { days: ['fri'], from: '22:00', to: '06:00', timezone: 'Europe/London' };
  it.each([
    ['2025-03-07T23:30:00Z', true], // Friday 23:30
    ['2025-03-08T02:00:00Z', true], // Saturday 02:00 belongs to Friday night
    ['2025-03-08T07:00:00Z', false], // Saturday morning
    ['2025-03-07T02:00:00Z', false], // Friday 02:00 belongs to Thursday night
  ])('an overnight window at %s: %s', (now, inside) => {
    expect(inTimeWindow(overnight, now).inside).toBe(inside);
  });
  it('follows daylight saving time', () => {
    // 08:30 UTC is 09:30 in London in summer, 08:30 in winter.
    const w = { from: '09:00', to: '10:00', timezone: 'Europe/London' };
    expect(inTimeWindow(w, '2025-07-01T08:30:00Z').inside).toBe(true);
    expect(inTimeWindow(w, '2025-01-07T08:30:00Z').inside).toBe(false);
  });
});

describe('boolean query parser', () => {
  it('gives NOT over AND over OR', () => {
    expect(parseQuery('a OR b c NOT d')).toEqual({
      kind: 'or',
      nodes: [{ kind: 'term', text: 'a' }, { kind: 'and', nodes: [{ kind: 'term', text: 'b' }, { kind: 'term', text: 'c' }, { kind: 'not', node: { kind: 'term', text: 'd' } }] }],
    });
  });
  it('keeps lower-case "or"/"not" as words', () => {
    expect(parseQuery('now or never')).toEqual({ kind: 'and', nodes: ['now', 'or', 'never'].map((text) => ({ kind: 'term', text })) });
  });
  it.each([
    ['(lost bag', 'missing ")"'],
    ['lost OR', 'expected a word'],
    ['"unclosed', 'unclosed quote'],
    ['a )', 'unexpected ")"'],
    ['', 'empty query'],
  ])('refuses %j (%s)', (q, msg) => {
    expect(() => parseQuery(q)).toThrow(QuerySyntaxError);
    expect(() => parseQuery(q)).toThrow(msg);
  });
  it('checkRules reports unusable queries and time zones for check-config', () => {
    const problems = checkRules([
      rule({ query: '(a OR' }),
      rule({ time: { timezone: 'Mars/Olympus' } }),
      rule({ query: 'fine' }),
    ]);
    expect(problems.map((p) => p.index)).toEqual([0, 1]);
    expect(problems[1]!.message).toContain('unknown time zone "Mars/Olympus"');
  });
  it('a rule with an unusable query never fires (screening does not crash)', () => {
    expect(evaluateRule(rule({ query: '(a OR' }), facts('a')).fired).toBe(false);
  });
});

describe('rule actions through screenMention', () => {
  const screen = (rules: Rule[], text: string, over: MentionOver = {}, extra = {}) =>
    screenMention(mention(text, over), { config: configWith(rules, extra), now: NOW });

  it('the first rule with a route decides the group; later routes do not', () => {
    const s = screen([
      rule({ keywords: ['weather'] }, { tag: ['weather'] }),
      rule({ keywords: ['bag'] }, { route: 'baggage' }),
      rule({ keywords: ['late'] }, { route: 'delays' }),
    ], 'bag is late');
    expect(s.group).toBe('baggage');
    expect(s.rulesFired.map((r) => r.why)).toEqual(["keyword 'bag'", "keyword 'late'"]);
  });
  it('without a routing rule the fallback group gets it', () => {
    expect(screen([rule({ keywords: ['bag'] }, { route: 'baggage' })], 'hello there').group).toBe('general');
  });
  it('tags add up over fired rules', () => {
    const s = screen([rule({ keywords: ['bag'] }, { tag: ['bags'] }), rule({ regex: 'refund' }, { tag: ['money', 'bags'] })], 'bag refund');
    expect(s.tags.sort()).toEqual(['bags', 'money']);
  });
  it('the highest priority a fired rule sets wins over the computed one', () => {
    const s = screen([rule({ keywords: ['bag'] }, { priority: 'low' }), rule({ keywords: ['lawyer'] }, { priority: 'urgent' })], 'bag and my lawyer');
    expect(s.priority).toBe('urgent');
    expect(screen([rule({ keywords: ['lawyer'] }, { priority: 'low' })], 'my lawyer will sue you').priority).toBe('low');
  });
  it('a rule can drop, saying which rule did', () => {
    const s = screen([rule({ keywords: ['giveaway'] }, { drop: true })], 'giveaway time');
    expect(s.drop).toBe(true);
    expect(s.dropReason).toBe('rule "r"');
  });
  it('a rule can require a second approver', () => {
    expect(screen([rule({ keywords: ['lawyer'] }, { secondApprover: true })], 'my lawyer').secondApprover).toBe(true);
    expect(screen([rule({ keywords: ['lawyer'] }, { secondApprover: true })], 'my bag').secondApprover).toBe(false);
  });
  it('a final rule stops the evaluation', () => {
    const s = screen([rule({ keywords: ['bag'] }, { tag: ['a'] }, true), rule({ keywords: ['bag'] }, { tag: ['b'], route: 'baggage' })], 'bag');
    expect(s.tags).toEqual(['a']);
    expect(s.group).toBe('general');
    expect(s.rulesFired).toHaveLength(1);
  });
  it('rules see the lists in the config', () => {
    const s = screen([rule({ author: { vip: true } }, { route: 'vip-desk' })], 'hi', { author: { handle: 'famous' } }, { lists: { vip: ['famous'], blocked: [] } });
    expect(s.group).toBe('vip-desk');
  });
  it('rules see the time passed in, not the clock', () => {
    const rules = [rule({ time: { days: ['sat', 'sun'], timezone: 'UTC' } }, { route: 'delays' })];
    const config = configWith(rules);
    expect(screenMention(mention('x'), { config, now: '2025-03-08T12:00:00Z' }).group).toBe('delays');
    expect(screenMention(mention('x'), { config, now: NOW }).group).toBe('general');
  });
});

describe('rule explanations never quote personal data', () => {
  it('a regex that matches a card number is explained by kind, the value appears nowhere in the screening', () => {
    const config = configWith([{ name: 'card-number', when: { regex: String.raw`\b(?:\d[ -]?){12,18}\d\b` }, then: { priority: 'urgent', tag: ['card-number'] } }]);
    const s = screenMention(mention('@AcmeAir my card 4111 1111 1111 1111 was charged twice'), { config, now: NOW });
    expect(s.rulesFired.find((r) => r.rule === 'card-number')?.why).toBe(String.raw`regex /\b(?:\d[ -]?){12,18}\d\b/ matched a payment card number`);
    expect(JSON.stringify(s)).not.toMatch(/4111/);
  });

  it('a regex that matches something else still says what it matched', () => {
    const config = configWith([{ name: 'outage', when: { regex: 'out(age)?' }, then: { tag: ['outage'] } }]);
    const s = screenMention(mention('@AcmeAir big outage again, call me on +44 20 7946 0958'), { config, now: NOW });
    expect(s.rulesFired.find((r) => r.rule === 'outage')?.why).toBe("regex /out(age)?/ matched 'outage'");
  });
});
