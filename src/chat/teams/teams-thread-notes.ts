import type { Activity } from 'botbuilder';
import type { ThreadReply } from '../../app/thread-notes.js';

/**
 * A person's reply in a channel thread, without a mention of the bot: with the
 * resource-specific consent `ChannelMessage.Read.Group` (see the manifest) Teams sends the
 * bot every channel message, not only those that @mention it
 * (learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/channel-messages-with-rsc).
 * A reply's conversation id is the thread's, `<channel>;messageid=<root message id>`, and
 * the root is the card when the thread is one of Earshot's. Undefined for anything else:
 * a top-level post, a message that mentions the bot (a command), a bot's own message,
 * or one with no text.
 */
export function parseTeamsThreadReply(a: Partial<Activity>, at: string): Omit<ThreadReply, 'by'> | undefined {
  if (a.type !== 'message' || a.conversation?.conversationType !== 'channel' || !a.conversation.id || !a.id) return undefined;
  const root = /;messageid=(\d+)$/.exec(a.conversation.id)?.[1] ?? a.replyToId;
  if (!root || root === a.id) return undefined;
  if (a.from?.id && a.from.id === a.recipient?.id) return undefined;
  if (mentionsRecipient(a)) return undefined;
  // Teams sends channel messages as HTML-ish text: keep the words, not the markup.
  const text = (a.text ?? '').replace(/<[^>]*>/g, ' ').replace(/&nbsp;|\u00a0/g, ' ').replace(/[ \t]+/g, ' ').trim();
  if (!text) return undefined;
  return { card: { platform: 'teams', conversationId: a.conversation.id, activityId: root }, id: `teams:${a.conversation.id}:${a.id}`, text, at };
}

/** Does the message @mention the bot (a command in a channel)? */
export function mentionsRecipient(a: Partial<Activity>): boolean {
  return (a.entities ?? []).some((e) => e.type === 'mention' && (e as { mentioned?: { id?: string } }).mentioned?.id === a.recipient?.id);
}
