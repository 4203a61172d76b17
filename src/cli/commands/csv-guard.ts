/**
 * The guard against spreadsheet formula injection in the CSV files Earshot writes, and
 * its inverse for the files it reads back (`earshot labels` → `earshot train`).
 *
 * Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or carriage return as
 * a formula (CSV injection, see OWASP's list); a leading apostrophe makes it text. Posts
 * are written by strangers, so every text cell is guarded.
 */
const GUARDED = /^'*[=+\-@\t\r]/;

/**
 * Prefixes an apostrophe to a cell a spreadsheet would run. A cell that already starts
 * with apostrophes before such a character gets one more, so that {@link csvUnguard}
 * gives back exactly what was written.
 */
export function csvSafe(value: string): string {
  return GUARDED.test(value) ? `'${value}` : value;
}

/** Removes the apostrophe {@link csvSafe} added; any other cell is returned as it is. */
export function csvUnguard(value: string): string {
  return value.startsWith("'") && GUARDED.test(value.slice(1)) ? value.slice(1) : value;
}
