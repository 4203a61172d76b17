import type { Reply } from '../domain/case.js';
import type { Mention, Network } from '../domain/mention.js';
import type { MentionSource, PollResult } from './mention-source.js';
import type { PrivateAccess, PrivateMessage, PrivateMessages, PrivatePollResult, PrivateRecipient } from './private-messages.js';

/**
 * A source whose network SDK is loaded on first use. Every listening tick is a fresh
 * worker thread: loading every network's SDK there (`@atproto/api` alone takes seconds of
 * CPU) would slow every tick of every source. The factory validates the configuration
 * and answers `checkReply` (plain text rules) without the SDK; `poll`, `reply` and
 * `findReply` load the adapter once, then delegate.
 */
export class LazySource implements MentionSource {
  private real: Promise<MentionSource> | undefined;
  /** Private messages, when the source has them: loaded like the rest, their text rules answered at once. */
  readonly private: PrivateMessages | undefined;

  constructor(
    readonly name: string,
    readonly network: Network,
    readonly canReply: boolean,
    private readonly check: (text: string, mention?: Mention) => string | undefined,
    private readonly load: () => Promise<MentionSource>,
    /** The private-message text rules, given only when the source has private messages. */
    checkPrivate?: ((text: string) => string | undefined) | undefined,
  ) {
    this.private = checkPrivate ? new LazyPrivate(network, checkPrivate, async () => {
      const p = (await this.source()).private;
      if (!p) throw new Error(`source "${name}" was configured for private messages but its adapter has none`);
      return p;
    }) : undefined;
  }

  private source(): Promise<MentionSource> {
    this.real ??= this.load().catch((e: unknown) => {
      this.real = undefined;
      throw e;
    });
    return this.real;
  }

  checkReply(text: string, mention?: Mention): string | undefined {
    return this.check(text, mention);
  }

  async poll(cursor: string | undefined): Promise<PollResult> {
    return (await this.source()).poll(cursor);
  }

  async reply(mention: Mention, text: string): Promise<Reply> {
    return (await this.source()).reply(mention, text);
  }

  async findReply(mention: Mention, text: string): Promise<Reply | undefined> {
    return (await this.source()).findReply(mention, text);
  }
}

/** {@link PrivateMessages} of a {@link LazySource}: the adapter is loaded on first use. */
class LazyPrivate implements PrivateMessages {
  constructor(
    readonly network: Network,
    private readonly check: (text: string) => string | undefined,
    private readonly real: () => Promise<PrivateMessages>,
  ) {}

  checkPrivate(text: string): string | undefined {
    return this.check(text);
  }

  async access(): Promise<PrivateAccess> {
    return (await this.real()).access();
  }

  async pollPrivate(cursor: string | undefined): Promise<PrivatePollResult> {
    return (await this.real()).pollPrivate(cursor);
  }

  async sendPrivate(to: PrivateRecipient, text: string): Promise<PrivateMessage> {
    return (await this.real()).sendPrivate(to, text);
  }

  async findPrivate(to: PrivateRecipient, text: string, sinceMs: number): Promise<PrivateMessage | undefined> {
    return (await this.real()).findPrivate(to, text, sinceMs);
  }
}
