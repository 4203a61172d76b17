/**
 * A pass-through HTTP proxy on 127.0.0.1 in front of a fake vendor server, for the one
 * misbehaviour a fake's own fault model cannot show without changing the fake: the vendor
 * acted on a request (a message was sent) but its answer never reached the client. A
 * request picked by {@link StallProxy.stallNext} is forwarded, the vendor's answer is read
 * and dropped, and the client's request is left hanging until it gives up or dies.
 * Everything else is forwarded as it is, status, headers and body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StallProxy {
  url: string;
  /** The next request that `matches` is carried out by the vendor but never answered. */
  stallNext(matches: (method: string, path: string) => boolean): void;
  /** Requests stalled so far (method and path). */
  stalled: Array<{ method: string; path: string }>;
  /** Stalls asked for and not yet met. */
  readonly waiting: number;
  close(): Promise<void>;
}

const HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'content-encoding']);

export async function startStallProxy(targetUrl: string): Promise<StallProxy> {
  const target = targetUrl.replace(/\/+$/, '');
  const pending: Array<(method: string, path: string) => boolean> = [];
  const stalled: StallProxy['stalled'] = [];
  const hanging = new Set<IncomingMessage>();

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const answer = await fetch(`${target}${req.url ?? '/'}`, { method, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) });
    const body = Buffer.from(await answer.arrayBuffer());
    const i = pending.findIndex((m) => m(method, path));
    if (i >= 0) {
      pending.splice(i, 1);
      stalled.push({ method, path });
      hanging.add(req);
      req.socket.once('close', () => hanging.delete(req));
      return;
    }
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => { if (!HOP.has(k)) out[k] = v; });
    res.writeHead(answer.status, out);
    res.end(body);
  };

  const server = createServer((req, res) => {
    handler(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`stall proxy: ${(e as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // Shaped like the target's (some clients join paths onto a trailing slash).
    url: `http://127.0.0.1:${port}${targetUrl.endsWith('/') ? '/' : ''}`,
    stallNext: (matches) => { pending.push(matches); },
    stalled,
    get waiting() { return pending.length; },
    close: async () => {
      for (const req of hanging) req.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
