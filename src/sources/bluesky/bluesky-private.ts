import { ChatBskyConvoDefs, XRPCError, type AtpAgent } from '@atproto/api';
import * as z from 'zod';
import type { PrivateAccessMemory } from '../private-access.js';
import type { PrivateAccess, PrivateMessage, PrivateMessages, PrivatePollResult, PrivateRecipient } from '../private-messages.js';
import { readCursor } from '../source-cursor.js';
import { DeliveryPermanentError } from '../source-errors.js';
import { checkBlueskyPrivate } from './bluesky-text.js';

/**
 * Chat is a service of its own, reached through the brand's PDS with this header
 * (platform notes 2 §4; bsky-docs api-directory).
 */
export const BSKY_CHAT_PROXY = 'did:web:api.bsky.chat#bsky_chat';
const HEADERS = { 'atproto-proxy': BSKY_CHAT_PROXY };

/** The stored cursor: the chat log's rev to read after; until the first poll, the look-back floor. */
export const BlueskyChatCursorSchema = z.strictObject({ log: z.string().min(1).optional(), floorAt: z.number().finite().optional() });

export interface BlueskyPrivateOptions {
  source: string;
  /** Runs a call as the brand with the source's session handling and error mapping. */
  withSession: <T>(what: string, fn: (agent: AtpAgent) => Promise<T>) => Promise<T>;
  memory: PrivateAccessMemory;
  maxPages: number;
  lookbackMs: number;
  now: () => number;
}

/** The PDS refuses chat to an app password made without direct-message access. */
class ChatNotAllowedError extends DeliveryPermanentError {}
const NOT_ALLOWED = 'Bluesky refused chat for this app password ("Bad token method"): create an app password with "Allow access to your direct messages" ticked (Settings → Privacy and security → App passwords) and set BLUESKY_APP_PASSWORD to it. Until then Move to DM falls back to a public reply inviting a DM.';
/** What getConvoForMembers answers when this customer cannot be messaged by the brand. */
const RECIPIENT_REFUSALS: Record<string, string> = {
  MessagesDisabled: 'does not accept chat messages',
  NotFollowedBySender: 'accepts chat messages only from accounts they follow',
  BlockedActor: 'has blocked the brand, or is blocked by it',
  RecipientNotFound: 'was not found',
  AccountSuspended: 'is suspended',
  ConvoLocked: 'has a locked conversation with the brand',
};

/**
 * Bluesky chat (`chat.bsky.convo.*`) through @atproto/api, proxied to the chat service:
 * the log (`getLog`) read since a cursor, sends through `getConvoForMembers` and
 * `sendMessage`, and the conversation's messages (`getMessages`) looked through before a
 * retry.
 */
export class BlueskyPrivate implements PrivateMessages {
  readonly network = 'bluesky' as const;

  constructor(private readonly opts: BlueskyPrivateOptions) {}

  checkPrivate(text: string): string | undefined {
    return checkBlueskyPrivate(text);
  }

  async access(): Promise<PrivateAccess> {
    const known = await this.opts.memory.get();
    if (known) return known;
    try {
      await this.chat('chat access check', (agent) => agent.chat.bsky.convo.listConvos({ limit: 1 }, { headers: HEADERS }));
      await this.opts.memory.allowed({ canRead: true, canStart: true });
      return { canStart: true, canRead: true };
    } catch (e) {
      if (e instanceof ChatNotAllowedError) return this.opts.memory.denied('read', NOT_ALLOWED);
      throw e;
    }
  }

  async pollPrivate(raw: string | undefined): Promise<PrivatePollResult> {
    const now = this.opts.now();
    const { cursor = {} } = readCursor(BlueskyChatCursorSchema, raw, this.opts.source, now - this.opts.lookbackMs);
    const known = await this.opts.memory.get();
    if (known && !known.canRead) return { messages: [], cursor: raw, requests: 0 };
    // The floor stays in the cursor: the log may begin long before the first poll, and it is read in pages.
    const floorAt = cursor.floorAt ?? (cursor.log ? undefined : now - this.opts.lookbackMs);
    let log = cursor.log;
    let requests = 0;
    const created: Array<{ convoId: string; m: ChatBskyConvoDefs.MessageView }> = [];
    let me = '';
    try {
      // The log comes oldest first; its cursor is the last rev read, so a poll that stops paging simply carries on next time.
      for (let page = 0; page < this.opts.maxPages; page++) {
        const res = await this.chat('chat poll', async (agent) => {
          me = agent.assertDid;
          return agent.chat.bsky.convo.getLog({ ...(log ? { cursor: log } : {}) }, { headers: HEADERS });
        });
        requests += 1;
        for (const entry of res.data.logs) {
          if (ChatBskyConvoDefs.isLogCreateMessage(entry) && ChatBskyConvoDefs.isMessageView(entry.message)) created.push({ convoId: entry.convoId, m: entry.message });
        }
        const moved = res.data.cursor && res.data.cursor !== log;
        if (res.data.cursor) log = res.data.cursor;
        if (!moved || res.data.logs.length === 0) break;
      }
    } catch (e) {
      if (!(e instanceof ChatNotAllowedError)) throw e;
      await this.opts.memory.denied('read', NOT_ALLOWED);
      return { messages: [], cursor: raw, requests };
    }
    const fresh = created.filter(({ m }) => floorAt === undefined || Date.parse(m.sentAt) >= floorAt);
    const names = await this.profiles(fresh.map(({ m }) => m.sender.did));
    requests += names.requests;
    const others = await this.counterparts(fresh.filter(({ m }) => m.sender.did === me).map(({ convoId }) => convoId), me);
    requests += others.requests;
    const messages = fresh.map(({ convoId, m }) => ({ ...this.toMessage(convoId, m, me, names.byDid), ...(m.sender.did === me && others.byConvo.has(convoId) ? { to: others.byConvo.get(convoId)! } : {}) }));
    const next = { ...(log ? { log } : {}), ...(floorAt !== undefined ? { floorAt } : {}) };
    return { messages, cursor: JSON.stringify(next), requests };
  }

