import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBotConnector, type FakeBotConnector, type WireActivity } from '../fakes/fake-bot-connector.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { blockActionsPayload, slackRequest, type SlackRequester } from '../helpers/slack-signing.js';
import { startBot, tempDir, waitFor, writeConfig, type BotProcess } from './support/bot-process.js';

const SECRET = 'e2e-teams-signing-secret';
const CARE = 'C0CARE0001';
const LEAD = 'U0LEAD0001';
const TEAMS_CHANNEL = '19:5f0c2a9e8d414c7a9b1e2f6d3c8a7e10@thread.tacv2';
const TEAM = '19:Xq2pFakeTeamIdForEarshotTests0000000000000001@thread.tacv2';
const ALICE = { id: '29:alice', name: 'Alice Agent', aadObjectId: '00000000-0000-0000-0000-0000000000a1' };

// One group, two surfaces: the Slack channel by id, the Teams channel by the name Teams showed at install.
const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-mentions, network: x, queries: ['@acme -is:retweet'], interval: 5s }
groups:
  - { id: care, name: Care, slack: { channel: ${CARE} }, teams: { channel: "Care - Billing" } }
routing: { fallback: care }
policy:
  approvers: [slack:${LEAD}]
templates:
  - { id: sorry, name: Apology, text: "Hi {{author.name}}, sorry about that." }
