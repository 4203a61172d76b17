import { CURSOR, recordPoll } from '../app/pipeline.js';
import type { Mention } from '../domain/mention.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { MentionStream, StreamEnd, StreamHandlers } from '../sources/mention-stream.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import { recordSpend, type Budget } from './poll-budget.js';
import { DEFAULT_STREAM_BACKOFF, reconnectDelay, type StreamBackoff } from './stream-backoff.js';

/** The lease that makes one instance hold a source's stream connection. */
export const STREAM_LEASE = (source: string) => `stream:${source}`;
/** The last stream position heard (X: post id; Jetstream: time in µs). */
export const STREAM_POSITION = (source: string) => `stream-position:${source}`;
/** Set (with a short expiry) while a source's stream is connected: its polling ticks stand aside. */
export const STREAM_LIVE = (source: string) => `stream-live:${source}`;

/** A stream connection as /readyz and the ops metrics show it. */
export interface StreamStatus {
  /** This instance holds the source's stream lease. */
  holder: boolean;
  connected: boolean;
  /** Connections that ended other than by our own stop, since start. */
  reconnects: number;
  /** Lines or frames that could not be read and were skipped. */
  malformed: number;
  /** Mentions heard on the stream. */
  heard: number;
  /** Polls made to fill gaps after (re)connecting. */
  gapFills: number;
  lastError?: string | undefined;
  /** The last position heard. */
  position?: string | undefined;
  connectedAt?: string | undefined;
}

export interface StreamJobDeps {
  store: Store;
  stream: MentionStream;
  /** The same source's poll: fills the gap after a (re)connect on networks that keep no replay. */
  source: MentionSource;
  instanceId: string;
  log: Logger;
  /** Mentions were recorded in the inbox (screen them soon). */
  onBatch: () => void;
  /** How long the lease lasts unless renewed (default 10 s); it is renewed every third of that. */
  leaseMs?: number | undefined;
  backoff?: Partial<StreamBackoff> | undefined;
  /** The source's request budget: gap-filling polls are counted against it. */
  budget?: Budget | undefined;
  now?: (() => number) | undefined;
}

/** Polls of one gap fill at most, before it lets the scheduled polls carry on. */
const MAX_GAP_POLLS = 20;

/**
 * Keeps one source's stream connected on one instance: takes the stream lease (renewed
 * while held; another instance takes over within the lease's life when this one dies),
 * connects, records what is heard in the inbox as a poll would, fills the gap since the last
 * post with the poll path after each (re)connect, and reconnects with the network's backoff.
 */
export class StreamJob {
  readonly status: StreamStatus = { holder: false, connected: false, reconnects: 0, malformed: 0, heard: 0, gapFills: 0 };
  private stopped = false;
  private loop: Promise<void> | undefined;
  private conn: AbortController | undefined;
  private wake: (() => void) | undefined;
  /** Cursor writes (gap fill, advancing) one at a time. */
  private serial: Promise<unknown> = Promise.resolve();
  private gapFilled = false;
  private positionDirty = false;
  private readonly leaseMs: number;
  private readonly backoff: StreamBackoff;

  constructor(private readonly d: StreamJobDeps) {
    this.leaseMs = d.leaseMs ?? 10_000;
    this.backoff = { ...DEFAULT_STREAM_BACKOFF, ...d.backoff };
  }

  get name(): string { return this.d.stream.name; }

