import { DateTime, IANAZone } from 'luxon';

import type { Rule } from '../config/schema.js';
import type { Author, Mention, Network } from '../domain/mention.js';
import type { Intent, PiiFinding, Sentiment } from '../domain/screening.js';
import { describePii } from './find-pii.js';
import { matchAnyPhrase, matchPhrase } from '../domain/match-phrase.js';
import { matchQuery, parseQuery, type QueryNode } from '../domain/parse-query.js';

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

const queryCache = new Map<string, QueryNode | Error>();
const regexCache = new Map<string, CompiledRegex | Error>();

/** A rule's regex, and a quick test every text it can match passes (the digits it must contain). */
interface CompiledRegex {
  re: RegExp;
  digits: RegExp | undefined;
}

function cachedQuery(q: string): QueryNode | Error {
  let v = queryCache.get(q);
  if (v === undefined) {
    try { v = parseQuery(q); } catch (e) { v = e as Error; }
    queryCache.set(q, v);
  }
  return v;
}

function cachedRegex(r: string): CompiledRegex | Error {
  let v = regexCache.get(r);
  if (v === undefined) {
    try {
      const re = new RegExp(r, 'iu');
      const run = requiredDigitRun(r);
      // Without the `u` flag, `\d` is the ASCII digits as under it, and the scan is fast.
      v = { re, digits: run > 0 ? new RegExp(`\\d{${run}}`) : undefined };
    } catch (e) {
      v = e as Error;
    }
    regexCache.set(r, v);
  }
  return v;
}

/** `{n}`, `{n,}` or `{n,m}` at `i`: its length and n, or undefined. */
function braceQuantifier(source: string, i: number): { length: number; min: number } | undefined {
  const m = /^\{(\d+)(?:,\d*)?\}/u.exec(source.slice(i, i + 24));
  return m ? { length: m[0].length, min: Number(m[1]) } : undefined;
}

/** Index just past the group or character class that starts at `i` (its brackets balanced). */
function skipBracketed(source: string, i: number): number {
  let depth = 0;
  let inClass = false;
  for (; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') { inClass = false; if (depth === 0) return i + 1; } continue; }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return source.length;
}

/**
 * The longest run of ASCII digits that every match of a regex (compiled with `u`) must
 * contain, read conservatively from its top level: `\b\d{3}-?\d{10}\b` gives 10; a
 * top-level `|` gives 0, and groups and classes count as non-digits. A text without such
 * a run cannot match, and `/\d{n}/` finds one far faster than the regex runs (under the
 * `iu` flags a `\b` tests case-folded word characters at every position).
 */
export function requiredDigitRun(source: string): number {
  let best = 0;
  let run = 0;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '|') return 0;
    let digit = false;
    if (c === '\\') {
      digit = source[i + 1] === 'd';
      i += 2;
    } else if (c === '[' || c === '(') {
      i = skipBracketed(source, i);
    } else {
      i++;
    }
    // The atom's quantifier: how many times it matches at least.
    let min = 1;
    let quantified = false;
    const q = source[i];
    if (q === '?' || q === '*' || q === '+') {
      min = q === '+' ? 1 : 0;
      quantified = true;
      i++;
    } else if (q === '{') {
      const b = braceQuantifier(source, i);
      if (b) { min = b.min; quantified = true; i += b.length; }
    }
    // A lazy quantifier ("+?") matches as few times as it can: the same least count.
    if (quantified && source[i] === '?') i++;
    if (digit) {
      run += min;
      if (run > best) best = run;
    } else {
      run = 0;
    }
  }
  return best;
}


const quote = (s: string): string => `'${s}'`;

/** Normalises a handle or list entry: case-insensitive, without a leading `@`. */
const bareHandle = (s: string): string => s.trim().replace(/^@/u, '').toLowerCase();

/**
 * Whether an author is on a list. Entries may be a handle (`@jane`, `jane`), a handle on
 * one network (`x:jane`, `bluesky:jane.bsky.social`) or a user id (`id:12345`).
 */
