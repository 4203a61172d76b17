import type { ActionRef, CaseActionId } from '../domain/actions.js';
import type { Actor } from '../domain/actor.js';
import type { Case, DraftAssist } from '../domain/case.js';
import { editRatio } from '../cases/edit-ratio.js';
import type { DraftAssistant, Suggestion } from './draft-assistant.js';
import { replyLimit, replyLimitHint, type ReplyLimit } from '../domain/reply-limits.js';
import { checkReplyText, type Refusal } from '../cases/policy.js';
import { rankTemplates, renderTemplate } from '../cases/templates.js';
import { type CaseCommand } from '../cases/workflow.js';
import type { Config } from '../config/schema.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Clock } from '../util/clock.js';
import type { ApplyResult, CaseService } from './case-service.js';
import { enqueueDelivery } from './delivery-kinds.js';
import { maskPersonalData, type Masked } from '../screening/mask-personal-data.js';
import {
  choiceCommand, choiceOffer, choiceStandIn, otherGroupsOf, type CaseChoice, type ChoiceAction, type ChoiceAnswer, type ChoiceResult,
} from './case-choices.js';

/** Actions that need a form (a Slack modal, a Teams dialog) before they can be applied. */
export type FormAction = Extract<CaseActionId, 'case.draft' | 'case.reject'>;
export const isFormAction = (id: CaseActionId): id is FormAction => id === 'case.draft' || id === 'case.reject';

/** The actions one click applies, and the command each one is. */
const ONE_CLICK: Partial<Record<CaseActionId, () => CaseCommand>> = {
  'case.claim': () => ({ type: 'claim' }),
  'case.release': () => ({ type: 'release' }),
  'case.approve': () => ({ type: 'approve' }),
  'case.send': () => ({ type: 'send' }),
  'case.escalate': () => ({ type: 'escalate' }),
  'case.close': () => ({ type: 'close' }),
  'case.reopen': () => ({ type: 'reopen' }),
  'case.wake': () => ({ type: 'wake' }),
};

/** What a draft or reject form shows and remembers; every surface renders it its own way. */
export interface CaseForm {
  action: FormAction;
  caseId: string;
  /** The version the form was opened on: submitting after a change is refused as stale. */
  version: number;
  title: string;
  /** `@handle` of the mention's author. */
  author: string;
  /** The mention as shown on the card, through the masking gate. */
  mentionText: Masked;
  /** The text field's starting value: the current draft, or the best template filled in. */
  initial: string;
  /** The draft being sent back (reject forms). */
  draft?: string;
  /** The template the initial text came from, remembered so the card can name it. */
  templateId?: string;
  /** Templates that fit the case, best first (the draft form offers them). */
  templates?: Array<{ id: string; name: string }>;
  /** The network's own reply limit, where Earshot replies there (the chat field's own limit is higher). */
  replyLimit?: ReplyLimit;
  /** What the reply may be, in words: the network's limit and how it counts. */
  limitHint: string;
  /** Whether AI assist is configured: the draft form offers "Suggest", or says that AI assist is off. */
  assistOn?: boolean;
}

/** What the draft forms say where they would offer a suggestion, while AI assist is not configured. */
export const ASSIST_OFF = 'AI assist is off. An operator can turn it on with an assist: section in earshot.yaml; until then nothing is sent to any AI model.';

export type SuggestResult = { ok: true; form: CaseForm; suggestion: Suggestion } | { ok: false; refusal: Refusal };

// The choice forms live in case-choices.ts; their names stay importable from here.
export {
  isChoiceAction, optionOptional, type CaseChoice, type ChoiceAction, type ChoiceAnswer, type ChoiceResult,
} from './case-choices.js';

export type FormResult = { ok: true; form: CaseForm } | { ok: false; refusal: Refusal };

export interface CaseInteractionsDeps {
  cases: CaseService;
  config: Config;
  clock: Clock;
  outbox: Outbox;
  /** The people a group's cases may be handed to (routing's members), for the reassign form. */
  people?: ((group: string) => Promise<Actor[]>) | undefined;
  /** AI assist's suggested drafts; absent while `assist:` is not configured. */
  assist?: DraftAssistant | undefined;
}

/**
 * What a person can do to a case from any chat surface: one-click actions, opening the
 * draft and reject forms, and submitting them. Slack and Teams parse their own payloads
 * and render their own answers; the decisions are made here, once.
 */
