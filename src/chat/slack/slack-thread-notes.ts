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
});

/**
 * A person's reply under a card, or undefined for anything else: top-level messages,
 * edits and other subtypes, and bots (Earshot's own notes in the thread included).
 */
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
    const result = await keepThreadNote(deps.cases, { card: reply.card, id: reply.id, text: reply.text, by, at: reply.at });
    if (result && !result.ok && result.refusal.code !== 'invalid_transition') {
      deps.log.warn({ caseId: result.case?.id, refusal: result.refusal.message }, 'a thread reply was not kept as a note');
    }
  });
}