export function onList(list: readonly string[], author: Author, network: Network): boolean {
  if (list.length === 0) return false;
  const handle = bareHandle(author.handle);
  return list.some((entry) => {
    const e = entry.trim();
    const m = /^([a-z]+):(.+)$/u.exec(e);
    if (m) {
      const [, prefix, rest] = m;
      if (prefix === 'id') return rest === author.id;
      return prefix === network && bareHandle(rest!) === handle;
    }
    return bareHandle(e) === handle;
  });
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/**
 * Whether `now` falls in a weekly window, in the window's own time zone. A window whose
 * `to` is before its `from` runs overnight (22:00–06:00); its early-morning part belongs
 * to the day it started on, so `fri 22:00–06:00` includes Saturday 02:00.
 */
export function inTimeWindow(
  window: { days?: string[] | undefined; from?: string | undefined; to?: string | undefined; timezone: string },
  now: string,
): { inside: boolean; local: DateTime } {
  const local = DateTime.fromISO(now, { zone: window.timezone });
  if (!local.isValid) return { inside: false, local };
  const t = local.hour * 60 + local.minute;
  const from = window.from ? minutes(window.from) : 0;
  const to = window.to ? minutes(window.to) : 24 * 60;
  let day = local.weekday - 1;
  let inside: boolean;
  if (from <= to) {
    inside = t >= from && t < to;
  } else if (t >= from) {
    inside = true;
  } else if (t < to) {
    inside = true;
    day = (day + 6) % 7;
  } else {
    inside = false;
  }
  if (inside && window.days && window.days.length > 0) inside = window.days.includes(DAY_NAMES[day]!);
  return { inside, local };
}

/** The verdict of every rule that does not fire: one shared object, not one per post and rule. */
const NOT_FIRED: RuleVerdict = Object.freeze({ fired: false });

/**
 * Checks one rule against a mention. All the rule's conditions must hold; the answer
 * says, in words staff can read on the card, what each condition saw.
 */
export function evaluateRule(rule: Rule, facts: RuleFacts): RuleVerdict {
  const w = rule.when;
  const text = facts.mention.text;
  const why: string[] = [];
  const no = NOT_FIRED;

  if (w.keywords && w.keywords.length > 0) {
    const hit = matchAnyPhrase(text, w.keywords);
    if (hit === undefined) return no;
    why.push(`keyword ${quote(hit)}`);
  }
  if (w.allKeywords && w.allKeywords.length > 0) {
    if (!w.allKeywords.every((k) => matchPhrase(text, k) !== undefined)) return no;
    why.push(`all of ${w.allKeywords.map(quote).join(', ')}`);
  }
  if (w.noneKeywords && w.noneKeywords.length > 0) {
    if (matchAnyPhrase(text, w.noneKeywords) !== undefined) return no;
    why.push(`none of ${w.noneKeywords.map(quote).join(', ')}`);
  }
  if (w.query !== undefined) {
    const q = cachedQuery(w.query);
    if (q instanceof Error) return no;
    const r = matchQuery(q, text);
    if (!r.matched) return no;
    why.push(r.found.length > 0 ? `query ${quote(w.query)} matched ${r.found.map(quote).join(', ')}` : `query ${quote(w.query)}`);
  }
  if (w.regex !== undefined) {
    const compiled = cachedRegex(w.regex);
    if (compiled instanceof Error) return no;
    if (compiled.digits && !compiled.digits.test(text)) return no;
    const m = compiled.re.exec(text);
    if (!m) return no;
    // Never the matched value when it is personal data: the explanation is shown on the
    // card, under the masked post. Say what kind of data matched instead.
    const end = m.index + m[0].length;
    const personal = (facts.pii ?? []).filter((f) => f.start < end && f.end > m.index);
    why.push(personal.length > 0 ? `regex /${w.regex}/ matched ${describePii(personal)}` : `regex /${w.regex}/ matched ${quote(m[0])}`);
  }
  if (w.language && w.language.length > 0) {
    const lang = facts.language;
    if (!lang || !w.language.map((l) => l.toLowerCase()).includes(lang)) return no;
    why.push(`language ${lang}`);
  }
  if (w.sentiment && w.sentiment.length > 0) {
    if (!facts.sentiment || !w.sentiment.includes(facts.sentiment)) return no;
    why.push(`sentiment ${facts.sentiment}`);
  }
  if (w.intent && w.intent.length > 0) {
    if (!facts.intent || !w.intent.includes(facts.intent)) return no;
    why.push(`intent ${facts.intent}`);
  }
  if (w.network && w.network.length > 0) {
    if (!w.network.includes(facts.mention.network)) return no;
    why.push(`network ${facts.mention.network}`);
  }
  if (w.author) {
    const a = w.author;
    const author = facts.mention.author;
    if (a.minFollowers !== undefined) {
      if (author.followers < a.minFollowers) return no;
      why.push(`author has ${author.followers.toLocaleString('en-US')} followers (≥ ${a.minFollowers.toLocaleString('en-US')})`);
    }
    if (a.verified !== undefined) {
      if (author.verified !== a.verified) return no;
      why.push(a.verified ? 'author is verified' : 'author is not verified');
    }
    if (a.vip !== undefined) {
      const isVip = onList(facts.vip, author, facts.mention.network);
      if (isVip !== a.vip) return no;
      why.push(a.vip ? 'author is on the VIP list' : 'author is not on the VIP list');
    }
    if (a.blocked !== undefined) {
      const isBlocked = onList(facts.blocked, author, facts.mention.network);
      if (isBlocked !== a.blocked) return no;
      why.push(a.blocked ? 'author is on the blocked list' : 'author is not on the blocked list');
    }
    if (a.handles && a.handles.length > 0) {
      if (!onList(a.handles, author, facts.mention.network)) return no;
      why.push(`author @${bareHandle(author.handle)}`);
    }
  }
  if (w.time) {
    const { inside, local } = inTimeWindow(w.time, facts.now);
    if (!inside) return no;
    const days = w.time.days && w.time.days.length > 0 ? `${w.time.days.join(',')} ` : '';
    const span = `${w.time.from ?? '00:00'}–${w.time.to ?? '24:00'}`;
    why.push(`time ${days}${span} ${w.time.timezone} (now ${local.toFormat('ccc HH:mm')})`);
  }
  return { fired: true, why: why.join('; ') };
}

/** A rule the config accepted but that can never fire as written, with why. */
export interface RuleProblem {
  rule: string;
  index: number;
  message: string;
}

/**
 * Finds rules whose query or regex cannot be used, for `check-config` to report at
 * start (screening itself treats such a rule as never firing, rather than crashing).
 */
export function checkRules(rules: readonly Rule[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  rules.forEach((r, index) => {
    if (r.when.query !== undefined) {
      const q = cachedQuery(r.when.query);
      if (q instanceof Error) problems.push({ rule: r.name, index, message: q.message });
    }
    if (r.when.regex !== undefined) {
      const re = cachedRegex(r.when.regex);
      if (re instanceof Error) problems.push({ rule: r.name, index, message: `regex: ${re.message}` });
    }
    if (r.when.time) {
      if (!IANAZone.isValidZone(r.when.time.timezone)) {
        problems.push({ rule: r.name, index, message: `unknown time zone "${r.when.time.timezone}" (use an IANA name like Europe/Paris)` });
      }
    }
  });
  return problems;
}
