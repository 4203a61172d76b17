/**
 * A fake Bluesky Jetstream on 127.0.0.1: a websocket at `/subscribe` speaking Jetstream's
 * JSON events (`{did, time_us, kind: 'commit', commit: {rev, operation, collection, rkey,
 * record, cid}}`). It honours `wantedCollections` (exact names and `prefix.*`) and `cursor`
 * (µs): events at or after the cursor are replayed first, then live ones follow, as the real
 * service does within its retention. Misbehaving: `drop()` cuts every connection, `stall(true)`
 * stops sending and stops reading (so pings go unanswered) until `stall(false)`, and
 * `sendRaw(text)` sends any frame.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface JetstreamEvent {
  did: string;
  time_us: number;
  kind: 'commit' | 'identity' | 'account';
  commit?: { rev: string; operation: 'create' | 'update' | 'delete'; collection: string; rkey: string; record?: Record<string, unknown>; cid?: string };
}

export interface FakePostInput {
  did?: string;
  text: string;
  /** DIDs mentioned, as mention facets over `@handle` text (byte offsets into the text). */
  mentions?: Array<{ did: string; handle: string }>;
  collection?: string;
}

export interface FakeJetstream {
  url: string;
  /** The query of every connection accepted, in order. */
  connections: URLSearchParams[];
  readonly open: number;
  events: JetstreamEvent[];
  post(input: FakePostInput): JetstreamEvent;
  publish(event: JetstreamEvent): void;
  drop(): void;
  stall(on: boolean): void;
  sendRaw(text: string): void;
  close(): Promise<void>;
}

const enc = new TextEncoder();

export async function startFakeJetstream(): Promise<FakeJetstream> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/subscribe' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as AddressInfo;
  const events: JetstreamEvent[] = [];
  const clients = new Map<WebSocket, (e: JetstreamEvent) => boolean>();
  const connections: URLSearchParams[] = [];
  let stalled = false;
  let last = 0;
  let seq = 0;

  const wants = (q: URLSearchParams) => {
    const wanted = q.getAll('wantedCollections');
    return (e: JetstreamEvent) => e.kind !== 'commit' || wanted.length === 0
      || wanted.some((w) => (w.endsWith('.*') ? e.commit!.collection.startsWith(w.slice(0, -1)) : e.commit!.collection === w));
  };

  wss.on('connection', (ws, req) => {
    const q = new URL(req.url ?? '/', 'http://fake').searchParams;
    connections.push(q);
    const filter = wants(q);
    const cursor = q.get('cursor');
    if (cursor !== null) for (const e of events) if (e.time_us >= Number(cursor) && filter(e)) ws.send(JSON.stringify(e));
    clients.set(ws, filter);
    ws.on('close', () => clients.delete(ws));
  });

  const publish = (e: JetstreamEvent) => {
    events.push(e);
    if (stalled) return;
    for (const [ws, filter] of clients) if (filter(e)) ws.send(JSON.stringify(e));
  };

  return {
    url: `ws://127.0.0.1:${port}/subscribe`,
    connections,
    get open() { return clients.size; },
    events,
    publish,
    post(input) {
      const did = input.did ?? 'did:plc:customer';
      const facets = (input.mentions ?? []).map((m) => {
        const at = enc.encode(input.text.slice(0, Math.max(0, input.text.indexOf(`@${m.handle}`)))).length;
        return { index: { byteStart: at, byteEnd: at + enc.encode(`@${m.handle}`).length }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: m.did }] };
      });
      last = Math.max(last + 1, Date.now() * 1000);
      const rkey = `3l${(++seq).toString(36).padStart(11, '0')}`;
      const e: JetstreamEvent = {
        did, time_us: last, kind: 'commit',
        commit: {
          rev: rkey, operation: 'create', collection: input.collection ?? 'app.bsky.feed.post', rkey, cid: `bafy${rkey}`,
          record: { $type: 'app.bsky.feed.post', text: input.text, createdAt: new Date(last / 1000).toISOString(), langs: ['en'], ...(facets.length ? { facets } : {}) },
        },
      };
      publish(e);
      return e;
    },
    drop() { for (const ws of clients.keys()) ws.terminate(); },
    stall(on) {
      stalled = on;
      for (const ws of clients.keys()) {
        const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
        if (on) socket.pause(); else socket.resume();
      }
    },
    sendRaw(text) { for (const ws of clients.keys()) ws.send(text); },
    close: () => new Promise<void>((resolve) => {
      for (const ws of clients.keys()) ws.terminate();
      wss.close(() => resolve());
    }),
  };
}
