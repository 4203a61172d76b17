import { createServer } from 'node:net';
import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerRetries, neverReachedSlack } from '../../src/chat/slack/answer-retries.js';
import type { Fault } from '../../src/sandbox/fakes/misbehave.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';

/** A port on 127.0.0.1 that nobody listens on. */
const closedPort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

describe('answers are retried only when the call never reached Slack', () => {
  let slack: FakeSlack;
  beforeAll(async () => { slack = await startFakeSlack(); });
  afterAll(async () => { await slack?.close(); });

  /** Posts one ephemeral with the answer policy; returns the error, the attempts and what Slack received. */
  const answer = async (url: string, fault?: Fault) => {
    if (fault) slack.faults.schedule('chat.postEphemeral', fault);
    const before = slack.callsTo('chat.postEphemeral').length;
    let attempts = 0;
    const retryConfig: typeof answerRetries = { ...answerRetries, minTimeout: 1, maxTimeout: 1, onFailedAttempt: (e) => { attempts++; answerRetries.onFailedAttempt(e); } };
    const client = new WebClient('xoxb-retries', { slackApiUrl: url, timeout: 300, rejectRateLimitedCalls: true, logLevel: LogLevel.ERROR, retryConfig });
    const error = await client.chat.postEphemeral({ channel: 'C0CARE0001', user: 'U0BOB00001', text: 'Alice has claimed it' }).then(() => undefined, (e: unknown) => e);
    return { error, attempts, received: slack.callsTo('chat.postEphemeral').length - before };
  };

  it.each([
    ['no answer before the timeout', { kind: 'hang' } as Fault],
    ['a dropped connection', { kind: 'drop' } as Fault],
    ['a server error', { kind: '5xx', status: 503 } as Fault],
  ])('%s: sent once, not again (Slack may have posted it)', async (_what, fault) => {
    const r = await answer(slack.url, fault);
    expect(r.error).toBeDefined();
    expect(neverReachedSlack(r.error)).toBe(false);
    expect(r.attempts).toBe(1);
    expect(r.received).toBe(1);
  });

  it('a refused connection: tried again, since nothing was sent', async () => {
    const r = await answer(`http://127.0.0.1:${await closedPort()}/api/`);
    expect(neverReachedSlack(r.error)).toBe(true);
    expect(r.attempts).toBe(answerRetries.retries! + 1);
  });

  it('a call that works is sent once', async () => {
    const r = await answer(slack.url);
    expect(r).toEqual({ error: undefined, attempts: 0, received: 1 });
  });

  it('only a Web API request error can be one that never reached Slack', () => {
    expect(neverReachedSlack(new Error('connect ECONNREFUSED'))).toBe(false);
    expect(neverReachedSlack(undefined)).toBe(false);
    expect(neverReachedSlack({ code: 'slack_webapi_platform_error', data: { error: 'channel_not_found' } })).toBe(false);
  });
});
