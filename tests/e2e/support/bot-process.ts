import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');
export const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** A port nobody is using right now (the bot is told it through PORT, as in production). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `earshot-${prefix}-`));
}

export interface BotProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  /** Waits for the process to exit (after a signal). */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `earshot start` the way `npm start` does, and waits until /healthz answers. */
export async function startBot(opts: { cwd: string; env: Record<string, string>; port?: number; config?: string; startTimeoutMs?: number }): Promise<BotProcess> {
  const port = opts.port ?? (await freePort());
  let out = '';
  const child = spawn(process.execPath, [MAIN, 'start'], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  // Loading the bot's modules alone can take seconds on a busy machine.
  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the bot exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`the bot did not start:\n${out}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child, port, url, exited,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails with `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function writeConfig(dir: string, yaml: string): string {
  const file = join(dir, 'earshot.yaml');
  writeFileSync(file, yaml);
  return file;
}
