/**
 * One grammar for actions: the same dotted id is the Slack `action_id` and the Teams
 * `verb`. A button's value carries the case id and the version the clicker saw, so a
 * stale or repeated click is refused rather than applied twice.
 */
export const CASE_ACTIONS = [
  'case.claim', 'case.release', 'case.draft', 'case.approve', 'case.reject',
  'case.send', 'case.escalate', 'case.deescalate', 'case.close', 'case.reopen',
  'case.reassign', 'case.snooze', 'case.wake', 'case.ignore', 'case.redirect',
  'case.route', 'case.retag', 'case.split', 'case.decline',
] as const;
export type CaseActionId = (typeof CASE_ACTIONS)[number];

export const isCaseActionId = (s: string): s is CaseActionId => (CASE_ACTIONS as readonly string[]).includes(s);

export interface ActionRef { caseId: string; version: number }

export const encodeActionValue = (ref: ActionRef): string => `${ref.caseId}@${ref.version}`;

/** Parses `<caseId>@<version>`; returns undefined for anything else (values are untrusted). */
export function decodeActionValue(value: unknown): ActionRef | undefined {
  if (typeof value !== 'string' || value.length > 200) return undefined;
  const m = /^([A-Za-z0-9_-]{1,64})@(\d{1,9})$/.exec(value);
  if (!m) return undefined;
  return { caseId: m[1]!, version: Number(m[2]) };
}
