import { describe, expect, it } from 'vitest';
import { explainSlackStartError, SlackStartError } from '../../src/server/slack-start-error.js';

/** Errors shaped as @slack/web-api throws them. */
const requestError = Object.assign(new Error('A request error occurred: fetch failed'), {
  code: 'slack_webapi_request_error',
  original: Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }),
});
const platformError = (error: string) => Object.assign(new Error(`An API error occurred: ${error}`), { code: 'slack_webapi_platform_error', data: { ok: false, error } });

describe('what start says when Slack does not answer its token check', () => {
  it('names the host it tried to reach and what to check', () => {
    const e = explainSlackStartError(requestError, undefined) as SlackStartError;
    expect(e).toBeInstanceOf(SlackStartError);
    expect(e.code).toBe('SLACK_UNREACHABLE');
    expect(e.message).toBe("Could not reach Slack's Web API at slack.com to check SLACK_BOT_TOKEN (auth.test): fetch failed, ENOTFOUND. Check that this machine can open HTTPS connections to slack.com (network, DNS, a proxy or firewall in the way).");
    expect(e.cause).toBe(requestError);
  });

  it('says a refused token is the token, and leaves other errors alone', () => {
    expect((explainSlackStartError(platformError('invalid_auth'), undefined) as Error).message).toMatch(/^Slack's Web API at slack\.com refused SLACK_BOT_TOKEN \(invalid_auth\)\. Copy the Bot User OAuth Token again/);
    const other = platformError('ratelimited');
    expect(explainSlackStartError(other, undefined)).toBe(other);
    const plain = new Error('boom');
    expect(explainSlackStartError(plain, undefined)).toBe(plain);
  });
});
