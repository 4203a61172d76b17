/**
 * The sandbox's pure helpers: the page's mrkdwn parser (what may become a link or markup),
 * the interaction payloads and their signatures as Bolt verifies them, and the state Slack
 * reports for each kind of modal input.
 */
import { readFileSync } from 'node:fs';
import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG_YAML, demoConfig } from '../../src/sandbox/demo-config.js';
import { sampleMentions } from '../../src/sandbox/sample-mentions.js';
import { signSlack } from '../../src/sandbox/sign-slack.js';
import { appHomeOpenedEvent, blockActionsPayload, newTriggerId, slashCommandForm, viewSubmissionPayload } from '../../src/sandbox/slack-payloads.js';
import { inputState } from '../../src/sandbox/start-workspace-server.js';
import { parseMrkdwn, plainText, type MrkdwnNode } from '../../src/sandbox/web/mrkdwn.js';
import { escapeMrkdwn, quote } from '../../src/chat/slack/escape-mrkdwn.js';

const TEAM = { teamId: 'T0FAKE001', domain: 'sandbox', appId: 'A0APP0001' };

const kinds = (nodes: MrkdwnNode[]): string[] =>
  nodes.flatMap((n) => [n.type, ...('children' in n ? kinds(n.children) : [])]);

describe('the page renders mrkdwn from Slack\'s escaped form only', () => {
  it.each([
    ['*bold* and _italic_ and ~gone~', ['bold', 'text', 'text', 'italic', 'text', 'text', 'strike', 'text'], 'bold and italic and gone'],
    ['snake_case_name 5*3*2', ['text'], 'snake_case_name 5*3*2'],
    ['`code *not bold*`', ['code'], 'code *not bold*'],
    ['```\npre _x_\n``` after', ['pre', 'text'], 'pre _x_ after'],
    ['&lt;b&gt;hi&lt;/b&gt; &amp;amp;', ['text'], '<b>hi</b> &amp;'],
    ['<@U0AGENT001> <!here> <#C0AIRLINE1|air-care>', ['mention', 'text', 'mention', 'text', 'mention'], '@U0AGENT001 @here #air-care'],
  ])('%s', (input, expected, shown) => {
    const nodes = parseMrkdwn(input);
    expect(kinds(nodes)).toEqual(expected);
    expect(plainText(nodes)).toBe(shown);
  });

  it('makes links only of <url|label> control sequences with a web or mail scheme', () => {
    const nodes = parseMrkdwn('<https://x.com/i/web/status/1|Open on X> https://evil.example <javascript:alert(1)|click me> <data:text/html,x>');
    const links = nodes.filter((n) => n.type === 'link');
    expect(links).toEqual([{ type: 'link', url: 'https://x.com/i/web/status/1', children: [{ type: 'text', text: 'Open on X' }] }]);
    expect(plainText(nodes)).toBe('Open on X https://evil.example click me data:text/html,x');
  });

  it('shows what a stranger wrote as text, exactly, after the bot escaped and quoted it', () => {
    const hostile = '<!channel> <https://evil|https://bank> *me* & <script>alert(1)</script>\nline two';
    const nodes = parseMrkdwn(quote(escapeMrkdwn(hostile)));
    expect(nodes).toHaveLength(1);
    expect(nodes[0]!.type).toBe('quote');
    expect(kinds(nodes)).not.toContain('link');
    expect(kinds(nodes)).not.toContain('mention');
    // Slack itself applies *bold* inside quoted text; everything else is shown as written.
    expect(plainText(nodes)).toBe('<!channel> <https://evil|https://bank> me & <script>alert(1)</script>\nline two');
  });

  it('groups consecutive > lines into one quote and keeps other lines apart', () => {
    const nodes = parseMrkdwn('*Maya* @maya\n>first\n>second\nafter');
    expect(nodes.map((n) => n.type)).toEqual(['bold', 'text', 'quote', 'text']);
    expect(plainText(nodes)).toBe('Maya @mayafirst\nsecondafter');
  });
});

