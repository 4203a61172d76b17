import {
  TeamsActivityHandler, TeamsInfo, TurnContext,
  type AdaptiveCardInvokeResponse, type AdaptiveCardInvokeValue, type TaskModuleRequest, type TaskModuleResponse,
} from 'botbuilder';
import { isChoiceAction, isDraftForm, isFormAction, type CaseInteractions, type ChoiceAction, type FormAction } from '../../app/case-interactions.js';
import type { CaseService } from '../../app/case-service.js';
import type { PeopleNames } from '../../app/people-directory.js';
import type { CommandRouter } from '../../app/commands.js';
import type { CardOfCase } from '../../app/case-card.js';
import type { StormService } from '../../app/storms.js';
import type { Actor } from '../../domain/actor.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { sanitizeText, TEXT_MAX } from '../safe-text.js';
import type { ChannelReferences, TeamsChannel } from './channel-references.js';
import { dialogAction, isAlertClick, isTeamsStormAction, parseTeamsAction, teamsActor, type TeamsAction } from './parse-teams-action.js';
import { rememberPersonalChat, type PersonalReferences } from './personal-references.js';
import { ADAPTIVE_CARD_TYPE, renderAdaptiveCard } from './render-adaptive-card.js';
import { CHOICE_FIELDS, renderTeamsChoice } from './render-teams-choice.js';
import { mentionsRecipient, parseTeamsThreadReply } from './teams-thread-notes.js';
import { keepThreadNote } from '../../app/thread-notes.js';
import { DIALOG_FIELD, renderTeamsDialog } from './render-teams-dialog.js';
import { prefilledDialog, suggestInDialog } from './teams-suggest.js';
import { answerTeamsCommand } from './teams-command-answer.js';
import { CLOSE_DIALOG, dialogMessage, say, SOMETHING_WENT_WRONG, toastOf } from './teams-answers.js';
import { TeamsStormActions } from './teams-storm-actions.js';
import { queueClickOf, TeamsPersonalChat, type TeamsPersonalChatDeps } from './teams-personal-chat.js';

export interface TeamsBotDeps {
  cases: CaseService;
  interactions: CaseInteractions;
  channels: ChannelReferences;
  /** People's 1:1 chats with the bot, kept for personal alerts. */
  personal?: PersonalReferences | undefined;
  /** A person's queue, for `my queue` and `approvals` in the personal chat. */
  queue?: TeamsPersonalChatDeps['queue'];
  commands: CommandRouter;
  /** The card of a case as the outbox renders it, handed in by the server (the bot needs no config or sources for it). */
  cardOf: CardOfCase;
  /** Storm mode: the storm cards' buttons and their reply dialog. */
  storms?: StormService | undefined;
  /** Remembers the name each person shows in Teams, so metrics answers can name them. */
  names?: PeopleNames | undefined;
  clock: Clock;
  log: Logger;
  /** When set, activities from any other Entra ID tenant are refused. */
  tenantId?: string | undefined;
}

/** Shapes of `channelData` Teams sends (learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/subscribe-to-conversation-events). */
interface TeamsChannelData {
  eventType?: string;
  channel?: { id?: string; name?: string };
  team?: { id?: string; name?: string };
  tenant?: { id?: string };
  settings?: { selectedChannel?: { id?: string } };
}

/**
 * The Teams side of Earshot: remembers the channels it is added to, answers card
 * buttons (Universal Actions, updating the card in place), opens the draft and reject
 * dialogs, and runs the same commands as Slack's /earshot. Decisions are made by
 * {@link CaseInteractions} and the command router, exactly as for Slack.
 */
export class TeamsBot extends TeamsActivityHandler {
  private readonly storm: TeamsStormActions;
  private readonly chat: TeamsPersonalChat;

  constructor(private readonly deps: TeamsBotDeps) {
    super();
    this.storm = new TeamsStormActions(deps);
    this.chat = new TeamsPersonalChat(deps);
    this.onTurn(async (ctx, next) => {
      if (!(await this.admit(ctx))) return;
      await next();
    });
    this.onConversationUpdate(async (ctx, next) => {
      await this.conversationChanged(ctx);
      await next();
    });
    this.onMessage(async (ctx, next) => {
      await this.message(ctx);
      await next();
    });
  }

