import type { ActionRef, CaseActionId } from '../domain/actions.js';
import type { Actor } from '../domain/actor.js';
import type { Case, DraftAssist } from '../domain/case.js';
import { editRatio } from '../cases/edit-ratio.js';
import type { DraftAssistant } from './draft-assistant.js';
import { saveTranslatedDraft, translateOffer, type DraftTranslator } from './draft-translation.js';
import { replyLimit, replyLimitHint } from '../domain/reply-limits.js';
import { checkReplyText, type Refusal } from '../cases/policy.js';
import { isHandoffTemplate, privateTemplates, rankTemplates, renderTemplate } from '../cases/templates.js';
import { type CaseCommand } from '../cases/workflow.js';
import type { Config } from '../config/schema.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Clock } from '../util/clock.js';
import type { MentionSource } from '../sources/mention-source.js';
import { SYSTEM } from '../domain/actor.js';
import { privateRoute, routeWords, type Handoff } from './private-channel.js';
import type { ApplyResult, CaseService } from './case-service.js';
import { enqueueDelivery } from './delivery-kinds.js';
import { escalationNotice, postToLeads } from './escalations.js';
import type { PeopleNames } from './people-directory.js';
import { maskPersonalData, type Masked } from '../screening/mask-personal-data.js';
import {
  choiceCommand, choiceOffer, choiceStandIn, otherGroupsOf, type CaseChoice, type ChoiceAction, type ChoiceAnswer, type ChoiceResult,
} from './case-choices.js';

/** The actions one click applies, and the command each one is. */
const ONE_CLICK: Partial<Record<CaseActionId, () => CaseCommand>> = {
  'case.claim': () => ({ type: 'claim' }),
  'case.decline': () => ({ type: 'decline' }),
  'case.release': () => ({ type: 'release' }),
  'case.approve': () => ({ type: 'approve' }),
  'case.send': () => ({ type: 'send' }),
  'case.deescalate': () => ({ type: 'deescalate' }),
  'case.close': () => ({ type: 'close' }),
  'case.reopen': () => ({ type: 'reopen' }),
  'case.wake': () => ({ type: 'wake' }),
};

// The forms live in case-forms.ts; their names stay importable from here.
export { ASSIST_OFF, isDraftForm, isFormAction, type CaseForm, type FormAction, type FormResult, type StartedSuggest, type SuggestResult } from './case-forms.js';
import { ASSIST_OFF, mastodonMax, type CaseForm, type FormAction, type FormResult, type StartedSuggest, type SuggestResult } from './case-forms.js';
import { startSuggest } from './case-suggest.js';

// The choice forms live in case-choices.ts; their names stay importable from here.
export {
  isChoiceAction, optionOptional, type CaseChoice, type ChoiceAction, type ChoiceAnswer, type ChoiceResult,
} from './case-choices.js';


