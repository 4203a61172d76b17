import type { App } from '@slack/bolt';
import type { KnownBlock, WebClient } from '@slack/web-api';
import { isChoiceAction, isFormAction, type CaseInteractions, type FormAction } from '../../app/case-interactions.js';
import { CommandUnknownError, type CommandReply, type CommandRouter } from '../../app/commands.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { clipEscaped, TEXT_MAX } from '../safe-text.js';
import { escapeMrkdwn } from './escape-mrkdwn.js';
import { prefillDraftModal, registerAssistListeners, WRITING } from './assist-listeners.js';
import { TypedReplies, type TypedStore } from './typed-replies.js';
import { openChoiceModal, registerChoiceListeners } from './slack-choices.js';
import {
  DRAFT_CALLBACK, NOTE_BLOCK, REJECT_CALLBACK, REPLY_BLOCK, TRANSLATE_BLOCK, TRANSLATE_VALUE, draftModal, rejectModal, type ModalMeta,
} from './modals.js';
import { parseCaseClick, parseModalSubmission, slackActor, type CaseClick } from './parse-slack-payload.js';
import { slackNameResolver, type SlackNameResolver } from './slack-name-resolver.js';
import { renderSummaryBlocks } from './render-summary-blocks.js';
import { tellEphemeral } from './tell-ephemeral.js';

export interface SlackListenerDeps {
  /** What a person can do to a case; the same one Teams uses, built by the server. */
  interactions: CaseInteractions;
  commands: CommandRouter;
  clock: Clock;
  log: Logger;
  /** Uploads command charts into a channel (the asker's direct messages, for a private answer). */
  uploadImage?: (client: WebClient, channel: string, image: { title: string; png: Buffer; filename: string }) => Promise<void>;
  /**
   * The client that answers people (chat.postEphemeral), set up to never resend a call that
   * may have reached Slack (answerRetries); the listener's own client when absent.
   */
  answers?: WebClient | undefined;
  /** Slack names of the people who click (one per process, shared with the other listeners); a cache of its own when absent. */
  resolve?: SlackNameResolver | undefined;
  /** Where edits typed while a suggestion is written are kept, shared by the instances (the store); this process's memory when absent. */
  typedStore?: TypedStore | undefined;
}

/** Renders a command reply as mrkdwn: every line escaped. */
export function renderCommandReply(reply: CommandReply): string {
  const title = reply.title ? `*${escapeMrkdwn(reply.title)}*\n` : '';
  return clipEscaped(title + reply.lines.map(escapeMrkdwn).join('\n'), TEXT_MAX.message);
}

/**
 * A command reply as a Slack message: Block Kit when it carries a summary (headline
 * fields first), with the whole text as the notification fallback; mrkdwn text otherwise.
 * `extra` lines (said by this surface, such as where the charts went) go after both.
 */
export function renderCommandMessage(reply: CommandReply, extra: readonly string[] = []): { text: string; blocks?: KnownBlock[] } {
  const text = renderCommandReply({ ...reply, lines: [...reply.lines, ...extra] });
  if (!reply.summary) return { text };
  return { text, blocks: renderSummaryBlocks(reply.summary.layout, [...reply.summary.footer, ...extra]) };
}

/**
 * The Slack listeners: case buttons, the draft and reject modals, and `/earshot`.
 * Each one acks first (Slack allows 3 s), then works, then answers ephemerally or
 * lets the outbox refresh the card.
 */
export function registerSlackListeners(app: App, deps: SlackListenerDeps): void {
  const { log, interactions } = deps;
  const resolve = deps.resolve ?? slackNameResolver(log);

  const tell: Tell = (client, channel, user, text) => tellEphemeral(deps.answers ?? client, log, channel, user, text);
  const typed = new TypedReplies(deps.typedStore);
  const ctx: ListenerContext = { deps, resolve, tell, typed };

  registerChoiceListeners(app, { interactions, log, resolve, answers: deps.answers });
  registerAssistListeners(app, { interactions, log, resolve, typed });
  // In the order Slack's listeners were always registered: buttons, the two modals, the command.
  registerCaseButtons(app, ctx);
  registerFormSubmissions(app, ctx);
  registerSlashCommand(app, ctx);

  // Link-only interactions (none today) and anything unexpected: ack so Slack does not show an error.
  app.error(async (error) => {
    log.error({ err: error }, 'Slack listener failed');
  });
}