export class CaseInteractions {
  constructor(private readonly deps: CaseInteractionsDeps) {}

  /** Asks the outbox to re-render every view of a case (after a stale click, for one). */
  async refreshCard(caseId: string): Promise<void> {
    await enqueueDelivery(this.deps.outbox, 'card.update', { caseId });
  }

  /**
   * Applies a one-click action at the version the clicker saw. A stale click changes
   * nothing and refreshes the card, so the clicker sees what happened meanwhile.
   */
  async click(actionId: CaseActionId, ref: ActionRef, actor: Actor): Promise<ApplyResult> {
    const make = ONE_CLICK[actionId];
    if (!make) return { ok: false, refusal: { code: 'invalid_input', message: `"${actionId}" needs more than a click and cannot be done from here yet.` } };
    const result = await this.deps.cases.apply(ref.caseId, make(), actor, ref.version);
    if (!result.ok && result.refusal.code === 'stale' && result.case) await this.refreshCard(result.case.id);
    return result;
  }

  /**
   * Checks that the form may open (right version, allowed for this person, right state)
   * before showing it, so nobody writes a reply that would be refused on submit.
   */
  async openForm(action: FormAction, ref: ActionRef, actor: Actor): Promise<FormResult> {
    const { cases, config } = this.deps;
    const c = await cases.repo.get(ref.caseId);
    if (!c) return { ok: false, refusal: { code: 'not_found', message: `There is no case ${ref.caseId}.` } };
    // A stand-in text: only the version, the policy and the state are being checked here.
    const probe = await cases.probe(c.id, action === 'case.draft' ? { type: 'draft', text: c.draft?.text ?? 'x' } : { type: 'reject', note: 'x' }, actor, ref.version);
    if (!probe.ok) {
      if (probe.refusal.code === 'stale') await this.refreshCard(c.id);
      return { ok: false, refusal: probe.refusal };
    }
    const form: CaseForm = {
      action,
      caseId: c.id,
      version: c.version,
      title: `Case ${c.id}`,
      author: `@${c.mention.author.handle}`,
      mentionText: maskPersonalData(c.mention.text, config),
      initial: '',
      limitHint: 'Keep it short and friendly.',
      assistOn: !!this.deps.assist,
    };
    const limit = replyLimit(c.mention.network, mastodonMax(config, c.mention.source));
    if (limit) {
      form.replyLimit = limit;
      form.limitHint = replyLimitHint(limit);
    }
    if (action === 'case.draft') {
      const ranked = rankTemplates(c, config.templates);
      const template = ranked[0];
      form.initial = c.draft?.text ?? (template ? this.filled(template.text, c, actor) : '');
      if (template && !c.draft) form.templateId = template.id;
      if (ranked.length > 0) form.templates = ranked.slice(0, 20).map((t) => ({ id: t.id, name: t.name }));
    } else {
      form.draft = c.draft?.text ?? '';
    }
    return { ok: true, form };
  }

  /**
   * A suggested reply for the draft form (AI assist), checked like opening the form. The
   * suggestion passed the policy and the network's length, or is the best template with a
   * note saying why the model's answer was not used.
   */
  async suggest(ref: ActionRef, actor: Actor): Promise<SuggestResult> {
    const { assist, cases, config } = this.deps;
    if (!assist) return { ok: false, refusal: { code: 'invalid_input', rule: 'assist', message: ASSIST_OFF } };
    const opened = await this.openForm('case.draft', ref, actor);
    if (!opened.ok) return opened;
    const c = await cases.repo.get(ref.caseId);
    if (!c) return { ok: false, refusal: { code: 'not_found', message: `There is no case ${ref.caseId}.` } };
    const best = rankTemplates(c, config.templates)[0];
    const network = cases.replyCheck(c);
    const check = (text: string) => checkReplyText(config.policy, text, cases.linkHosts)?.message ?? network(text);
    const fallback = best ? { id: best.id, text: this.filled(best.text, c, actor) } : undefined;
    const suggestion = await assist.suggest(c, { actor, check, maxChars: opened.form.replyLimit?.max, fallback });
    return { ok: true, form: opened.form, suggestion };
  }

  /** A template's text filled in for a case (the draft form's template picker). */
  async templateText(caseId: string, templateId: string, actor: Actor): Promise<string | undefined> {
    const { cases, config } = this.deps;
    const c = await cases.repo.get(caseId);
    const t = config.templates.find((x) => x.id === templateId);
    return c && t ? this.filled(t.text, c, actor) : undefined;
  }

