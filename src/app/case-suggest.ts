import type { ActionRef } from '../domain/actions.js';
import type { Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import { checkReplyText } from '../cases/policy.js';
import { rankTemplates } from '../cases/templates.js';
import type { Config } from '../config/schema.js';
import type { Masked } from '../screening/mask-personal-data.js';
import type { CaseService } from './case-service.js';
import { ASSIST_OFF, type FormResult, type StartedSuggest } from './case-forms.js';
import type { DraftAssistant } from './draft-assistant.js';

export interface StartSuggestDeps {
  cases: CaseService;
  config: Config;
  assist?: DraftAssistant | undefined;
  /** Opens the draft form (the same checks as the Draft button). */
  openDraft: (ref: ActionRef, actor: Actor) => Promise<FormResult>;
  /** A template's text filled in for the case, masked. */
  fill: (text: string, c: Case, actor: Actor) => Masked;
}

/**
 * Starts a suggestion for the draft form: the form is checked (as opening it is) and handed
 * back at once, so a surface can show it, or show that a suggestion is coming, while the
 * model writes; the suggestion (or why there is none, such as AI assist being off) follows.
 * `templateId` is the template the form put in the reply: its text comes back as `previous`,
 * so the surface can tell the person's own words from it.
 */
export async function startSuggest(deps: StartSuggestDeps, ref: ActionRef, actor: Actor, templateId?: string): Promise<StartedSuggest> {
  const { assist, cases, config } = deps;
  const opened = await deps.openDraft(ref, actor);
  if (!opened.ok) return opened;
  const { form } = opened;
  if (!assist) return { ok: true, form, outcome: Promise.resolve({ ok: false, refusal: { code: 'invalid_input', rule: 'assist', message: ASSIST_OFF } }) };
  const c = await cases.get(ref.caseId);
  if (!c) return { ok: false, refusal: { code: 'not_found', message: `There is no case ${ref.caseId}.` } };
  const best = rankTemplates(c, config.templates)[0];
  const network = cases.replyCheck(c);
  const check = (text: string) => checkReplyText(config.policy, text, cases.linkHosts)?.message ?? network(text);
  const fallback = best ? { id: best.id, text: deps.fill(best.text, c, actor) } : undefined;
  const shown = templateId ? config.templates.find((t) => t.id === templateId) : undefined;
  const outcome = assist.suggest(c, { actor, check, maxChars: form.replyLimit?.max, fallback }).then((suggestion) => ({ ok: true as const, suggestion }));
  return { ok: true, form, ...(shown ? { previous: deps.fill(shown.text, c, actor) } : {}), outcome };
}
