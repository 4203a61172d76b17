import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Logger } from '../../util/logger.js';
import { clipEscaped, TEXT_MAX } from '../safe-text.js';
import { escapeMrkdwn } from './escape-mrkdwn.js';

/** The longest Retry-After worth waiting for before answering a click anyway. */
const MAX_WAIT_S = 30;

/**
 * Tells one person something in a channel, shown to them only (chat.postEphemeral): the
 * answer to a click or a form. Sent once: the client does not retry a call that may have
 * reached Slack (see interactiveRetries). A 429 is different: Slack refused the call
 * without acting on it, so it is sent again once after Retry-After. A failure is logged,
 * never thrown: the listener has nothing else to answer with.
 */
export async function tellEphemeral(client: WebClient, log: Logger, channel: string | undefined, user: string, text: string): Promise<void> {
  if (!channel) return;
  const post = () => client.chat.postEphemeral({ channel, user, text: clipEscaped(escapeMrkdwn(text), TEXT_MAX.ephemeral) });
  try {
    try {
      await post();
    } catch (e) {
      const retryAfter = (e as { code?: unknown; retryAfter?: number }).code === ErrorCode.RateLimitedError ? (e as { retryAfter: number }).retryAfter : undefined;
      if (retryAfter === undefined || retryAfter > MAX_WAIT_S) throw e;
      await new Promise((r) => setTimeout(r, Math.max(1, retryAfter) * 1000));
      await post();
    }
  } catch (e) {
    log.warn({ err: e, channel }, 'could not tell the user ephemerally');
  }
}
