import type { ActionRef, CaseActionId } from '../domain/actions.js';
import type { Actor } from '../domain/actor.js';
import type { Refusal } from '../cases/policy.js';
import { checkReplyText } from '../cases/policy.js';
import { rankTemplates, renderTemplate } from '../cases/templates.js';
import { transition, type CaseCommand } from '../cases/workflow.js';
import type { Config } from '../config/schema.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Clock } from '../util/clock.js';
import { DELIVERY, type ApplyResult, type CaseService } from './case-service.js';
import { maskText } from './mask-pii.js';

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
  /** The mention as shown on the card (personal data masked). */
  mentionText: string;
  /** The text field's starting value: the current draft, or the best template filled in. */
  initial: string;
  /** The draft being sent back (reject forms). */
  draft?: string;
  /** The template the initial text came from, remembered so the card can name it. */
  templateId?: string;
  limitHint: string;
}

export type FormResult = { ok: true; form: CaseForm } | { ok: false; refusal: Refusal };

export interface CaseInteractionsDeps {
  cases: CaseService;
  config: Config;
  clock: Clock;
  outbox: Outbox;
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
    await this.deps.outbox.enqueue(DELIVERY.updateCard, `case:${caseId}`, { caseId }, { coalesce: `update:${caseId}` });
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
    const { cases, config, clock } = this.deps;
    const c = await cases.repo.get(ref.caseId);
    if (!c) return { ok: false, refusal: { code: 'not_found', message: `There is no case ${ref.caseId}.` } };
    // A stand-in text: only the version, the policy and the state are being checked here.
    const probe = transition(c, action === 'case.draft' ? { type: 'draft', text: c.draft?.text ?? 'x' } : { type: 'reject', note: 'x' }, {
      policy: config.policy, actor, now: clock.now().toISOString(), expectedVersion: ref.version,
    });
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
      mentionText: maskText(c.mention.text, c.screening.pii),
      initial: '',
      limitHint: c.mention.network === 'x' ? 'X counts 280 characters; links count 23 and most emoji 2.' : 'Keep it short and friendly.',
    };
    if (action === 'case.draft') {
      const template = rankTemplates(c, config.templates)[0];
      form.initial = c.draft?.text ?? (template ? renderTemplate(template.text, c) : '');
      if (template && !c.draft) form.templateId = template.id;
    } else {
      form.draft = c.draft?.text ?? '';
    }
    return { ok: true, form };
  }

  /** A problem with a draft's text that the writer can fix in the form, if any. */
  async draftProblem(caseId: string, text: string): Promise<string | undefined> {
    const { cases, config } = this.deps;
    const trimmed = text.trim();
    if (!trimmed) return 'Write a reply first.';
    const banned = checkReplyText(config.policy, trimmed);
    if (banned) return banned.message;
    const c = await cases.repo.get(caseId);
    return c ? cases.replyCheck(c)?.(trimmed) : undefined;
  }

  /** Saves a draft written in a form opened at `form.version`. */
  saveDraft(form: Pick<CaseForm, 'caseId' | 'version' | 'templateId'>, text: string, actor: Actor): Promise<ApplyResult> {
    return this.deps.cases.apply(form.caseId, { type: 'draft', text: text.trim(), templateId: form.templateId }, actor, form.version);
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
