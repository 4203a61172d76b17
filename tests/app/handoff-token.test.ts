import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HandoffTokenInvalidError, signHandoffToken, verifyHandoffToken } from '../../src/app/handoff-token.js';

const SECRET = 'k'.repeat(16) + 'secret-of-the-bank-0123456789';
const NOW = Date.parse('2026-12-07T10:00:00Z');
const DAY = 86_400_000;

/**
 * The bank's side, written from docs/handoff.md only (no code of Earshot's): split, HMAC
 * the first part as ASCII, compare in constant time, parse, check purpose and expiry.
 */
function bankVerifies(secret: string, token: string, nowMs: number): { ok: true; caseId: string } | { ok: false; why: string } {
  const parts = token.split('.');
  if (parts.length !== 2 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return { ok: false, why: 'shape' };
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(parts[0]!, 'ascii')).digest();
  const given = Buffer.from(parts[1]!.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (given.length !== mac.length || !timingSafeEqual(given, mac)) return { ok: false, why: 'signature' };
  const json = JSON.parse(Buffer.from(parts[0]!.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as { case?: unknown; purpose?: unknown; exp?: unknown };
  if (json.purpose !== 'handoff') return { ok: false, why: 'purpose' };
  if (typeof json.exp !== 'number' || json.exp * 1000 <= nowMs) return { ok: false, why: 'expired' };
  return { ok: true, caseId: String(json.case) };
}

describe('the secure hand-off token', () => {
  it('round-trips: the case id comes back until the token expires', () => {
    const token = signHandoffToken(SECRET, '4711', NOW, DAY);
    expect(token).not.toMatch(/[=+/]/);
    expect(verifyHandoffToken(SECRET, token, NOW + DAY - 1000)).toEqual({ case: '4711', purpose: 'handoff', exp: Math.floor((NOW + DAY) / 1000) });
  });

  it('refuses an expired token, saying when it expired', () => {
    const token = signHandoffToken(SECRET, '4711', NOW, 60_000);
    expect(() => verifyHandoffToken(SECRET, token, NOW + 60_000)).toThrow(/expired at 2026-12-07T10:01:00.000Z/);
  });

  it('refuses a tampered payload, a tampered signature, another secret and another purpose', () => {
    const token = signHandoffToken(SECRET, '4711', NOW, DAY);
    const [payload, sig] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ case: '4712', purpose: 'handoff', exp: Math.floor((NOW + DAY) / 1000) })).toString('base64url');
    expect(() => verifyHandoffToken(SECRET, `${forged}.${sig}`, NOW)).toThrow(HandoffTokenInvalidError);
    expect(() => verifyHandoffToken(SECRET, `${payload}.${sig.slice(0, -2)}AA`, NOW)).toThrow(/signature does not match/);
    expect(() => verifyHandoffToken(`${SECRET}x`, token, NOW)).toThrow(/signature does not match/);
    const otherPurpose = Buffer.from(JSON.stringify({ case: '4711', purpose: 'login', exp: Math.floor((NOW + DAY) / 1000) })).toString('base64url');
    const signed = `${otherPurpose}.${createHmac('sha256', SECRET).update(otherPurpose, 'ascii').digest('base64url')}`;
    expect(() => verifyHandoffToken(SECRET, signed, NOW)).toThrow(/for "login", not the hand-off/);
    expect(() => verifyHandoffToken(SECRET, 'not-a-token', NOW)).toThrow(/two base64url parts/);
  });

  it('refuses a short secret with a clear message', () => {
    expect(() => signHandoffToken('short', '1', NOW, DAY)).toThrow(/HANDOFF_SECRET is 5 characters; use at least 32/);
  });

  it('is verified by an independent implementation of the documented scheme', () => {
    const token = signHandoffToken(SECRET, 'case-9', NOW, DAY);
    expect(bankVerifies(SECRET, token, NOW)).toEqual({ ok: true, caseId: 'case-9' });
    expect(bankVerifies(SECRET, token, NOW + DAY + 1000)).toEqual({ ok: false, why: 'expired' });
    expect(bankVerifies('another-secret-of-32-characters!!', token, NOW)).toEqual({ ok: false, why: 'signature' });
    const [p, s] = token.split('.') as [string, string];
    expect(bankVerifies(SECRET, `${p.slice(0, -1)}${p.endsWith('A') ? 'B' : 'A'}.${s}`, NOW)).toMatchObject({ ok: false });
  });
});