  start(): void {
    this.loop ??= this.run().catch((e: unknown) => this.d.log.error({ err: e, source: this.name }, 'stream job stopped by an error'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.conn?.abort();
    this.wake?.();
    await this.loop;
    await this.serial.catch(() => undefined);
    if (this.status.holder) {
      await this.flushPosition().catch(() => undefined);
      await this.d.store.delete(STREAM_LIVE(this.name)).catch(() => undefined);
      await this.d.store.releaseLease(STREAM_LEASE(this.name), this.d.instanceId).catch(() => undefined);
      this.status.holder = false;
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      if (!(await this.take())) {
        await this.sleep(Math.floor(this.leaseMs / 3));
        continue;
      }
      const { end, wasUp } = await this.connectOnce();
      if (this.stopped) break;
      if (end.kind !== 'closed') {
        this.status.reconnects += 1;
        this.status.lastError = end.message;
        this.d.log.warn({ source: this.name, end }, 'stream disconnected; reconnecting');
      }
      if (wasUp) failures = 0;
      await this.sleep(reconnectDelay(end, failures, wasUp, this.backoff));
      if (!wasUp && end.kind !== 'closed') failures += 1;
    }
  }

  /** Takes or renews the lease; true while this instance holds it. */
  private async take(): Promise<boolean> {
    try {
      this.status.holder = await this.d.store.acquireLease(STREAM_LEASE(this.name), this.d.instanceId, this.leaseMs);
    } catch (e) {
      this.d.log.warn({ err: e, source: this.name }, 'could not renew the stream lease');
      this.status.holder = false;
    }
    return this.status.holder;
  }

  /** One connection, with the lease renewed while it lasts; ends it when the lease is lost. */
  private async connectOnce(): Promise<{ end: StreamEnd; wasUp: boolean }> {
    const ac = new AbortController();
    this.conn = ac;
    this.gapFilled = false;
    let wasUp = false;
    let renewedAt = Date.now();
    const renew = setInterval(() => {
      void (async () => {
        if (await this.take()) renewedAt = Date.now();
        // Lost, or not renewed in time: another instance may hold it now.
        if (!this.status.holder && Date.now() - renewedAt >= this.leaseMs - 500) ac.abort();
        if (this.status.connected) await this.markLive();
        await this.flushPosition();
      })().catch((e: unknown) => this.d.log.warn({ err: e, source: this.name }, 'stream upkeep failed'));
    }, Math.max(100, Math.floor(this.leaseMs / 3)));
    try {
      const stored = await this.d.store.get<string>(STREAM_POSITION(this.name));
      const position = stored ?? this.d.stream.firstPosition?.((this.d.now ?? Date.now)());
      const end = await this.d.stream.connect(this.handlers(ac, () => { wasUp = true; }), position, ac.signal);
      return { end, wasUp };
    } finally {
      clearInterval(renew);
      this.status.connected = false;
      this.status.connectedAt = undefined;
      await this.d.store.delete(STREAM_LIVE(this.name)).catch(() => undefined);
      await this.flushPosition().catch(() => undefined);
    }
  }

  private handlers(ac: AbortController, up: () => void): StreamHandlers {
    return {
      connected: () => {
        up();
        this.status.connected = true;
        this.status.connectedAt = new Date().toISOString();
        void this.markLive();
        if (this.d.stream.replays) this.gapFilled = true;
        else void this.fillGap(ac.signal);
      },
      mentions: (batch, position) => this.heard(batch, position),
      malformed: (detail) => {
        this.status.malformed += 1;
        this.d.log.warn({ source: this.name, detail }, 'skipped a stream line that could not be read');
      },
      position: (p) => { this.status.position = p; this.positionDirty = true; },
    };
  }

  private async markLive(): Promise<void> {
    await this.d.store.set(STREAM_LIVE(this.name), this.d.instanceId, this.leaseMs);
  }

  private async flushPosition(): Promise<void> {
    if (!this.positionDirty || this.status.position === undefined) return;
    this.positionDirty = false;
    await this.d.store.set(STREAM_POSITION(this.name), this.status.position);
  }

  /** Mentions from the stream go to the inbox as a poll's would; the position follows. */
  private async heard(batch: Mention[], position: string | undefined): Promise<void> {
    if (batch.length > 0) {
      await recordPoll(this.d.store, this.name, { mentions: batch, cursor: undefined, requests: 0 });
      this.status.heard += batch.length;
      this.d.onBatch();
    }
    if (position === undefined) return;
    this.status.position = position;
    this.positionDirty = true;
    const advance = this.d.stream.advanceCursor?.bind(this.d.stream);
    if (advance && this.gapFilled) {
      await this.cursorWrite(async () => {
        const next = advance(await this.d.store.get<string>(CURSOR(this.name)), position);
        if (next !== undefined) await this.d.store.set(CURSOR(this.name), next);
      });
    }
    // Replaying networks store every position; others once per renewal (flushPosition).
    if (this.d.stream.replays) await this.flushPosition();
  }

  private cursorWrite<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.serial.then(fn);
    this.serial = next.catch(() => undefined);
    return next;
  }

  /**
   * Polls from the stored cursor until the poll has caught up (the gap since the last post
   * heard: the drop, and before that the time no instance was connected). Retried while
   * the connection lasts if the network fails.
   */
  private async fillGap(signal: AbortSignal): Promise<void> {
    for (let attempt = 0; !signal.aborted && !this.stopped; attempt++) {
      try {
        for (let polls = 0; polls < MAX_GAP_POLLS && !signal.aborted; polls++) {
          const more = await this.cursorWrite(() => this.gapPoll());
          if (!more) break;
        }
        this.gapFilled = true;
        return;
      } catch (e) {
        this.status.lastError = `filling the gap after connecting failed: ${(e as Error).message}`;
        this.d.log.warn({ err: e, source: this.name }, 'filling the stream gap failed; trying again');
        await this.sleep(Math.min(this.backoff.httpMaxMs, this.backoff.httpBaseMs * 2 ** Math.min(attempt, 6)), signal);
      }
    }
  }

  private async gapPoll(): Promise<boolean> {
    const r = await this.d.source.poll(await this.d.store.get<string>(CURSOR(this.name)));
    const now = (this.d.now ?? Date.now)();
    if (this.d.budget) await recordSpend(this.d.store, this.name, this.d.budget, r.requests, r.rateLimit, now);
    const added = await recordPoll(this.d.store, this.name, r);
    this.status.gapFills += 1;
    if (added > 0) this.d.onBatch();
    return !!r.more;
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { clearTimeout(t); this.wake = undefined; signal?.removeEventListener('abort', done); resolve(); };
      const t = setTimeout(done, ms);
      this.wake = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
