import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/fake-bot-connector.js';
import { tempDir, waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';

/**
 * Reaching people in Teams, through the real server and the fake Bot Connector: a welcome
 * card when a person adds the bot for themselves; Decline on an offer from the personal
 * chat and from the channel card (only the agent offered, stale buttons refused, the next
 * agent offered, then the channel); `my queue` and `approvals` in the personal chat, whose
 * buttons act like the card's and answer with the queue as it is after the click.
 */
const CHANNEL = '19:5f0c2a9e8d414c7a9b1e2f6d3c8a7e10@thread.tacv2';
const TEAM = '19:Xq2pFakeTeamIdForEarshotTests0000000000000001@thread.tacv2';
type Person = { aad: string; id: string; name: string; chat: string };
const ALICE: Person = { aad: '00000000-0000-0000-0000-0000000000a1', id: '29:alice', name: 'Alice Agent', chat: 'a:1PersonalChatAlice' };
const DAVE: Person = { aad: '00000000-0000-0000-0000-0000000000d2', id: '29:dave', name: 'Dave Agent', chat: 'a:1PersonalChatDave' };
const BOB: Person = { aad: '00000000-0000-0000-0000-0000000000b1', id: '29:bob', name: 'Bob Lead', chat: 'a:1PersonalChatBob' };

const CONFIG = `
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - id: care
    teams: { channel: "Care - Billing" }
    assign: { mode: assign, strategy: round-robin, maxTries: 2, members: [teams:${ALICE.aad}, teams:${DAVE.aad}] }
routing: { fallback: care }
policy:
  approvers: [teams:${BOB.aad}]
storm: { enabled: false }
`;

type Json = Record<string, any>;
const fixture = (name: string): Json => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8')) as Json;
const actorOf = (p: Person): Actor => ({ platform: 'teams', id: p.aad, name: p.name });

let n = 0;
const mention = (text: string): Mention => {
  const id = `6${String(++n).padStart(3, '0')}`;
  return {
    network: 'x', source: 'x-mentions', id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`,
    author: { id: `a${id}`, handle: `cust${id}`, name: `Customer ${id}`, followers: 10, verified: false }, isRepost: false, isQuote: false,
  };
};

describe('reaching people in Teams: welcome, Decline, my queue and approvals', () => {
  let connector: FakeBotConnector;
  let app: Earshot;
  let url: string;

  const post = async (activity: Json): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
  const from = (p: Person) => ({ id: p.id, name: p.name, aadObjectId: p.aad });
  /** An activity in one person's 1:1 chat with the bot. */
  const inChat = (name: string, p: Person, patch: Json = {}): Json => {
    const a = fixture(name);
    return { ...a, serviceUrl: connector.url, from: from(p), conversation: { ...a.conversation, id: p.chat, conversationType: 'personal' }, ...patch };
  };
  const executeIn = (p: Person, action: Json, where: 'chat' | 'channel') => {
    const value = { action: { type: 'Action.Execute', title: action.title, verb: action.verb, data: action.data }, trigger: 'manual' };
    return post(where === 'chat' ? inChat('invoke.adaptiveCard-action', p, { value }) : { ...fixture('invoke.adaptiveCard-action'), serviceUrl: connector.url, from: from(p), value });
  };
  const cardsIn = (p: Person): Json[] => connector.conversation(p.chat).activities().map((a) => ((a.attachments as Json[] | undefined)?.[0]?.content ?? {}) as Json);
  const alertOf = (p: Person, caseId: string): Json | undefined => cardsIn(p).find((c) => /assigned to you/.test(c.body?.[0]?.text ?? '') && c.body[0].text.includes(`Case ${caseId}`));
  const channelCard = (c: Case): Json => {
    const v = c.views[0]!;
    return (connector.conversation(v.platform === 'teams' ? v.conversationId : '').activity(v.platform === 'teams' ? v.activityId : '')!.attachments as Json[])[0]!.content as Json;
  };
  const verbs = (card: Json | undefined): string[] => (card?.actions ?? []).map((a: Json) => a.verb ?? a.data?.action);
  /** Every button of a queue card, from the rows' action sets. */
  const queueButtons = (card: Json): Json[] => JSON.stringify(card).includes('ActionSet') ? (card.body as Json[]).flatMap((b) => (b.items ?? []).filter((i: Json) => i.type === 'ActionSet').flatMap((i: Json) => i.actions)) : [];

  beforeAll(async () => {
    connector = await startFakeBotConnector({ teams: { [TEAM]: [{ id: TEAM }, { id: CHANNEL, name: 'Care - Billing' }] }, personalChats: [] });
    app = await startEarshot({
      config: parseConfig(CONFIG),
      env: parseEnv({ TEAMS_LOCAL_DEV: 'true', STORE_URL: `sqlite://${join(tempDir('people-teams'), 't.sqlite')}`, PORT: '0', HOST: '127.0.0.1', DRY_RUN: 'true' }),
      log: silentLogger(), sources: new Map([['x-mentions', idleSource()]]), schedule: false, outboxIntervalMs: 50,
    });
    url = `http://127.0.0.1:${app.port}`;
    expect((await post({ ...fixture('conversationUpdate.installed'), serviceUrl: connector.url })).status).toBe(200);
  });
  afterAll(async () => {
    await app?.stop();
    await connector?.close();
  });

  const openCase = async (text: string): Promise<Case> => {
    await recordPoll(app.store, 'x-mentions', { mentions: [mention(text)], cursor: String(n), requests: 1 });
    await app.processInbox();
    const id = await waitFor('the case with its card', async () => {
      for (const cid of await app.store.setMembers('open:care')) {
        const c = await app.cases.get(cid);
        if (c?.mention.text === text && c.views.length > 0) return cid;
      }
      return undefined;
    });
    return (await app.cases.get(id))!;
  };

  it('welcomes a person who adds the bot for themselves, with how to use the chat', async () => {
    for (const p of [ALICE, DAVE, BOB]) {
      connector.joinPersonalChat(p.chat);
      expect((await post(inChat('conversationUpdate.personal', p))).status).toBe(200);
    }
    const welcome = await waitFor('the welcome card', () => cardsIn(ALICE).find((c) => c.body?.[0]?.text === 'Welcome to Earshot'));
    const text = JSON.stringify(welcome.body);
    for (const words of ['my queue', 'approvals', 'Accept', 'Decline', 'notify quiet 18:00-08:00']) expect(text).toContain(words);
    // Its buttons type the commands for the person (imBack), as if typed.
    expect(welcome.actions.map((a: Json) => a.data.msteams)).toEqual([{ type: 'imBack', value: 'my queue' }, { type: 'imBack', value: 'approvals' }, { type: 'imBack', value: 'help' }]);
    expect(cardsIn(BOB).filter((c) => c.body?.[0]?.text === 'Welcome to Earshot')).toHaveLength(1);
  });

  it('Decline from the chat offers the next agent; on the channel card only the agent offered may decline; then the case stays in the channel', async () => {
    const c = await openCase('@acme where is my refund');
    const first = await waitFor('the first offer', async () => (await app.cases.get(c.id))?.assignment);
    const [x, y] = first.to.id === ALICE.aad ? [ALICE, DAVE] : [DAVE, ALICE];
    const offered = (await app.cases.get(c.id))!;
    const alert = await waitFor('the offer in the chat', () => (alertOf(x, c.id)?.actions?.[1]?.data.version === offered.version ? alertOf(x, c.id) : undefined));
    expect(verbs(alert)).toEqual(['case.claim', 'case.decline']);
    const card = await waitFor('Decline on the channel card', async () => {
      const now = channelCard((await app.cases.get(c.id))!);
      return now.actions?.find((a: Json) => a.verb === 'case.decline' && a.data.version === offered.version) ? now : undefined;
    });
    const onCard = card.actions.find((a: Json) => a.verb === 'case.decline');

    const refused = await executeIn(y, onCard, 'channel');
    expect(refused.body.value).toMatch(/only they can decline it/);
    expect((await app.cases.get(c.id))!.version).toBe(offered.version);

    const done = await executeIn(x, alert.actions[1], 'chat');
    expect(done.body.value).toMatch(new RegExp(`^Done: ${x.name} declined the case`));
    const second = await waitFor('the offer to the other agent', async () => {
      const now = await app.cases.get(c.id);
      return now?.assignment?.to.id === y.aad ? now : undefined;
    });
    expect(second.declined?.map((a) => a.id)).toEqual([x.aad]);
    await waitFor('the first alert closed in place', () => alertOf(x, c.id)?.actions === undefined);
    const yAlert = await waitFor('the other agent\'s offer', () => (alertOf(y, c.id)?.actions?.[1]?.data.version === second.version ? alertOf(y, c.id) : undefined));
    expect(verbs(yAlert)).toEqual(['case.claim', 'case.decline']);

    const stale = await executeIn(x, alert.actions[1], 'chat');
    expect(stale.body.value).toMatch(/out of date/);

    const card2 = await waitFor('the card offering to the other agent', async () => {
      const now = channelCard((await app.cases.get(c.id))!);
      return now.actions?.find((a: Json) => a.verb === 'case.decline' && a.data.version === second.version) ? now : undefined;
    });
    const answered = await executeIn(y, card2.actions.find((a: Json) => a.verb === 'case.decline'), 'channel');
    // The channel card answers with itself as it is now: Claim, no Decline, and who declined.
    expect(answered.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(verbs(answered.body.value)).toContain('case.claim');
    expect(verbs(answered.body.value)).not.toContain('case.decline');
    expect(JSON.stringify(answered.body.value.body)).toContain(`${y.name} declined this case`);
    const left = (await app.cases.get(c.id))!;
    expect([left.status, left.assignment, left.declined?.map((a) => a.id)]).toEqual(['new', undefined, [x.aad, y.aad]]);
  });

  it('approvals in the chat lists the drafts waiting for me; Approve there works, the card agrees, a stale one is refused', async () => {
    const c = await openCase('@acme charged twice for one bag');
    expect((await app.cases.apply(c.id, { type: 'claim' }, actorOf(ALICE))).ok || (await app.cases.apply(c.id, { type: 'claim' }, actorOf(DAVE))).ok).toBe(true);
    const owner = (await app.cases.get(c.id))!.owner!;
    expect((await app.cases.apply(c.id, { type: 'draft', text: 'Refunded the second charge.' }, owner)).ok).toBe(true);

    expect((await post(inChat('message.personal', BOB, { text: 'approvals' }))).status).toBe(200);
    const queue = await waitFor('the approvals card', () => cardsIn(BOB).find((q) => q.body?.[0]?.text === 'Drafts waiting for my approval' && JSON.stringify(q).includes('charged twice for one bag')));
    const approve = queueButtons(queue).find((b) => b.verb === 'case.approve' && b.data.caseId === c.id)!;
    expect(approve.data.queue).toBe('approvals');
    // Send back opens the same dialog as on the card.
    expect(queueButtons(queue).find((b) => b.data?.action === 'case.reject' && b.data.caseId === c.id)?.data.msteams).toEqual({ type: 'task/fetch' });

    const r = await executeIn(BOB, approve, 'chat');
    expect(r.body.type).toBe('application/vnd.microsoft.card.adaptive');
    const after = JSON.stringify(r.body.value);
    expect(after).toContain('Done: Bob Lead approved the draft');
    expect(after).not.toContain('charged twice for one bag');
    expect(r.body.value.refresh.userIds).toEqual([BOB.id]);
    await waitFor('the channel card agrees', async () => JSON.stringify(channelCard((await app.cases.get(c.id))!)).includes('Approved, ready to send'));

    const stale = await executeIn(BOB, approve, 'chat');
    expect(JSON.stringify(stale.body.value)).toMatch(/out of date/);
    expect((await app.cases.get(c.id))!.status).toBe('approved');
  });

  it('my queue lists my cases with their buttons, refreshes for its owner, and is only answered in the personal chat', async () => {
    const c = await openCase('@acme seat broken on my flight');
    await waitFor('the offer', async () => (await app.cases.get(c.id))?.assignment);
    expect((await app.cases.apply(c.id, { type: 'reassign', to: actorOf(ALICE) }, actorOf(BOB))).ok).toBe(true);

    expect((await post(inChat('message.personal', ALICE, { text: 'My  Queue' }))).status).toBe(200);
    const queue = await waitFor('the queue card', () => cardsIn(ALICE).find((q) => q.body?.[0]?.text === 'My queue' && JSON.stringify(q).includes('seat broken on my flight')));
    const text = JSON.stringify(queue.body);
    for (const heading of ['My cases', 'Waiting for my approval', 'At risk of breaching the SLA']) expect(text).toContain(heading);
    const mine = queueButtons(queue).filter((b) => b.data?.caseId === c.id);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((b) => b.data.queue === 'all')).toBe(true);

    // Teams refreshing the card (Universal Actions) gets the queue as it is now.
    expect((await app.cases.apply(c.id, { type: 'release' }, actorOf(ALICE))).ok).toBe(true);
    const refreshed = await executeIn(ALICE, { title: 'Refresh', verb: 'queue.refresh', data: { queue: 'all' } }, 'chat');
    expect(refreshed.body.value.body[0].text).toBe('My queue');
    expect(JSON.stringify(refreshed.body.value)).not.toContain('seat broken on my flight');

    // Typed in a channel, it points to the personal chat and lists nothing there.
    const inChannel = { ...fixture('message.channel'), serviceUrl: connector.url, from: from(ALICE), text: '<at>Earshot</at> my queue' };
    expect((await post(inChannel)).status).toBe(200);
    await waitFor('the pointer to the personal chat', () => connector.conversationIds().some((id) => JSON.stringify(connector.conversation(id).activities()).includes('Your queue is yours alone')));

    // help in the personal chat lists the chat's own commands after the shared ones.
    expect((await post(inChat('message.personal', ALICE, { text: 'help' }))).status).toBe(200);
    const chat = () => JSON.stringify(connector.conversation(ALICE.chat).activities());
    await waitFor('the help answer', () => chat().includes('Earshot commands'));
    for (const line of ['notify [on|off', 'my queue — Your cases', 'approvals — Drafts waiting for your approval']) expect(chat()).toContain(line);
  });
});

