import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import * as z from 'zod';
import type { CaseService } from '../../app/case-service.js';
import { keepThreadNote, type ThreadReply } from '../../app/thread-notes.js';
import type { Actor } from '../../domain/actor.js';
import type { Logger } from '../../util/logger.js';
import { slackNameResolver } from './slack-name-resolver.js';

/** A plain message in a thread, as the Events API delivers it (message.channels / message.groups). */
const ThreadMessageSchema = z.object({
  type: z.literal('message'),
  subtype: z.string().optional(),
  channel: z.string().min(1).max(64),
  user: z.string().min(1).max(64).optional(),
  bot_id: z.string().optional(),
  text: z.string().max(40_000).optional(),
  ts: z.string().min(1).max(64),
  thread_ts: z.string().max(64).optional(),
  /** Who posted the thread's parent (Slack sets it on thread replies). */
  parent_user_id: z.string().max(64).optional(),
});

/**
 * A person's reply under a card, or undefined for anything else: top-level messages,
 * edits and other subtypes, and bots (Earshot's own notes in the thread included).
 */
/** Whether a thread reply hangs under a message the bot posted (Slack's `parent_user_id`). */
export function underBotMessage(event: unknown, botUserId: string | undefined): boolean {
  const e = ThreadMessageSchema.safeParse(event);
  return !!botUserId && e.success && e.data.parent_user_id === botUserId;
}

export function parseThreadReply(event: unknown, botUserId: string | undefined, at: string): Omit<ThreadReply, 'by'> & { user: string } | undefined {
  const e = ThreadMessageSchema.safeParse(event);
  if (!e.success) return undefined;
  const m = e.data;
  if (m.subtype !== undefined || m.bot_id || !m.user || m.user === botUserId) return undefined;
  if (!m.thread_ts || m.thread_ts === m.ts) return undefined;
  const text = (m.text ?? '').trim();
  if (!text) return undefined;
  return { card: { platform: 'slack', channel: m.channel, ts: m.thread_ts }, id: `slack:${m.channel}:${m.ts}`, text, user: m.user, at };
}

/** Longest wait for a just-posted card to be recorded before a reply under it is let go. */
const CARD_WAIT_MS = 10_000;

/**
 * Internal notes: replies people write in a card's thread are kept on the case. The
 * bot subscribes to message.channels and message.groups (see the manifest); Bolt acks
 * events itself.
 */
export function registerThreadNotes(app: App, deps: { cases: CaseService; log: Logger; now: () => Date; resolve?: (client: WebClient, actor: Actor) => Promise<Actor> }): void {
  const byName = slackNameResolver(deps.log);
  app.event('message', async ({ event, context, client }) => {
    const reply = parseThreadReply(event, context.botUserId, deps.now().toISOString());
    if (!reply) return;
    const raw: Actor = { platform: 'slack', id: reply.user };
    const by = await (deps.resolve ?? byName)(client, raw);
    // Under one of the bot's own messages, the card may be posted but not yet recorded: wait for it a little.
    const result = await keepThreadNote(deps.cases, { card: reply.card, id: reply.id, text: reply.text, by, at: reply.at }, { waitForCardMs: underBotMessage(event, context.botUserId) ? CARD_WAIT_MS : 0 });
    if (result && !result.ok && result.refusal.code !== 'invalid_transition') {
      deps.log.warn({ caseId: result.case?.id, refusal: result.refusal.message }, 'a thread reply was not kept as a note');
    }
  });
}
