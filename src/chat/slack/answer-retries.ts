import { ErrorCode, type RetryOptions } from '@slack/web-api';

/** Failures to connect at all: the request was never sent, so Slack cannot have acted on it. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

const codeOf = (e: unknown): unknown => (e && typeof e === 'object' ? (e as { code?: unknown }).code : undefined);

/**
 * True when a failed Web API call surely never reached Slack: the connection could not be
 * made. A timeout, a dropped connection or a 5xx can all come after Slack has done the
 * work, so they do not count.
 */
export function neverReachedSlack(e: unknown): boolean {
  if (codeOf(e) !== ErrorCode.RequestError) return false;
  const original = (e as { original?: unknown }).original;
  const cause = original && typeof original === 'object' ? (original as { cause?: unknown }).cause : undefined;
  return NOT_SENT.has(String(codeOf(cause) ?? codeOf(original) ?? ''));
}

/**
 * The retry policy of the client that answers people (chat.postEphemeral after a click or
 * a form). An answer cannot be sent twice safely: postEphemeral has no idempotency key and
 * an ephemeral cannot be looked up afterwards, so a retry after a timeout shows the person
 * the same answer twice whenever Slack had already posted the first one (it did, under
 * load, in the multi-instance test). So only a call that never reached Slack is tried
 * again; any other failure goes to the caller, which logs it.
 *
 * `onFailedAttempt` is p-retry's hook (the WebClient hands `retryConfig` to p-retry in
 * @slack/web-api's WebClient.makeRequest): throwing there stops the retries with that error.
 */
export const answerRetries: RetryOptions & { onFailedAttempt: (e: Error) => void } = {
  retries: 2,
  minTimeout: 100,
  maxTimeout: 1000,
  onFailedAttempt: (e) => {
    if (!neverReachedSlack(e)) throw e;
  },
};