  /** Refuses other tenants, and refreshes the channel's reference from whatever it sends. */
  private async admit(ctx: TurnContext): Promise<boolean> {
    const a = ctx.activity;
    const data = (a.channelData ?? {}) as TeamsChannelData;
    const tenant = a.conversation?.tenantId ?? data.tenant?.id;
    if (this.deps.tenantId && tenant !== this.deps.tenantId) {
      this.deps.log.warn({ tenant, type: a.type }, 'Teams activity from another tenant refused (MICROSOFT_APP_TENANT_ID)');
      if (a.type === 'invoke') await ctx.sendActivity({ type: 'invokeResponse', value: { status: 403 } });
      return false;
    }
    // Teams offers no name lookup without Graph permissions; every activity carries the sender's name.
    const sender = a.type === 'message' || a.type === 'invoke' ? teamsActor(a.from) : undefined;
    if (sender && this.deps.names) await this.deps.names.remember(sender).catch((e: unknown) => this.deps.log.debug({ err: e }, 'could not remember a Teams name'));
    if (this.deps.personal) await rememberPersonalChat(this.deps.personal, a);
    const channelId = data.channel?.id;
    if (channelId && a.serviceUrl && a.recipient?.id) {
      const known = await this.deps.channels.get(channelId);
      // Write only when something changed: this runs on every click.
      if (!known || known.serviceUrl !== a.serviceUrl || known.bot.id !== a.recipient.id) {
        await this.deps.channels.save(this.channelFrom(ctx, { id: channelId, name: data.channel?.name }));
      }
    }
    return true;
  }

  private channelFrom(ctx: TurnContext, channel: { id: string; name?: string | undefined }): Omit<TeamsChannel, 'updatedAt'> {
    const a = ctx.activity;
    const data = (a.channelData ?? {}) as TeamsChannelData;
    const teamId = data.team?.id;
    return {
      id: channel.id,
      // The General channel has no name of its own in Bot Framework; it is the team's id.
      name: channel.name ?? (teamId && channel.id === teamId ? 'General' : undefined),
      teamId,
      teamName: data.team?.name,
      tenantId: a.conversation?.tenantId ?? data.tenant?.id,
      serviceUrl: a.serviceUrl,
      bot: { id: a.recipient.id, name: a.recipient.name },
    };
  }

  /** Installation in a team, removal, and channel changes keep the channel references current; a person adding the bot for themselves is welcomed. */
  private async conversationChanged(ctx: TurnContext): Promise<void> {
    const { channels, log } = this.deps;
    const a = ctx.activity;
    const data = (a.channelData ?? {}) as TeamsChannelData;
    const teamId = data.team?.id;
    const isBot = (m: { id?: string }) => m.id === a.recipient.id;
    if (a.conversation?.conversationType === 'personal' && a.membersAdded?.some(isBot)) return void (await this.chat.welcome(ctx));
    if (teamId && a.membersAdded?.some(isBot)) {
      const id = data.channel?.id ?? data.settings?.selectedChannel?.id ?? a.conversation.id.split(';')[0]!;
      await channels.save(this.channelFrom(ctx, { id, name: data.channel?.name ?? a.conversation.name }));
      // Channels other than the one the app was added in never send anything on their own:
      // list them now, so a group can name any of them.
      try {
        for (const c of await TeamsInfo.getTeamChannels(ctx, teamId)) {
          if (c.id) await channels.save(this.channelFrom(ctx, { id: c.id, name: c.name }));
        }
      } catch (e) {
        log.warn({ err: e, teamId }, 'could not list the team\'s channels; only channels Earshot hears from can be bound by name');
      }
      log.info({ team: data.team?.name, teamId, channels: (await channels.list()).filter((c) => c.teamId === teamId).map((c) => c.name ?? c.id) }, 'Earshot was added to a Teams team');
      return;
    }
    if (teamId && a.membersRemoved?.some(isBot)) {
      const n = await channels.forgetTeam(teamId);
      log.info({ team: data.team?.name, teamId, channels: n }, 'Earshot was removed from a Teams team; its channels are forgotten');
      return;
    }
    const channel = data.channel;
    if (!channel?.id) return;
    if (data.eventType === 'channelDeleted') await channels.forget(channel.id);
    else if (['channelCreated', 'channelRenamed', 'channelRestored'].includes(data.eventType ?? '')) await channels.save(this.channelFrom(ctx, { id: channel.id, name: channel.name }));
  }

