import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/fake-bot-connector.js';
import { startFakeModel, type FakeModel } from '../fakes/fake-model.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { blockActionsPayload, slackRequest, viewSubmissionPayload, type SlackRequester } from '../helpers/slack-signing.js';
import { startBot, tempDir, waitFor, writeConfig, type BotProcess } from './support/bot-process.js';
import { cardText as text } from './support/slack-card.js';

/**
 * AI assist end to end: the real bot process against fake Slack, a fake Bot Connector, fake
 * X and the fake model API. "Suggest a reply" in the Slack draft modal (ack, then
 * views.update) and in the Teams draft dialog (task/submit), the draft recording the
 * suggestion, and the approver's card naming its sources and how much the agent changed.
 * A second bot without `assist:` shows that it is off and never calls a model.
 */
const SECRET = 'assist-signing-secret';
const CARE = 'C0CARE0001';
const AGENT = 'U0AGENT001';
const LEAD = 'U0LEAD0001';
const TEAMS_CHANNEL = '19:5f0c2a9e8d414c7a9b1e2f6d3c8a7e10@thread.tacv2';
const TEAM = '19:Xq2pFakeTeamIdForEarshotTests0000000000000001@thread.tacv2';
const ALICE = { id: '29:alice', name: 'Alice Agent', aadObjectId: '00000000-0000-0000-0000-0000000000a1' };

const config = (assist: string) => `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-mentions, network: x, queries: ['@acme -is:retweet'], interval: 5s }
groups:
  - { id: care, name: Care, slack: { channel: ${CARE} }, teams: { channel: "Care - Billing" } }
routing: { fallback: care }
policy:
  approvers: [slack:${LEAD}]
  linkAllowlist: [acme.com]
templates:
  - { id: sorry, name: Apology, text: "Hi {{author.name}}, sorry about that." }
storm: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
${assist}
`;

type Json = Record<string, any>;
const fixture = (name: string): Json => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8')) as Json;
const buttons = (m: SlackMessage | undefined): Array<{ action_id: string; value: string }> =>
  ((m?.blocks as Json[] | undefined)?.find((b) => b.type === 'actions')?.elements ?? []);

function findViewId(slack: FakeSlack, privateMetadata: string): string | undefined {
  for (let n = 1; n < 2000; n++) {
    const id = `V0${n.toString(36).toUpperCase().padStart(8, '0')}`;
    const v = slack.view(id) as Json | undefined;
    if (v && v.private_metadata === privateMetadata) return id;
  }
  return undefined;
}

