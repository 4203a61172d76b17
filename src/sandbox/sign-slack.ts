/**
 * Slack's request signing (v0), used by the sandbox to send clicks to the bot exactly as Slack
 * does and by the tests to do the same.
 *
 * `x-slack-signature = 'v0=' + hex(HMAC_SHA256(secret, 'v0:' + ts + ':' + rawBody))` and
 * `x-slack-request-timestamp = ts` (Unix seconds). Bolt rejects a timestamp more than five
 * minutes away from its clock, so `ts` is taken at the moment of sending.
 */
import { createHmac } from 'node:crypto';

/** The two headers Slack adds to every request it sends to an app. */
export interface SlackSignatureHeaders {
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
}

/**
 * Signs `rawBody` with the app's signing secret. `ts` defaults to now; pass an old one to test
 * the 5-minute replay window.
 */
export function signSlack(rawBody: string, secret: string, ts: number = Math.floor(Date.now() / 1000)): SlackSignatureHeaders {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${rawBody}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature };
}