  /** A command typed to the bot, or an Action.Submit from a client without Universal Actions. */
  private async message(ctx: TurnContext): Promise<void> {
    const a = ctx.activity;
    const actor = teamsActor(a.from);
    if (a.value && !a.text?.trim()) {
      if (isTeamsStormAction(a.value)) return void (await this.storm.submitted(ctx, a.value, actor));
      const parsed = parseTeamsAction(a.value);
      if (!parsed.ok) return void (await say(ctx, parsed.problem));
      if (!actor) return void (await say(ctx, 'Teams did not say who you are, so nothing was changed.'));
      if (isFormAction(parsed.value.actionId) || isChoiceAction(parsed.value.actionId)) return void (await say(ctx, 'Update Teams to use this button: it opens a dialog.'));
      // The outbox refreshes the card for everyone; only a refusal needs an answer here.
      const result = await this.deps.interactions.click(parsed.value.actionId, parsed.value.ref, actor);
      if (!result.ok) await say(ctx, result.refusal.message);
      return;
    }
    // A reply in a card's thread (no @mention): an internal note, as in Slack; any other channel chatter is not ours.
    const threadReply = parseTeamsThreadReply(a, this.deps.clock.now().toISOString());
    if (threadReply && actor) return void (await keepThreadNote(this.deps.cases, { ...threadReply, by: actor }));
    if (a.conversation?.conversationType === 'channel' && !mentionsRecipient(a)) return;
    const text = (TurnContext.removeRecipientMention(a) ?? a.text ?? '').replace(/<at>[^<]*<\/at>/g, ' ').replace(/&nbsp;|\u00a0/g, ' ').trim();
    if (await this.chat.command(ctx, text, actor)) return;
    const who: Actor = actor ?? { platform: 'teams', id: a.from.id, ...(a.from.name ? { name: a.from.name } : {}) };
    await answerTeamsCommand(ctx, text, who, { commands: this.deps.commands, now: this.deps.clock.now(), log: this.deps.log });
  }

  /** A card button (Action.Execute): apply it and answer with the card as it is now. */
  protected override async onAdaptiveCardInvoke(ctx: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    try {
      const actor = teamsActor(ctx.activity.from);
      if (!actor) return toastOf('Teams did not say who you are, so nothing was changed.');
      if (isTeamsStormAction(value)) return await this.storm.clicked(value, actor);
      const fromQueue = queueClickOf(value);
      if (fromQueue) return await this.chat.clicked(ctx, value, fromQueue, actor);
      const parsed = parseTeamsAction(value);
      if (!parsed.ok) return toastOf(parsed.problem);
      if (isFormAction(parsed.value.actionId) || isChoiceAction(parsed.value.actionId)) return toastOf('That action opens a dialog; use its button on the card.');
      const result = await this.deps.interactions.click(parsed.value.actionId, parsed.value.ref, actor);
      // A refusal (a stale card among them) is told to the clicker alone; the outbox
      // re-renders the card for everyone, so a stale card catches up too.
      if (!result.ok) return toastOf(result.refusal.message);
      // From a personal alert: the alert stays an alert (the outbox updates it); say what was done.
      if (isAlertClick(value)) return toastOf(`Done: ${result.summary}. The card in the channel shows it.`);
      // The card exactly as the outbox renders it for every view, so the two never disagree.
      const c = result.case;
      const card = await this.deps.cardOf(c);
      return { statusCode: 200, type: ADAPTIVE_CARD_TYPE, value: renderAdaptiveCard(card) as unknown as Record<string, unknown> };
    } catch (e) {
      this.deps.log.error({ err: e }, 'Teams card action failed');
      return toastOf(SOMETHING_WENT_WRONG);
    }
  }

  /** A button that needs a dialog was pressed (Draft reply, Reject, Snooze…): open it, checked and prefilled. */
  protected override async handleTeamsTaskModuleFetch(ctx: TurnContext, request: TaskModuleRequest): Promise<TaskModuleResponse> {
    try {
      const actor = teamsActor(ctx.activity.from);
      if (!actor) return dialogMessage('Teams did not say who you are, so no form was opened.');
      if (isTeamsStormAction(request.data)) return await this.storm.dialog(request.data);
      const parsed = dialogAction(request.data);
      if (!parsed.ok) return dialogMessage(parsed.problem);
      if (parsed.kind === 'choice') {
        const choice = await this.deps.interactions.openChoice(parsed.action, parsed.value.ref, actor);
        return choice.ok ? renderTeamsChoice(choice.choice) : dialogMessage(choice.refusal.message);
      }
      const opened = await this.deps.interactions.openForm(parsed.action, parsed.value.ref, actor);
      if (!opened.ok) return dialogMessage(opened.refusal.message);
      return opened.form.assistPrefill ? await prefilledDialog(this.deps.interactions, opened.form, parsed.value.ref, actor) : renderTeamsDialog(opened.form);
    } catch (e) {
      this.deps.log.error({ err: e }, 'Teams dialog could not be opened');
      return dialogMessage(SOMETHING_WENT_WRONG);
    }
  }

