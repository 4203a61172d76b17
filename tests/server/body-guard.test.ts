import { once } from 'node:events';
import { Agent, request, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { connect, type AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyGuard } from '../../src/server/operations.js';

/** Posts `declared` bytes of Content-Length, writing `sent` of them, and resolves with the status or the socket error. */
function post(port: number, declared: number, sent: number, opts: { slowMs?: number } = {}): Promise<{ status?: number; error?: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let status: number | undefined;
    const req = request({ host: '127.0.0.1', port, path: '/in', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(declared) } }, (res) => {
      status = res.statusCode;
      res.resume();
      res.once('end', () => { if (!opts.slowMs) resolve({ status, closedAfterMs: Date.now() - t0 }); });
    });
    req.once('error', (e: NodeJS.ErrnoException) => resolve({ status, error: e.code ?? e.message, closedAfterMs: Date.now() - t0 }));
    req.once('close', () => resolve({ status, closedAfterMs: Date.now() - t0 }));
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    let left = sent;
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        const more = req.write(chunk.subarray(0, n));
        if (opts.slowMs) { setTimeout(pump, opts.slowMs); return; }
        if (!more) { req.once('drain', pump); return; }
      }
      if (declared === sent) req.end();
    };
    pump();
  });
}

const MB = 1024 * 1024;

describe('bodyGuard', () => {
  let server: Server;
  let port: number;
  let reached = 0;
  let lastSocket: Socket | undefined;

  beforeAll(async () => {
    const app = express();
    app.use((req, _res, next) => { lastSocket = req.socket; next(); });
    app.use(bodyGuard(1000, { lingerMs: 500 }));
    app.post('/in', (_req, res) => { reached += 1; res.json({ ok: true }); });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers 413 to a client still writing an oversized body, instead of resetting the connection under it', async () => {
    // The client sends part of its body, and the rest once the answer is surely out. A socket
    // closed with that rest unread sends a reset: the client got ECONNRESET in mid-write, and
    // fetch (undici) then often drops the 413 it had already received.
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d: Buffer) => { got += d.toString('latin1'); });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(`${e.code ?? e.message} after ${got.slice(0, 12)}`));
      s.once('close', () => resolve(got.slice(0, 12)));
      s.once('connect', () => {
        s.write(`POST /in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${3 * MB}\r\n\r\n`);
        s.write(Buffer.alloc(MB, 0x78));
        // Busy elsewhere for a moment, as a loaded client is: reads nothing, writes nothing.
        s.pause();
        setTimeout(() => { s.resume(); s.end(Buffer.alloc(2 * MB, 0x78)); }, 100);
      });
    })));
    expect(outcomes).toEqual(outcomes.map(() => 'HTTP/1.1 413'));
    // And fetch, as the tests and most clients send.
    const body = 'x'.repeat(1_200_000);
    const viaFetch = await Promise.all(Array.from({ length: 8 }, () =>
      fetch(`http://127.0.0.1:${port}/in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        .then(async (res) => { await res.text(); return res.status; }, (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message)));
    expect(viaFetch).toEqual(viaFetch.map(() => 413));
    expect(reached).toBe(0);
  });

  it('does not wait forever on a body that keeps trickling in: the socket is closed after the linger time', async () => {
    const r = await post(port, 100_000_000, 100_000_000, { slowMs: 50 });
    expect(r.status).toBe(413);
    expect(r.closedAfterMs).toBeLessThan(10_000);
    expect(reached).toBe(0);
  });

  it('passes bodies within the limit and refuses a body without a length (411)', async () => {
    expect((await post(port, 500, 500)).status).toBe(200);
    expect(reached).toBe(1);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/in', method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.once('error', reject);
      req.end('{"a":1}');
    });
    expect(status).toBe(411);
    expect(reached).toBe(1);
  });

  it('keeps a kept-alive connection through many refusals whose bodies arrived, without piling up listeners', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 15; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: '/in', method: 'POST', agent, headers: { 'transfer-encoding': 'chunked' } }, (res) => { res.resume(); res.once('end', () => resolve(res.statusCode ?? 0)); });
          req.once('error', reject);
          req.end('{"a":1}');
        });
        expect(status).toBe(411);
      }
      const socket = lastSocket!;
      // Past the linger time: a body that did arrive in full leaves no timer to cut the connection.
      await new Promise((r) => setTimeout(r, 800));
      expect(socket.destroyed).toBe(false);
      expect(socket.listenerCount('close')).toBeLessThanOrEqual(2);
    } finally {
      agent.destroy();
    }
  });
});