`;

type Json = Record<string, any>;
const fixture = (name: string): Json => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8')) as Json;

/** Every text a card shows: Slack mrkdwn/plain text, or Teams TextBlocks, TextRuns and facts. */
function texts(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => texts(x, out));
  else if (v && typeof v === 'object') {
    const o = v as Json;
    if (typeof o.text === 'string' && ['mrkdwn', 'plain_text', 'TextBlock', 'TextRun'].includes(o.type)) out.push(o.text);
    if (o.type === 'FactSet') for (const f of o.facts) out.push(`${f.title}: ${f.value}`);
    Object.values(o).forEach((x) => texts(x, out));
  }
  return out;
}

/** A card's words without each platform's own markup (Slack `*bold*` and `>` quotes, Teams `**bold**`). */
const words = (text: string | undefined): string | undefined => text?.replace(/\*+/g, '').replace(/^>/gm, '');

/** What both surfaces must agree on: the facts, the version the buttons carry, the actions offered, the draft. */
function slackState(m: SlackMessage): Json {
  const blocks = m.blocks as Json[];
  const facts = Object.fromEntries(blocks.find((b) => b.block_id === 'facts')!.fields.map((f: Json) => {
    const [label, value] = (f.text as string).split('\n');
    return [label!.replace(/\*/g, ''), value];
  }));
  const buttons: Json[] = blocks.find((b) => b.type === 'actions')?.elements ?? [];
  return { facts, version: buttons[0] ? Number(String(buttons[0].value).split('@')[1]) : undefined, actions: buttons.map((b) => b.action_id), draft: words(blocks.find((b) => b.block_id === 'draft') ? texts(blocks.find((b) => b.block_id === 'draft')).join('\n') : undefined) };
}
function teamsState(a: WireActivity): Json {
  const card = (a.attachments as Json[])[0]!.content as Json;
  const facts = Object.fromEntries(card.body.find((e: Json) => e.type === 'FactSet').facts.map((f: Json) => [f.title, f.value]));
  const actions: Json[] = card.actions ?? [];
  const draft = card.body.find((e: Json) => e.type === 'Container' && e.style === 'emphasis');
  return { facts, version: actions[0]?.data.version, actions: actions.map((x) => x.verb ?? x.data.action), draft: words(draft ? texts(draft).join('\n') : undefined) };
}

describe('one case, two views: Slack and Teams through the same bot process', () => {
  let slack: FakeSlack;
  let x: FakeX;
  let connector: FakeBotConnector;
  let bot: BotProcess;
  let send: SlackRequester;
  let env: Record<string, string>;
  let dir: string;
  let thread = '';
  let root = '';
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [LEAD]: { name: 'lea', realName: 'Lea Lead' } } });
    x = await startFakeX({ me: { username: 'acme' } });
    connector = await startFakeBotConnector({ teams: { [TEAM]: [{ id: TEAM }, { id: TEAMS_CHANNEL, name: 'Care - Billing' }] } });
    dir = tempDir('teams-e2e');
    env = {
      EARSHOT_CONFIG: writeConfig(dir, CONFIG),
      SLACK_BOT_TOKEN: 'xoxb-e2e', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
      X_BEARER_TOKEN: 'bearer-e2e', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'as', X_API_URL: x.url,
      TEAMS_LOCAL_DEV: 'true',
      STORE_URL: `sqlite://${join(dir, 'earshot.sqlite')}`,
    };
    bot = await startBot({ cwd: dir, env });
    send = slackRequest(`${bot.url}/slack/events`, SECRET);
  });

  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await x?.close();
    await connector?.close();
  });

  const post = async (activity: Json): Promise<{ status: number; body: any }> => {
    const started = Date.now();
    const r = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    timings[`${activity.name ?? activity.type}`] = Math.max(timings[`${activity.name ?? activity.type}`] ?? 0, Date.now() - started);
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
  /** An activity from the card's thread, as Teams sends it. */
  const fromThread = (name: string, value: Json, from = ALICE): Json => {
    const a = fixture(name);
    return { ...a, serviceUrl: connector.url, from, conversation: { ...a.conversation, id: thread }, replyToId: root, value };
  };
  const slackCard = () => slack.channel(CARE).messages().find((m) => m.metadata?.event_type === 'earshot_case');
  const teamsCard = () => connector.conversation(thread).activity(root)!;
  const teamsAction = (id: string) => (teamsCard().attachments as Json[])[0]!.content.actions.find((a: Json) => (a.verb ?? a.data.action) === id) as Json;

  it('starts with Teams in local-development mode and says so', () => {
    expect(bot.output()).toContain('Teams is served WITHOUT authentication (TEAMS_LOCAL_DEV=true)');
    expect(bot.output()).toMatch(/"teams":"local-dev"/);
  });

  it('learns the Teams channel when the app is added to the team', async () => {
    const r = await post({ ...fixture('conversationUpdate.installed'), serviceUrl: connector.url });
    expect(r.status).toBe(200);
    await waitFor('the install logged', () => bot.output().includes('Earshot was added to a Teams team'));
  });

  it('walks a mention: both channels get the card; claim and draft in Teams, approve in Slack, send; both cards agree', async () => {
    const t0 = Date.now();
    const tweet = x.addTweet({ text: '@acme I was charged twice **urgent** [refund](https://evil.example)', author: 'traveller' });

    // 1. The mention reaches both channels.
    const created = await waitFor('the card in Teams', () => connector.calls.find((c) => c.op === 'createConversation'), 12_000);
    await waitFor('the card in Slack', () => slackCard(), 12_000);
    timings.ingestToBothCards = Date.now() - t0;
    expect(created.body).toMatchObject({ channelData: { channel: { id: TEAMS_CHANNEL } } });
    thread = created.conversationId!;
    root = created.createdId!;
    expect(teamsState(teamsCard())).toEqual(slackState(slackCard()!));
    expect(texts((teamsCard().attachments as Json[])[0]!.content.body)).toContain('@acme I was charged twice **urgent** [refund](https://evil.example)');

    // 2. Claim in Teams: the invoke answers with the refreshed card; the Slack card follows.
    const claim = teamsAction('case.claim');
    const claimed = await post(fromThread('invoke.adaptiveCard-action', { action: { type: 'Action.Execute', title: 'Claim', verb: claim.verb, data: claim.data }, trigger: 'manual' }));
    expect(claimed.status).toBe(200);
    expect(claimed.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(texts(claimed.body.value.body)).toContain('Owner: Alice Agent');
    const tClaim = Date.now();
    await waitFor('the Slack card shows the Teams owner', () => slackState(slackCard()!).facts.Owner === 'Alice Agent');
    timings.teamsClaimToSlackCard = Date.now() - tClaim;

    // 3. Draft in Teams, from the card as the invoke answer left it on screen: the dialog
    // opens prefilled from the template; submitting it saves the draft.
    const draftButton = (claimed.body.value.actions as Json[]).find((a) => a.data.action === 'case.draft')!;
    expect(draftButton.type).toBe('Action.Submit');
    const fetched = await post(fromThread('invoke.task-fetch', { type: 'task/fetch', data: draftButton.data, context: { theme: 'default' } }));
    const dialog = fetched.body.task.value.card.content;
    expect(dialog.body.find((e: Json) => e.type === 'Input.Text').value).toBe('Hi traveller, sorry about that.');
    const submitted = await post(fromThread('invoke.task-submit', { type: 'task/submit', data: { ...dialog.actions[0].data, reply: 'So sorry! We have refunded the second charge.' }, context: { theme: 'default' } }));
    expect(submitted.status).toBe(200);
    await waitFor('the Slack card shows the draft', () => slackState(slackCard()!).draft?.includes('So sorry! We have refunded the second charge.'));
    await waitFor('the Teams card shows the draft', () => teamsState(teamsCard()).draft?.includes('So sorry! We have refunded the second charge.'));

    // 4. Approve in Slack: the Teams card follows.
    const approve = (slackCard()!.blocks as Json[]).find((b) => b.type === 'actions')!.elements.find((e: Json) => e.action_id === 'case.approve');
    const tApprove = Date.now();
    expect((await send.interactive(blockActionsPayload({ user: LEAD, channel: CARE, messageTs: slackCard()!.ts, actionId: 'case.approve', value: approve.value }))).status).toBe(200);
    await waitFor('the Teams card shows the approval', () => teamsState(teamsCard()).facts.Status === 'Approved, ready to send');
    timings.slackApproveToTeamsCard = Date.now() - tApprove;

    // 5. Send from Teams: the reply goes out once; both cards say so.
    const sendButton = teamsAction('case.send');
    const sent = await post(fromThread('invoke.adaptiveCard-action', { action: { type: 'Action.Execute', title: 'Send', verb: 'case.send', data: sendButton.data }, trigger: 'manual' }));
    expect(sent.body.type).toBe('application/vnd.microsoft.card.adaptive');
    const reply = await waitFor('the reply on X', () => x.posted[0]);
    expect(reply.text).toBe('So sorry! We have refunded the second charge.');
    expect(reply.referenced_tweets).toEqual([{ type: 'replied_to', id: tweet.id }]);
    await waitFor('both cards say replied', () => slackState(slackCard()!).facts.Status === 'Replied' && teamsState(teamsCard()).facts.Status === 'Replied');
    timings.walk = Date.now() - t0;

    // 6. One case, two views, in agreement: same facts, same version on every button, same actions, same draft.
    const s = slackState(slackCard()!);
    const t = teamsState(teamsCard());
    expect(t).toEqual(s);
    expect(s.facts).toMatchObject({ Status: 'Replied', Owner: 'Alice Agent' });
    const replyLink = `https://x.com/i/web/status/${reply.id}`;
    expect(JSON.stringify(teamsCard())).toContain(`[View our reply](${replyLink})`);
    expect(JSON.stringify(slackCard())).toContain(`<${replyLink}|View our reply>`);
    expect(x.posted).toHaveLength(1);

    // Both threads tell the same story.
    const teamsNotes = () => connector.conversation(thread).activities().filter((a) => a.replyToId === root).map((a) => texts(a.attachments).join(' '));
    const slackNotes = () => slack.channel(CARE).thread(slackCard()!.ts).map((m) => m.text);
    await waitFor('five notes in each thread', () => teamsNotes().length >= 5 && slackNotes().length >= 5);
    for (const what of ['Alice Agent claimed the case', 'Alice Agent drafted a reply', 'lea approved the draft', 'Alice Agent is sending the reply', 'The reply was posted']) {
      expect(teamsNotes().join('\n')).toContain(what);
      expect(slackNotes().join('\n')).toContain(what);
    }
    console.log('teams e2e timings (ms):', JSON.stringify(timings));
  });

  it('refuses a stale click from Teams with a message and leaves both cards as they are', async () => {
    const before = { slack: slackState(slackCard()!), teams: teamsState(teamsCard()) };
    const r = await post(fromThread('invoke.adaptiveCard-action', { action: { type: 'Action.Execute', title: 'Claim', verb: 'case.claim', data: { caseId: '1', version: 0 } }, trigger: 'manual' }));
    expect(r.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(r.body.value).toMatch(/out of date.*its reply has been sent/);
    await new Promise((res) => setTimeout(res, 500));
    expect({ slack: slackState(slackCard()!), teams: teamsState(teamsCard()) }).toEqual(before);
  });

  it('answers the help command typed in Teams with the router\'s commands', async () => {
    const msg: Json = { ...fixture('message.channel'), serviceUrl: connector.url, text: '<at>Earshot</at> help' };
    expect((await post(msg)).status).toBe(200);
    const answer = await waitFor('the help answer', () => connector.calls.find((c) => c.op === 'reply' && c.activityId === msg.id));
    const lines = texts((answer.body as Json).attachments).join('\n');
    for (const cmd of ['help', 'metrics', 'queue']) expect(lines).toMatch(new RegExp(`^${cmd}\\b`, 'm'));
  });

  it('after a restart, posts into the Teams channel it learnt before (the reference is in the store)', async () => {
    expect(await bot.stop('SIGTERM')).toBe(0);
    const before = connector.calls.filter((c) => c.op === 'createConversation').length;
    x.addTweet({ text: '@acme where is my refund?', author: 'planner' });
    bot = await startBot({ cwd: dir, env });
    const second = await waitFor('a second card in Teams', () => connector.calls.filter((c) => c.op === 'createConversation')[before], 12_000);
    expect(second.body).toMatchObject({ channelData: { channel: { id: TEAMS_CHANNEL } } });
    expect(texts((second.body as Json).activity.attachments)).toContain('@acme where is my refund?');
  });
});
