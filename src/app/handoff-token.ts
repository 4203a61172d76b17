import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The secure hand-off token (`{{case.token}}`): a case id signed for one purpose until a
 * time, so the brand's own site can take the customer over without any personal data in
 * the link. The scheme is documented in docs/handoff.md for the site that verifies it:
 *
 *   token   = payload "." signature
 *   payload = base64url(UTF-8 JSON {"case": <case id>, "purpose": "handoff", "exp": <unix seconds>})
 *   signature = base64url(HMAC-SHA256(key = HANDOFF_SECRET as UTF-8, message = payload as ASCII))
 *
 * base64url is RFC 4648 §5 without padding.
 */
export const HANDOFF_PURPOSE = 'handoff';

export interface HandoffClaims {
  case: string;
  purpose: typeof HANDOFF_PURPOSE;
  /** Expiry, unix seconds. */
  exp: number;
}

export class HandoffTokenInvalidError extends Error {
  readonly code = 'HANDOFF_TOKEN_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'HandoffTokenInvalidError';
  }
}

const MIN_SECRET = 32;

function checkSecret(secret: string): void {
  if (secret.length < MIN_SECRET) throw new HandoffTokenInvalidError(`HANDOFF_SECRET is ${secret.length} characters; use at least ${MIN_SECRET} random ones`);
}

const sign = (secret: string, payload: string): Buffer => createHmac('sha256', Buffer.from(secret, 'utf8')).update(payload, 'ascii').digest();

/** A token for `caseId`, good until `nowMs + ttlMs`. */
export function signHandoffToken(secret: string, caseId: string, nowMs: number, ttlMs: number): string {
  checkSecret(secret);
  const claims: HandoffClaims = { case: caseId, purpose: HANDOFF_PURPOSE, exp: Math.floor((nowMs + ttlMs) / 1000) };
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${payload}.${sign(secret, payload).toString('base64url')}`;
}

/**
 * The claims of a token this secret signed for the hand-off, not expired at `nowMs`;
 * otherwise a {@link HandoffTokenInvalidError} saying what is wrong with it.
 */
export function verifyHandoffToken(secret: string, token: string, nowMs: number): HandoffClaims {
  checkSecret(secret);
  const parts = token.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!) || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) throw new HandoffTokenInvalidError('the token is not two base64url parts joined by "."');
  const [payload, signature] = parts as [string, string];
  const expected = sign(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HandoffTokenInvalidError('the signature does not match (tampered with, or signed with another secret)');
  let claims: unknown;
  try { claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')); } catch { throw new HandoffTokenInvalidError('the payload is not JSON'); }
  const c = claims as Partial<HandoffClaims> | null;
  if (!c || typeof c.case !== 'string' || typeof c.exp !== 'number') throw new HandoffTokenInvalidError('the payload lacks "case" or "exp"');
  if (c.purpose !== HANDOFF_PURPOSE) throw new HandoffTokenInvalidError(`the token is for "${String(c.purpose)}", not the hand-off`);
  if (c.exp * 1000 <= nowMs) throw new HandoffTokenInvalidError(`the token expired at ${new Date(c.exp * 1000).toISOString()}`);
  return { case: c.case, purpose: HANDOFF_PURPOSE, exp: c.exp };
}

/** The hand-off tokens in a text (anything shaped like one; verify each). */
export const tokensIn = (text: string): string[] => text.match(/[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g) ?? [];
