import * as z from 'zod';

/**
 * The stored cursor of a source is read here, through the source's own zod schema, and
 * nowhere else. A cursor that is not JSON or not the shape its source writes is never
 * taken as "nothing heard yet": that would start listening from scratch (X recent search
 * walks back seven days). It raises {@link CursorUnreadableError}; the source then
 * resumes from its look-back and says so in its poll result, so the listening job can
 * report it (error log, `/readyz`, one ops notice).
 */

/** Ids and keys are decimal strings in a cursor: JSON has no bigint. */
export const DecimalString = z.string().regex(/^-?\d+$/, { error: 'expected a decimal number as a string' });
const msField = z.number().finite();

/** One listing's state as poll-window.ts writes it. */
export const WindowStateSchema = z.strictObject({
  hw: DecimalString.optional(),
  floorAt: msField.optional(),
  gap: z.strictObject({ until: DecimalString, newest: DecimalString, resume: z.string().optional() }).optional(),
  seen: z.record(z.string(), DecimalString).optional(),
});

/** What a poll says about a cursor it could not read (never the cursor itself). */
export interface CursorReport {
  code: 'CURSOR_UNREADABLE';
  /** What was wrong, in words that quote none of the stored contents. */
  problem: string;
  /** Where listening resumed (ISO time): now minus the source's look-back. */
  resumedFrom: string;
}

/** The stored cursor of a source is not JSON, or not the shape the source writes. */
export class CursorUnreadableError extends Error {
  readonly code = 'CURSOR_UNREADABLE';
  readonly source: string;
  /** What was wrong; never quotes the stored text, which can hold post ids and queries at best, post text at worst. */
  readonly problem: string;
  constructor(source: string, problem: string) {
    super(`the stored cursor of source "${source}" could not be read (${problem}); it is replaced after the next successful poll`);
    this.name = 'CursorUnreadableError';
    this.source = source;
    this.problem = problem;
  }
}

const MAX_ISSUES = 3;

/** Describes schema issues by path and kind; zod's messages name expected types, not received values. */
function describe(error: z.ZodError): string {
  const shown = error.issues.slice(0, MAX_ISSUES).map((i) => {
    // Record keys are the source's own queries or feed URLs (from the config), not post text.
    const at = i.path.length > 0 ? i.path.map(String).join('.') : 'the top level';
    return `${at}: ${i.message}`;
  });
  const more = error.issues.length - shown.length;
  return `not the shape this source writes: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/**
 * Parses a stored cursor. `undefined` (or an empty string) means nothing was stored yet;
 * anything else must be JSON of the schema's shape, or {@link CursorUnreadableError}.
 */
export function parseCursor<S extends z.ZodType>(schema: S, raw: unknown, source: string): z.output<S> | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  // The store hands back whatever was written under the key; only a string is a cursor.
  if (typeof raw !== 'string') throw new CursorUnreadableError(source, `stored as ${Array.isArray(raw) ? 'an array' : typeof raw}, not as text`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // JSON.parse's message quotes the text around the fault: it is not repeated.
    throw new CursorUnreadableError(source, `not JSON (${raw.length} character${raw.length === 1 ? '' : 's'})`);
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new CursorUnreadableError(source, describe(r.error));
  return r.data;
}

/**
 * Reads a stored cursor for a poll: the parsed cursor, or (when it cannot be read) no
 * cursor and the report the poll result carries, with the time listening resumes from.
 */
export function readCursor<S extends z.ZodType>(
  schema: S, raw: unknown, source: string, resumeFrom: number,
): { cursor: z.output<S> | undefined; unreadable?: CursorReport } {
  try {
    return { cursor: parseCursor(schema, raw, source) };
  } catch (e) {
    if (!(e instanceof CursorUnreadableError)) throw e;
    return { cursor: undefined, unreadable: { code: e.code, problem: e.problem, resumedFrom: new Date(resumeFrom).toISOString() } };
  }
}
