/** A rule's query and regex, compiled once and kept; a regex gets a cheap digit pre-test when it needs digits. */
import { parseQuery, type QueryNode } from '../domain/parse-query.js';

const queryCache = new Map<string, QueryNode | Error>();
const regexCache = new Map<string, CompiledRegex | Error>();

/** A rule's regex, and a quick test every text it can match passes (the digits it must contain). */
export interface CompiledRegex {
  re: RegExp;
  digits: RegExp | undefined;
}

export function cachedQuery(q: string): QueryNode | Error {
  let v = queryCache.get(q);
  if (v === undefined) {
    try { v = parseQuery(q); } catch (e) { v = e as Error; }
    queryCache.set(q, v);
  }
  return v;
}

export function cachedRegex(r: string): CompiledRegex | Error {
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
