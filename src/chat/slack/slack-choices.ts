import type { App } from '@slack/bolt';
import type { View, WebClient } from '@slack/web-api';
import * as z from 'zod';
import type { CaseChoice, CaseInteractions, ChoiceAction } from '../../app/case-interactions.js';
import { isChoiceAction, optionOptional } from '../../app/case-interactions.js';
import type { Actor } from '../../domain/actor.js';
import type { Logger } from '../../util/logger.js';
import { clip, sanitizeText, TEXT_MAX } from '../safe-text.js';
import { draftModal, mayReplaceReply, ModalMetaSchema, TEMPLATE_PICK, typedReply } from './modals.js';
import { slackActor, type CaseClick } from './parse-slack-payload.js';
import { tellEphemeral } from './tell-ephemeral.js';

export const CHOICE_CALLBACK = 'case.choice.submit';
const OPTION_BLOCK = 'choice';
const PERSON_BLOCK = 'person';
const TEXT_BLOCK = 'text';

const ChoiceMetaSchema = z.object({
  caseId: z.string().min(1).max(64),
  version: z.number().int().nonnegative(),
  action: z.string().refine((a): a is ChoiceAction => isChoiceAction(a as never)),
  channel: z.string().max(64).optional(),
});
type ChoiceMeta = { caseId: string; version: number; action: ChoiceAction; channel?: string | undefined };

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: clip(sanitizeText(text), max), emoji: true });

/** The modal for one choice: a select of the options, a person picker (reassign), free text (ignore). */
export function choiceModal(choice: CaseChoice, channel: string | undefined) {
  const meta: ChoiceMeta = { caseId: choice.caseId, version: choice.version, action: choice.action, ...(channel ? { channel } : {}) };
  // Slack marks a block that may be left empty "(optional)" itself: the labels do not say it.
  const optional = optionOptional(choice);
  const blocks: Array<Record<string, unknown>> = [{ type: 'context', elements: [plain(choice.title, 2000)] }];
  if (choice.options.length > 0) {
    blocks.push({
      type: 'input',
      block_id: OPTION_BLOCK,
      optional,
      label: plain(choice.label, 2000),
      element: { type: 'static_select', action_id: 'option', placeholder: plain('Choose…', 150), options: choice.options.slice(0, 100).map((o) => ({ text: plain(o.label, TEXT_MAX.option), value: o.value.slice(0, 150) })) },
    });
  }
  if (choice.anyPerson) {
    blocks.push({ type: 'input', block_id: PERSON_BLOCK, optional: choice.options.length > 0, label: plain(choice.options.length > 0 ? 'Or anyone else' : choice.label, 2000), element: { type: 'users_select', action_id: 'user', placeholder: plain('Pick a person', 150) } });
  }
  if (choice.freeText) {
    blocks.push({ type: 'input', block_id: TEXT_BLOCK, optional: !choice.freeText.required, label: plain(choice.freeText.label, 2000), element: { type: 'plain_text_input', action_id: 'text', max_length: 2000 } });
  }
  return {
    type: 'modal' as const,
    callback_id: CHOICE_CALLBACK,
    private_metadata: JSON.stringify(meta),
    title: plain(choice.submit, 24),
    submit: plain(choice.submit, 24),
    close: plain('Cancel', 24),
    blocks,
  };
}

const Selected = z.object({
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string().max(200) }).nullish(),
  selected_user: z.string().max(64).nullish(),
}).loose();

const ChoiceSubmissionSchema = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id: z.string().min(1).max(64), name: z.string().max(200).optional(), username: z.string().max(200).optional() }),
  view: z.object({ private_metadata: z.string().max(3000), state: z.object({ values: z.record(z.string(), z.record(z.string(), Selected)) }) }),
});

/** Parses a submitted choice modal (untrusted input: every field checked). */
export function parseChoiceSubmission(body: unknown): { ok: true; meta: ChoiceMeta; actor: Actor; option?: string; person?: string; text?: string } | { ok: false; problem: string } {
  const r = ChoiceSubmissionSchema.safeParse(body);
  if (!r.success) return { ok: false, problem: 'That form was not understood.' };
  let meta: ChoiceMeta;
  try {
    meta = ChoiceMetaSchema.parse(JSON.parse(r.data.view.private_metadata)) as ChoiceMeta;
  } catch {
    return { ok: false, problem: 'That form has lost track of its case; open it again from the card.' };
  }
  const v = r.data.view.state.values;
  const first = (block: string) => Object.values(v[block] ?? {})[0];
  const option = first(OPTION_BLOCK)?.selected_option?.value ?? undefined;
  const person = first(PERSON_BLOCK)?.selected_user ?? undefined;
  const text = first(TEXT_BLOCK)?.value?.trim() || undefined;
  return { ok: true, meta, actor: slackActor(r.data.user), ...(option ? { option } : {}), ...(person ? { person } : {}), ...(text ? { text } : {}) };
}