  /** The dialog was submitted: save the draft or send it back, or show the dialog again with the problem. */
  protected override async handleTeamsTaskModuleSubmit(ctx: TurnContext, request: TaskModuleRequest): Promise<TaskModuleResponse> {
    const { interactions } = this.deps;
    try {
      const actor = teamsActor(ctx.activity.from);
      if (!actor) return dialogMessage('Teams did not say who you are, so nothing was saved.');
      if (isTeamsStormAction(request.data)) return await this.storm.dialogSubmitted(request.data, actor);
      const parsed = dialogAction(request.data);
      if (!parsed.ok) return dialogMessage(parsed.problem);
      if (parsed.kind === 'choice') return await this.choiceSubmitted(parsed.action, parsed.value, actor);
      const { action, value } = parsed;
      const text = value.fields[DIALOG_FIELD[action]] ?? '';
      const drafting = isDraftForm(action);
      if (action === 'case.draft' && value.suggest) return await suggestInDialog(interactions, value, text, actor);
      const problem = drafting ? await interactions.draftProblem(value.ref.caseId, text, action === 'case.redirect') : interactions.noteProblem(text);
      // Show the dialog again, with what was typed and the problem under it.
      if (problem) return await this.reopenDialog(action, value, actor, text, problem);
      const form = { caseId: value.ref.caseId, version: value.ref.version, templateId: value.templateId, assisted: value.assisted };
      const result = drafting ? await interactions.saveDraft(form, text, actor, action === 'case.redirect', value.translate === true) : await interactions.sendBack(form, text, actor);
      if (result.ok) return CLOSE_DIALOG;
      // A translation that could not be made (AI assist): the dialog again, with the words and why.
      if (result.refusal.rule === 'assist' && drafting) return await this.reopenDialog(action, value, actor, text, result.refusal.message);
      const what = drafting ? 'Your draft was not saved' : 'The draft was not sent back';
      return dialogMessage(`${what}: ${result.refusal.message}\n\nYour text, so nothing is lost:\n${text}`);
    } catch (e) {
      this.deps.log.error({ err: e }, 'Teams dialog submission failed');
      return dialogMessage(SOMETHING_WENT_WRONG);
    }
  }

  /** The draft or reject dialog again, with what was typed and the problem under it (or the problem and the text, if it may not open). */
  private async reopenDialog(action: FormAction, value: TeamsAction, actor: Actor, text: string, problem: string): Promise<TaskModuleResponse> {
    const reopened = await this.deps.interactions.openForm(action, value.ref, actor);
    if (reopened.ok) return renderTeamsDialog({ ...reopened.form, ...(value.templateId ? { templateId: value.templateId } : {}) }, { text, problem, assisted: value.assisted });
    return dialogMessage(`${reopened.refusal.message}\n\nYour text, so nothing is lost:\n${text}`);
  }

  /** A choice was made: apply it, or show the dialog again when the answer is incomplete. */
  private async choiceSubmitted(action: ChoiceAction, value: TeamsAction, actor: Actor): Promise<TaskModuleResponse> {
    const { interactions } = this.deps;
    const answer = { option: value.fields[CHOICE_FIELDS.option] || undefined, text: value.fields[CHOICE_FIELDS.text] || undefined };
    const result = await interactions.applyChoice({ action, caseId: value.ref.caseId, version: value.ref.version }, answer, actor);
    if (result.ok) return CLOSE_DIALOG;
    if (result.refusal.code === 'invalid_input') {
      const reopened = await interactions.openChoice(action, value.ref, actor);
      if (reopened.ok) return renderTeamsChoice(reopened.choice, { answer, problem: result.refusal.message });
    }
    return dialogMessage(`Nothing was changed: ${result.refusal.message}`);
  }
}
