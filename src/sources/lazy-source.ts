import type { Reply } from '../domain/case.js';
import type { Mention, Network } from '../domain/mention.js';
import type { MentionSource, PollResult } from './mention-source.js';

/**
 * A source whose network SDK is loaded on first use. Every listening tick is a fresh
 * worker thread: loading every network's SDK there (`@atproto/api` alone takes seconds of
 * CPU) would slow every tick of every source. The factory validates the configuration
 * and answers `checkReply` (plain text rules) without the SDK; `poll`, `reply` and
 * `findReply` load the adapter once, then delegate.
 */
export class LazySource implements MentionSource {
  private real: Promise<MentionSource> | undefined;

  constructor(
    readonly name: string,
    readonly network: Network,
    readonly canReply: boolean,
    private readonly check: (text: string, mention?: Mention) => string | undefined,
    private readonly load: () => Promise<MentionSource>,
  ) {}

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
