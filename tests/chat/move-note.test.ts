import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Case } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/fake-bot-connector.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { blockActionsPayload, slackRequest, viewSubmissionPayload } from '../helpers/slack-signing.js';
import { idleSource } from '../e2e/support/idle-source.js';
import { cardText } from '../e2e/support/slack-card.js';
import { tempDir, waitFor } from '../e2e/support/bot-process.js';

/**
 * Move to group…: the note written in the dialog ("A note for that group") is for the
 * group that receives the case, so it must be on the case's card in that group's channel,
 * once, and not only in the old card's thread.
 */
const NOTE = 'Damaged bag, they want a refund';

const mention = (id: string, text: string): Mention => ({
  network: 'x', source: 'x-mentions', id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`,
  author: { id: `a${id}`, handle: `cust${id}`, name: `Customer ${id}`, followers: 10, verified: false }, isRepost: false, isQuote: false,
});

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('the move note in Slack', () => {
  const SECRET = 'move-note-secret';
  const CARE = 'C0CARE0001';
  const BAGGAGE = 'C0BAGS0001';
  const ALICE = 'U0ALICE001';
  let slack: FakeSlack;
  let app: Earshot;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [ALICE]: { name: 'alice' } } });
    app = await startEarshot({
      config: parseConfig(`
brand: { name: Acme, handles: { x: [acme] } }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - { id: care, name: Care, slack: { channel: ${CARE} } }
  - { id: baggage, name: Baggage, slack: { channel: ${BAGGAGE} } }
routing: { fallback: care }
storm: { enabled: false }
`),
      env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-move', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(tempDir('move-note'), 'm.sqlite')}`, PORT: '0', HOST: '127.0.0.1' }),
      log: silentLogger(),
      sources: new Map([['x-mentions', idleSource()]]),
      schedule: false,
      outboxIntervalMs: 50,
      rateLimits: { 'slack.post': { minTimeMs: 10 }, 'slack.update': { minTimeMs: 10 }, 'slack.read': { minTimeMs: 10 } },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
  });

  const cardIn = (channel: string): SlackMessage | undefined => slack.channel(channel).messages().find((m) => m.metadata?.event_type === 'earshot_case');
  const buttonValue = (m: SlackMessage, actionId: string) =>
    ((m.blocks as Array<Record<string, any>>).find((b) => b.type === 'actions')!.elements as Array<{ action_id: string; value: string }>).find((e) => e.action_id === actionId)!.value;

  it('shows the note on the case\'s card in the receiving group\'s channel, once, and keeps it in the old thread', async () => {
    await recordPoll(app.store, 'x-mentions', { mentions: [mention('801', '@acme the zip on my suitcase tore open')], cursor: '801', requests: 1 });
    await app.processInbox();
    const old = await waitFor('the card in care', () => cardIn(CARE));
    const send = slackRequest(`http://127.0.0.1:${app.port}/slack/events`, SECRET);
    expect((await send.interactive(blockActionsPayload({ user: ALICE, channel: CARE, messageTs: old.ts, actionId: 'case.route', value: buttonValue(old, 'case.route'), triggerId: 't-move' }))).status).toBe(200);
    const view = await waitFor('the move dialog', () => slack.callsTo('views.open').find((c) => c.args.trigger_id === 't-move')?.args.view as Record<string, any> | undefined);
    // The chat API answers the first card post in the new channel with a 503: the delivery is retried.
    slack.faults.schedule('chat.postMessage', { kind: '5xx', status: 503 });
    const r = await send.interactive(viewSubmissionPayload({
      user: ALICE, callbackId: view.callback_id, privateMetadata: view.private_metadata,
      values: { choice: { option: { type: 'static_select', selected_option: { value: 'baggage' } } }, text: { text: { type: 'plain_text_input', value: NOTE } } } as never,
    }));
    expect(r.status).toBe(200);

    const moved = await waitFor('the card in baggage', () => cardIn(BAGGAGE), 20_000);
    const shown = await waitFor('the note on the new card', () => { const t = cardText(cardIn(BAGGAGE)); return t.includes(NOTE) && t; }, 20_000);
    expect(shown).toContain(`Note by alice on moving the case from care: ${NOTE}`);
    expect(count(shown, NOTE)).toBe(1);
    // Later refreshes of the new card keep it once.
    const c = (await app.cases.get(String((moved.metadata!.event_payload as { case_id: string }).case_id)))!;
    expect(c.notes?.filter((n) => n.text === NOTE)).toHaveLength(1);
    const updates = slack.callsTo('chat.update').length;
    await app.outbox.enqueue('card.update', `case:${c.id}`, { caseId: c.id });
    await waitFor('the card refreshed', () => slack.callsTo('chat.update').length > updates);
    expect(slack.channel(BAGGAGE).messages().filter((m) => m.metadata?.event_type === 'earshot_case')).toHaveLength(1);
    expect(count(cardText(cardIn(BAGGAGE)), NOTE)).toBe(1);
    // The old card's thread says who moved it where, with the note, as before.
    await waitFor('the note in the old thread', () => slack.channel(CARE).thread(old.ts).some((m) => String(m.text).includes('alice moved the case from care to baggage') && String(m.text).includes(NOTE)));
  });
});

