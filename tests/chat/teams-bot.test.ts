import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Case } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import type { MentionSource } from '../../src/sources/mention-source.js';
import { createLogger, silentLogger } from '../../src/util/logger.js';
import { BOT_FRAMEWORK_ISSUER, startFakeBotConnector, type FakeBotConnector } from '../fakes/fake-bot-connector.js';
import { tempDir, waitFor } from '../e2e/support/bot-process.js';

const CHANNEL = '19:5f0c2a9e8d414c7a9b1e2f6d3c8a7e10@thread.tacv2';
const ESCALATIONS = '19:7d1e0f2a3b4c4d5e8f9a0b1c2d3e4f50@thread.tacv2';
const TEAM = '19:Xq2pFakeTeamIdForEarshotTests0000000000000001@thread.tacv2';
const APP_ID = '00000000-0000-0000-0000-00000000b071';
const ALICE = '00000000-0000-0000-0000-0000000000a1';
const BOB = '00000000-0000-0000-0000-0000000000b1';

type Activity = Record<string, any>;
const fixture = (name: string): Activity => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8')) as Activity;

const quietSource: MentionSource = {
  name: 'x-mentions', network: 'x', canReply: true,
  poll: async () => ({ mentions: [], cursor: undefined, requests: 0 }),
  reply: async (m) => ({ id: `r-${m.id}`, url: `https://x.com/i/web/status/r-${m.id}`, at: new Date().toISOString(), text: 'x' }),
  findReply: async () => undefined,
  checkReply: (t) => (t.length > 280 ? 'X allows 280 characters.' : undefined),
};

