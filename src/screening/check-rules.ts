import { IANAZone } from 'luxon';

import type { Rule } from '../config/schema.js';
import { cachedQuery, cachedRegex } from './rule-patterns.js';

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