describe('AI assist on: Suggest in Slack and Teams', () => {
  let slack: FakeSlack;
  let x: FakeX;
  let connector: FakeBotConnector;
  let model: FakeModel;
  let bot: BotProcess;
  let send: SlackRequester;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [AGENT]: { name: 'alice' }, [LEAD]: { name: 'lea' } } });
    x = await startFakeX({ me: { username: 'acme' } });
    connector = await startFakeBotConnector({ teams: { [TEAM]: [{ id: TEAM }, { id: TEAMS_CHANNEL, name: 'Care - Billing' }] } });
    model = await startFakeModel({ script: () => JSON.stringify({ reply: 'Hi there, so sorry about the double charge. We are refunding it now; details at https://help.acme.com/billing.', language: 'en' }) });
    const dir = tempDir('assist-e2e');
    mkdirSync(join(dir, 'kb'));
    writeFileSync(join(dir, 'kb', 'billing.md'), '# Double charges\n\nA double charge is refunded within 5 days. See https://help.acme.com/billing.');
    const env = {
      EARSHOT_CONFIG: writeConfig(dir, config(`assist: { provider: azure, model: care-gpt, baseURL: '${model.origin}/openai', knowledge: ['./kb/*.md'], timeout: 5s }`)),
      SLACK_BOT_TOKEN: 'xoxb-assist', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
      X_BEARER_TOKEN: 'bearer', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'as', X_API_URL: x.url,
      TEAMS_LOCAL_DEV: 'true', ASSIST_API_KEY: 'azure-key-1',
      STORE_URL: `sqlite://${join(dir, 'earshot.sqlite')}`,
    };
    bot = await startBot({ cwd: dir, env, startTimeoutMs: 90_000 });
    send = slackRequest(`${bot.url}/slack/events`, SECRET);
    // The app is added to the team first, so Earshot knows the Teams channel before any card.
    await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...fixture('conversationUpdate.installed'), serviceUrl: connector.url }) });
    await waitFor('the install logged', () => bot.output().includes('Earshot was added to a Teams team'));
  }, 120_000);

  afterAll(async () => {
    await bot?.stop();
    await Promise.all([slack?.close(), x?.close(), connector?.close(), model?.close()]);
  });

  it('Slack: Suggest fills the modal by views.update, the draft records it, the card names the sources and the change', async () => {
    x.addTweet({ text: '@acme charged twice for my ticket, mail me at pat.doe@example.org', author: 'payer' });
    const card = () => slack.channel(CARE).messages().find((m) => m.metadata?.event_type === 'earshot_case' && text(m).includes('charged twice'));
    await waitFor('the card', card, 20_000);
    const draft = buttons(card()).find((b) => b.action_id === 'case.draft')!;
    await send.interactive(blockActionsPayload({ user: AGENT, channel: CARE, messageTs: card()!.ts, actionId: 'case.draft', value: draft.value, triggerId: 't-draft' }));
    const view = await waitFor('the draft modal', () => slack.callsTo('views.open').find((c) => c.args.trigger_id === 't-draft')?.args.view as Json | undefined);
    expect(view.blocks.find((b: Json) => b.block_id === 'assist').elements[0]).toMatchObject({ action_id: 'assist.suggest', text: { text: 'Suggest a reply' } });
    const viewId = (await waitFor('the view id', () => findViewId(slack, view.private_metadata)))!;

    const click = {
      type: 'block_actions', user: { id: AGENT, username: 'alice', name: 'alice', team_id: 'T0FAKE001' }, api_app_id: 'A0APP0001', token: 'x', trigger_id: 't-suggest',
      container: { type: 'view', view_id: viewId }, team: { id: 'T0FAKE001', domain: 'fake' },
      view: { id: viewId, hash: (slack.view(viewId) as Json).hash, private_metadata: view.private_metadata, callback_id: view.callback_id, type: 'modal', state: { values: {} } },
      actions: [{ type: 'button', action_id: 'assist.suggest', block_id: 'assist', value: 'x', action_ts: '1800000001.000000' }],
    };
    const t0 = Date.now();
    expect((await send.interactive(click)).status).toBe(200);
    const ackMs = Date.now() - t0;
    expect(ackMs).toBeLessThan(3000);
    const updates = await waitFor('the suggestion in the modal', () => {
      const u = slack.callsTo('views.update').map((c) => c.args.view as Json);
      return u.length >= 2 ? u : undefined;
    }, 15_000);
    expect(JSON.stringify(updates[0])).toContain('Writing a suggestion');
    const filled = updates[1]!;
    const input = filled.blocks.find((b: Json) => b.type === 'input').element;
    expect(input.initial_value).toContain('so sorry about the double charge');
    const note = filled.blocks.find((b: Json) => b.block_id === 'assist-note').elements[0].text as string;
    // The post carries an e-mail address, so only private templates would fit (there are none): the knowledge base grounds it.
    expect(note).toContain('Suggested by AI assist from knowledge kb/billing.md.');

    // What went to the model: Azure's deployment URL and key, the post masked, inside the data block.
    const call = model.calls.at(-1)!;
    expect(call.path).toBe('/openai/deployments/care-gpt/chat/completions');
    expect(call.headers['api-key']).toBe('azure-key-1');
    expect(call.raw).not.toContain('pat.doe@example.org');
    expect(call.user).toContain('[e-mail address]');

    // The agent changes a few words and submits: the approver's card says it was suggested, from what, and how much changed.
    const submitted = 'Hi there, so sorry about the double charge. We are refunding it today; details at https://help.acme.com/billing.';
    await send.interactive(viewSubmissionPayload({ user: AGENT, callbackId: filled.callback_id, privateMetadata: filled.private_metadata, values: { reply: { [input.action_id]: submitted } } }));
    const line = await waitFor('the draft on the card', () => (card()!.blocks as Json[]).find((b) => b.block_id === 'draft-assist')?.elements[0].text as string | undefined);
    expect(line).toMatch(/^Suggested by AI assist from knowledge kb\/billing\.md · the agent changed \d+% of it\.$/);
    expect(line).not.toContain('changed 0%');
  }, 90_000);

  it('Teams: Suggest in the draft dialog comes back with the suggestion, and the saved draft records it', async () => {
    x.addTweet({ text: '@acme I was charged twice again', author: 'payer2' });
    const created = await waitFor('the card in Teams', () => connector.calls.find((c) => c.op === 'createConversation' && JSON.stringify(c.body).includes('charged twice again')), 20_000);
    const thread = created.conversationId!;
    const root = created.createdId!;
    const post = async (name: string, value: Json): Promise<Json> => {
      const a = fixture(name);
      const r = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...a, serviceUrl: connector.url, from: ALICE, conversation: { ...a.conversation, id: thread }, replyToId: root, value }) });
      const body = await r.text();
      return (body ? JSON.parse(body) : {}) as Json;
    };
    const card = connector.conversation(thread).activity(root)!;
    const draftButton = ((card.attachments as Json[])[0]!.content.actions as Json[]).find((a) => (a.data?.action ?? a.verb) === 'case.draft')!;
    const fetched = await post('invoke.task-fetch', { type: 'task/fetch', data: draftButton.data, context: { theme: 'default' } });
    const dialog = fetched.task.value.card.content;
    const suggestButton = (dialog.actions as Json[]).find((a) => a.title === 'Suggest a reply')!;
    expect(suggestButton.data).toMatchObject({ action: 'case.draft', assist: 'suggest' });
    const typed = dialog.body.find((e: Json) => e.type === 'Input.Text').value as string;
    const answered = await post('invoke.task-submit', { type: 'task/submit', data: { ...suggestButton.data, reply: typed }, context: { theme: 'default' } });
    const again = answered.task.value.card.content;
    expect(again.body.find((e: Json) => e.type === 'Input.Text').value).toContain('so sorry about the double charge');
    expect(JSON.stringify(again.body)).toContain('Suggested by AI assist from templates sorry');
    const submit = (again.actions as Json[]).find((a) => a.title === 'Submit for approval')!;
    expect(submit.data.assisted).toBe(true);
    const saved = await post('invoke.task-submit', { type: 'task/submit', data: { ...submit.data, reply: 'Hi there, so sorry about the double charge. We are refunding it now; details at https://help.acme.com/billing.' }, context: { theme: 'default' } });
    expect(saved.task).toBeUndefined();
    await waitFor('the Teams card names the suggestion', () => JSON.stringify(connector.conversation(thread).activity(root)!.attachments).includes('the agent did not change it'));
  }, 90_000);
});

