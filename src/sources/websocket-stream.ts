import WebSocket from 'ws';
import type { StreamEnd } from './mention-stream.js';
import { KeepAliveWatchdog, type WatchdogClock } from './websocket-watchdog.js';

/** What the ends of a websocket stream's connection say (the network's words). */
export interface SocketEnds {
  /** Nothing heard for `stallMs`. */
  stalled(stallMs: number): string;
  /** The socket failed (DNS, TCP, TLS). */
  unreachable(message: string): string;
  /** The other side closed the connection. */
  closed: string;
  /** The upgrade was answered with an HTTP status instead. */
  response(status: number): StreamEnd;
}

export interface SocketSession {
  url: string;
  options: WebSocket.ClientOptions;
  /** No frame and no pong for this long counts as a drop. */
  stallMs: number;
  ends: SocketEnds;
  /** The socket is open: subscribe (Mastodon), then tell the job. */
  opened(ws: WebSocket): void;
  /**
   * One frame. Returns the work it calls for (handing mentions over), run after the work of
   * the frames before it, or undefined.
   */
  frame(text: string): (() => Promise<void>) | undefined;
  clock?: WatchdogClock | undefined;
}

/**
 * One websocket connection of a stream, read until it ends: the keep-alive watchdog (a
 * ping every third of `stallMs`, a stall closes the socket), `signal` closing it, the
 * frames' work run in order, and how it ended, once that work is done. Never rejects.
 */
export function runWebSocket(session: SocketSession, signal: AbortSignal): Promise<StreamEnd> {
  return new Promise<StreamEnd>((resolve) => {
    if (signal.aborted) { resolve({ kind: 'closed' }); return; }
    const ws = new WebSocket(session.url, session.options);
    let chain = Promise.resolve();
    let ended: StreamEnd | undefined;
    const finish = (end: StreamEnd) => { ended ??= end; ws.terminate(); };
    const onAbort = () => finish({ kind: 'closed' });
    signal.addEventListener('abort', onAbort, { once: true });
    const watchdog = new KeepAliveWatchdog({
      stallMs: session.stallMs,
      clock: session.clock,
      ping: () => { if (ws.readyState === WebSocket.OPEN) ws.ping(); },
      stalled: () => finish({ kind: 'stalled', message: session.ends.stalled(session.stallMs) }),
    });
    ws.on('open', () => { watchdog.heard(); session.opened(ws); });
    ws.on('pong', () => watchdog.heard());
    ws.on('message', (data: WebSocket.RawData) => {
      watchdog.heard();
      const work = session.frame(data.toString());
      if (work) chain = chain.then(work).catch(() => undefined);
    });
    ws.on('unexpected-response', (_req, res) => finish(session.ends.response(res.statusCode ?? 0)));
    ws.on('error', (e) => { ended ??= { kind: 'network', message: session.ends.unreachable(e.message) }; });
    ws.on('close', () => {
      watchdog.stop();
      signal.removeEventListener('abort', onAbort);
      void chain.then(() => resolve(signal.aborted ? { kind: 'closed' } : ended ?? { kind: 'network', message: session.ends.closed }));
    });
  });
}
