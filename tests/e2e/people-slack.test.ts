import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { planSweep } from '../../src/cases/sweep.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { startFakeUserGroups, type FakeUserGroups } from '../fakes/fake-slack-usergroups.js';
import { blockActionsPayload, slackRequest, type SlackRequester } from '../helpers/slack-signing.js';
import { tempDir, waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';
import { buttons, cardText } from './support/slack-card.js';

/**
 * Reaching people in Slack, through the real server and the fake Slack: Decline on an
 * assignment offer (from the DM and from the channel card, only by the agent offered,
 * stale buttons refused), routing then offering the next agent or leaving the case to the
 * channel; and a group's leads given as a Slack user group, expanded with
 * usergroups.users.list so that an escalation reaches each member's DM.
 */
const SECRET = 'people-signing-secret';
const CARE = 'C0CARE0002';
const ALICE: Actor = { platform: 'slack', id: 'U0ALICE002', name: 'alice' };
const CARL: Actor = { platform: 'slack', id: 'U0CARL0002', name: 'carl' };
const LEADS = 'S0LEADS002';
const LEAD_A = 'U0LEADA002';
const LEAD_B = 'U0LEADB002';
const dm = (user: string) => `D${user.slice(1)}`;

const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - id: care
    name: Care
    slack: { channel: ${CARE} }
    leads: [slack-group:${LEADS}]
    assign: { mode: assign, strategy: round-robin, maxTries: 2, members: [slack:${ALICE.id}, slack:${CARL.id}] }
routing: { fallback: care }
policy: { approvers: [slack:${LEAD_A}] }
storm: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
`;

const CFG = parseConfig(CONFIG);

let n = 0;
let presses = 0;
const mention = (text: string): Mention => {
  const id = `8${String(++n).padStart(3, '0')}`;
  return {
    network: 'x', source: 'x-mentions', id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`,
    author: { id: `a${id}`, handle: `cust${id}`, name: `Customer ${id}`, followers: 10, verified: false }, isRepost: false, isQuote: false,
  };
};