describe('AI assist off (no assist: in the config)', () => {
  let slack: FakeSlack;
  let x: FakeX;
  let model: FakeModel;
  let bot: BotProcess;
  let send: SlackRequester;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [AGENT]: { name: 'alice' } } });
    x = await startFakeX({ me: { username: 'acme' } });
    model = await startFakeModel();
    const dir = tempDir('assist-off');
    const env = {
      EARSHOT_CONFIG: writeConfig(dir, config('').replace(', teams: { channel: "Care - Billing" }', '')),
      SLACK_BOT_TOKEN: 'xoxb-off', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
      X_BEARER_TOKEN: 'bearer', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'as', X_API_URL: x.url,
      // A key in the environment changes nothing while the config does not turn assist on.
      ASSIST_API_KEY: 'unused', OPENAI_BASE_URL: `${model.origin}/v1`, ANTHROPIC_BASE_URL: `${model.origin}/v1`,
      STORE_URL: `sqlite://${join(dir, 'earshot.sqlite')}`,
    };
    bot = await startBot({ cwd: dir, env, startTimeoutMs: 90_000 });
    send = slackRequest(`${bot.url}/slack/events`, SECRET);
  }, 120_000);

  afterAll(async () => {
    await bot?.stop();
    await Promise.all([slack?.close(), x?.close(), model?.close()]);
  });

  it('the draft modal says AI assist is off, a forged Suggest click is answered with that, and no request reaches any model', async () => {
    x.addTweet({ text: '@acme where is my refund', author: 'waiter' });
    const card = () => slack.channel(CARE).messages().find((m) => m.metadata?.event_type === 'earshot_case');
    await waitFor('the card', card, 20_000);
    const draft = buttons(card()).find((b) => b.action_id === 'case.draft')!;
    await send.interactive(blockActionsPayload({ user: AGENT, channel: CARE, messageTs: card()!.ts, actionId: 'case.draft', value: draft.value, triggerId: 't-off' }));
    const view = await waitFor('the draft modal', () => slack.callsTo('views.open').find((c) => c.args.trigger_id === 't-off')?.args.view as Json | undefined);
    expect(view.blocks.find((b: Json) => b.block_id === 'assist')).toBeUndefined();
    expect(view.blocks.find((b: Json) => b.block_id === 'assist-off').elements[0].text).toContain('AI assist is off');
    const viewId = (await waitFor('the view id', () => findViewId(slack, view.private_metadata)))!;
    const click = {
      type: 'block_actions', user: { id: AGENT, username: 'alice', name: 'alice', team_id: 'T0FAKE001' }, api_app_id: 'A0APP0001', token: 'x', trigger_id: 't-forged',
      container: { type: 'view', view_id: viewId }, team: { id: 'T0FAKE001', domain: 'fake' },
      view: { id: viewId, hash: (slack.view(viewId) as Json).hash, private_metadata: view.private_metadata, callback_id: view.callback_id, type: 'modal', state: { values: {} } },
      actions: [{ type: 'button', action_id: 'assist.suggest', block_id: 'assist', value: 'x', action_ts: '1800000001.000000' }],
    };
    expect((await send.interactive(click)).status).toBe(200);
    const updated = await waitFor('the answer in the modal', () => (slack.callsTo('views.update').length >= 2 ? slack.callsTo('views.update')[1]!.args.view as Json : undefined), 15_000);
    expect(JSON.stringify(updated)).toContain('AI assist is off');
    expect(model.calls).toHaveLength(0);
  }, 90_000);
});
