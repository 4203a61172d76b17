/**
 * The plumbing every fake vendor server shares: listen on 127.0.0.1:0, read bodies, write
 * JSON, and close for real (hanging sockets included) so no test waits on a leftover socket.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Misbehaviour } from './misbehave.js';

/** A running fake server. */
export interface FakeHttpServer {
  server: http.Server;
  port: number;
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  origin: string;
  /** Errors thrown by the fake's own handler (a bug in the fake, answered with 500). */
  internalErrors: Error[];
  /** Stops listening and destroys every open connection, hanging ones included. */
  close(): Promise<void>;
}

/** A request handler; it must answer `res` or deliberately leave it hanging. */
export type FakeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Starts `handler` on 127.0.0.1 with an OS-assigned port. `faults` is disposed on close so
 * slow timers and hanging requests do not outlive the fake.
 */
export async function listenFake(handler: FakeHandler, faults: Misbehaviour): Promise<FakeHttpServer> {
  const internalErrors: Error[] = [];
  const server = http.createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      internalErrors.push(error);
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { fake_error: error.message });
    });
  });
  // Keep-alive sockets would otherwise keep close() waiting for clients' idle timeouts.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    internalErrors,
    close() {
      closing ??= new Promise<void>((resolve) => {
        faults.dispose();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Reads the whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Writes a complete JSON answer. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Lower-cased request headers flattened to strings (repeated headers joined by ", "). */
export function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