  async sendPrivate(to: PrivateRecipient, text: string): Promise<PrivateMessage> {
    const access = await this.access();
    if (!access.canStart) throw new DeliveryPermanentError(access.reason);
    return this.chat('chat message', async (agent) => {
      const convo = await this.convoWith(agent, to);
      const res = await agent.chat.bsky.convo.sendMessage({ convoId: convo, message: { text } }, { headers: HEADERS, encoding: 'application/json' });
      return { to: { id: to.id, handle: to.handle }, ...this.toMessage(convo, res.data, agent.assertDid, new Map([[agent.assertDid, { handle: agent.session?.handle ?? agent.assertDid, name: agent.session?.handle ?? '' }]])) };
    });
  }

  async findPrivate(to: PrivateRecipient, text: string, sinceMs: number): Promise<PrivateMessage | undefined> {
    return this.chat('chat message check', async (agent) => {
      const convo = await this.convoWith(agent, to);
      const res = await agent.chat.bsky.convo.getMessages({ convoId: convo, limit: 100 }, { headers: HEADERS });
      const views = res.data.messages.filter((m) => ChatBskyConvoDefs.isMessageView(m)) as ChatBskyConvoDefs.MessageView[];
      const hit = views.find((m) => m.sender.did === agent.assertDid && m.text === text && Date.parse(m.sentAt) >= sinceMs);
      return hit ? this.toMessage(convo, hit, agent.assertDid, new Map()) : undefined;
    });
  }

  private async convoWith(agent: AtpAgent, to: PrivateRecipient): Promise<string> {
    try {
      return (await agent.chat.bsky.convo.getConvoForMembers({ members: [to.id] }, { headers: HEADERS })).data.convo.id;
    } catch (e) {
      const why = e instanceof XRPCError ? RECIPIENT_REFUSALS[e.error ?? ''] : undefined;
      if (why) throw new DeliveryPermanentError(`@${to.handle} ${why} (Bluesky: ${(e as XRPCError).error}); the brand cannot message them there`, { cause: e });
      throw e;
    }
  }

  /** Runs a chat call; the PDS's refusal of chat for this app password becomes {@link ChatNotAllowedError} (before any re-login). */
  private chat<T>(what: string, fn: (agent: AtpAgent) => Promise<T>): Promise<T> {
    return this.opts.withSession(what, async (agent) => {
      try {
        return await fn(agent);
      } catch (e) {
        if (e instanceof XRPCError && /bad token (method|scope)/i.test(e.message)) throw new ChatNotAllowedError(NOT_ALLOWED, { cause: e });
        throw e;
      }
    });
  }

  /**
   * Who our messages went to: the other member of each 1:1 convo (`getConvo`; the log names
   * only the sender). A group convo, or one that cannot be read, has none.
   */
  private async counterparts(convoIds: string[], me: string): Promise<{ byConvo: Map<string, PrivateRecipient>; requests: number }> {
    const byConvo = new Map<string, PrivateRecipient>();
    let requests = 0;
    for (const convoId of new Set(convoIds)) {
      // A convo the brand has left since cannot be read: its messages are kept without a recipient.
      const res = await this.chat('chat convo lookup', (agent) => agent.chat.bsky.convo.getConvo({ convoId }, { headers: HEADERS })
        .catch((e: unknown) => { if (e instanceof XRPCError && e.error === 'InvalidConvo') return undefined; throw e; }));
      requests += 1;
      const others = res?.data.convo.members.filter((m) => m.did !== me) ?? [];
      if (others.length === 1) byConvo.set(convoId, { id: others[0]!.did, handle: others[0]!.handle });
    }
    return { byConvo, requests };
  }

  /** Handles and names of the senders (the log carries only their DIDs). */
  private async profiles(dids: string[]): Promise<{ byDid: Map<string, { handle: string; name: string }>; requests: number }> {
    const byDid = new Map<string, { handle: string; name: string }>();
    const todo = [...new Set(dids)];
    let requests = 0;
    for (let i = 0; i < todo.length; i += 25) {
      const res = await this.opts.withSession('profile lookup', (agent) => agent.app.bsky.actor.getProfiles({ actors: todo.slice(i, i + 25) }));
      requests += 1;
      for (const p of res.data.profiles) byDid.set(p.did, { handle: p.handle, name: p.displayName?.trim() || p.handle });
    }
    return { byDid, requests };
  }

  private toMessage(convoId: string, m: ChatBskyConvoDefs.MessageView, me: string, names: Map<string, { handle: string; name: string }>): PrivateMessage {
    const who = names.get(m.sender.did);
    return {
      id: m.id,
      conversationId: convoId,
      from: { id: m.sender.did, handle: who?.handle ?? m.sender.did, name: who?.name ?? who?.handle ?? '' },
      direction: m.sender.did === me ? 'out' : 'in',
      text: m.text,
      at: new Date(Date.parse(m.sentAt)).toISOString(),
      url: `https://bsky.app/messages/${encodeURIComponent(convoId)}`,
    };
  }
}