export interface CaseInteractionsDeps {
  cases: CaseService;
  config: Config;
  clock: Clock;
  outbox: Outbox;
  /** The people a group's cases may be handed to (routing's members), for the reassign form. */
  people?: ((group: string) => Promise<Actor[]>) | undefined;
  /** The individual people a group's `leads` name, for the escalate form and the escalation record. */
  leads?: ((group: string) => Promise<Actor[]>) | undefined;
  /** Display names of people known by id (the leads offered in the escalate form and named on the notice). */
  names?: Pick<PeopleNames, 'nameOf'> | undefined;
  /** The sources, for how Move to DM reaches an author (a DM, or a public invitation). */
  sources?: ReadonlyMap<string, MentionSource> | undefined;
  /** The secure hand-off, for `{{case.token}}` and hand-off-only cases. */
  handoff?: Handoff | undefined;
  /** AI assist's suggested drafts; absent while `assist:` is not configured. */
  assist?: DraftAssistant | undefined;
  /** AI assist's translation of drafts into the author's language, and the escalation notice with its brief (else straight to the leads). */
  translator?: DraftTranslator | undefined;
  escalationNotice?: ((c: Case, lines: string[]) => Promise<void>) | undefined;
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
    const c = await cases.get(ref.caseId);
    if (!c) return { ok: false, refusal: { code: 'not_found', message: `There is no case ${ref.caseId}.` } };
    const isPrivate = action === 'case.redirect';
    const ranked = isPrivate ? this.privateTemplates(c) : rankTemplates(c, config.templates);
    const template = ranked[0];
    // A draft of the same kind is edited; otherwise the best template is the start.
    const own = c.draft && (c.draft.channel === 'private') === isPrivate ? c.draft : undefined;
    const initial = own?.text ?? (template ? this.filled(template.text, c, actor) : '');
    if (isPrivate && ranked.length === 0 && !own && (!c.private || this.deps.handoff?.only(c))) return { ok: false, refusal: { code: 'invalid_input', rule: 'templates[].private', message: this.deps.handoff?.only(c) ? 'This case may only get the secure hand-off, and no private template carries {{case.token}} or {{handoff.url}}: add one under templates.' : 'There is no private-channel template: add one with private: true under templates.' } };
    // A stand-in text for the public reply (only the version, the policy and the state are
    // checked here); the private message's own start, so a hand-off-only case is judged on it.
    const probeCmd: CaseCommand = action === 'case.reject' ? { type: 'reject', note: 'x' } : { type: 'draft', text: isPrivate ? initial || 'x' : c.draft?.text ?? 'x', ...(isPrivate ? { channel: 'private' as const } : {}) };
    const probe = await cases.probe(c.id, probeCmd, actor, ref.version);
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
      mentionText: maskPersonalData(c.private?.messages.filter((m) => m.direction === 'in').at(-1)?.text ?? c.mention.text, config),
      initial: '',
      limitHint: 'Keep it short and friendly.',
      assistOn: !!this.deps.assist, ...(this.deps.assist && config.assist?.prefill && action === 'case.draft' ? { assistPrefill: true } : {}),
    };
    const limit = replyLimit(c.mention.network, mastodonMax(config, c.mention.source));
    if (limit && !isPrivate) {
      form.replyLimit = limit;
      form.limitHint = replyLimitHint(limit);
    }
    if (isPrivate) {
      const route = await privateRoute(c, this.deps.sources ?? new Map());
      form.privateRoute = routeWords(route, c.mention.author.handle);
      form.limitHint = route.via === 'dm' ? 'A private message: only the author sees it.' : 'A public reply that invites the author to send a DM: keep personal details out of it.';
    }
    if (action === 'case.reject') form.draft = c.draft?.text ?? '';
    else {
      form.initial = initial;
      if (template && !own) form.templateId = template.id;
      if (ranked.length > 0) form.templates = ranked.slice(0, 20).map((t) => ({ id: t.id, name: t.name }));
      if (!isPrivate) form.translateTo = translateOffer(c, this.deps.translator);
    }
    return { ok: true, form };
  }

  /** The templates Move to DM offers: the private ones, or only those with the hand-off link for a hand-off-only case. */
  private privateTemplates(c: Case) {
    const all = privateTemplates(c, this.deps.config.templates);
    return this.deps.handoff?.only(c) ? all.filter(isHandoffTemplate) : all;
  }

  /**
   * Starts a suggested reply for the draft form (AI assist): the form at once, the
   * suggestion when the model answers (case-suggest.ts). The suggestion passed the policy
   * and the network's length, or is the best template with a note saying why not.
   */
  startSuggest(ref: ActionRef, actor: Actor, templateId?: string): Promise<StartedSuggest> {
    const openDraft = (r: ActionRef, a: Actor) => this.openForm('case.draft', r, a);
    return startSuggest({ ...this.deps, openDraft, fill: (t, c, a) => this.filled(t, c, a) }, ref, actor, templateId);
  }

  /** A suggested reply for the draft form, once the model has answered (Teams' dialog waits for it). */
  async suggest(ref: ActionRef, actor: Actor): Promise<SuggestResult> {
    const started = await this.startSuggest(ref, actor);
    if (!started.ok) return started;
    const outcome = await started.outcome;
    return outcome.ok ? { ok: true, form: started.form, suggestion: outcome.suggestion } : outcome;
  }

  /** A template's text filled in for a case (the draft form's template picker). */
  async templateText(caseId: string, templateId: string, actor: Actor): Promise<string | undefined> {
    const { cases, config } = this.deps;
    const c = await cases.get(caseId);
    const t = config.templates.find((x) => x.id === templateId);
    return c && t ? this.filled(t.text, c, actor) : undefined;
  }

  /**
   * A template filled in for a case, through the masking gate: it names the author, and
   * people put phone numbers and e-mail addresses in their display names.
   */
  private filled(text: string, c: Case, actor: Actor): Masked {
    const { config, clock, handoff } = this.deps;
    const caseToken = handoff?.token(c.id, clock.now().getTime());
    const handoffUrl = caseToken ? config.privateChannel.handoff?.url.replace(/\{\{case\.token\}\}|%7B%7Bcase\.token%7D%7D/g, caseToken) : undefined;
    return maskPersonalData(renderTemplate(text, c, { links: config.links, agent: actor, caseToken, handoffUrl }), config);
  }

  /**
   * Checks that a choice may be made (right version, allowed, right state) and offers
   * the options: snooze times, reasons, people of the group, private templates.
   */
  async openChoice(action: ChoiceAction, ref: ActionRef, actor: Actor): Promise<ChoiceResult> {
    const { cases, config, clock } = this.deps;
    const c = await cases.get(ref.caseId);
    if (!c) return { ok: false, refusal: { code: 'not_found', message: `There is no case ${ref.caseId}.` } };
    const now = clock.now();
    if (action === 'case.route' && otherGroupsOf(c, config).length === 0) return { ok: false, refusal: { code: 'invalid_input', rule: 'groups', message: 'There is no other group to move the case to.' } };
    const probe = await cases.probe(c.id, choiceStandIn(action, c, config, now), actor, ref.version);
    if (!probe.ok) {
      if (probe.refusal.code === 'stale') await this.refreshCard(c.id);
      return { ok: false, refusal: probe.refusal };
    }
    return choiceOffer(action, c, config, now, this.deps.people, action === 'case.escalate' ? await this.namedLeads(c.group) : []);
  }

  /** The group's leads, with the names people know them by where a name is known. */
  private async namedLeads(group: string): Promise<Actor[]> {
    const out: Actor[] = [];
    for (const a of (await this.deps.leads?.(group)) ?? []) {
      const name = a.name ?? await this.deps.names?.nameOf(a).catch(() => undefined);
      out.push(name ? { ...a, name } : a);
    }
    return out;
  }

  /** Applies a choice made in a form opened at `choice.version`. */
  async applyChoice(choice: Pick<CaseChoice, 'action' | 'caseId' | 'version'>, answer: ChoiceAnswer, actor: Actor): Promise<ApplyResult> {
    let cmd = choiceCommand(choice.action, answer);
    if ('missing' in cmd) return { ok: false, refusal: { code: 'invalid_input', message: cmd.missing } };
    if (cmd.type === 'escalate') {
      const leads = await this.escalationLeads(choice.caseId, cmd.leads ?? []);
      if ('missing' in leads) return { ok: false, refusal: { code: 'invalid_input', rule: 'groups[].leads', message: leads.missing } };
      cmd = { ...cmd, leads: leads.refs };
    }
    const result = await this.deps.cases.apply(choice.caseId, cmd, actor, choice.version);
    if (!result.ok && result.refusal.code === 'stale' && result.case) await this.refreshCard(result.case.id);
    if (result.ok && cmd.type === 'escalate') await this.announceEscalation(result.case);
    return result;
  }

  /**
   * The leads an escalation is for: the one picked (who must be one of the group's leads;
   * answers are untrusted), or every lead of the group when none was.
   */
  private async escalationLeads(caseId: string, picked: string[]): Promise<{ refs: string[] } | { missing: string }> {
    const c = await this.deps.cases.get(caseId);
    const all = c ? (await this.deps.leads?.(c.group) ?? []).map((a) => `${a.platform}:${a.id}`) : [];
    const stranger = picked.find((ref) => !all.includes(ref));
    if (stranger) return { missing: `${stranger} is not one of the group's leads; pick one from the list.` };
    return { refs: picked.length > 0 ? picked : all };
  }

  /** The escalation's notice in the group's lead channels (Slack, and Teams where the group has one). */
  private async announceEscalation(c: Case): Promise<void> {
    const names: Record<string, string> = {};
    for (const a of await this.namedLeads(c.group)) if (a.name) names[`${a.platform}:${a.id}`] = a.name;
    const lines = escalationNotice(this.deps.config, c, names);
    await (this.deps.escalationNotice ? this.deps.escalationNotice(c, lines) : postToLeads(this.deps, c, lines));
  }

  /**
   * A problem with a draft's text that the writer can fix in the form, if any. A private
   * message is judged by the workflow's own private checks (hand-off, the network's DM
   * rules, personal data as the policy wants it).
   */
  async draftProblem(caseId: string, text: string, isPrivate = false): Promise<string | undefined> {
    const { cases, config } = this.deps;
    const trimmed = text.trim();
    if (!trimmed) return isPrivate ? 'Write the message first.' : 'Write a reply first.';
    const banned = checkReplyText(config.policy, trimmed, cases.linkHosts);
    if (banned) return banned.message;
    const c = await cases.get(caseId);
    if (!c) return undefined;
    if (!isPrivate) return cases.replyCheck(c)?.(trimmed);
    const probe = await cases.probe(caseId, { type: 'draft', text: trimmed, channel: 'private' }, SYSTEM);
    return !probe.ok && probe.refusal.code === 'invalid_input' ? probe.refusal.message : undefined;
  }

  /**
   * Saves a draft written in a form opened at `form.version` (`isPrivate`: a private
   * message, from Move to DM). A form that showed an AI assist suggestion (`assisted`)
   * records it on the draft: the suggestion, its sources and how much the agent changed it,
   * for the approver. `translate`: AI assist translates it into the author's language, and
   * the translation is the draft (see draft-translation.ts).
   */
  async saveDraft(form: Pick<CaseForm, 'caseId' | 'version' | 'templateId'> & { assisted?: boolean | undefined }, text: string, actor: Actor, isPrivate = false, translate = false): Promise<ApplyResult> {
    if (translate && !isPrivate) return saveTranslatedDraft(this.deps, form, text, actor);
    let assist: DraftAssist | undefined;
    const suggestion = form.assisted ? await this.deps.assist?.recall(form.caseId) : undefined;
    if (suggestion?.fromModel) assist = { suggestion: suggestion.text, sources: suggestion.sources, changed: editRatio(suggestion.text, text) };
    return this.deps.cases.apply(form.caseId, { type: 'draft', text: text.trim(), templateId: form.templateId, assist, ...(isPrivate ? { channel: 'private' as const } : {}) }, actor, form.version);
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
