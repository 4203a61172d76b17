/**
 * The chat part of the fake Bluesky (platform notes 2 §4): `chat.bsky.convo.getLog`,
 * `listConvos`, `getConvo`, `getConvoForMembers`, `getMessages` and `sendMessage`, in the lexicons'
 * shapes (which @atproto/api validates).
 *
 * - Chat is a separate service reached through the PDS: a call without the header
 *   `atproto-proxy: did:web:api.bsky.chat#bsky_chat` is answered 501 as a PDS that does not
 *   implement the method would.
 * - `chatAllowed = false` models an app password created without "Allow access to your
 *   direct messages": the PDS refuses the privileged chat methods with `InvalidToken`
 *   "Bad token method".
 * - A user with `allowIncoming: 'none'` refuses new chats (`MessagesDisabled`).
 * - getLog pages oldest first (`chatLogPageSize` entries), its cursor is the last rev;
 *   without a cursor it starts at the beginning of the log.
 * - `stallAfterSend = n`: the next n sendMessage calls are carried out (the message is in the
 *   conversation and in `sent`) but never answered, as when the connection dies after the
 *   service acted: the client cannot know whether it was sent.
 */
import type { IncomingMessage } from 'node:http';
import type { BskyUser } from './fake-bluesky.js';

export const CHAT_PROXY = 'did:web:api.bsky.chat#bsky_chat';

export interface BskyChatMessage { id: string; rev: string; convoId: string; text: string; senderDid: string; sentAt: string }
interface Convo { id: string; rev: string; members: string[] }

export interface ChatDeps {
  brandDid: () => string;
  user: (actor: string) => BskyUser | undefined;
  now: () => number;
  /** A new, increasing rev (a TID). */
  nextRev: () => string;
  problem: (status: number, error: string, message: string) => Error;
  requireAuth: (req: IncomingMessage) => string;
  pageSize: number;
}

type Handler = (req: IncomingMessage, q: URLSearchParams, body: Record<string, unknown>) => unknown;

/** Thrown by a handler that did its work and must leave the request unanswered (the server keeps it hanging). */
export class NoAnswer extends Error {}

