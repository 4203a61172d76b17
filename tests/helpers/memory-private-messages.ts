import type { Reply } from '../../src/domain/case.js';
import type { Mention, Network } from '../../src/domain/mention.js';
import { RemoteRefusedError } from '../../src/domain/remote-errors.js';
import type { MentionSource } from '../../src/sources/mention-source.js';
import type { PrivateAccess, PrivateMessage, PrivateMessages, PrivatePollResult, PrivateRecipient } from '../../src/sources/private-messages.js';

/**
 * An in-memory network's private messages, behaving as the port's doc comments say: a
 * conversation per participant, messages in both directions, polls since a cursor
 * (exclusive, oldest first), sends that start a conversation, findPrivate for a message
 * of ours with this text to this recipient since a time. It can misbehave on demand:
 * `failNextSendAfterDelivery` delivers the message and then throws as a dropped
 * connection would (the sender cannot know it arrived); `refuseSends` answers like a 403.
 */
export class MemoryPrivateMessages implements PrivateMessages {
  readonly messages: PrivateMessage[] = [];
  /** Every sendPrivate call, delivered or not. */
  readonly sendCalls: Array<{ to: PrivateRecipient; text: string }> = [];
  access_: PrivateAccess = { canStart: true, canRead: true };
  failNextSendAfterDelivery = false;
  refuseSends: string | undefined;
  private seq = 0;

  constructor(readonly network: Network, readonly brand: { id: string; handle: string; name: string }, private readonly now: () => number = Date.now) {}

  async access(): Promise<PrivateAccess> {
    return this.access_;
  }

  /** The customer writes to the brand. */
  customerWrites(from: { id: string; handle: string; name: string }, text: string): PrivateMessage {
    const m: PrivateMessage = { id: this.nextId(), conversationId: `conv-${from.id}`, from, direction: 'in', text, at: new Date(this.now()).toISOString() };
    this.messages.push(m);
    return m;
  }

  async pollPrivate(cursor: string | undefined): Promise<PrivatePollResult> {
    const after = cursor === undefined ? 0 : Number(cursor);
    const messages = this.messages.filter((m) => Number(m.id) > after);
    return { messages, cursor: messages.at(-1)?.id ?? cursor, requests: 1 };
  }

  async sendPrivate(to: PrivateRecipient, text: string): Promise<PrivateMessage> {
    this.sendCalls.push({ to, text });
    if (this.refuseSends) throw new RemoteRefusedError(this.refuseSends);
    if (!this.access_.canStart) throw new RemoteRefusedError(`cannot start a conversation: ${this.access_.reason}`);
    const m: PrivateMessage = { id: this.nextId(), conversationId: `conv-${to.id}`, from: this.brand, direction: 'out', text, at: new Date(this.now()).toISOString() };
    this.messages.push(m);
    if (this.failNextSendAfterDelivery) {
      this.failNextSendAfterDelivery = false;
      throw new Error('socket hang up (the message was delivered)');
    }
    return m;
  }

  async findPrivate(to: PrivateRecipient, text: string, sinceMs: number): Promise<PrivateMessage | undefined> {
    return this.messages.find((m) => m.direction === 'out' && m.conversationId === `conv-${to.id}` && m.text === text && Date.parse(m.at) >= sinceMs);
  }

  checkPrivate(text: string): string | undefined {
    return text.length > 10_000 ? `A direct message holds at most 10000 characters; this one has ${text.length}.` : undefined;
  }

  /** Messages of ours that reached `toId`. */
  sentTo(toId: string): PrivateMessage[] {
    return this.messages.filter((m) => m.direction === 'out' && m.conversationId === `conv-${toId}`);
  }

  private nextId(): string {
    this.seq += 1;
    return String(this.seq);
  }
}

/** A source that hears nothing publicly (tests feed the inbox) and keeps its public replies, with the private double beside it. */
export function sourceWithPrivate(name: string, pm: MemoryPrivateMessages | undefined): MentionSource & { replies: Reply[] } {
  const replies: Reply[] = [];
  return {
    name, network: pm?.network ?? 'x', canReply: true, replies,
    poll: async () => ({ mentions: [], cursor: undefined, requests: 0 }),
    reply: async (m: Mention, text: string) => {
      const r = { id: `r${replies.length + 1}`, url: `${m.url}#reply-${replies.length + 1}`, at: new Date().toISOString(), text };
      replies.push(r);
      return r;
    },
    findReply: async (_m: Mention, text: string) => replies.find((r) => r.text === text),
    checkReply: () => undefined,
    ...(pm ? { private: pm } : {}),
  };
}