type Tell = (client: WebClient, channel: string | undefined, user: string, text: string) => Promise<void>;

/** What every listener shares: the dependencies, the name resolver, the ephemeral answer. */
interface ListenerContext {
  deps: SlackListenerDeps;
  resolve: ReturnType<typeof slackNameResolver>;
  tell: Tell;
  /** What people type in draft modals while a suggestion is being written. */
  typed: TypedReplies;
}

/** Case buttons: one click, one answer (the card changes, a form opens, or the clicker is told why not). */
function registerCaseButtons(app: App, { deps, resolve, tell, typed }: ListenerContext): void {
  const { log, interactions } = deps;

  /** One click, one answer: the card changes, a form opens, or the clicker is told why not. */
  const answerClick = async (client: WebClient, click: CaseClick): Promise<void> => {
    if (isChoiceAction(click.actionId)) return openChoiceModal(client, click, { interactions, log, resolve, answers: deps.answers });

    if (isFormAction(click.actionId)) return openFormModal(client, click, click.actionId, { deps, resolve, tell, typed });

    const actor = await resolve(client, click.actor);
    const result = await interactions.click(click.actionId, click.ref, actor);
    if (!result.ok) await tell(client, click.channel, actor.id, result.refusal.message);
  };

  app.action(/^case\./, async ({ ack, body, client }) => {
    await ack();
    const parsed = parseCaseClick(body);
    if (!parsed.ok) {
      if (parsed.userId) await tell(client, parsed.channel, parsed.userId, parsed.problem);
      return;
    }
    const click = parsed.value;
    try {
      await answerClick(client, click);
    } catch (e) {
      // The click is acked, so Slack shows the person nothing: tell them, or they are left guessing.
      log.error({ err: e, caseId: click.ref.caseId, action: click.actionId }, 'a case button failed');
      await tell(client, click.channel, click.actor.id, 'Something went wrong with that click; the error is in the bot log. Look at the card before you try again.');
    }
  });
}

/**
 * A form button (Draft, Reject, Move to DM): views.open must follow the click within 3 s, so
 * the case is checked and the modal opened at once. With `assist.prefill` the draft modal
 * opens with the template and is then updated with the suggestion.
 */
async function openFormModal(client: WebClient, click: CaseClick, action: FormAction, { deps, resolve, tell, typed }: ListenerContext): Promise<void> {
  const { log, interactions } = deps;
  const opened = await interactions.openForm(action, click.ref, click.actor);
  if (!opened.ok) return tell(client, click.channel, click.actor.id, opened.refusal.message);
  const { form } = opened;
  const meta: ModalMeta = {
    caseId: form.caseId, version: form.version, ...(click.channel ? { channel: click.channel } : {}), ...(form.templateId ? { templateId: form.templateId } : {}),
    ...(form.action === 'case.redirect' ? { private: true } : {}),
  };
  const prefill = !!form.assistPrefill;
  const openedAt = Date.now();
  let shown: { id?: string | undefined; hash?: string | undefined } | undefined;
  try {
    if (form.action !== 'case.reject') {
      const answer = await client.views.open({
        trigger_id: click.triggerId ?? '',
        view: draftModal({
          meta, caseTitle: form.title, author: form.author, mentionText: form.mentionText, initial: form.initial, limitHint: form.limitHint, templates: form.templates, privateRoute: form.privateRoute,
          assist: { on: !!form.assistOn, ...(prefill ? { note: WRITING } : {}) }, watchTyping: prefill, translate: form.translateTo,
        }),
      });
      shown = { id: answer.view?.id, hash: answer.view?.hash };
    } else {
      await client.views.open({ trigger_id: click.triggerId ?? '', view: rejectModal({ meta, caseTitle: form.title, draft: form.draft ?? '' }) });
    }
  } catch (e) {
    log.warn({ err: e, caseId: form.caseId }, 'could not open the modal');
    return tell(client, click.channel, click.actor.id, 'Slack did not let me open the form (it expires 3 seconds after the click). Please click again.');
  }
  if (!prefill || !shown?.id) return;
  const actor = await resolve(client, click.actor);
  await prefillDraftModal(client, { interactions, log, typed }, { viewId: shown.id, hash: shown.hash, openedAt, meta, form, actor });
}

