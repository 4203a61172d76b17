import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { slackRequest, slashCommandBody } from '../helpers/slack-signing.js';
import { tempDir, waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';

const SECRET = 'metrics-secret';
const AGENT = { platform: 'slack' as const, id: 'U0AGENT001', name: 'alice' };
const LEAD = { platform: 'slack' as const, id: 'U0LEAD0001', name: 'lea' };

const quietSource = idleSource();

const mention = (id: string, text: string, followers: number): Mention => ({
  network: 'x', source: 'x-mentions', id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`,
  author: { id: `a${id}`, handle: `cust${id}`, name: `Customer ${id}`, followers, verified: false }, isRepost: false, isQuote: false,
});

describe('/earshot metrics and queue, end to end', () => {
  let slack: FakeSlack;
  let app: Earshot;

  beforeAll(async () => {
    slack = await startFakeSlack();
    const dir = tempDir('metrics');
    const config = parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - { id: care, slack: { channel: C0CARE0001 } }
  - { id: baggage, slack: { channel: C0BAGS0001 } }
routing: { fallback: care, rules: [{ name: bags, when: { keywords: [bag] }, then: { route: baggage } }] }
policy: { approvers: [slack:U0LEAD0001] }
metrics: { campaigns: [summersale] }
`);
    const env = parseEnv({
      SLACK_BOT_TOKEN: 'xoxb-m', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
      STORE_URL: `sqlite://${join(dir, 's.sqlite')}`, PORT: '0', HOST: '127.0.0.1', DRY_RUN: 'true',
    });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', quietSource]]), outboxIntervalMs: 50 });
    await recordPoll(app.store, 'x-mentions', {
      mentions: [mention('101', 'lost my bag #summersale', 5000), mention('102', 'where is my refund', 40), mention('103', 'my bag is broken', 12)],
      cursor: '103', requests: 1,
    });
    await app.processInbox();
    // Answer one case fully so response times, approvals and reach have values.
    const ids = await app.store.setMembers('open:baggage');
    const id = ids.sort()[0]!;
    for (const [cmd, who] of [[{ type: 'claim' }, AGENT], [{ type: 'draft', text: 'Sorry!' }, AGENT], [{ type: 'approve' }, LEAD], [{ type: 'send' }, AGENT]] as const) {
      const r = await app.cases.apply(id, cmd, who);
      expect(r.ok).toBe(true);
    }
    await waitFor('the dry-run send', async () => (await app.cases.get(id))?.status === 'sent');
  });

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
  });

  it('acks at once, then answers with the summary privately and sends the charts to the asker\'s direct messages', async () => {
    const send = slackRequest(`http://127.0.0.1:${app.port}/slack/events`, SECRET);
    const responseUrl = slack.responseUrl();
    const started = Date.now();
    const r = await send.command(slashCommandBody({ user: LEAD.id, channel: 'C0MGRS0001', text: 'metrics today', responseUrl }) as unknown as Record<string, string>);
    const ackMs = Date.now() - started;
    expect(r.status).toBe(200);
    expect(ackMs).toBeLessThan(3000);
    const answer = await waitFor('the summary on the response_url', () => slack.responses(responseUrl)[0]);
    const text = String(answer.body.text);
    expect(text).toMatch(/3\b/);
    expect(text).toMatch(/baggage/i);
    expect(text).toMatch(/summersale/i);
    expect(answer.body.response_type).toBe('ephemeral');
    // The headline comes first, as Block Kit fields; the text above is the notification fallback.
    const blocks = answer.body.blocks as Array<{ type: string; fields?: Array<{ text: string }> }>;
    expect(blocks[0]!.type).toBe('header');
    expect(blocks[1]!.fields!.map((f) => f.text.split('\n')[0])).toEqual(['*New cases*', '*Answered*', '*Median first response*', '*SLA met*', '*Open now*']);
    expect(blocks[1]!.fields![0]!.text).toMatch(/^\*New cases\*\n3\b/);
    await waitFor('three charts uploaded', () => slack.callsTo('files.completeUploadExternal').length >= 3, 20_000);
    expect(slack.callsTo('files.getUploadURLExternal').length).toBeGreaterThanOrEqual(3);
    expect(text).toContain('The charts are in your direct messages with Earshot.');
    const shared = slack.callsTo('files.completeUploadExternal').map((c) => c.args.channel_id);
    // The ephemeral answer's charts never land in the channel the command was typed in.
    expect(slack.callsTo('conversations.open').map((c) => c.args.users)).toContain(LEAD.id);
    expect(new Set(shared)).toEqual(new Set(['D0LEAD0001']));
    expect(slack.channel('C0MGRS0001').messages()).toEqual([]);
  });

  it('lists the queue by group and age', async () => {
    const send = slackRequest(`http://127.0.0.1:${app.port}/slack/events`, SECRET);
    const responseUrl = slack.responseUrl();
    await send.command(slashCommandBody({ user: AGENT.id, channel: 'C0CARE0001', text: 'queue', responseUrl }) as unknown as Record<string, string>);
    const answer = await waitFor('the queue', () => slack.responses(responseUrl)[0]);
    expect(String(answer.body.text)).toMatch(/Queue: 2 open cases/);
    expect(String(answer.body.text)).toMatch(/baggage: 1 open, 1 unclaimed/);
  });

  it("refuses another agent's numbers to someone who is not allowed", async () => {
    const send = slackRequest(`http://127.0.0.1:${app.port}/slack/events`, SECRET);
    const responseUrl = slack.responseUrl();
    await send.command(slashCommandBody({ user: AGENT.id, channel: 'C0CARE0001', text: 'metrics 7d <@U0LEAD0001|lea>', responseUrl }) as unknown as Record<string, string>);
    const answer = await waitFor('the refusal', () => slack.responses(responseUrl)[0]);
    expect(String(answer.body.text)).toContain("Only the people in policy.approvers or metrics.viewers may see another agent's figures");
  });

  it('explains a bad period and an unknown command', async () => {
    const send = slackRequest(`http://127.0.0.1:${app.port}/slack/events`, SECRET);
    const u1 = slack.responseUrl();
    await send.command(slashCommandBody({ user: AGENT.id, channel: 'C0CARE0001', text: 'metrics lastcentury', responseUrl: u1 }) as unknown as Record<string, string>);
    expect(String((await waitFor('usage', () => slack.responses(u1)[0])).body.text)).toMatch(/Usage: \/earshot metrics/);
    const u2 = slack.responseUrl();
    await send.command(slashCommandBody({ user: AGENT.id, channel: 'C0CARE0001', text: 'dance', responseUrl: u2 }) as unknown as Record<string, string>);
    expect(String((await waitFor('unknown', () => slack.responses(u2)[0])).body.text)).toMatch(/Unknown command "dance"\. Try: help, metrics, queue/);
  });
});
