import type { Mention, Network } from '../domain/mention.js';

/**
 * A network's push channel beside its {@link MentionSource} poll (X's filtered stream,
 * Bluesky's Jetstream, Mastodon's streaming API). An adapter makes one connection per
 * {@link MentionStream.connect} call and says how it ended; reconnecting (with the
 * backoff the network asks for), the lease that keeps one connection per source across
 * instances, and filling gaps with the poll path are the stream job's (src/jobs/stream-job.ts).
 */

/** How one connection ended, so the job can pick the wait before the next one. */
export type StreamEnd =
  /** Closed on our side (stop, lost lease). */
  | { kind: 'closed' }
  /** The connection dropped or could not be made (TCP, TLS, DNS): reconnect soon, waits growing linearly. */
  | { kind: 'network'; message: string }
  /** Nothing arrived, not even a keep-alive, for longer than the network promises: treated as a drop. */
  | { kind: 'stalled'; message: string }
  /** The network answered with an HTTP error: waits doubling from a few seconds. */
  | { kind: 'http'; status: number; message: string }
  /** The network asked us to slow down (429): waits doubling from a minute, or what it asked for. */
  | { kind: 'rate-limited'; message: string; retryAfterMs?: number | undefined }
  /** Refused for good (credentials, access tier): tried again only after a long wait; polling carries on. */
  | { kind: 'refused'; message: string };

export interface StreamHandlers {
  /** The connection is up and data may flow. */
  connected(): void;
  /**
   * Mentions heard, oldest first, with the stream position after them (X: the newest
   * post id; Jetstream: the event's time in µs). Awaited: the adapter reads on after it.
   */
  mentions(batch: Mention[], position: string | undefined): Promise<void>;
  /** A line or frame that could not be read (not JSON, not the documented shape): skipped. */
  malformed(detail: string): void;
  /** The stream position moved without a mention (Jetstream events that are not ours). */
  position?(position: string): void;
}

export interface MentionStream {
  readonly name: string;
  readonly network: Network;
  /**
   * True when the network replays from a stored position (Jetstream's `cursor`): a
   * reconnect resumes from it. False when a reconnect must have the gap since the last
   * post heard filled by the poll path (X, Mastodon).
   */
  readonly replays: boolean;
  /**
   * Makes one connection from `position` (replaying networks) and reads it until it ends
   * or `signal` aborts; resolves with how it ended, never rejects.
   */
  connect(handlers: StreamHandlers, position: string | undefined, signal: AbortSignal): Promise<StreamEnd>;
  /**
   * The poll cursor that says "everything up to `position` was heard", from the stored
   * one; for networks whose poll cursor can be moved by the stream (X: post ids). Without
   * it, the next gap fill polls from where the last one stopped (duplicates are
   * recognised by the inbox, so this costs requests, not cards).
   */
  advanceCursor?(pollCursor: string | undefined, position: string): string | undefined;
  /** The position a first connection starts from (Jetstream: now minus the look-back, in µs). */
  firstPosition?(now: number): string | undefined;
}
