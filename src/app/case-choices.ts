/**
 * The choice forms: what each offers (snooze times, reasons, people, private templates,
 * groups, tag corrections) and the command a choice made in one becomes.
 */
import { DateTime } from 'luxon';

import type { CaseActionId } from '../domain/actions.js';
import type { Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import { INTENTS, SENTIMENTS, type Intent, type Sentiment } from '../domain/screening.js';
import type { Refusal } from '../cases/policy.js';
import type { CaseCommand } from '../cases/workflow.js';
import { cardTime } from '../cards/card-time.js';
import type { Config } from '../config/schema.js';
import { actorOfRef } from '../routing/assign-agent.js';
import { maskPersonalData } from '../screening/mask-personal-data.js';

/**
 * Actions that need one choice before they apply: when to snooze until, why a case is
 * ignored, whom to hand it to, which group to move it to, which tag to correct, which
 * folded post to split out, which lead an escalation is for (and why).
 */
export type ChoiceAction = Extract<CaseActionId, 'case.snooze' | 'case.ignore' | 'case.reassign' | 'case.route' | 'case.retag' | 'case.split' | 'case.escalate'>;
const CHOICE_ACTIONS: ReadonlySet<CaseActionId> = new Set(['case.snooze', 'case.ignore', 'case.reassign', 'case.route', 'case.retag', 'case.split', 'case.escalate']);

/** The escalate form's option for "every lead of the group" (the default when none is picked). */
export const ALL_LEADS = '*';
export const isChoiceAction = (id: CaseActionId): id is ChoiceAction => CHOICE_ACTIONS.has(id);

/** Whether a choice may be submitted without picking one of its options. */
export const optionOptional = (choice: Pick<CaseChoice, 'anyPerson' | 'freeText'>): boolean => !!choice.anyPerson || !!choice.freeText?.replacesOption;

/** What a choice form offers; each surface renders it its own way (a Slack modal with a select). */
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

/** The folded posts kept on a case, newest first, labelled through the masking gate (strangers wrote them). */
function splitOptions(c: Case, config: Config): Array<{ value: string; label: string }> {
  return (c.similar?.samples ?? []).slice().reverse().map((s) => {
    // Masked whole, then shortened (Slack shows at most 75 characters of an option).
    const label: string = maskPersonalData(`@${s.mention.author.handle}: ${s.mention.text.replace(/\s+/g, ' ').trim()}`, config);
    return { value: s.key, label: label.length > 72 ? `${label.slice(0, 71)}…` : label };
  });
}

/** The other groups a case may be moved to. */
export const otherGroupsOf = (c: Case, config: Config) => config.groups.filter((g) => g.id !== c.group);

/**
 * The command probed before a choice opens, standing in for the one the choice will make.
 * For reassign the stand-in target is the system, whom the policy never refuses: only
 * the version, the state and the clicker are checked before the person is picked.
 */
export function choiceStandIn(action: ChoiceAction, c: Case, config: Config, now: Date): CaseCommand {
  const otherGroups = otherGroupsOf(c, config);
  const corrections = tagCorrections(c);
  return action === 'case.snooze' ? { type: 'snooze', until: new Date(now.getTime() + 3_600_000).toISOString() }
    : action === 'case.ignore' ? { type: 'ignore', reason: 'x' }
      : action === 'case.route' ? { type: 'reroute', to: otherGroups[0]!.id }
          : action === 'case.retag' ? correctionCommand(corrections[0]!.value)!
            : action === 'case.split' ? { type: 'split', key: c.similar?.samples.at(-1)?.key ?? '' }
              : action === 'case.escalate' ? { type: 'escalate' }
                : { type: 'reassign', to: { platform: 'system', id: 'anyone' } };
}

/** The choice form for a case the person may act on: its options, labels and button. */
export async function choiceOffer(
  action: ChoiceAction, c: Case, config: Config, now: Date, people: ((group: string) => Promise<Actor[]>) | undefined,
  leads: Actor[] = [],
): Promise<ChoiceResult> {
  const otherGroups = otherGroupsOf(c, config);
  const corrections = tagCorrections(c);
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
    case 'case.route':
      return { ok: true, choice: { ...base, label: `Move from ${config.groups.find((g) => g.id === c.group)?.name ?? c.group} to`, options: otherGroups.map((g) => ({ value: g.id, label: g.name ?? g.id })), freeText: { label: 'A note for that group', required: false }, submit: 'Move' } };
    case 'case.retag':
      return { ok: true, choice: { ...base, label: 'What is right about this post?', options: corrections, submit: 'Correct' } };
    case 'case.split':
      return { ok: true, choice: { ...base, label: 'Which post gets a case of its own?', options: splitOptions(c, config), submit: 'Split out' } };
    case 'case.escalate': {
      // The reason is required; the lead is not (every lead of the group is told by default).
      const options = leads.length > 1 ? [{ value: ALL_LEADS, label: 'All the group\'s leads' }] : [];
      for (const p of leads) options.push({ value: `${p.platform}:${p.id}`, label: p.name ?? p.id });
      return { ok: true, choice: { ...base, label: 'Which lead should take it?', options, freeText: { label: 'Why does it need a lead?', required: true, replacesOption: true }, submit: 'Escalate' } };
    }
    case 'case.reassign': {
      const options = (await people?.(c.group) ?? [])
        .filter((p) => !(p.platform === c.owner?.platform && p.id === c.owner?.id))
        .map((p) => ({ value: `${p.platform}:${p.id}`, label: p.name ?? p.id }));
      return { ok: true, choice: { ...base, label: 'Hand the case to', options, anyPerson: true, submit: c.owner ? 'Reassign' : 'Assign' } };
    }
  }
}

/** The command a choice stands for, or what is missing from the answer. */
export function choiceCommand(action: ChoiceAction, answer: ChoiceAnswer): CaseCommand | { missing: string } {
  switch (action) {
    case 'case.snooze':
      if (!answer.option) return { missing: 'Pick a time to snooze until.' };
      return { type: 'snooze', until: answer.option };
    case 'case.ignore': {
      const reason = answer.text?.trim() || answer.option;
      if (!reason) return { missing: 'Say why the case is ignored.' };
      return { type: 'ignore', reason };
    }
    case 'case.route':
      if (!answer.option) return { missing: 'Pick the group to move the case to.' };
      return { type: 'reroute', to: answer.option, note: answer.text?.trim() || undefined };
    case 'case.split':
      if (!answer.option) return { missing: 'Pick the post to split out.' };
      return { type: 'split', key: answer.option };
    case 'case.retag': {
      const correction = answer.option ? correctionCommand(answer.option) : undefined;
      if (!correction) return { missing: 'Pick the sentiment or intent that is right for this post.' };
      return correction;
    }
    case 'case.escalate': {
      const reason = answer.text?.trim();
      if (!reason) return { missing: 'Say why the case needs a lead.' };
      // No lead picked (or all of them): the caller names every lead of the group.
      return { type: 'escalate', reason, leads: answer.option && answer.option !== ALL_LEADS ? [answer.option] : [] };
    }
    case 'case.reassign': {
      const picked = answer.person ?? (answer.option ? actorOfRef(answer.option) : undefined);
      if (!picked) return { missing: 'Pick someone to hand the case to.' };
      return { type: 'reassign', to: picked };
    }
  }
}