  /**
   * A template filled in for a case, through the masking gate: it names the author, and
   * people put phone numbers and e-mail addresses in their display names.
   */
  private filled(text: string, c: Case, actor: Actor): Masked {
    const { config } = this.deps;
    return maskPersonalData(renderTemplate(text, c, { links: config.links, agent: actor }), config);
  }

  /**
   * Checks that a choice may be made (right version, allowed, right state) and offers
   * the options: snooze times, reasons, people of the group, private templates.
   */
  async openChoice(action: ChoiceAction, ref: ActionRef, actor: Actor): Promise<ChoiceResult> {
    const { cases, config, clock } = this.deps;
    const c = await cases.repo.get(ref.caseId);
    if (!c) return { ok: false, refusal: { code: 'not_found', message: `There is no case ${ref.caseId}.` } };
    const now = clock.now();
    if (action === 'case.route' && otherGroupsOf(c, config).length === 0) return { ok: false, refusal: { code: 'invalid_input', rule: 'groups', message: 'There is no other group to move the case to.' } };
    const probe = await cases.probe(c.id, choiceStandIn(action, c, config, now), actor, ref.version);
    if (!probe.ok) {
      if (probe.refusal.code === 'stale') await this.refreshCard(c.id);
      return { ok: false, refusal: probe.refusal };
    }
    return choiceOffer(action, c, config, now, this.deps.people);
  }

  /** Applies a choice made in a form opened at `choice.version`. */
  async applyChoice(choice: Pick<CaseChoice, 'action' | 'caseId' | 'version'>, answer: ChoiceAnswer, actor: Actor): Promise<ApplyResult> {
    const cmd = choiceCommand(choice.action, answer);
    if ('missing' in cmd) return { ok: false, refusal: { code: 'invalid_input', message: cmd.missing } };
    const result = await this.deps.cases.apply(choice.caseId, cmd, actor, choice.version);
    if (!result.ok && result.refusal.code === 'stale' && result.case) await this.refreshCard(result.case.id);
    return result;
  }

  /** A problem with a draft's text that the writer can fix in the form, if any. */
  async draftProblem(caseId: string, text: string): Promise<string | undefined> {
    const { cases, config } = this.deps;
    const trimmed = text.trim();
    if (!trimmed) return 'Write a reply first.';
    const banned = checkReplyText(config.policy, trimmed, cases.linkHosts);
    if (banned) return banned.message;
    const c = await cases.repo.get(caseId);
    return c ? cases.replyCheck(c)?.(trimmed) : undefined;
  }

  /**
   * Saves a draft written in a form opened at `form.version`. A form that showed an AI
   * assist suggestion (`assisted`) records it on the draft: the suggestion, its sources and
   * how much the agent changed it, for the approver.
   */
  async saveDraft(form: Pick<CaseForm, 'caseId' | 'version' | 'templateId'> & { assisted?: boolean | undefined }, text: string, actor: Actor): Promise<ApplyResult> {
    let assist: DraftAssist | undefined;
    const suggestion = form.assisted ? await this.deps.assist?.recall(form.caseId) : undefined;
    if (suggestion?.fromModel) assist = { suggestion: suggestion.text, sources: suggestion.sources, changed: editRatio(suggestion.text, text) };
    return this.deps.cases.apply(form.caseId, { type: 'draft', text: text.trim(), templateId: form.templateId, assist }, actor, form.version);
  }

  /** A problem with a reject note that the approver can fix in the form, if any. */
  noteProblem(note: string): string | undefined {
    return note.trim() ? undefined : 'Say what should change: the note is required.';
  }

  /** Sends a draft back with a note written in a form opened at `form.version`. */
  sendBack(form: Pick<CaseForm, 'caseId' | 'version'>, note: string, actor: Actor): Promise<ApplyResult> {
    return this.deps.cases.apply(form.caseId, { type: 'reject', note: note.trim() }, actor, form.version);
  }
}

/** A Mastodon source's configured instance limit (`options.maxCharacters`), if any. */
function mastodonMax(config: Config, sourceName: string): number | undefined {
  const max = config.sources.find((x) => x.name === sourceName)?.options?.maxCharacters;
  return typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : undefined;
}
