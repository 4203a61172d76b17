import type { AdaptiveCardInvokeResponse, TaskModuleResponse, TurnContext } from 'botbuilder';
import { clip, sanitizeText, TEXT_MAX } from '../safe-text.js';
import { renderTeamsMessage } from './render-teams-message.js';
import { cardActivity } from './teams-gateway.js';

// Universal Actions answer types (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards).
const MESSAGE_TYPE = 'application/vnd.microsoft.activity.message';
/** An empty task/submit answer closes the dialog. */
export const CLOSE_DIALOG = undefined as unknown as TaskModuleResponse;
export const SOMETHING_WENT_WRONG = 'Something went wrong; the error is in the bot log.';
// Teams accepts inline (base64) images up to 1 MB in bot messages.
export const MAX_INLINE_IMAGE = 1024 * 1024;

/** A short message to the clicker alone, in answer to a card button. */
export const toastOf = (message: string): AdaptiveCardInvokeResponse => ({
  statusCode: 200,
  type: MESSAGE_TYPE,
  // The response type says a string; botbuilder's type says an object.
  value: clip(message, 1000) as unknown as Record<string, unknown>,
});
/** A dialog that only says something (a refusal, or what went wrong). */
export const dialogMessage = (message: string): TaskModuleResponse => ({ task: { type: 'message', value: clip(sanitizeText(message), TEXT_MAX.ephemeral) } });

/** A reply in the thread the activity came from; a card, so nothing in it is parsed as Markdown. */
export async function say(ctx: TurnContext, text: string): Promise<void> {
  await ctx.sendActivity(cardActivity(renderTeamsMessage({ lines: text.split('\n') }), text));
}
