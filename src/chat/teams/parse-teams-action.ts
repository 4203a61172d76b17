import * as z from 'zod';
import { isCaseActionId, type ActionRef, type CaseActionId } from '../../domain/actions.js';
import type { Actor } from '../../domain/actor.js';
import { isStormActionId, type StormActionId } from '../../domain/storm.js';
import { isChoiceAction, isFormAction, type ChoiceAction, type FormAction } from '../../app/case-interactions.js';

/** A case action as a Teams card sent it: which action, on which case and version, plus any form fields. */
export interface TeamsAction {
  actionId: CaseActionId;
  ref: ActionRef;
  /** The template a draft dialog was prefilled from. */
  templateId?: string | undefined;
  /** Inputs of a dialog (`reply`, `note`, `option`, `text`), as sent. */
  fields: Record<string, string>;
  /** The draft dialog's "Suggest a reply" (AI assist) was pressed, rather than its submit button. */
  suggest?: boolean | undefined;
  /** The draft dialog shows an AI assist suggestion: the saved draft records it. */
  assisted?: boolean | undefined;
  /** The draft dialog's "translate to the author's language" toggle (AI assist) was on. */
  translate?: boolean | undefined;
}

export type TeamsParseResult = { ok: true; value: TeamsAction } | { ok: false; problem: string };

// Values are untrusted: the client sends back whatever data the card held, merged with inputs.
const CaseId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const Version = z.union([z.number().int().nonnegative().max(999_999_999), z.string().regex(/^\d{1,9}$/).transform(Number)]);
const Data = z.looseObject({
  caseId: CaseId,
  version: Version,
  action: z.string().max(64).optional(),
  templateId: z.string().max(64).optional(),
  reply: z.string().max(20_000).optional(),
  note: z.string().max(20_000).optional(),
  option: z.string().max(500).optional(),
  text: z.string().max(20_000).optional(),
  assist: z.literal('suggest').optional(),
  assisted: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
  translate: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
});
const Execute = z.object({ action: z.object({ type: z.literal('Action.Execute'), verb: z.string().max(64), data: Data }) });

/**
 * Parses what a Teams card sends back for a case action, in any of its forms: the
 * `adaptiveCard/action` invoke value of an Action.Execute (`{action: {verb, data}}`),
 * or the data of an Action.Submit — the legacy fallback, and the task/fetch and
 * task/submit of the draft and reject dialogs (`{action, caseId, version, …inputs}`).
 */
export function parseTeamsAction(value: unknown): TeamsParseResult {
  const execute = Execute.safeParse(value);
  const data = execute.success ? execute.data.action.data : Data.safeParse(value).data;
  const id = execute.success ? execute.data.action.verb : data?.action;
  if (!data || !id) return { ok: false, problem: 'That button carries no valid case reference.' };
  if (!isCaseActionId(id)) return { ok: false, problem: `Unknown action "${id.slice(0, 40)}".` };
  const fields: Record<string, string> = {};
  if (data.reply !== undefined) fields.reply = data.reply;
  if (data.note !== undefined) fields.note = data.note;
  if (data.option !== undefined) fields.option = data.option;
  if (data.text !== undefined) fields.text = data.text;
  return {
    ok: true,
    value: {
      actionId: id, ref: { caseId: data.caseId, version: data.version }, templateId: data.templateId, fields,
      ...(data.assist === 'suggest' ? { suggest: true } : {}), ...(data.assisted ? { assisted: true } : {}),
      ...(data.translate ? { translate: true } : {}),
    },
  };
}

/** Did this click come from a personal alert (its data names the alert's kind) rather than from the channel's card? */
export function isAlertClick(value: unknown): boolean {
  const v = value as { action?: { data?: { alert?: unknown } }; alert?: unknown } | undefined;
  return typeof (v?.action?.data?.alert ?? v?.alert) === 'string';
}

/**
 * The person behind an activity, identified by their Entra ID (AAD) object id: the id
 * `policy.approvers` and `policy.agents` name as `teams:<id>`, stable across chats and
 * teams, unlike the `29:…` id Bot Framework uses.
 */
export function teamsActor(from: { id?: string; name?: string; aadObjectId?: string } | undefined): Actor | undefined {
  const id = from?.aadObjectId;
  if (!id || !/^[A-Za-z0-9._@-]{1,128}$/.test(id)) return undefined;
  return { platform: 'teams', id, ...(from.name ? { name: from.name.slice(0, 200) } : {}) };
}

/** A storm action as a Teams storm card sent it: which action, on which storm and version, plus the template chosen in the dialog. */
export interface TeamsStormAction {
  actionId: StormActionId;
  stormId: string;
  version: number;
  templateId?: string | undefined;
}

export type TeamsStormParseResult = { ok: true; value: TeamsStormAction } | { ok: false; problem: string };

const StormData = z.looseObject({
  stormId: CaseId,
  version: Version,
  action: z.string().max(64).optional(),
  template: z.string().max(64).optional(),
});
const StormExecute = z.object({ action: z.object({ type: z.literal('Action.Execute'), verb: z.string().max(64), data: StormData }) });

/** The action id a card's answer names (the Action.Execute verb, or the Action.Submit `action`), without checking anything else. */
function namedAction(value: unknown): string | undefined {
  const v = value as { action?: unknown } | undefined;
  if (typeof v?.action === 'string') return v.action;
  const verb = (v?.action as { verb?: unknown } | undefined)?.verb;
  return typeof verb === 'string' ? verb : undefined;
}

/** Does this answer come from a storm card's button (or its dialog) rather than a case card's? */
export const isTeamsStormAction = (value: unknown): boolean => namedAction(value)?.startsWith('storm.') ?? false;

/**
 * Parses what a Teams storm card sends back, in the same forms as {@link parseTeamsAction}:
 * the `adaptiveCard/action` invoke of an Action.Execute, or the data of an Action.Submit
 * (the legacy fallback, and the task/fetch and task/submit of the storm reply dialog).
 */
export function parseTeamsStormAction(value: unknown): TeamsStormParseResult {
  const execute = StormExecute.safeParse(value);
  const data = execute.success ? execute.data.action.data : StormData.safeParse(value).data;
  const id = execute.success ? execute.data.action.verb : data?.action;
  if (!data || !id) return { ok: false, problem: 'That button carries no valid storm reference.' };
  if (!isStormActionId(id)) return { ok: false, problem: `Unknown action "${id.slice(0, 40)}".` };
  return { ok: true, value: { actionId: id, stormId: data.stormId, version: data.version, templateId: data.template || undefined } };
}

/** Which dialog a Teams dialog request (task/fetch or task/submit) is for: a form or a choice, parsed. */
export function dialogAction(data: unknown):
  | { ok: true; kind: 'form'; action: FormAction; value: TeamsAction }
  | { ok: true; kind: 'choice'; action: ChoiceAction; value: TeamsAction }
  | { ok: false; problem: string } {
  const parsed = parseTeamsAction(data);
  if (!parsed.ok) return parsed;
  const id = parsed.value.actionId;
  if (isFormAction(id)) return { ok: true, kind: 'form', action: id, value: parsed.value };
  if (isChoiceAction(id)) return { ok: true, kind: 'choice', action: id, value: parsed.value };
  return { ok: false, problem: `"${id}" has no dialog.` };
}