export function fakeBlueskyChat(deps: ChatDeps) {
  const convos = new Map<string, Convo>();
  const messages: BskyChatMessage[] = [];
  const logs: Array<{ rev: string; convoId: string; messageId: string }> = [];
  const state = { chatAllowed: true, refusing: new Set<string>(), stallAfterSend: 0 };
  const sent: BskyChatMessage[] = [];

  const convoFor = (dids: string[]): Convo => {
    const members = [...new Set(dids)].sort();
    const found = [...convos.values()].find((c) => c.members.join(' ') === members.join(' '));
    if (found) return found;
    const c: Convo = { id: `convo-${convos.size + 1}`, rev: deps.nextRev(), members };
    convos.set(c.id, c);
    return c;
  };
  const add = (senderDid: string, convo: Convo, text: string, sentAt?: string): BskyChatMessage => {
    const rev = deps.nextRev();
    const msg: BskyChatMessage = { id: `msg-${messages.length + 1}`, rev, convoId: convo.id, text, senderDid, sentAt: sentAt ?? new Date(deps.now()).toISOString() };
    messages.push(msg);
    logs.push({ rev, convoId: convo.id, messageId: msg.id });
    convo.rev = rev;
    return msg;
  };
  const view = (m: BskyChatMessage) => ({ $type: 'chat.bsky.convo.defs#messageView', id: m.id, rev: m.rev, text: m.text, sender: { did: m.senderDid }, sentAt: m.sentAt });
  const member = (did: string) => {
    const u = deps.user(did);
    return { did, handle: u?.handle ?? 'handle.invalid', ...(u ? { displayName: u.displayName } : {}) };
  };
  const convoView = (c: Convo) => {
    const last = [...messages].reverse().find((m) => m.convoId === c.id);
    return { id: c.id, rev: c.rev, members: c.members.map(member), muted: false, unreadCount: 0, status: 'accepted', ...(last ? { lastMessage: view(last) } : {}) };
  };

  /** Checks what the PDS checks before it proxies a chat call; returns the caller's DID. */
  const gate = (req: IncomingMessage): string => {
    const did = deps.requireAuth(req);
    if (req.headers['atproto-proxy'] !== CHAT_PROXY) throw deps.problem(501, 'MethodNotImplemented', 'Method Not Implemented');
    if (!state.chatAllowed) throw deps.problem(400, 'InvalidToken', 'Bad token method');
    return did;
  };
  const mine = (did: string, convoId: string): Convo => {
    const c = convos.get(convoId);
    if (!c || !c.members.includes(did)) throw deps.problem(400, 'InvalidConvo', 'Convo not found');
    return c;
  };

  const handlers: Record<string, Handler> = {
    'chat.bsky.convo.getLog': (req, q) => {
      const did = gate(req);
      const cursor = q.get('cursor');
      const after = logs.filter((l) => (!cursor || l.rev > cursor) && convos.get(l.convoId)!.members.includes(did));
      const page = after.slice(0, deps.pageSize);
      return {
        logs: page.map((l) => ({ $type: 'chat.bsky.convo.defs#logCreateMessage', rev: l.rev, convoId: l.convoId, message: view(messages.find((m) => m.id === l.messageId)!) })),
        ...(page.length > 0 ? { cursor: page[page.length - 1]!.rev } : cursor ? { cursor } : {}),
      };
    },
    'chat.bsky.convo.listConvos': (req, q) => {
      const did = gate(req);
      const limit = Number(q.get('limit') ?? 50);
      const list = [...convos.values()].filter((c) => c.members.includes(did)).sort((a, b) => (a.rev < b.rev ? 1 : -1));
      return { convos: list.slice(0, limit).map(convoView) };
    },
    'chat.bsky.convo.getConvoForMembers': (req, q) => {
      const did = gate(req);
      const others = q.getAll('members');
      if (others.length < 1 || others.length > 10) throw deps.problem(400, 'InvalidRequest', 'Error: members must have between 1 and 10 elements');
      for (const o of others) {
        if (!deps.user(o)) throw deps.problem(400, 'RecipientNotFound', 'recipient not found');
        if (state.refusing.has(o)) throw deps.problem(400, 'MessagesDisabled', 'recipient has disabled incoming messages');
      }
      return { convo: convoView(convoFor([did, ...others])) };
    },
    'chat.bsky.convo.getConvo': (req, q) => {
      const did = gate(req);
      return { convo: convoView(mine(did, q.get('convoId') ?? '')) };
    },
    'chat.bsky.convo.getMessages': (req, q) => {
      const did = gate(req);
      const c = mine(did, q.get('convoId') ?? '');
      const limit = Number(q.get('limit') ?? 50);
      const offset = Number(q.get('cursor') ?? 0);
      const list = messages.filter((m) => m.convoId === c.id).reverse();
      return { messages: list.slice(offset, offset + limit).map(view), ...(offset + limit < list.length ? { cursor: String(offset + limit) } : {}) };
    },
    'chat.bsky.convo.sendMessage': (req, _q, body) => {
      const did = gate(req);
      const c = mine(did, String(body.convoId ?? ''));
      const text = (body.message as { text?: unknown } | undefined)?.text;
      if (typeof text !== 'string' || text === '') throw deps.problem(400, 'InvalidRequest', 'Input/message must have the property "text"');
      const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].length;
      if (graphemes > 1000) throw deps.problem(400, 'InvalidRequest', 'Input/message/text must not be longer than 1000 graphemes');
      const m = add(did, c, text);
      sent.push(m);
      if (state.stallAfterSend > 0) {
        state.stallAfterSend -= 1;
        throw new NoAnswer('sent, never answered');
      }
      return view(m);
    },
  };

  return {
    handlers,
    state,
    messages,
    sent,
    /** A chat message from `from` to `to` (handles or DIDs; `to` defaults to the brand). */
    add(from: string, text: string, opts: { to?: string; sentAt?: string } = {}): BskyChatMessage {
      const a = deps.user(from);
      const b = deps.user(opts.to ?? deps.brandDid());
      if (!a || !b) throw new Error(`unknown chat member ${!a ? from : opts.to}`);
      return add(a.did, convoFor([a.did, b.did]), text, opts.sentAt);
    },
  };
}
