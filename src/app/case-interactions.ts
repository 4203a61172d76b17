import type { ActionRef, CaseActionId } from '../domain/actions.js';
import type { Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import { replyLimit, replyLimitHint, type ReplyLimit } from '../domain/reply-limits.js';
import { INTENTS, SENTIMENTS, type Intent, type Sentiment } from '../domain/screening.js';
import { checkReplyText, type Refusal } from '../cases/policy.js';
import { privateTemplates, rankTemplates, renderTemplate } from '../cases/templates.js';
import { type CaseCommand } from '../cases/workflow.js';
import { cardTime } from '../cards/card-time.js';
import type { Config } from '../config/schema.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Clock } from '../util/clock.js';
import type { ApplyResult, CaseService } from './case-service.js';
import { enqueueDelivery } from './delivery-kinds.js';
import { maskPersonalData, type Masked } from '../screening/mask-personal-data.js';
import { actorOfRef } from '../routing/assign-agent.js';
import { DateTime } from 'luxon';

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
}

/**
 * Actions that need one choice before they apply: when to snooze until, why a case is
 * ignored, whom to hand it to, which private-channel template to redirect with, which
 * group to move it to, which tag to correct.
 */
export type ChoiceAction = Extract<CaseActionId, 'case.snooze' | 'case.ignore' | 'case.reassign' | 'case.redirect' | 'case.route' | 'case.retag'>;
const CHOICE_ACTIONS: ReadonlySet<CaseActionId> = new Set(['case.snooze', 'case.ignore', 'case.reassign', 'case.redirect', 'case.route', 'case.retag']);
export const isChoiceAction = (id: CaseActionId): id is ChoiceAction => CHOICE_ACTIONS.has(id);

/** What a choice form offers; each surface renders it its own way (a Slack modal with a select). */
/** Whether a choice may be submitted without picking one of its options. */
export const optionOptional = (choice: Pick<CaseChoice, 'anyPerson' | 'freeText'>): boolean => !!choice.anyPerson || !!choice.freeText?.replacesOption;

export interface CaseChoice {
  action: ChoiceAction;
  caseId: string;
  version: number;
  title: string;
  /** What the choice is about, as a label for the select. */
  label: string;
  options: Array<{ value: string; label: string }>;
  /** Reassign: any person of the workspace may be picked besides the options. */
  anyPerson?: boolean;
  /**
   * Free text: a reason in the person's own words that may stand in for the option
   * (ignore: `replacesOption`), or a note given with it (move).
   */
  freeText?: { label: string; required: boolean; replacesOption?: boolean };
  submit: string;
}

export type ChoiceResult = { ok: true; choice: CaseChoice } | { ok: false; refusal: Refusal };

/** What was chosen: an option value, a person, free text. */
export interface ChoiceAnswer { option?: string | undefined; person?: Actor | undefined; text?: string | undefined }

const IGNORE_REASONS = ['Spam or a bot', 'Not about us', 'No reply needed', 'Duplicate of another case'];

/** The tag corrections offered for a case: every sentiment and intent it does not have now. */
function tagCorrections(c: Case): Array<{ value: string; label: string }> {
  return [
    ...SENTIMENTS.filter((x) => x !== c.screening.sentiment).map((x) => ({ value: `sentiment:${x}`, label: `Sentiment is ${x}` })),
    ...INTENTS.filter((x) => x !== c.screening.intent).map((x) => ({ value: `intent:${x}`, label: `Intent is ${x}` })),
  ];
}

/** `sentiment:<value>` or `intent:<value>` as a command; undefined for anything else (answers are untrusted). */
function correctionCommand(value: string): CaseCommand | undefined {
  const at = value.indexOf(':');
  const kind = value.slice(0, at);
  const label = value.slice(at + 1);
  if (at < 0) return undefined;
  if (kind === 'sentiment' && (SENTIMENTS as readonly string[]).includes(label)) return { type: 'retag', sentiment: label as Sentiment };
  if (kind === 'intent' && (INTENTS as readonly string[]).includes(label)) return { type: 'retag', intent: label as Intent };
  return undefined;
}

export type FormResult = { ok: true; form: CaseForm } | { ok: false; refusal: Refusal };