describe('the move note in Teams', () => {
  const CARE = '19:5f0c2a9e8d414c7a9b1e2f6d3c8a7e10@thread.tacv2';
  const BAGGAGE = '19:7d1e0f2a3b4c4d5e8f9a0b1c2d3e4f50@thread.tacv2';
  const TEAM = '19:Xq2pFakeTeamIdForEarshotTests0000000000000001@thread.tacv2';
  const ALICE = '00000000-0000-0000-0000-0000000000a1';
  type Activity = Record<string, any>;
  const fixture = (name: string): Activity => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8')) as Activity;
  let connector: FakeBotConnector;
  let app: Earshot;
  let url: string;

  const post = async (activity: Activity): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    connector = await startFakeBotConnector({ teams: { [TEAM]: [{ id: TEAM }, { id: CARE, name: 'Care' }, { id: BAGGAGE, name: 'Baggage' }] } });
    app = await startEarshot({
      config: parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - { id: care, name: Care, teams: { channel: "${CARE}" } }
  - { id: baggage, name: Baggage, teams: { channel: "${BAGGAGE}" } }
routing: { fallback: care }
storm: { enabled: false }
`),
      env: parseEnv({ TEAMS_LOCAL_DEV: 'true', STORE_URL: `sqlite://${join(tempDir('move-note-teams'), 't.sqlite')}`, PORT: '0', HOST: '127.0.0.1' }),
      log: silentLogger(),
      schedule: false,
      sources: new Map([['x-mentions', idleSource()]]),
      outboxIntervalMs: 50,
    });
    url = `http://127.0.0.1:${app.port}`;
    expect((await post({ ...fixture('conversationUpdate.installed'), serviceUrl: connector.url })).status).toBe(200);
  });

  afterAll(async () => {
    await app?.stop();
    await connector?.close();
  });

  it('shows the note on the card the receiving group\'s channel gets, once', async () => {
    await recordPoll(app.store, 'x-mentions', { mentions: [mention('802', '@acme my suitcase never arrived')], cursor: '802', requests: 1 });
    await app.processInbox();
    const first = await waitFor('the card in care', () => connector.calls.find((c) => c.op === 'createConversation'));
    const thread = first.conversationId!;
    const caseId = (await app.store.setMembers('open:care'))[0]!;
    const current = async (): Promise<Case> => (await app.cases.get(caseId))!;
    await waitFor('the view recorded', async () => (await current()).views.length > 0);

    const inbound = (patch: Activity): Activity => {
      const a = fixture('invoke.task-fetch');
      return { ...a, serviceUrl: connector.url, conversation: { ...a.conversation, id: thread }, from: { id: '29:AliceAgent', name: 'Alice Agent', aadObjectId: ALICE }, ...patch };
    };
    const opened = await post(inbound({ value: { type: 'task/fetch', data: { msteams: { type: 'task/fetch' }, action: 'case.route', caseId, version: (await current()).version }, context: { theme: 'default' } } }));
    const dialog = opened.body.task.value.card.content;
    const submit = { ...fixture('invoke.task-submit'), serviceUrl: connector.url, conversation: { ...fixture('invoke.task-submit').conversation, id: thread }, from: { id: '29:AliceAgent', name: 'Alice Agent', aadObjectId: ALICE } };
    const done = await post({ ...submit, value: { type: 'task/submit', data: { ...dialog.actions[0].data, option: 'baggage', text: NOTE }, context: { theme: 'default' } } });
    expect(done.status).toBe(200);
    expect((await current()).group).toBe('baggage');

    const posted = await waitFor('the card in baggage', () => connector.calls.find((c) => c.op === 'createConversation' && JSON.stringify(c.body).includes(BAGGAGE)), 20_000);
    const card = JSON.stringify(posted.body);
    expect(card).toContain(`Note by Alice Agent on moving the case from care: ${NOTE}`);
    expect(count(card, NOTE)).toBe(1);
  });
});