describe('interaction payloads, signed as Slack signs them', () => {
  it('signs a click so that Bolt\'s own verifier accepts it, and refuses a tampered body', () => {
    const payload = blockActionsPayload({
      team: TEAM,
      user: { id: 'U0AGENT001', name: 'alice' },
      channel: { id: 'C0AIRLINE1', name: 'air-care' },
      message: { ts: '1767225000.000100', text: 'Case 1', user: 'U0BOT0001', blocks: [] },
      action: { type: 'button', action_id: 'case.claim', text: { type: 'plain_text', text: 'Claim' }, value: '1@0' },
      blockId: 'actions:1:0',
      triggerId: newTriggerId(1_767_225_000_000),
      responseUrl: 'http://127.0.0.1:9/response/abc',
      now: 1_767_225_006_113,
    });
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0AGENT001', username: 'alice', team_id: 'T0FAKE001' },
      container: { type: 'message', message_ts: '1767225000.000100', channel_id: 'C0AIRLINE1', is_ephemeral: false },
      actions: [{ action_id: 'case.claim', block_id: 'actions:1:0', value: '1@0', action_ts: '1767225006.113000' }],
    });
    expect(payload.trigger_id).toMatch(/^1767225000\.\d+\.[0-9a-f]{32}$/);
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const headers = signSlack(body, 'shh');
    const verify = (b: string) => verifySlackRequest({
      signingSecret: 'shh',
      body: b,
      headers: { 'x-slack-signature': headers['x-slack-signature'], 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) },
    });
    expect(() => verify(body)).not.toThrow();
    expect(() => verify(body.replace('case.claim', 'case.close'))).toThrow();
  });

  it('puts the whole view, with what was typed, in a view submission', () => {
    const view = { id: 'V0001', callback_id: 'case.draft.submit', private_metadata: '{"caseId":"1","version":2}', blocks: [], hash: 'h' };
    const p = viewSubmissionPayload({ team: TEAM, user: { id: 'U0LEAD0001', name: 'lea' }, view, values: { reply: { text: { type: 'plain_text_input', value: 'Hi' } } }, triggerId: 't' });
    expect(p).toMatchObject({ type: 'view_submission', user: { id: 'U0LEAD0001' }, view: { id: 'V0001', callback_id: 'case.draft.submit', hash: 'h', state: { values: { reply: { text: { value: 'Hi' } } } } } });
  });

  it('shapes app_home_opened as the recorded event, and signs it as JSON', () => {
    const recorded = JSON.parse(readFileSync(new URL('../fixtures/slack/event_callback.app_home_opened.json', import.meta.url), 'utf8')) as Record<string, any>;
    const now = 1_767_225_080_016;
    const event = appHomeOpenedEvent({ team: TEAM, user: { id: 'U0AGENT001', name: 'alice' }, channel: 'D0AGENT001', botUserId: 'U0BOT0001', now });
    const keys = (o: Record<string, unknown>) => Object.keys(o).sort();
    expect(keys(event)).toEqual(keys(recorded));
    const inner = event.event as Record<string, unknown>;
    expect({ ...inner, event_ts: recorded.event.event_ts }).toEqual(recorded.event);
    expect(inner.event_ts).toMatch(/^1767225080\.\d{6}$/);
    expect(event).toMatchObject({ type: 'event_callback', team_id: 'T0FAKE001', api_app_id: 'A0APP0001', event_time: recorded.event_time, authorizations: recorded.authorizations });
    expect(event.event_id).toMatch(/^Ev0[0-9A-F]{10}$/);
    const withView = appHomeOpenedEvent({ team: TEAM, user: { id: 'U0AGENT001', name: 'alice' }, channel: 'D0AGENT001', botUserId: 'U0BOT0001', view: { id: 'V1', type: 'home' } });
    expect((withView.event as Record<string, unknown>).view).toEqual({ id: 'V1', type: 'home' });

    const body = JSON.stringify(event);
    const headers = signSlack(body, 'secret');
    const verify = (b: string) => verifySlackRequest({
      signingSecret: 'secret', body: b,
      headers: { 'x-slack-signature': headers['x-slack-signature'], 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) },
    });
    expect(() => verify(body)).not.toThrow();
    expect(() => verify(body.replace('U0AGENT001', 'U0LEAD0001'))).toThrow();
  });

  it('sends slash commands as string form fields', () => {
    const form = slashCommandForm({ team: TEAM, user: { id: 'U0LEAD0001', name: 'lea' }, channel: { id: 'C0BANK0001', name: 'bank-care' }, command: '/earshot', text: 'metrics today', responseUrl: 'http://r', triggerId: 't' });
    expect(Object.values(form).every((v) => typeof v === 'string')).toBe(true);
    expect(form).toMatchObject({ command: '/earshot', text: 'metrics today', user_id: 'U0LEAD0001', channel_id: 'C0BANK0001' });
  });

  it('reports each input as Slack does, taking option labels from the view, not the page', () => {
    expect(inputState({ type: 'plain_text_input', action_id: 'text' }, null)).toEqual({ type: 'plain_text_input', value: null });
    const select = { type: 'static_select', action_id: 'tpl', options: [{ text: { type: 'plain_text', text: 'Apology' }, value: 'apology' }] };
    expect(inputState(select, 'apology')).toEqual({ type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Apology' }, value: 'apology' } });
    expect(inputState(select, 'made-up')).toEqual({ type: 'static_select', selected_option: null });
    expect(inputState({ type: 'users_select' }, 'U0AGENT001')).toEqual({ type: 'users_select', selected_user: 'U0AGENT001' });
    expect(inputState({ type: 'datepicker' }, '2026-01-01')).toBeUndefined();
  });
});

describe('the built-in demo data', () => {
  it('is a valid configuration with three skill groups, approvers and templates', () => {
    const config = demoConfig();
    expect(config.groups.map((g) => g.id)).toEqual(['air', 'bank', 'mobile']);
    expect(config.policy.approvers).toEqual(['slack:U0LEAD0001']);
    expect(config.templates.length).toBeGreaterThanOrEqual(5);
    expect(DEMO_CONFIG_YAML).toContain('card-number');
    // What the personal surfaces need: DMs on X, read often, and suggestions that alert Alice.
    expect(config.sources[0]!.options).toMatchObject({ private: true });
    expect(config.privateChannel.pollEvery).toBe(5_000);
    expect(config.groups.find((g) => g.id === 'mobile')!.assign).toMatchObject({ mode: 'suggest', members: ['slack:U0AGENT001'] });
  });

  it('covers complaints, a card number, praise, spam, a repost and a burst on one topic', () => {
    const texts = sampleMentions.map((s) => s.text);
    expect(texts.some((t) => /4111 1111 1111 1111/.test(t))).toBe(true);
    expect(sampleMentions.filter((s) => s.repostOf).every((s) => sampleMentions.some((o) => o.key === s.repostOf && o.at < s.at))).toBe(true);
    const burst = sampleMentions.filter((s) => s.key.startsWith('outage-'));
    expect(burst.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...burst.map((s) => s.at)) - Math.min(...burst.map((s) => s.at))).toBeLessThanOrEqual(10);
    expect(new Set(sampleMentions.map((s) => s.key)).size).toBe(sampleMentions.length);
  });
});
