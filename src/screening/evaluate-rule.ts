import type { Rule } from '../config/schema.js';
import type { Mention } from '../domain/mention.js';
import type { Intent, PiiFinding, Sentiment } from '../domain/screening.js';
import { describePii } from './describe-pii.js';
import { matchAnyPhrase, matchPhrase } from '../domain/match-phrase.js';
import { matchQuery } from '../domain/parse-query.js';
import { inTimeWindow } from './in-time-window.js';
import { bareHandle, onList } from './on-list.js';
import { cachedQuery, cachedRegex } from './rule-patterns.js';

// The parts of rule evaluation, importable from here as before.
export { checkRules, type RuleProblem } from './check-rules.js';
export { inTimeWindow } from './in-time-window.js';
export { onList } from './on-list.js';
export { requiredDigitRun } from './rule-patterns.js';

/** What a rule's conditions are checked against: the mention plus what screening found. */
export interface RuleFacts {
  mention: Mention;
  language: string | undefined;
  sentiment: Sentiment | undefined;
  intent: Intent | undefined;
  vip: readonly string[];
  blocked: readonly string[];
  /** ISO timestamp of "now", for time windows. */
  now: string;
  /** Personal data in the mention's text: a regex that matches it is explained by kind. */
  pii?: readonly PiiFinding[] | undefined;
}

/** A fired rule's explanation, one clause per condition, e.g. `keyword 'lost bag'; language en`. */
export type RuleVerdict = { fired: true; why: string } | { fired: false };

const quote = (s: string): string => `'${s}'`;

type When = Rule['when'];

/** The conditions on the text: keywords, query, regex. False as soon as one fails. */
function textHolds(w: When, facts: RuleFacts, why: string[]): boolean {
  const text = facts.mention.text;
  if (w.keywords && w.keywords.length > 0) {
    const hit = matchAnyPhrase(text, w.keywords);
    if (hit === undefined) return false;
    why.push(`keyword ${quote(hit)}`);
  }
  if (w.allKeywords && w.allKeywords.length > 0) {
    if (!w.allKeywords.every((k) => matchPhrase(text, k) !== undefined)) return false;
    why.push(`all of ${w.allKeywords.map(quote).join(', ')}`);
  }
  if (w.noneKeywords && w.noneKeywords.length > 0) {
    if (matchAnyPhrase(text, w.noneKeywords) !== undefined) return false;
    why.push(`none of ${w.noneKeywords.map(quote).join(', ')}`);
  }
  if (w.query !== undefined) {
    const q = cachedQuery(w.query);
    if (q instanceof Error) return false;
    const r = matchQuery(q, text);
    if (!r.matched) return false;
    why.push(r.found.length > 0 ? `query ${quote(w.query)} matched ${r.found.map(quote).join(', ')}` : `query ${quote(w.query)}`);
  }
  if (w.regex !== undefined) {
    const compiled = cachedRegex(w.regex);
    if (compiled instanceof Error) return false;
    if (compiled.digits && !compiled.digits.test(text)) return false;
    const m = compiled.re.exec(text);
    if (!m) return false;
    // Never the matched value when it is personal data: the explanation is shown on the
    // card, under the masked post. Say what kind of data matched instead.
    const end = m.index + m[0].length;
    const personal = (facts.pii ?? []).filter((f) => f.start < end && f.end > m.index);
    why.push(personal.length > 0 ? `regex /${w.regex}/ matched ${describePii(personal)}` : `regex /${w.regex}/ matched ${quote(m[0])}`);
  }
  return true;
}

/** The conditions on what screening found and where the post came from. */
function screeningHolds(w: When, facts: RuleFacts, why: string[]): boolean {
  if (w.language && w.language.length > 0) {
    const lang = facts.language;
    if (!lang || !w.language.map((l) => l.toLowerCase()).includes(lang)) return false;
    why.push(`language ${lang}`);
  }
  if (w.sentiment && w.sentiment.length > 0) {
    if (!facts.sentiment || !w.sentiment.includes(facts.sentiment)) return false;
    why.push(`sentiment ${facts.sentiment}`);
  }
  if (w.intent && w.intent.length > 0) {
    if (!facts.intent || !w.intent.includes(facts.intent)) return false;
    why.push(`intent ${facts.intent}`);
  }
  if (w.network && w.network.length > 0) {
    if (!w.network.includes(facts.mention.network)) return false;
    why.push(`network ${facts.mention.network}`);
  }
  return true;
}

/** The conditions on the author: reach, verification, the VIP and blocked lists, handles. */
function authorHolds(a: NonNullable<When['author']>, facts: RuleFacts, why: string[]): boolean {
  const author = facts.mention.author;
  if (a.minFollowers !== undefined) {
    if (author.followers < a.minFollowers) return false;
    why.push(`author has ${author.followers.toLocaleString('en-US')} followers (≥ ${a.minFollowers.toLocaleString('en-US')})`);
  }
  if (a.verified !== undefined) {
    if (author.verified !== a.verified) return false;
    why.push(a.verified ? 'author is verified' : 'author is not verified');
  }
  if (a.vip !== undefined) {
    const isVip = onList(facts.vip, author, facts.mention.network);
    if (isVip !== a.vip) return false;
    why.push(a.vip ? 'author is on the VIP list' : 'author is not on the VIP list');
  }
  if (a.blocked !== undefined) {
    const isBlocked = onList(facts.blocked, author, facts.mention.network);
    if (isBlocked !== a.blocked) return false;
    why.push(a.blocked ? 'author is on the blocked list' : 'author is not on the blocked list');
  }
  if (a.handles && a.handles.length > 0) {
    if (!onList(a.handles, author, facts.mention.network)) return false;
    why.push(`author @${bareHandle(author.handle)}`);
  }
  return true;
}

/** The weekly time window, in its own zone. */
function timeHolds(time: NonNullable<When['time']>, facts: RuleFacts, why: string[]): boolean {
  const { inside, local } = inTimeWindow(time, facts.now);
  if (!inside) return false;
  const days = time.days && time.days.length > 0 ? `${time.days.join(',')} ` : '';
  const span = `${time.from ?? '00:00'}–${time.to ?? '24:00'}`;
  why.push(`time ${days}${span} ${time.timezone} (now ${local.toFormat('ccc HH:mm')})`);
  return true;
}

/** The verdict of every rule that does not fire: one shared object, not one per post and rule. */
const NOT_FIRED: RuleVerdict = Object.freeze({ fired: false });

/**
 * Checks one rule against a mention. All the rule's conditions must hold; the answer
 * says, in words staff can read on the card, what each condition saw.
 */
export function evaluateRule(rule: Rule, facts: RuleFacts): RuleVerdict {
  const w = rule.when;
  const why: string[] = [];
  // In the order the conditions were always checked: the first that fails ends it.
  if (!textHolds(w, facts, why) || !screeningHolds(w, facts, why)) return NOT_FIRED;
  if (w.author && !authorHolds(w.author, facts, why)) return NOT_FIRED;
  if (w.time && !timeHolds(w.time, facts, why)) return NOT_FIRED;
  return { fired: true, why: why.join('; ') };
}