/** The draft and reject modals: problems with the text keep the modal open, with the message under the field. */
function registerFormSubmissions(app: App, { deps, resolve, tell }: ListenerContext): void {
  const { interactions } = deps;

  app.view(DRAFT_CALLBACK, async ({ ack, body, client }) => {
    const parsed = parseModalSubmission(body);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: { [REPLY_BLOCK]: parsed.problem } });
      return;
    }
    const { meta, values } = parsed.value;
    const text = (values[REPLY_BLOCK] ?? '').trim();
    // Problems with the text itself keep the modal open with the message under the field.
    const problem = await interactions.draftProblem(meta.caseId, text, meta.private === true);
    if (problem) {
      await ack({ response_action: 'errors', errors: { [REPLY_BLOCK]: problem } });
      return;
    }
    await ack();
    const actor = await resolve(client, parsed.value.actor);
    // The translate checkbox (AI assist): the translation, held to the same rules, is what is saved and sent.
    const translate = values[TRANSLATE_BLOCK] === TRANSLATE_VALUE;
    if (translate) await tell(client, meta.channel, actor.id, 'Translating your reply into the author\'s language; the card shows both texts once it is saved.');
    const result = await interactions.saveDraft(meta, text, actor, meta.private === true, translate);
    if (!result.ok) await tell(client, meta.channel, actor.id, `Your draft was not saved: ${result.refusal.message}\n\nYour text, so nothing is lost:\n${text}`);
  });

  app.view(REJECT_CALLBACK, async ({ ack, body, client }) => {
    const parsed = parseModalSubmission(body);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: { [NOTE_BLOCK]: parsed.problem } });
      return;
    }
    const note = (parsed.value.values[NOTE_BLOCK] ?? '').trim();
    const problem = interactions.noteProblem(note);
    if (problem) {
      await ack({ response_action: 'errors', errors: { [NOTE_BLOCK]: problem } });
      return;
    }
    await ack();
    const { meta } = parsed.value;
    const actor = await resolve(client, parsed.value.actor);
    const result = await interactions.sendBack(meta, note, actor);
    if (!result.ok) await tell(client, meta.channel, actor.id, `The draft was not sent back: ${result.refusal.message}`);
  });
}

/** `/earshot`: the command's answer, and its charts where the answer may be seen. */
function registerSlashCommand(app: App, { deps }: ListenerContext): void {
  const { log, clock } = deps;

  /** The bot's direct-message channel with one person (conversations.open, scope im:write), or undefined. */
  const directMessage = async (client: WebClient, user: string): Promise<string | undefined> => {
    try {
      const r = await client.conversations.open({ users: user });
      return r.channel?.id;
    } catch (e) {
      log.warn({ err: e }, 'could not open a direct message for private charts');
      return undefined;
    }
  };

  app.command('/earshot', async ({ ack, command, respond, client }) => {
    await ack();
    const actor = slackActor({ id: command.user_id, name: command.user_name });
    try {
      // A slash command's answer is ephemeral: only the person who typed it sees it.
      const reply = await deps.commands.run(command.text ?? '', { actor, channel: command.channel_id, audience: 'private', now: clock.now() });
      const images = deps.uploadImage ? reply.images ?? [] : [];
      // Charts follow the answer: into the channel only when the answer is for the channel,
      // otherwise into the person's direct messages with the bot (the channel may be a customer's).
      const privateCharts = images.length > 0 && !reply.public;
      const extra = privateCharts ? ['The charts are in your direct messages with Earshot.'] : [];
      await respond({ response_type: reply.public ? 'in_channel' : 'ephemeral', ...renderCommandMessage(reply, extra) });
      if (images.length === 0) return;
      const target = reply.public ? command.channel_id : await directMessage(client, command.user_id);
      if (!target) {
        await respond({ response_type: 'ephemeral', text: escapeMrkdwn('I could not open a direct message with you for the charts (the app needs the im:write scope), so they were not sent.') });
        return;
      }
      for (const image of images) await deps.uploadImage!(client, target, image);
    } catch (e) {
      const message = e instanceof CommandUnknownError ? e.message : 'Something went wrong answering that command; the error is in the bot log.';
      if (!(e instanceof CommandUnknownError)) log.error({ err: e, command: command.text }, 'slash command failed');
      await respond({ response_type: 'ephemeral', text: escapeMrkdwn(message) });
    }
  });
}
