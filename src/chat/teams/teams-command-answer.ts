import type { TurnContext } from 'botbuilder';
import { CommandUnknownError, type CommandReply, type CommandRouter } from '../../app/commands.js';
import type { Actor } from '../../domain/actor.js';
import type { Logger } from '../../util/logger.js';
import { clip } from '../safe-text.js';
import { renderTeamsMessage } from './render-teams-message.js';
import { MAX_INLINE_IMAGE, say, SOMETHING_WENT_WRONG } from './teams-answers.js';
import { cardActivity } from './teams-gateway.js';
import { TEAMS_PERSONAL_COMMANDS } from './teams-personal-chat.js';

/**
 * A command typed to the bot, answered in the conversation it was typed in. A bot's answer
 * in a channel or group chat is seen by everyone there: only a 1:1 chat ("personal") is
 * private. The router and the metrics answer keep personal figures out of shared
 * conversations (see PERMISSIONS); `help` in the 1:1 chat also lists that chat's own commands.
 */
export async function answerTeamsCommand(ctx: TurnContext, text: string, who: Actor, deps: { commands: CommandRouter; now: Date; log: Logger }): Promise<void> {
  const a = ctx.activity;
  const audience = a.conversation?.conversationType === 'personal' ? 'private' : 'shared';
  let reply: CommandReply;
  try {
    reply = await deps.commands.run(text, { actor: who, channel: a.conversation.id, audience, now: deps.now, surfaceCommands: audience === 'private' ? TEAMS_PERSONAL_COMMANDS : undefined });
  } catch (e) {
    if (!(e instanceof CommandUnknownError)) deps.log.error({ err: e, command: clip(text, 200) }, 'Teams command failed');
    return void (await say(ctx, e instanceof CommandUnknownError ? e.message : SOMETHING_WENT_WRONG));
  }
  await ctx.sendActivity(cardActivity(renderTeamsMessage(reply), reply.title ?? reply.lines[0] ?? 'Earshot'));
  // Charts go one per message after the answer: a chart Teams refuses must not take the answer with it.
  for (const image of reply.images ?? []) {
    try {
      if (image.png.length > MAX_INLINE_IMAGE) throw new Error(`${image.png.length} bytes is over the 1 MB Teams accepts inline`);
      await ctx.sendActivity({ type: 'message', attachments: [{ contentType: 'image/png', contentUrl: `data:image/png;base64,${image.png.toString('base64')}`, name: image.filename }] });
    } catch (e) {
      deps.log.warn({ err: e, chart: image.filename }, 'Teams did not take a chart');
      await say(ctx, `The chart "${image.title}" could not be shown in Teams.`);
    }
  }
}