export interface CaseInteractionsDeps {
  cases: CaseService;
  config: Config;
  clock: Clock;
  outbox: Outbox;
  /** The people a group's cases may be handed to (routing's members), for the reassign form. */
  people?: ((group: string) => Promise<Actor[]>) | undefined;
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
    const otherGroups = config.groups.filter((g) => g.id !== c.group);
    const corrections = tagCorrections(c);
    if (action === 'case.route' && otherGroups.length === 0) return { ok: false, refusal: { code: 'invalid_input', rule: 'groups', message: 'There is no other group to move the case to.' } };
    const stand: CaseCommand = action === 'case.snooze' ? { type: 'snooze', until: new Date(now.getTime() + 3_600_000).toISOString() }
      : action === 'case.ignore' ? { type: 'ignore', reason: 'x' }
        : action === 'case.redirect' ? { type: 'redirect', templateId: privateTemplates(c, config.templates)[0]?.id ?? '' }
          : action === 'case.route' ? { type: 'reroute', to: otherGroups[0]!.id }
            : action === 'case.retag' ? correctionCommand(corrections[0]!.value)!
              : { type: 'reassign', to: { platform: 'system', id: 'anyone' } };
    // For reassign the stand-in target is the system, whom the policy never refuses: only
    // the version, the state and the clicker are checked before the person is picked.
    const probe = await cases.probe(c.id, stand, actor, ref.version);
    if (!probe.ok) {
      if (probe.refusal.code === 'stale') await this.refreshCard(c.id);
      return { ok: false, refusal: probe.refusal };
    }
    const base = { action, caseId: c.id, version: c.version, title: `Case ${c.id}` };
    switch (action) {
      case 'case.snooze': {
        const zone = config.sla?.hours.timezone ?? 'UTC';
        const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
        const morning = (days: number) => {
          const d = DateTime.fromJSDate(now, { zone }).plus({ days }).set({ hour: 9, minute: 0, second: 0, millisecond: 0 });
          return d.toUTC().toISO()!;
        };
        const nextMonday = DateTime.fromJSDate(now, { zone }).plus({ weeks: 1 }).startOf('week').set({ hour: 9 }).toUTC().toISO()!;
        const options = [
          { value: at(3_600_000), label: 'For 1 hour' },
          { value: at(4 * 3_600_000), label: 'For 4 hours' },
          { value: morning(1), label: `Until tomorrow morning (${cardTime(morning(1), zone)})` },
          { value: nextMonday, label: `Until Monday morning (${cardTime(nextMonday, zone)})` },
        ];
        return { ok: true, choice: { ...base, label: 'Snooze until', options, submit: 'Snooze' } };
      }
      case 'case.ignore':
        return { ok: true, choice: { ...base, label: 'Why is it ignored?', options: IGNORE_REASONS.map((r) => ({ value: r, label: r })), freeText: { label: 'Or in your words', required: false, replacesOption: true }, submit: 'Ignore' } };
      case 'case.redirect': {
        const templates = privateTemplates(c, config.templates);
        if (templates.length === 0) return { ok: false, refusal: { code: 'invalid_input', rule: 'templates[].private', message: 'There is no private-channel template: add one with private: true under templates.' } };
        return { ok: true, choice: { ...base, label: 'Private-channel template', options: templates.map((t) => ({ value: t.id, label: t.name })), submit: 'Move to DM' } };
      }
      case 'case.route':
        return { ok: true, choice: { ...base, label: `Move from ${config.groups.find((g) => g.id === c.group)?.name ?? c.group} to`, options: otherGroups.map((g) => ({ value: g.id, label: g.name ?? g.id })), freeText: { label: 'A note for that group', required: false }, submit: 'Move' } };
      case 'case.retag':
        return { ok: true, choice: { ...base, label: 'What is right about this post?', options: corrections, submit: 'Correct' } };
      case 'case.reassign': {
        const options = (await this.deps.people?.(c.group) ?? [])
          .filter((p) => !(p.platform === c.owner?.platform && p.id === c.owner?.id))
          .map((p) => ({ value: `${p.platform}:${p.id}`, label: p.name ?? p.id }));
        return { ok: true, choice: { ...base, label: 'Hand the case to', options, anyPerson: true, submit: c.owner ? 'Reassign' : 'Assign' } };
      }
    }
  }

  /** Applies a choice made in a form opened at `choice.version`. */
  async applyChoice(choice: Pick<CaseChoice, 'action' | 'caseId' | 'version'>, answer: ChoiceAnswer, actor: Actor): Promise<ApplyResult> {
    const invalid = (message: string): ApplyResult => ({ ok: false, refusal: { code: 'invalid_input', message } });
    let cmd: CaseCommand;
    switch (choice.action) {
      case 'case.snooze':
        if (!answer.option) return invalid('Pick a time to snooze until.');
        cmd = { type: 'snooze', until: answer.option };
        break;
      case 'case.ignore': {
        const reason = answer.text?.trim() || answer.option;
        if (!reason) return invalid('Say why the case is ignored.');
        cmd = { type: 'ignore', reason };
        break;
      }
      case 'case.redirect':
        if (!answer.option) return invalid('Pick a private-channel template.');
        cmd = { type: 'redirect', templateId: answer.option };
        break;
      case 'case.route':
        if (!answer.option) return invalid('Pick the group to move the case to.');
        cmd = { type: 'reroute', to: answer.option, note: answer.text?.trim() || undefined };
        break;
      case 'case.retag': {
        const correction = answer.option ? correctionCommand(answer.option) : undefined;
        if (!correction) return invalid('Pick the sentiment or intent that is right for this post.');
        cmd = correction;
        break;
      }
      case 'case.reassign': {
        const picked = answer.person ?? (answer.option ? actorOfRef(answer.option) : undefined);
        if (!picked) return invalid('Pick someone to hand the case to.');
        cmd = { type: 'reassign', to: picked };
        break;
      }
    }
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

/** A Mastodon source's configured instance limit (`options.maxCharacters`), if any. */
function mastodonMax(config: Config, sourceName: string): number | undefined {
  const max = config.sources.find((x) => x.name === sourceName)?.options?.maxCharacters;
  return typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : undefined;
}
