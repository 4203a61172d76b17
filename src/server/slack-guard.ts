import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';

/** Slack refuses requests older than five minutes; a replay inside that window is caught here. */
const MAX_AGE_S = 300;

export interface SlackGuardOptions {
  signingSecret: string;
  /**
   * Remembers signatures already used. With a shared store (Redis, PostgreSQL) a replay to
   * another instance is caught too; with SQLite (one instance) an in-memory set does the
   * same job without a disk write in front of every ack.
   */
  store: Pick<Store, 'insertIfAbsent' | 'kind'>;
  log: Logger;
  maxBytes: number;
  now?: () => number;
}

const refuse = (res: Response, status: number, error: string) => { res.status(status).json({ ok: false, error }); };

class BodyTooLargeError extends Error {
  readonly code = 'BODY_TOO_LARGE';
  constructor() {
    super('request body too large');
    this.name = 'BodyTooLargeError';
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const INTERACTIVE = new Set(['block_actions', 'view_submission', 'view_closed', 'shortcut', 'message_action', 'block_suggestion', 'interactive_message', 'dialog_submission']);

/**
 * The minimal shape Bolt relies on before any listener runs (it reads `user.id`,
 * `view.callback_id`, `event.type` without checks and answers 500 when they are missing).
 * A request that does not have it is malformed: 400. Listeners still parse every field
 * they use with their own schemas.
 */
export function slackShapeProblem(body: Buffer, contentType: string): string | undefined {
  const text = body.toString('utf8');
  if (contentType === 'application/x-www-form-urlencoded') {
    let form: URLSearchParams;
    try { form = new URLSearchParams(text); } catch { return 'unreadable form'; }
    const payload = form.get('payload');
    if (payload !== null) {
      let p: unknown;
      try { p = JSON.parse(payload); } catch { return 'payload is not JSON'; }
      if (!isObj(p) || !str(p.type)) return 'payload without a type';
      if (!INTERACTIVE.has(p.type)) return `unknown interaction type`;
      if (!isObj(p.user) || !str(p.user.id)) return 'interaction without a user';
      if ((p.type === 'view_submission' || p.type === 'view_closed') && (!isObj(p.view) || typeof p.view.callback_id !== 'string')) return 'view without a callback_id';
      if ((p.type === 'shortcut' || p.type === 'message_action') && !str(p.callback_id)) return 'shortcut without a callback_id';
      if (p.type === 'block_actions' && !Array.isArray(p.actions)) return 'block_actions without actions';
      return undefined;
    }
    if (form.get('ssl_check') !== null) return undefined;
    if (!str(form.get('command')) || !str(form.get('user_id'))) return 'a form that is neither an interaction nor a command';
    return undefined;
  }
  if (contentType.startsWith('application/json')) {
    let p: unknown;
    try { p = JSON.parse(text); } catch { return 'body is not JSON'; }
    if (!isObj(p) || !str(p.type)) return 'event without a type';
    if (p.type === 'url_verification') return str(p.challenge) ? undefined : 'url_verification without a challenge';
    if (p.type === 'event_callback' && (!isObj(p.event) || !str(p.event.type))) return 'event_callback without an event';
    return undefined;
  }
  return 'unsupported content type';
}

/** Reads a request body, refusing (and stopping) past `limit` bytes. */
function readBody(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) { req.removeAllListeners('data'); req.resume(); reject(new BodyTooLargeError()); return; }
      chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * In front of Bolt on /slack/events: reads the body once (bounded), checks Slack's
 * signature and timestamp (docs.slack.dev/authentication/verifying-requests-from-slack),
 * and refuses a request whose signature was already used — Bolt alone accepts the same
 * signed request again for five minutes. A request that passes is handed on with the body
 * as `rawBody`, which Bolt verifies again and parses.
 */
export function slackGuard(opts: SlackGuardOptions) {
  const now = opts.now ?? Date.now;
  const seen = new Map<string, number>();
  const firstUse = async (sig: string): Promise<boolean> => {
    if (opts.store.kind !== 'sqlite') return opts.store.insertIfAbsent(`slack-sig:${sig}`, 1, (MAX_AGE_S + 60) * 1000);
    const t = now();
    if ((seen.get(sig) ?? 0) > t) return false;
    if (seen.size > 100_000) for (const [k, until] of seen) if (until <= t) seen.delete(k);
    seen.set(sig, t + (MAX_AGE_S + 60) * 1000);
    return true;
  };
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.method !== 'POST') return refuse(res, 405, 'method_not_allowed');
    let body: Buffer;
    try {
      body = await readBody(req, opts.maxBytes);
    } catch {
      return refuse(res, 413, 'payload_too_large');
    }
    const ts = String(req.headers['x-slack-request-timestamp'] ?? '');
    const sig = String(req.headers['x-slack-signature'] ?? '');
    if (!/^\d{1,12}$/.test(ts) || !/^v0=[0-9a-f]{64}$/.test(sig)) return refuse(res, 401, 'bad_signature');
    if (Math.abs(Math.floor(now() / 1000) - Number(ts)) > MAX_AGE_S) return refuse(res, 401, 'stale_request');
    const expected = `v0=${createHmac('sha256', opts.signingSecret).update(`v0:${ts}:`).update(body).digest('hex')}`;
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(sig))) return refuse(res, 401, 'bad_signature');
    try {
      if (!(await firstUse(sig.slice(3)))) {
        opts.log.warn({ ts }, 'refused a replayed Slack request');
        return refuse(res, 401, 'replayed_request');
      }
    } catch (e) {
      // The store being down must not lock people out of their buttons: Bolt still checks the age.
      opts.log.warn({ err: e }, 'could not record a Slack signature; replay check skipped');
    }
    const problem = slackShapeProblem(body, String(req.headers['content-type'] ?? ''));
    if (problem) {
      opts.log.warn({ problem }, 'refused a malformed Slack request');
      return refuse(res, 400, 'malformed_payload');
    }
    (req as Request & { rawBody?: Buffer }).rawBody = body;
    next();
  };
}
