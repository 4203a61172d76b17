import type { Server } from 'node:http';
import express, { type Express } from 'express';
import { bodyGuard } from './operations.js';

/** The server's one HTTP app: no framework banner, and every body size-checked before any route reads it. */
export function createHttpApp(): Express {
  const http = express();
  http.disable('x-powered-by');
  http.use(bodyGuard());
  return http;
}

/** Starts serving; resolves once the port is bound, rejects when it cannot be. */
export function listen(http: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = http.listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
}
