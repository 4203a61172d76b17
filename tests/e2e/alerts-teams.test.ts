import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeBotConnector, type FakeBotConnector, type WireActivity } from '../fakes/fake-bot-connector.js';
import { tempDir, waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';

/**
 * Personal alerts in Teams: the bot keeps each person's 1:1 chat when they install the app
 * for themselves or write to it; an assignment and a draft waiting for approval arrive
 * there as proactive Adaptive Cards whose buttons act on the case like the card's; a
 * stale button is refused; an escalation reaches the lead who has a chat with the bot, and
 * one who has none is skipped and logged once.
 */
const CHANNEL = '19:5f0c2a9e8d414c7a9b1e2f6d3c8a7e10@thread.tacv2';
const TEAM = '19:Xq2pFakeTeamIdForEarshotTests0000000000000001@thread.tacv2';
const ALICE = { aad: '00000000-0000-0000-0000-0000000000a1', id: '29:alice', name: 'Alice Agent', chat: 'a:1PersonalChatAlice' };
const BOB = { aad: '00000000-0000-0000-0000-0000000000b1', id: '29:bob', name: 'Bob Lead', chat: 'a:1PersonalChatBob' };
const CAROL = { aad: '00000000-0000-0000-0000-0000000000c1', id: '29:carol', name: 'Carol Boss', chat: 'a:1PersonalChatCarol' };
const DAN = '00000000-0000-0000-0000-0000000000d1';

const CONFIG = `
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - id: care
    teams: { channel: "Care - Billing" }
    leads: [teams:${CAROL.aad}, teams:${DAN}]
    assign: { mode: assign, members: [teams:${ALICE.aad}] }
routing: { fallback: care }
policy:
  approvers: [teams:${BOB.aad}]
storm: { enabled: false }
`;

type Json = Record<string, any>;
const fixture = (name: string): Json => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8')) as Json;

let n = 0;
const mention = (text: string): Mention => {
  const id = `7${String(++n).padStart(3, '0')}`;
  return {
    network: 'x', source: 'x-mentions', id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`,
    author: { id: `a${id}`, handle: `cust${id}`, name: `Customer ${id}`, followers: 10, verified: false }, isRepost: false, isQuote: false,
  };
};

describe('personal alerts in Teams', () => {
  let connector: FakeBotConnector;
  let app: Earshot;
  let url: string;
  const logged: Array<{ msg?: string; person?: string }> = [];

  const post = async (activity: Json): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
  /** An activity in one person's 1:1 chat with the bot. */
  const inChat = (name: string, who: typeof ALICE, patch: Json = {}): Json => {
    const a = fixture(name);
    return { ...a, serviceUrl: connector.url, from: { id: who.id, name: who.name, aadObjectId: who.aad }, conversation: { ...a.conversation, id: who.chat, conversationType: 'personal' }, ...patch };
  };
  const alertsIn = (who: typeof ALICE) => connector.conversation(who.chat).activities();
  const alertCard = (who: typeof ALICE, caseId: string, title: RegExp): Json | undefined =>
    alertsIn(who).map((a) => (a.attachments as Json[])[0]!.content as Json).find((c) => title.test(c.body[0].text) && c.body[0].text.includes(`Case ${caseId}`) || (title.test(c.body[0].text) && c.body[0].text.includes(`case ${caseId}`)));
  const execute = (who: typeof ALICE, action: Json) =>
    post(inChat('invoke.adaptiveCard-action', who, { value: { action: { type: 'Action.Execute', title: action.title, verb: action.verb, data: action.data }, trigger: 'manual' } }));

  beforeAll(async () => {
    connector = await startFakeBotConnector({ teams: { [TEAM]: [{ id: TEAM }, { id: CHANNEL, name: 'Care - Billing' }] }, personalChats: [] });
    const sink = new Writable({ write(chunk: Buffer, _e, done) { for (const l of chunk.toString().split('\n')) if (l) logged.push(JSON.parse(l) as { msg?: string }); done(); } });
    app = await startEarshot({
      config: parseConfig(CONFIG),
      env: parseEnv({ TEAMS_LOCAL_DEV: 'true', STORE_URL: `sqlite://${join(tempDir('alerts-teams'), 't.sqlite')}`, PORT: '0', HOST: '127.0.0.1', DRY_RUN: 'true' }),
      log: createLogger('warn', sink), sources: new Map([['x-mentions', idleSource()]]), schedule: false, outboxIntervalMs: 50,
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
  const channelCard = (c: Case): Json => {
    const v = c.views[0]!;
    return (connector.conversation(v.platform === 'teams' ? v.conversationId : '').activity(v.platform === 'teams' ? v.activityId : '')!.attachments as Json[])[0]!.content as Json;
  };

  it('keeps a person\'s 1:1 chat when they install the app for themselves or write to the bot, and answers notify there', async () => {
    for (const who of [ALICE, CAROL]) {
      connector.joinPersonalChat(who.chat);
      expect((await post(inChat('conversationUpdate.personal', who))).status).toBe(200);
    }
    connector.joinPersonalChat(BOB.chat);
    expect((await post(inChat('message.personal', BOB, { text: 'notify' }))).status).toBe(200);
    const answer = await waitFor('the notify answer', () => alertsIn(BOB).find((a) => JSON.stringify(a).includes('Personal alerts are on')));
    expect(answer).toBeDefined();
    expect(await app.store.get<Json>(`teams:personal:${ALICE.aad}`)).toMatchObject({ conversationId: ALICE.chat, userId: ALICE.id, serviceUrl: connector.url });
  });

  it('an assignment reaches the agent\'s chat; Accept there claims the case and the channel card follows', async () => {
    const c = await openCase('@acme my refund is late');
    const offered = await waitFor('the offer', async () => ((await app.cases.get(c.id))?.assignment ? app.cases.get(c.id) : undefined));
    const card = await waitFor('the alert in Alice\'s chat', () => {
      const a = alertCard(ALICE, c.id, /assigned to you/);
      return a?.actions?.[0]?.data.version === offered!.version ? a : undefined;
    });
    expect(card.actions.map((a: Json) => a.verb)).toEqual(['case.claim', 'case.decline']);
    expect(JSON.stringify(card.body)).toContain('@acme my refund is late');
    const r = await execute(ALICE, card.actions[0]);
    expect(r.body.value).toMatch(/^Done: Alice Agent claimed the case/);
    expect((await app.cases.get(c.id))!.owner?.id).toBe(ALICE.aad);
    await waitFor('the channel card shows the owner', async () => JSON.stringify(channelCard((await app.cases.get(c.id))!)).includes('Alice Agent'));
    await waitFor('the alert closed in place', () => alertCard(ALICE, c.id, /assigned to you/)?.actions === undefined);
  });

  it('a draft reaches the approver\'s chat; Approve works there; a stale button is refused', async () => {
    const c = await openCase('@acme double charge');
    const alice: Actor = { platform: 'teams', id: ALICE.aad, name: ALICE.name };
    expect((await app.cases.apply(c.id, { type: 'claim' }, alice)).ok).toBe(true);
    expect((await app.cases.apply(c.id, { type: 'draft', text: 'Refunded, sorry!' }, alice)).ok).toBe(true);
    const card = await waitFor('the approval alert', () => alertCard(BOB, c.id, /waiting for your approval/));
    expect(card.actions.map((a: Json) => a.verb ?? a.data.action)).toEqual(['case.approve', 'case.reject']);
    const approve = card.actions[0];
    const r = await execute(BOB, approve);
    expect(r.body.value).toMatch(/^Done: Bob Lead approved the draft/);
    await waitFor('the channel card agrees', async () => JSON.stringify(channelCard((await app.cases.get(c.id))!)).includes('Approved, ready to send'));
    const stale = await execute(BOB, approve);
    expect(stale.body.value).toMatch(/out of date/);
  });

  it('an escalation reaches the lead with a chat; a lead without one is skipped and logged once', async () => {
    const c = await openCase('@acme unacceptable');
    const alice: Actor = { platform: 'teams', id: ALICE.aad, name: ALICE.name };
    expect((await app.cases.apply(c.id, { type: 'escalate' }, alice)).ok).toBe(true);
    const card = await waitFor('Carol\'s alert', () => alertCard(CAROL, c.id, /escalated to you/));
    expect(card).toBeDefined();
    await waitFor('the skip logged', () => logged.some((l) => l.person === `teams:${DAN}` && /no 1:1 chat/.test(l.msg ?? '')));
    expect(logged.filter((l) => l.person === `teams:${DAN}`)).toHaveLength(1);
  });
});