const mention = (id: string, text: string): Mention => ({
  network: 'x', source: 'x-mentions', id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`,
  author: { id: `a${id}`, handle: `cust${id}`, name: `Customer ${id}`, followers: 10, verified: false }, isRepost: false, isQuote: false,
});

const CONFIG = (channel: string) => `
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - { id: care, teams: { channel: "${channel}" } }
routing: { fallback: care }
policy:
  approvers: [teams:${BOB}]
  bannedPhrases: [guarantee]
templates:
  - { id: sorry, name: Apology, text: "Hi {{author.name}}, sorry about that." }
`;

async function post(url: string, activity: Activity, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(activity) });
  const text = await r.text();
  let body: unknown = text || undefined;
  try { body = text ? JSON.parse(text) : undefined; } catch { /* a plain-text answer, such as a 401 */ }
  return { status: r.status, body };
}

describe('Teams inbound, in process (TEAMS_LOCAL_DEV)', () => {
  let connector: FakeBotConnector;
  let app: Earshot;
  let url: string;
  let caseId: string;
  let thread: string;
  let root: string;

  /** An activity as Teams sends it, pointed at the fake connector and at the card's thread. */
  const inbound = (name: string, patch: Activity = {}): Activity => {
    const a = fixture(name);
    return { ...a, serviceUrl: connector.url, conversation: { ...a.conversation, id: thread ?? a.conversation.id }, replyToId: root ?? a.replyToId, ...patch };
  };
  const as = (aad: string, name: string) => ({ from: { id: `29:${name.replace(/\s/g, '')}`, name, aadObjectId: aad } });
  const current = async (): Promise<Case> => (await app.cases.get(caseId))!;
  const cardData = async () => ({ caseId, version: (await current()).version });
  const execute = async (verb: string, who = as(ALICE, 'Alice Agent'), data?: unknown) =>
    post(url, inbound('invoke.adaptiveCard-action', { ...who, value: { action: { type: 'Action.Execute', title: verb, verb, data: data ?? (await cardData()) }, trigger: 'manual' } }));
  const task = async (kind: 'fetch' | 'submit', data: Activity, who = as(ALICE, 'Alice Agent')) =>
    post(url, inbound(`invoke.task-${kind}`, { ...who, value: { type: `task/${kind}`, data, context: { theme: 'default' } } }));

  beforeAll(async () => {
    connector = await startFakeBotConnector({ teams: { [TEAM]: [{ id: TEAM }, { id: CHANNEL, name: 'Care - Billing' }, { id: ESCALATIONS, name: 'Escalations' }] } });
    const config = parseConfig(CONFIG('Care - Billing'));
    const env = parseEnv({ TEAMS_LOCAL_DEV: 'true', STORE_URL: `sqlite://${join(tempDir('teams-bot'), 't.sqlite')}`, PORT: '0', HOST: '127.0.0.1' });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', quietSource]]), outboxIntervalMs: 50 });
    url = `http://127.0.0.1:${app.port}`;
  });
  afterAll(async () => {
    await app?.stop();
    await connector?.close();
  });

  it('remembers the channels of a team it is added to, by id and by name', async () => {
    const install = { ...fixture('conversationUpdate.installed'), serviceUrl: connector.url };
    const r = await post(url, install);
    expect(r.status).toBe(200);
    expect(connector.calls.map((c) => c.route)).toEqual(['GET /v3/teams/:teamId/conversations']);
    const channels = (await app.store.setMembers('teams:channels')).sort();
    expect(channels).toEqual([CHANNEL, ESCALATIONS, TEAM].sort());
    const billing = await app.store.get<Activity>(`teams:channel:${CHANNEL}`);
    expect(billing).toMatchObject({ name: 'Care - Billing', teamId: TEAM, teamName: 'Customer Care', tenantId: '00000000-0000-0000-0000-0000000000aa', serviceUrl: connector.url, bot: { id: `28:${APP_ID}` } });
    expect(await app.store.get<Activity>(`teams:channel:${TEAM}`)).toMatchObject({ name: 'General' });
  });

  it('posts a new case as an Adaptive Card thread in the channel the group names', async () => {
    await recordPoll(app.store, 'x-mentions', { mentions: [mention('501', '@acme my invoice is wrong [pay here](https://evil.example)')], cursor: '501', requests: 1 });
    await app.processInbox();
    const created = await waitFor('the card in Teams', () => connector.calls.find((c) => c.op === 'createConversation'));
    expect(created.body).toMatchObject({ channelData: { channel: { id: CHANNEL } } });
    thread = created.conversationId!;
    root = created.createdId!;
    caseId = (await app.store.setMembers('open:care'))[0]!;
    const c = await waitFor('the view recorded', async () => ((await current()).views.length ? current() : undefined));
    expect(c.views).toEqual([{ platform: 'teams', conversationId: thread, activityId: root }]);
    const card = JSON.stringify(connector.conversation(thread).activity(root));
    expect(card).toContain('"verb":"case.claim"');
    // The post is a TextRun (never Markdown), not a TextBlock.
    expect(card).toContain('{"type":"TextRun","text":"@acme my invoice is wrong [pay here](https://evil.example)"}');
    expect(card).not.toMatch(/"type":"TextBlock","text":"[^"]*pay here/);
  });

  it('claims from the card: the invoke answers with the refreshed card, the case and the thread follow', async () => {
    const r = await execute('case.claim');
    expect(r.status).toBe(200);
    expect(r.body.statusCode).toBe(200);
    expect(r.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(r.body.value)).toContain('Alice Agent');
    expect(r.body.value.actions.some((a: Activity) => a.verb === 'case.claim')).toBe(false);
    const c = await current();
    expect(c.status).toBe('claimed');
    expect(c.owner).toEqual({ platform: 'teams', id: ALICE, name: 'Alice Agent' });
    await waitFor('the card updated for everyone', () => connector.conversation(thread).versions(root).length >= 2);
    // What the clicker sees at once is what everyone gets from the outbox.
    expect((connector.conversation(thread).activity(root)!.attachments as Activity[])[0]!.content).toEqual(r.body.value);
    await waitFor('a note in the thread', () => connector.conversation(thread).activities().some((a) => a.replyToId === root && JSON.stringify(a).includes('Alice Agent claimed the case')));
  });

  it('refuses a stale click with a message to the clicker and changes nothing', async () => {
    const before = await current();
    const r = await execute('case.claim', as(BOB, 'Bob Lead'), { caseId, version: 0 });
    expect(r.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(r.body.value).toMatch(/out of date.*Alice Agent has claimed it/);
    expect((await current()).version).toBe(before.version);
    const junk = await execute('case.claim', as(BOB, 'Bob Lead'), { caseId: '../../etc', version: 'x' });
    expect(junk.body.value).toBe('That button carries no valid case reference.');
  });

  it('opens the draft dialog prefilled from the template, keeps it open on a problem, and saves the draft', async () => {
    const fetched = await task('fetch', { msteams: { type: 'task/fetch' }, action: 'case.draft', ...(await cardData()) });
    expect(fetched.status).toBe(200);
    expect(fetched.body.task.type).toBe('continue');
    const dialog = fetched.body.task.value.card.content;
    const input = dialog.body.find((e: Activity) => e.type === 'Input.Text');
    expect(input).toMatchObject({ id: 'reply', value: 'Hi Customer 501, sorry about that.' });
    const submitData = dialog.actions[0].data;
    expect(submitData).toEqual({ action: 'case.draft', caseId, version: (await current()).version, templateId: 'sorry' });

    const empty = await task('submit', { ...submitData, reply: '   ' });
    expect(empty.body.task.type).toBe('continue');
    expect(JSON.stringify(empty.body.task.value.card.content)).toContain('Write a reply first.');
    const banned = await task('submit', { ...submitData, reply: 'We guarantee a refund' });
    const again = banned.body.task.value.card.content;
    expect(JSON.stringify(again)).toContain('policy.bannedPhrases');
    expect(again.body.find((e: Activity) => e.type === 'Input.Text').value).toBe('We guarantee a refund');
    expect((await current()).status).toBe('claimed');

    const saved = await task('submit', { ...submitData, reply: 'Sorry! Please DM us your invoice number.' });
    expect(saved.status).toBe(200);
    expect(saved.body).toBeUndefined();
    const c = await current();
    expect(c.status).toBe('drafted');
    expect(c.draft).toMatchObject({ text: 'Sorry! Please DM us your invoice number.', templateId: 'sorry', by: { platform: 'teams', id: ALICE } });
  });

  it('applies the policy to Teams users: only approvers (teams:<aad id>) may reject, with a note', async () => {
    const open = await task('fetch', { msteams: { type: 'task/fetch' }, action: 'case.reject', ...(await cardData()) });
    expect(open.body.task).toEqual({ type: 'message', value: expect.stringContaining('policy.approvers') });
    const bob = as(BOB, 'Bob Lead');
    const dialog = (await task('fetch', { msteams: { type: 'task/fetch' }, action: 'case.reject', ...(await cardData()) }, bob)).body.task.value.card.content;
    expect(JSON.stringify(dialog)).toContain('Sorry! Please DM us your invoice number.');
    const data = dialog.actions[0].data;
    expect((await task('submit', { ...data, note: '' }, bob)).body.task.type).toBe('continue');
    expect((await task('submit', { ...data, note: 'Add the file reference' }, bob)).body).toBeUndefined();
    const c = await current();
    expect(c.status).toBe('rejected');
    expect(c.rejection).toMatchObject({ note: 'Add the file reference', by: { platform: 'teams', id: BOB, name: 'Bob Lead' } });
    // The same dialog submitted again is stale now: refused, with the text given back.
    const late = await task('submit', { ...data, note: 'Second thoughts' }, bob);
    expect(late.body.task.value).toMatch(/not sent back.*out of date[\s\S]*Second thoughts/);
  });

  it('accepts Action.Submit from clients without Universal Actions (a message with a value)', async () => {
    const legacy = inbound('message.channel', { ...as(ALICE, 'Alice Agent'), text: undefined, textFormat: undefined, attachments: undefined, entities: undefined, value: { action: 'case.release', ...(await cardData()) } });
    expect((await post(url, legacy)).status).toBe(200);
    await waitFor('released', async () => (await current()).status === 'new');
  });

  it('snoozes and ignores through choice dialogs, keeping the dialog open until the choice is complete', async () => {
    const open = await task('fetch', { msteams: { type: 'task/fetch' }, action: 'case.snooze', ...(await cardData()) });
    const dialog = open.body.task.value.card.content;
    const choices = dialog.body.find((e: Activity) => e.type === 'Input.ChoiceSet');
    expect(choices.choices.map((c: Activity) => c.title)).toContain('For 1 hour');
    const data = dialog.actions[0].data;
    const incomplete = await task('submit', { ...data });
    expect(JSON.stringify(incomplete.body.task.value.card.content)).toContain('Pick a time to snooze until.');
    const until = choices.choices[0].value as string;
    expect((await task('submit', { ...data, option: until })).body).toBeUndefined();
    expect(await current()).toMatchObject({ status: 'snoozed', snooze: { until } });
    expect((await execute('case.wake')).body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect((await current()).status).toBe('new');

    const ignore = (await task('fetch', { msteams: { type: 'task/fetch' }, action: 'case.ignore', ...(await cardData()) })).body.task.value.card.content;
    expect(ignore.body.some((e: Activity) => e.type === 'Input.Text' && e.id === 'text')).toBe(true);
    expect((await task('submit', { ...ignore.actions[0].data, text: 'A competitor\'s bot' })).body).toBeUndefined();
    expect(await current()).toMatchObject({ status: 'ignored', ignored: { reason: 'A competitor\'s bot', by: { platform: 'teams', id: ALICE } } });
    expect((await execute('case.reopen')).body.type).toBe('application/vnd.microsoft.card.adaptive');

    // Correcting a tag from Teams: the case (and the model) take the agent's word.
    const retag = (await task('fetch', { msteams: { type: 'task/fetch' }, action: 'case.retag', ...(await cardData()) })).body.task.value.card.content;
    const fix = retag.body.find((e: Activity) => e.type === 'Input.ChoiceSet').choices.map((c: Activity) => c.value as string).find((v: string) => v.startsWith('intent:'))!;
    expect((await task('submit', { ...retag.actions[0].data, option: fix })).body).toBeUndefined();
    expect((await current()).screening.intent).toBe(fix.slice('intent:'.length));
  });

  it('keeps a reply in the card\'s thread (no @mention, received through RSC) as an internal note, and answers no channel chatter', async () => {
    connector.calls.length = 0;
    const base = fixture('message.channel');
    const reply = inbound('message.channel', { ...as(BOB, 'Bob Lead'), id: '1767604400001', text: '<p>Called them back, all&nbsp;sorted</p>', textFormat: 'xml', entities: [], attachments: undefined });
    expect((await post(url, reply)).status).toBe(200);
    const noted = await waitFor('the note on the case', async () => (await current()).notes?.find((n) => n.text === 'Called them back, all sorted'));
    expect(noted).toMatchObject({ id: `teams:${thread}:1767604400001`, by: { platform: 'teams', id: BOB, name: 'Bob Lead' } });
    // Delivered again: kept once.
    expect((await post(url, reply)).status).toBe(200);
    expect((await current()).notes?.filter((n) => n.text === 'Called them back, all sorted')).toHaveLength(1);
    // A reply in some other thread, and a top-level post, are neither notes nor commands: no answer.
    const other = inbound('message.channel', { ...as(BOB, 'Bob Lead'), id: '1767604400002', text: 'lunch?', entities: [], conversation: { ...base.conversation, id: `${CHANNEL};messageid=1767604300000` } });
    expect((await post(url, other)).status).toBe(200);
    const top = inbound('message.channel', { ...as(BOB, 'Bob Lead'), id: '1767604400003', text: 'morning all', entities: [], conversation: { ...base.conversation, id: `${CHANNEL};messageid=1767604400003` } });
    expect((await post(url, top)).status).toBe(200);
    expect(connector.calls.filter((c) => c.op === 'reply' || c.op === 'send')).toEqual([]);
  });

  it('answers the bot commands through the same router as Slack, in the thread', async () => {
    connector.calls.length = 0;
    const msg = inbound('message.channel', { conversation: { ...fixture('message.channel').conversation } });
    expect((await post(url, msg)).status).toBe(200);
    const help = { ...msg, id: '1767604367999', text: '<at>Earshot</at> help' };
    expect((await post(url, help)).status).toBe(200);
    const isCard = (c: { body?: unknown }) => (c.body as Activity).attachments?.[0]?.contentType === 'application/vnd.microsoft.card.adaptive';
    const replies = connector.calls.filter((c) => c.op === 'reply' && c.conversationId === msg.conversation.id && isCard(c));
    expect(replies.map((c) => c.activityId)).toEqual(['1767604367451', '1767604367999']);
    const helpText = JSON.stringify(replies[1]!.body);
    for (const name of app.commands.names()) expect(helpText).toContain(name);
    // metrics answers with its text, then each chart as an inline image of its own.
    const metrics = { ...msg, id: '1767604368001', text: '<at>Earshot</at> metrics 7d' };
    expect((await post(url, metrics)).status).toBe(200);
    const answers = connector.calls.filter((c) => c.op === 'reply' && c.activityId === metrics.id).map((c) => (c.body as Activity).attachments[0]);
    expect(answers[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(answers[0].content)).toMatch(/Cases|cases/);
    expect(answers.length).toBeGreaterThan(1);
    for (const chart of answers.slice(1)) expect(chart).toMatchObject({ contentType: 'image/png', contentUrl: expect.stringMatching(/^data:image\/png;base64,iVBOR/) });
    const unknown = { ...msg, id: '1767604368000', text: '<at>Earshot</at> frobnicate *now*' };
    await post(url, unknown);
    const refusal = connector.calls.find((c) => c.op === 'reply' && c.activityId === unknown.id)!;
    expect(JSON.stringify(refusal.body)).toContain('Unknown command \\"frobnicate\\"');
  });

  it('forgets a team\'s channels when the bot is removed from it', async () => {
    const removed = { ...fixture('conversationUpdate.installed'), serviceUrl: connector.url, membersAdded: undefined, membersRemoved: [{ id: `28:${APP_ID}` }], channelData: { ...fixture('conversationUpdate.installed').channelData, eventType: 'teamMemberRemoved' } };
    expect((await post(url, removed)).status).toBe(200);
    expect(await app.store.setMembers('teams:channels')).toEqual([]);
    expect(await app.store.get(`teams:channel:${CHANNEL}`)).toBeUndefined();
  });
});

describe('Teams with app credentials: Bot Framework authentication', () => {
  let connector: FakeBotConnector;
  let app: Earshot;
  let url: string;
  let caseId: string;

  const claim = (version: number): Activity => {
    const a = fixture('invoke.adaptiveCard-action');
    return { ...a, serviceUrl: connector.url, value: { action: { ...a.value.action, data: { caseId, version } }, trigger: 'manual' } };
  };

  beforeAll(async () => {
    connector = await startFakeBotConnector();
    const config = parseConfig(CONFIG(CHANNEL));
    const env = parseEnv({
      MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'not-a-real-secret', TEAMS_OPENID_METADATA_URL: connector.openIdMetadataUrl,
      STORE_URL: `sqlite://${join(tempDir('teams-auth'), 't.sqlite')}`, PORT: '0', HOST: '127.0.0.1',
    });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', quietSource]]), outboxIntervalMs: 50 });
    url = `http://127.0.0.1:${app.port}`;
    // A case whose channel Earshot does not know yet: nothing is ever sent outward.
    await recordPoll(app.store, 'x-mentions', { mentions: [mention('601', '@acme hello')], cursor: '601', requests: 1 });
    await app.processInbox();
    caseId = (await app.store.setMembers('open:care'))[0]!;
  });
  afterAll(async () => {
    await app?.stop();
    await connector?.close();
  });

  it('answers 401 to requests without a valid Bot Framework token and changes nothing', async () => {
    const before = await app.cases.get(caseId);
    const activity = claim(before!.version);
    const bad: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer not.a.jwt' },
      // Right claims, signed with a key Bot Framework never published.
      { authorization: `Bearer ${jwt.sign({ serviceurl: connector.url }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, { algorithm: 'RS256', keyid: 'fake-bot-framework-key', issuer: BOT_FRAMEWORK_ISSUER, audience: APP_ID, expiresIn: '5m' })}` },
      { authorization: `Bearer ${connector.signInbound({ appId: 'someone-else' })}` },
      { authorization: `Bearer ${connector.signInbound({ appId: APP_ID, serviceUrl: 'https://evil.example/' })}` },
      // Expired beyond the 5 minutes of clock skew Bot Framework tolerates.
      { authorization: `Bearer ${connector.signInbound({ appId: APP_ID, expiresIn: -600 })}` },
    ];
    for (const headers of bad) expect((await post(url, activity, headers)).status).toBe(401);
    const install = { ...fixture('conversationUpdate.installed'), serviceUrl: connector.url };
    expect((await post(url, install)).status).toBe(401);
    expect(await app.cases.get(caseId)).toEqual(before);
    expect(await app.store.setMembers('teams:channels')).toEqual([]);
    expect(connector.calls).toEqual([]);
  });

  it('accepts a request signed by Bot Framework for this app', async () => {
    const version = (await app.cases.get(caseId))!.version;
    const r = await post(url, claim(version), { authorization: `Bearer ${connector.signInbound({ appId: APP_ID })}` });
    expect(r.status).toBe(200);
    expect(r.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect((await app.cases.get(caseId))!.owner).toEqual({ platform: 'teams', id: ALICE, name: 'Alice Agent' });
  });
});

describe('Teams without credentials', () => {
  it('refuses Teams traffic with 503 and says why in the log, unless TEAMS_LOCAL_DEV is on', async () => {
    let logged = '';
    const log = createLogger('info', new Writable({ write(chunk, _enc, done) { logged += String(chunk); done(); } }));
    const config = parseConfig(CONFIG(CHANNEL).replace(`teams: { channel: "${CHANNEL}" }`, 'slack: { channel: C0CARE0001 }'));
    const env = parseEnv({ STORE_URL: `sqlite://${join(tempDir('teams-off'), 't.sqlite')}`, PORT: '0', HOST: '127.0.0.1' });
    const app = await startEarshot({ config, env, log, schedule: false, sources: new Map([['x-mentions', quietSource]]) });
    try {
      const r = await post(`http://127.0.0.1:${app.port}`, fixture('invoke.adaptiveCard-action'));
      expect(r.status).toBe(503);
      expect(r.body.error).toMatch(/MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD are not set.*TEAMS_LOCAL_DEV/);
      await waitFor('the log line', () => logged.includes('Teams request refused'));
      expect(logged).toContain('"teams":"off"');
    } finally {
      await app.stop();
    }
  });
});