/**
 * The same paths behind Bot Framework authentication: requests signed as Bot Framework signs
 * them (a JWT from the fake connector's published key, for this app id) are served; unsigned
 * ones are refused and change nothing. Only invoke answers are checked: they travel in the
 * HTTP response, and the bot knows no channel here, so nothing is sent outward.
 */
describe('reaching people in Teams, with app credentials (signed requests)', () => {
  const APP_ID = '00000000-0000-0000-0000-00000000b071';
  const EVE: Person = { aad: '00000000-0000-0000-0000-0000000000e5', id: '29:eve', name: 'Eve Viewer', chat: 'a:1PersonalChatEve' };
  let connector: FakeBotConnector;
  let app: Earshot;
  let url: string;

  const post = async (activity: Json, signed: boolean): Promise<{ status: number; body: any }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(signed ? { authorization: `Bearer ${connector.signInbound({ appId: APP_ID })}` } : {}) };
    const r = await fetch(`${url}/api/messages`, { method: 'POST', headers, body: JSON.stringify(activity) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
  const invoke = (p: Person, value: Json, personal: boolean): Json => {
    const a = fixture('invoke.adaptiveCard-action');
    return { ...a, serviceUrl: connector.url, from: { id: p.id, name: p.name, aadObjectId: p.aad }, value, ...(personal ? { conversation: { ...a.conversation, id: p.chat, conversationType: 'personal', isGroup: false } } : {}) };
  };

  beforeAll(async () => {
    connector = await startFakeBotConnector();
    app = await startEarshot({
      config: parseConfig(CONFIG),
      env: parseEnv({
        MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'not-a-real-secret', TEAMS_OPENID_METADATA_URL: connector.openIdMetadataUrl,
        STORE_URL: `sqlite://${join(tempDir('people-teams-auth'), 't.sqlite')}`, PORT: '0', HOST: '127.0.0.1', DRY_RUN: 'true',
      }),
      log: silentLogger(), sources: new Map([['x-mentions', idleSource()]]), schedule: false, outboxIntervalMs: 50,
    });
    url = `http://127.0.0.1:${app.port}`;
  });
  afterAll(async () => {
    await app?.stop();
    await connector?.close();
  });

  it('serves a signed Decline and a signed queue refresh; refuses them unsigned', async () => {
    await recordPoll(app.store, 'x-mentions', { mentions: [mention('@acme signed and sealed')], cursor: 'auth1', requests: 1 });
    await app.processInbox();
    const c = await waitFor('the offer', async () => {
      for (const id of await app.store.setMembers('open:care')) {
        const x = await app.cases.get(id);
        if (x?.mention.text === '@acme signed and sealed' && x.assignment) return x;
      }
      return undefined;
    });
    const offeredTo = c.assignment!.to.id === ALICE.aad ? ALICE : DAVE;
    const decline = invoke(offeredTo, { action: { type: 'Action.Execute', title: 'Decline', verb: 'case.decline', data: { caseId: c.id, version: c.version } }, trigger: 'manual' }, false);

    expect((await post(decline, false)).status).toBe(401);
    expect((await app.cases.get(c.id))!.version).toBe(c.version);

    const r = await post(decline, true);
    expect(r.status).toBe(200);
    expect(r.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(r.body.value.body.map((b: Json) => b.type)).toContain('FactSet');
    expect((await app.cases.get(c.id))!.declined?.map((a) => a.id)).toEqual([offeredTo.aad]);

    const refresh = invoke(EVE, { action: { type: 'Action.Execute', title: 'Refresh', verb: 'queue.refresh', data: { queue: 'approvals' } }, trigger: 'automatic' }, true);
    expect((await post(refresh, false)).status).toBe(401);
    const q = await post(refresh, true);
    expect(q.status).toBe(200);
    expect(q.body.value.body[0].text).toBe('Drafts waiting for my approval');
    expect(JSON.stringify(q.body.value)).toContain('No draft is waiting for you.');
    expect(connector.calls).toEqual([]);
  });
});
