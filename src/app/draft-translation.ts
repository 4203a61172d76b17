import { languageName } from '../cards/build-card.js';
import { checkReplyText } from '../cases/policy.js';
import type { Config } from '../config/schema.js';
import type { Case, DraftTranslation } from '../domain/case.js';
import { foreignLanguage, type CaseInsights, type InsightRules } from './case-insights.js';
import type { Actor } from '../domain/actor.js';
import type { ApplyResult, CaseService } from './case-service.js';
import type { CaseForm, TranslateOffer } from './case-forms.js';

/** AI assist's translation of drafts: the model, and the languages (from `assist:`). */
export interface DraftTranslator {
  insights: CaseInsights;
  rules: InsightRules;
}

/** What the draft form offers for a case: a translation into the author's language, if it is another than the team's. */
export function translateOffer(c: Case, translator: DraftTranslator | undefined): TranslateOffer | undefined {
  const to = translator ? foreignLanguage(c, translator.rules) : undefined;
  return to ? { to, name: languageName(to) } : undefined;
}

export type TranslatedDraft = { ok: true; text: string; translation: DraftTranslation } | { ok: false; message: string };

/**
 * The agent's draft in the author's language: the translation is what will be sent, so it
 * is held to the reply's guardrails (banned phrases, links, personal data, the network's
 * length) before it is saved; the agent's own words are kept beside it for the approver.
 */
export async function translateDraft(
  deps: { cases: CaseService; config: Config; translator: DraftTranslator }, c: Case, text: string,
): Promise<TranslatedDraft> {
  const { cases, config, translator } = deps;
  const offer = translateOffer(c, translator);
  if (!offer) return { ok: false, message: 'There is nothing to translate to: the author\'s language is the team\'s, or it is not known.' };
  const network = cases.replyCheck(c);
  const check = (t: string) => checkReplyText(config.policy, t, cases.linkHosts)?.message ?? network(t);
  const answer = await translator.insights.translateDraft(c, text, offer.to, check);
  if (!answer.ok) return { ok: false, message: `${answer.note}. Submit it again without the translation, or try again.` };
  return { ok: true, text: answer.text, translation: { original: text, from: translator.rules.teamLanguage, to: offer.to } };
}

/** Saves a draft translated into the author's language (the draft form's choice), or refuses with why it could not be translated. */
export async function saveTranslatedDraft(
  deps: { cases: CaseService; config: Config; translator?: DraftTranslator | undefined },
  form: Pick<CaseForm, 'caseId' | 'version' | 'templateId'>, text: string, actor: Actor,
): Promise<ApplyResult> {
  const { cases, config, translator } = deps;
  const c = await cases.get(form.caseId);
  if (!c) return { ok: false, refusal: { code: 'not_found', message: `There is no case ${form.caseId}.` } };
  const t = translator ? await translateDraft({ cases, config, translator }, c, text.trim()) : { ok: false as const, message: 'AI assist is off, so the draft cannot be translated.' };
  if (!t.ok) return { ok: false, refusal: { code: 'invalid_input', rule: 'assist', message: t.message } };
  return cases.apply(form.caseId, { type: 'draft', text: t.text, templateId: form.templateId, translation: t.translation }, actor, form.version);
}