export interface ChoiceListenerDeps {
  interactions: CaseInteractions;
  log: Logger;
  resolve: (client: WebClient, actor: Actor) => Promise<Actor>;
  /**
   * The client that answers people (chat.postEphemeral), set up to never resend a call that
   * may have reached Slack (answerRetries); the listener's own client when absent.
   */
  answers?: WebClient | undefined;
}

const tell = (client: WebClient, deps: ChoiceListenerDeps, channel: string | undefined, user: string, text: string) => tellEphemeral(deps.answers ?? client, deps.log, channel, user, text);

/**
 * A click on Snooze, Ignore, Reassign or Move to DM: checks the case, then opens the
 * choice modal at once (views.open must follow the click within 3 s).
 */
export async function openChoiceModal(client: WebClient, click: CaseClick, deps: ChoiceListenerDeps): Promise<void> {
  if (!isChoiceAction(click.actionId)) return;
  const opened = await deps.interactions.openChoice(click.actionId, click.ref, click.actor);
  if (!opened.ok) return tell(client, deps, click.channel, click.actor.id, opened.refusal.message);
  try {
    // Built as plain objects (checked against Block Kit's limits above), typed for the client here.
    await client.views.open({ trigger_id: click.triggerId ?? '', view: choiceModal(opened.choice, click.channel) as unknown as View });
  } catch (e) {
    deps.log.warn({ err: e, caseId: click.ref.caseId }, 'could not open the choice modal');
    await tell(client, deps, click.channel, click.actor.id, 'Slack did not let me open the form (it expires 3 seconds after the click). Please click again.');
  }
}

const TemplatePickSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1).max(64) }),
  view: z.object({ id: z.string().max(64), hash: z.string().max(200).optional(), private_metadata: z.string().max(3000), state: z.object({ values: z.record(z.string(), z.unknown()) }).optional() }),
  actions: z.array(z.object({ action_id: z.literal(TEMPLATE_PICK), selected_option: z.object({ value: z.string().max(150) }) })).min(1),
});

/**
 * The choice modal's submission, and the draft modal's template picker: choosing a
 * template refills the reply with that template's text (views.update with the view's
 * hash, so a modal changed meanwhile is not overwritten).
 */
export function registerChoiceListeners(app: App, deps: ChoiceListenerDeps): void {
  app.view(CHOICE_CALLBACK, async ({ ack, body, client }) => {
    const parsed = parseChoiceSubmission(body);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: { [OPTION_BLOCK]: parsed.problem } });
      return;
    }
    if (!parsed.option && !parsed.person && !parsed.text) {
      await ack({ response_action: 'errors', errors: { [OPTION_BLOCK]: 'Choose one first.' } });
      return;
    }
    await ack();
    const actor = await deps.resolve(client, parsed.actor);
    const person = parsed.person ? await deps.resolve(client, { platform: 'slack', id: parsed.person }) : undefined;
    const result = await deps.interactions.applyChoice(parsed.meta, { option: parsed.option, person, text: parsed.text }, actor);
    if (!result.ok) await tell(client, deps, parsed.meta.channel, actor.id, result.refusal.message);
  });

  app.action(TEMPLATE_PICK, async ({ ack, body, client }) => {
    await ack();
    const r = TemplatePickSchema.safeParse(body);
    if (!r.success) return;
    let meta;
    try {
      meta = ModalMetaSchema.parse(JSON.parse(r.data.view.private_metadata));
    } catch {
      return;
    }
    const templateId = r.data.actions[0]!.selected_option.value;
    const actor = await deps.resolve(client, { platform: 'slack', id: r.data.user.id });
    const opened = await deps.interactions.openForm(meta.private ? 'case.redirect' : 'case.draft', { caseId: meta.caseId, version: meta.version }, actor);
    if (!opened.ok) return;
    const text = await deps.interactions.templateText(meta.caseId, templateId, actor);
    if (text === undefined) return;
    const { form } = opened;
    // The person's own words are never wiped: the template replaces only what the modal put there.
    const typed = typedReply(r.data.view.state?.values);
    const previous = meta.templateId ? await deps.interactions.templateText(meta.caseId, meta.templateId, actor) : undefined;
    const replace = mayReplaceReply(typed?.text, [previous, form.initial]);
    const name = form.templates?.find((t) => t.id === templateId)?.name ?? templateId;
    const base = { caseTitle: form.title, author: form.author, mentionText: form.mentionText, limitHint: form.limitHint, templates: form.templates, privateRoute: form.privateRoute, assist: { on: !!form.assistOn }, translate: form.translateTo };
    try {
      await client.views.update({
        view_id: r.data.view.id,
        ...(r.data.view.hash ? { hash: r.data.view.hash } : {}),
        view: replace
          ? draftModal({ ...base, meta: { ...meta, templateId, assisted: undefined }, initial: text, fill: `${templateId}.${Date.now().toString(36)}` })
          // Same action id: Slack keeps what was typed. The draft still comes from the template it started from.
          : draftModal({ ...base, meta, initial: typed?.text ?? '', fill: typed?.fill, kept: { template: name, text } }),
      });
    } catch (e) {
      deps.log.warn({ err: e, caseId: meta.caseId }, 'could not refill the draft from the template');
    }
  });
}
