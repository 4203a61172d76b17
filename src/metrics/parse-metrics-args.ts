import { addDays, dayCount, dayKey, isDay } from '../domain/days.js';
import { lastDays, rangePeriod, todayPeriod, type Period } from './period.js';

/** Who the numbers are about, as typed. The chat adapter resolves a name to an id. */
export type MetricsFilterArg =
  | { kind: 'group'; group: string }
  /** A Slack mention (`<@U123|alice>`) gives an id; `@alice` or Teams `<at>Alice</at>` give a name. */
  | { kind: 'agent'; platform?: 'slack' | undefined; id?: string | undefined; name?: string | undefined };

export interface MetricsArgs {
  period: Period;
  filter?: MetricsFilterArg | undefined;
  /** `details` was asked for: the longer breakdowns after the headline. */
  details?: boolean | undefined;
}

export const METRICS_USAGE = '/earshot metrics [today|yesterday|7d|30d|YYYY-MM-DD..YYYY-MM-DD] [group|@agent] [details]';

/**
 * The arguments could not be understood. `message` says why and repeats the usage; it may
 * quote what the user typed (cut to 40 characters), so renderers must escape it.
 */
export class MetricsArgsInvalidError extends Error {
  readonly code = 'METRICS_ARGS_INVALID';
  constructor(readonly reason: string) {
    super(`${reason}\nUsage: ${METRICS_USAGE}`);
    this.name = 'MetricsArgsInvalidError';
  }
}

export interface ParseMetricsArgsOptions {
  /** Known skill groups: an unknown group is refused with the list. */
  groups?: readonly string[] | undefined;
  /** Longest period accepted, in days (default 366): reading costs one lookup per day. */
  maxDays?: number | undefined;
}

const GROUP = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const SLACK_USER = /^<@([UW][A-Z0-9]{2,})(?:\|([^>]*))?>$/;
const TEAMS_AT = /^<at>(.{1,100})<\/at>$/;
const PLAIN_AT = /^@([\p{L}\p{N}._-]{1,80})$/u;

const quote = (s: string): string => `"${s.length > 40 ? `${s.slice(0, 40)}…` : s}"`;

/**
 * Parses the text after `/earshot metrics` (Slack) or `metrics` (Teams): an optional
 * period and an optional group or agent, in either order. `now` and `zone` fix what
 * "today" is. Throws {@link MetricsArgsInvalidError} with a message for the user.
 */
export function parseMetricsArgs(text: string, now: string, zone: string, opts: ParseMetricsArgsOptions = {}): MetricsArgs {
  const maxDays = opts.maxDays ?? 366;
  const today = dayKey(now, zone);
  // Teams mentions may hold spaces (<at>Ana Lima</at>): keep them as one token.
  const tokens = text.trim().match(/<at>.*?<\/at>|\S+/g) ?? [];
  let period: Period | undefined;
  let filter: MetricsFilterArg | undefined;
  let details = false;

  const setPeriod = (p: Period, tok: string) => {
    if (period) throw new MetricsArgsInvalidError(`Give one period, not both "${period.label}" and ${quote(tok)}.`);
    period = p;
  };
  const setFilter = (f: MetricsFilterArg, tok: string) => {
    if (filter) throw new MetricsArgsInvalidError(`Give one group or one agent, not two (${quote(tok)} is the second).`);
    filter = f;
  };
  const checkRange = (from: string, to: string, tok: string): Period => {
    for (const d of [from, to]) if (!isDay(d)) throw new MetricsArgsInvalidError(`${quote(d)} is not a date: write YYYY-MM-DD, like ${today}.`);
    if (from > to) throw new MetricsArgsInvalidError(`The range ${quote(tok)} ends before it starts.`);
    if (from > today) throw new MetricsArgsInvalidError(`The range ${quote(tok)} is in the future (today is ${today}).`);
    const n = dayCount(from, to);
    if (n > maxDays) throw new MetricsArgsInvalidError(`The range ${quote(tok)} is ${n} days; the longest is ${maxDays}.`);
    return to === from && from === today ? todayPeriod(now, zone) : rangePeriod(from, to > today ? today : to);
  };

  for (const raw of tokens) {
    const tok = raw.toLowerCase();
    let m: RegExpExecArray | null;
    // Checked before groups: a group cannot be called "details".
    if (tok === 'details') details = true;
    else if (tok === 'today') setPeriod(todayPeriod(now, zone), raw);
    else if (tok === 'yesterday') setPeriod(rangePeriod(addDays(today, -1), addDays(today, -1)), raw);
    else if ((m = /^(\d{1,4})d$/.exec(tok))) {
      const n = Number(m[1]);
      if (n < 1 || n > maxDays) throw new MetricsArgsInvalidError(`${quote(raw)}: the number of days must be between 1 and ${maxDays}.`);
      setPeriod(lastDays(n, now, zone), raw);
    } else if ((m = /^(\S+?)\.\.(\S+)$/.exec(tok))) setPeriod(checkRange(m[1]!, m[2]!, raw), raw);
    else if (/^\d{4}-\d{2}-\d{2}$/.test(tok)) setPeriod(checkRange(tok, tok, raw), raw);
    else if ((m = SLACK_USER.exec(raw))) setFilter({ kind: 'agent', platform: 'slack', id: m[1]!, ...(m[2] ? { name: m[2] } : {}) }, raw);
    else if ((m = TEAMS_AT.exec(raw))) setFilter({ kind: 'agent', name: m[1]!.trim() }, raw);
    else if ((m = PLAIN_AT.exec(raw))) setFilter({ kind: 'agent', name: m[1]! }, raw);
    else if (GROUP.test(tok)) {
      if (opts.groups && !opts.groups.includes(tok)) {
        throw new MetricsArgsInvalidError(`There is no group ${quote(raw)}. Groups: ${opts.groups.join(', ') || '(none configured)'}.`);
      }
      setFilter({ kind: 'group', group: tok }, raw);
    } else throw new MetricsArgsInvalidError(`I don't understand ${quote(raw)}.`);
  }
  return { period: period ?? todayPeriod(now, zone), ...(filter ? { filter } : {}), ...(details ? { details } : {}) };
}
