import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/util/logger.js';

function capture() {
  const lines: Array<Record<string, any>> = [];
  const stream = new Writable({ write(chunk: Buffer, _e, cb) { for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l)); cb(); } });
  return { log: createLogger('debug', stream), lines };
}

describe('the log masks personal data and never throws doing it', () => {
  it('masks strings at any depth, in the message and its arguments', () => {
    const { log, lines } = capture();
    log.debug({ post: { text: 'card 4111 1111 1111 1111', to: ['jane@example.com'] } }, 'heard %s', '+44 20 7946 0958');
    expect(lines[0]!.post).toEqual({ text: 'card [card number]', to: ['[e-mail address]'] });
    expect(lines[0]!.msg).toBe('heard [phone number]');
    expect(JSON.stringify(lines)).not.toMatch(/4111|jane@|7946/);
  });

  it('masks an error, its fields and its cause, keeping its name', () => {
    const { log, lines } = capture();
    class RefusedError extends Error { code = 'REFUSED'; detail = 'card 4111111111111111'; }
    const e = new RefusedError('could not post card 4111111111111111', { cause: new Error('mail jane@example.com') });
    e.name = 'RefusedError';
    log.warn({ err: e }, 'failed');
    const err = lines[0]!.err;
    expect(err.message).toContain('[card number]');
    expect(err.type).toBeDefined();
    expect(err.code).toBe('REFUSED');
    expect(JSON.stringify(lines)).not.toMatch(/4111|jane@/);
    expect(err.stack).toContain('RefusedError');
  });

  it('logs an error caused by a platform DOMException (a timed-out fetch) instead of throwing', async () => {
    const { log, lines } = capture();
    const signal = AbortSignal.timeout(1);
    await new Promise((r) => setTimeout(r, 20));
    const timeout = signal.reason as Error;
    expect(timeout.name).toBe('TimeoutError');
    const e = new Error('request failed', { cause: timeout });
    expect(() => log.warn({ err: e }, 'could not tell the user ephemerally')).not.toThrow();
    expect(lines[0]!.msg).toBe('could not tell the user ephemerally');
    expect(JSON.stringify(lines[0]!.err)).toContain('aborted due to timeout');
  });
});
