/**
 * At start the bot checks its Slack token with `auth.test`. When that fails the Slack SDK
 * says only "A request error occurred: fetch failed"; this says what was being reached,
 * where, and what to check.
 */

export class SlackStartError extends Error {
  constructor(readonly code: 'SLACK_UNREACHABLE' | 'SLACK_REFUSED_TOKEN' | 'SLACK_HTTP_ERROR', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SlackStartError';
  }
}

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

const REFUSED_TOKEN = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);

/** The Slack SDK error (or any other) as a message for the operator; errors it does not know are returned as they are. */
export function explainSlackStartError(e: unknown, apiUrl: string | undefined): unknown {
  const err = e as Error & { code?: string; original?: Error & { cause?: { code?: string } }; data?: { error?: string }; statusCode?: number };
  const url = apiUrl ?? DEFAULT_SLACK_API_URL;
  let host = url;
  try { host = new URL(url).host; } catch { /* shown as given */ }
  const custom = apiUrl !== undefined;
  const at = `Slack's Web API at ${host}${custom ? ' (SLACK_API_URL)' : ''}`;
  switch (err?.code) {
    case 'slack_webapi_request_error': {
      const detail = [err.original?.message, err.original?.cause?.code].filter(Boolean).join(', ');
      return new SlackStartError('SLACK_UNREACHABLE',
        `Could not reach ${at} to check SLACK_BOT_TOKEN (auth.test)${detail ? `: ${detail}` : ''}. `
        + `Check that this machine can open HTTPS connections to ${host} (network, DNS, a proxy or firewall in the way)`
        + `${custom ? `; and that SLACK_API_URL (${url}) is right` : ''}.`, { cause: e });
    }
    case 'slack_webapi_platform_error': {
      const code = err.data?.error ?? 'unknown';
      if (!REFUSED_TOKEN.has(code)) return e;
      return new SlackStartError('SLACK_REFUSED_TOKEN',
        `${at} refused SLACK_BOT_TOKEN (${code}). Copy the Bot User OAuth Token again (OAuth & Permissions, starts with xoxb-); reinstall the app if the token was revoked.`, { cause: e });
    }
    case 'slack_webapi_http_error':
      return new SlackStartError('SLACK_HTTP_ERROR',
        `${at} answered HTTP ${err.statusCode ?? '?'} when the bot checked SLACK_BOT_TOKEN (auth.test). ${custom ? `Check SLACK_API_URL (${url}); ` : ''}see https://slack-status.com if it persists.`, { cause: e });
    default:
      return e;
  }
}
