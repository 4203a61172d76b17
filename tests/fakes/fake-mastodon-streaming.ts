/**
 * Mastodon's streaming API for the fake instance (fake-mastodon.ts): a websocket at
 * `/api/v1/streaming` (docs.joinmastodon.org/methods/streaming). The token comes as
 * `Authorization: Bearer`, `Sec-WebSocket-Protocol` or `?access_token=`; a wrong one is
 * answered 401 before the upgrade. Clients send `{"type":"subscribe","stream":"user:notification"}`
 * or `{"type":"subscribe","stream":"hashtag","tag":"foo"}`; events are
 * `{stream: [...], event, payload}` with `payload` a JSON string. Misbehaving: `drop()`,
 * `stall(true|false)` (stop sending and reading, so pings go unanswered), `sendRaw(text)`.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeMastodonStreaming {
  /** Open connections now. */
  readonly open: number;
  /** Subscriptions received, in order (`user:notification`, `hashtag:foo`). */
  subscriptions: string[];
  connects: number;
  drop(): void;
  stall(on: boolean): void;
  sendRaw(text: string): void;
}

export function attachStreaming(server: Server, token: () => string) {
  const wss = new WebSocketServer({ noServer: true });
  const subs = new Map<WebSocket, Set<string>>();
  let stalled = false;
  const api: FakeMastodonStreaming = {
    get open() { return subs.size; },
    subscriptions: [],
    connects: 0,
    drop() { for (const ws of subs.keys()) ws.terminate(); },
    stall(on) {
      stalled = on;
      for (const ws of subs.keys()) {
        const socket = (ws as unknown as { _socket: Duplex })._socket;
        if (on) socket.pause(); else socket.resume();
      }
    },
    sendRaw(text) { for (const ws of subs.keys()) ws.send(text); },
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname !== '/api/v1/streaming') { socket.destroy(); return; }
    const sent = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? req.headers['sec-websocket-protocol'] ?? url.searchParams.get('access_token');
    if (sent !== token()) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":"Error: Invalid access token"}');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      api.connects += 1;
      const mine = new Set<string>();
      subs.set(ws, mine);
      ws.on('message', (data) => {
        try {
          const m = JSON.parse(data.toString()) as { type?: string; stream?: string; tag?: string };
          const name = m.stream === 'hashtag' ? `hashtag:${(m.tag ?? '').toLowerCase()}` : m.stream ?? '';
          if (m.type === 'subscribe') { mine.add(name); api.subscriptions.push(name); }
          if (m.type === 'unsubscribe') mine.delete(name);
        } catch { /* Mastodon ignores what it cannot read */ }
      });
      ws.on('close', () => subs.delete(ws));
    });
  });

  /** Sends an event to every connection subscribed to `name`. */
  const publish = (name: string, stream: string[], event: string, payload: unknown) => {
    if (stalled) return;
    for (const [ws, mine] of subs) if (mine.has(name)) ws.send(JSON.stringify({ stream, event, payload: JSON.stringify(payload) }));
  };
  return { api, publish, close: () => { for (const ws of subs.keys()) ws.terminate(); wss.close(); } };
}