describe('reaching people in Slack: Decline, and leads as a user group', () => {
  let slack: FakeSlack;
  let groups: FakeUserGroups;
  let app: Earshot;
  let send: SlackRequester;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: Object.fromEntries([ALICE.id, CARL.id, LEAD_A, LEAD_B].map((u) => [u, { name: u.slice(2, 7).toLowerCase() }])) });
    groups = await startFakeUserGroups(slack, { [LEADS]: [LEAD_A, LEAD_B] });
    app = await startEarshot({
      config: CFG,
      env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-people', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: groups.url, STORE_URL: `sqlite://${join(tempDir('people-slack'), 'p.sqlite')}`, PORT: '0', HOST: '127.0.0.1', DRY_RUN: 'true' }),
      log: silentLogger(), sources: new Map([['x-mentions', idleSource()]]), schedule: false, outboxIntervalMs: 50,
    });
    send = slackRequest(`http://127.0.0.1:${app.port}/slack/events`, SECRET);
  });
  afterAll(async () => {
    await app?.stop();
    await groups?.close();
    await slack?.close();
  });

  const openCase = async (text: string): Promise<Case> => {
    await recordPoll(app.store, 'x-mentions', { mentions: [mention(text)], cursor: String(n), requests: 1 });
    await app.processInbox();
    await waitFor('the card', () => slack.channel(CARE).messages().find((m) => cardText(m).includes(text)));
    const id = await waitFor('the case', async () => {
      for (const cid of await app.store.setMembers('open:care')) {
        const c = await app.cases.get(cid);
        if (c?.mention.text === text && c.views.length > 0) return cid;
      }
      return undefined;
    });
    return (await app.cases.get(id))!;
  };
  const alertOf = (user: string, caseId: string, kind: string) => slack.channel(dm(user)).messages().find((m) => (m.blocks as Array<Record<string, unknown>>)[0]?.block_id === `alert:${kind}:${caseId}`);
  const cardOf = (c: Case) => slack.channel(CARE).messages().find((m) => cardText(m).includes(c.mention.text));
  const press = async (user: string, channel: string, m: SlackMessage, actionId: string, value: string) => {
    // Each press is a new interaction (its own trigger id), as Slack sends it: not a replay of the last.
    expect((await send.interactive(blockActionsPayload({ user, channel, messageTs: m.ts, actionId, value, triggerId: `${++presses}.1234567890.abcdef` }))).status).toBe(200);
  };
  const buttonOf = (m: SlackMessage | undefined, actionId: string) => buttons(m).find((b) => b.action_id === actionId);
  const offerTo = async (c: Case, who: string) => waitFor(`the offer to ${who}`, async () => {
    const now = await app.cases.get(c.id);
    return now?.assignment?.to.id === who ? now : undefined;
  });

  it('Decline from the DM moves the offer on; from the card only the agent offered may decline; then the case stays in the channel', async () => {
    const c = await openCase('@acme my suitcase is in Oslo');
    const first = await waitFor('the first offer', async () => (await app.cases.get(c.id))?.assignment);
    const [firstId, otherId] = first.to.id === ALICE.id ? [ALICE.id, CARL.id] : [CARL.id, ALICE.id];
    const offered = (await app.cases.get(c.id))!;
    const value = `${c.id}@${offered.version}`;

    // The offer in the agent's DM: Accept and Decline; on the channel card: Claim and Decline.
    const alert = await waitFor('the offer DM', () => (buttonOf(alertOf(firstId, c.id, 'assignment'), 'case.decline')?.value === value ? alertOf(firstId, c.id, 'assignment') : undefined));
    expect(buttons(alert).map((b) => [b.action_id, (b as unknown as { text: { text: string } }).text.text])).toEqual([['case.claim', 'Accept'], ['case.decline', 'Decline']]);
    const card = await waitFor('the card with Decline', () => (buttonOf(cardOf(c), 'case.decline')?.value === value ? cardOf(c) : undefined));

    // Someone else pressing Decline on the card is refused, privately, and nothing changes.
    await press(otherId, CARE, card, 'case.decline', value);
    const refused = await waitFor('the refusal', () => slack.channel(CARE).ephemerals().find((e) => e.user === otherId));
    expect(refused.text).toContain('only they can decline it');
    expect((await app.cases.get(c.id))!.version).toBe(offered.version);

    // The agent declines from the DM: the DM closes in place and the other agent gets the offer.
    await press(firstId, dm(firstId), alert, 'case.decline', value);
    const second = await offerTo(c, otherId);
    expect(second.declined?.map((a) => a.id)).toEqual([firstId]);
    expect(second.offered?.map((a) => a.id)).toEqual([firstId, otherId]);
    await waitFor('the first DM closed', () => buttons(alertOf(firstId, c.id, 'assignment')).length === 0);
    expect(cardText(alertOf(firstId, c.id, 'assignment'))).toContain('No longer waiting for you');
    await waitFor('the second agent\'s DM', () => buttonOf(alertOf(otherId, c.id, 'assignment'), 'case.decline')?.value === `${c.id}@${second.version}`);

    // The first DM's Decline, pressed again as it was: stale, refused as on the card.
    await press(firstId, dm(firstId), alert, 'case.decline', value);
    const stale = await waitFor('the stale refusal', () => slack.channel(dm(firstId)).ephemerals().find((e) => e.user === firstId));
    expect(stale.text).toMatch(/out of date/);
    expect((await app.cases.get(c.id))!.version).toBe(second.version);

    // The second agent declines on the channel card: both tries used, the case stays in the channel.
    const card2 = await waitFor('the card offering to the second agent', () => (buttonOf(cardOf(c), 'case.decline')?.value === `${c.id}@${second.version}` ? cardOf(c) : undefined));
    await press(otherId, CARE, card2, 'case.decline', `${c.id}@${second.version}`);
    await waitFor('the card without Decline, saying so', () => cardText(cardOf(c)).includes('declined this case') && !buttonOf(cardOf(c), 'case.decline') && !!buttonOf(cardOf(c), 'case.claim'));
    const left = (await app.cases.get(c.id))!;
    expect(left.status).toBe('new');
    expect(left.assignment).toBeUndefined();
    expect(left.declined?.map((a) => a.id)).toEqual([firstId, otherId]);
    expect(planSweep([left], CFG, new Date().toISOString())).toEqual([]);
    await waitFor('the second DM closed', () => buttons(alertOf(otherId, c.id, 'assignment')).length === 0);
    // Anyone may claim it now, the agents who declined included.
    expect((await app.cases.apply(c.id, { type: 'claim' }, { platform: 'slack', id: firstId })).ok).toBe(true);
  });

  it('an escalation expands the leads\' user group (usergroups.users.list) and reaches each member\'s DM', async () => {
    const c = await openCase('@acme nobody answers the phone');
    expect((await app.cases.apply(c.id, { type: 'escalate', reason: 'Third complaint this week' }, ALICE)).ok).toBe(true);
    for (const lead of [LEAD_A, LEAD_B]) {
      const alert = await waitFor(`${lead}'s DM`, () => alertOf(lead, c.id, 'escalation'));
      expect(cardText(alert)).toContain(`Case ${c.id} was escalated to you`);
      expect(cardText(alert)).toContain('Third complaint this week');
    }
    expect(groups.asked).toContain(LEADS);
    const opened = slack.callsTo('conversations.open').map((x) => String(x.args.users));
    expect(opened).toEqual(expect.arrayContaining([LEAD_A, LEAD_B]));
    // The group itself is never addressed as a person.
    expect(opened).not.toContain(LEADS);
  });
});
