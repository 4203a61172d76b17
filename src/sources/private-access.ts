import type { SourceCache, SourceContext } from './mention-source.js';
import type { PrivateAccess } from './private-messages.js';

/** What an adapter learned about its private-message access, kept in the store. */
interface StoredAccess {
  canRead: boolean;
  canStart: boolean;
  reason?: string | undefined;
  /** When it was learned (ms). */
  at: number;
}

export interface PrivateAccessMemoryOptions {
  /** The source's name, for the store key and the warning. */
  source: string;
  network: string;
  cache?: SourceCache | undefined;
  /** How long an answer is trusted before the network is asked again. */
  recheckMs: number;
  now: () => number;
  warn?: SourceContext['warn'];
}

/**
 * Remembers what the network said about this account's private messages (for example X's
 * 403 for an access level without direct messages), so that:
 * - the answer outlives the worker that learned it (every listening tick is a fresh worker):
 *   it is kept in the store for `recheckMs`, and no private call is made meanwhile;
 * - a refusal is reported once (one warning when it is first learned), not on every tick;
 * - after `recheckMs` the network is asked again, so a plan upgrade is noticed.
 */
export class PrivateAccessMemory {
  private known: StoredAccess | undefined;

  constructor(private readonly opts: PrivateAccessMemoryOptions) {}

  private get key(): string {
    return `private-access:${this.opts.network}:${this.opts.source}`;
  }

  /** What is known and still fresh, or undefined when the network must be asked. */
  async get(): Promise<PrivateAccess | undefined> {
    const fresh = (s: StoredAccess | undefined) => s && this.opts.now() - s.at < this.opts.recheckMs;
    if (!fresh(this.known)) this.known = await this.opts.cache?.get<StoredAccess>(this.key);
    if (!fresh(this.known)) {
      this.known = undefined;
      return undefined;
    }
    return toAccess(this.known!);
  }

  /** The network let us do what we asked: remember it (without forgetting a refusal of the other half). */
  async allowed(what: { canRead?: boolean; canStart?: boolean }): Promise<void> {
    const prev = (await this.get()) ?? { canRead: true, canStart: true };
    const canRead = what.canRead ?? prev.canRead;
    const canStart = what.canStart ?? prev.canStart;
    if (prev.canRead === canRead && prev.canStart === canStart && this.known) return;
    await this.save({ canRead, canStart, ...(!canStart && 'reason' in prev ? { reason: prev.reason } : {}), at: this.opts.now() });
  }

  /**
   * The network refused: remember it, and warn once. A read refusal also stops sending
   * (the networks grant private messages as one product); a send refusal keeps reading.
   */
  async denied(what: 'read' | 'start', reason: string): Promise<PrivateAccess> {
    const prev = await this.get();
    const next: StoredAccess = {
      canRead: what === 'read' ? false : prev?.canRead ?? true,
      canStart: false,
      reason,
      at: this.opts.now(),
    };
    const isNew = !prev || prev.canStart || prev.canRead !== next.canRead;
    await this.save(next);
    if (isNew) this.opts.warn?.({ source: this.opts.source, network: this.opts.network, canRead: next.canRead, recheckInMs: this.opts.recheckMs }, reason);
    return toAccess(next);
  }

  private async save(s: StoredAccess): Promise<void> {
    this.known = s;
    await this.opts.cache?.set(this.key, s, this.opts.recheckMs);
  }
}

function toAccess(s: StoredAccess): PrivateAccess {
  return s.canStart ? { canStart: true, canRead: s.canRead } : { canStart: false, canRead: s.canRead, reason: s.reason ?? 'private messages are not available to this account' };
}
