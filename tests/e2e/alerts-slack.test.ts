import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { blockActionsPayload, slackRequest, slashCommandBody, type SlackRequester } from '../helpers/slack-signing.js';
import { tempDir, waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';
import { cardText } from './support/slack-card.js';

/**
 * Personal alerts in Slack, through the real server and the fake Slack: an assignment
 * reaches the agent's DM and Accept there claims the case; a draft reaches each approver's
 * DM and Approve there approves it; a stale DM button is refused with the card's message;
 * an escalation reaches the leads; `notify off` silences a person.
 */
const SECRET = 'alerts-signing-secret';
const CARE = 'C0CARE0001';
const ALICE: Actor = { platform: 'slack', id: 'U0ALICE001', name: 'alice' };
const LEA = 'U0LEAD0001';
const BOB = 'U0BOB00001';
const LEADER = 'U0LEADER01';
const dm = (user: string) => `D${user.slice(1)}`;

const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - id: care
    name: Care
    slack: { channel: ${CARE} }
    leads: [slack:${LEADER}]
    assign: { mode: assign, members: [slack:${ALICE.id}] }
routing: { fallback: care }
policy:
  approvers: [slack:${LEA}, slack:${BOB}]
  requireApproval: true
storm: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
`;

type Json = Record<string, any>;
const buttons = (m: SlackMessage | undefined): Json[] => ((m?.blocks as Json[] | undefined)?.find((b) => b.type === 'actions')?.elements ?? []);

let n = 0;
const mention = (text: string): Mention => {
  const id = `9${String(++n).padStart(3, '0')}`;
  return {
    network: 'x', source: 'x-mentions', id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`,
    author: { id: `a${id}`, handle: `cust${id}`, name: `Customer ${id}`, followers: 10, verified: false }, isRepost: false, isQuote: false,
  };
};

describe('personal alerts in Slack', () => {
  let slack: FakeSlack;
  let app: Earshot;
  let send: SlackRequester;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [ALICE.id]: { name: 'alice' }, [LEA]: { name: 'lea' }, [BOB]: { name: 'bob' }, [LEADER]: { name: 'leader' } } });
    app = await startEarshot({
      config: parseConfig(CONFIG),
      env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-alerts', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(tempDir('alerts'), 'a.sqlite')}`, PORT: '0', HOST: '127.0.0.1', DRY_RUN: 'true' }),
      log: silentLogger(), sources: new Map([['x-mentions', idleSource()]]), schedule: false, outboxIntervalMs: 50,
    });
    send = slackRequest(`http://127.0.0.1:${app.port}/slack/events`, SECRET);
  });
  afterAll(async () => {
    await app?.stop();
    await slack?.close();
  });

  const openCase = async (text: string): Promise<Case> => {
    await recordPoll(app.store, 'x-mentions', { mentions: [mention(text)], cursor: String(n), requests: 1 });
    await app.processInbox();
    const card = await waitFor('the card', () => slack.channel(CARE).messages().find((m) => cardText(m).includes(text)));
    const id = await waitFor('the case', async () => {
      for (const cid of await app.store.setMembers('open:care')) {
        const c = await app.cases.get(cid);
        if (c?.mention.text === text && c.views.length > 0) return cid;
      }
      return undefined;
    });
    expect(card).toBeDefined();
    return (await app.cases.get(id))!;
  };
  const alertsIn = (user: string, caseId: string) => slack.channel(dm(user)).messages().filter((m) => m.metadata?.event_type === 'earshot_alert' || (m.blocks as Json[] | undefined)?.[0]?.block_id?.endsWith(`:${caseId}`));
  const alertOf = (user: string, caseId: string, kind: string) => slack.channel(dm(user)).messages().find((m) => (m.blocks as Json[])[0]?.block_id === `alert:${kind}:${caseId}`);
  const click = async (user: string, m: SlackMessage, actionId: string, value?: string) => {
    const b = buttons(m).find((e) => e.action_id === actionId);
    expect(b, `${actionId} in the DM`).toBeDefined();
    expect((await send.interactive(blockActionsPayload({ user, channel: dm(user), messageTs: m.ts, actionId, value: value ?? b!.value }))).status).toBe(200);
  };
  const cardOf = (c: Case) => slack.channel(CARE).messages().find((m) => cardText(m).includes(c.mention.text));

  it('offers an assignment in the agent\'s DM; Accept there claims the case and the card follows', async () => {
    const c = await openCase('@acme my bag never arrived');
    // Routing offers a new case to an agent as soon as it is opened.
    const offered = await waitFor('the offer', async () => ((await app.cases.get(c.id))?.assignment ? app.cases.get(c.id) : undefined));
    const alert = await waitFor('the assignment DM', () => {
      const m = alertOf(ALICE.id, c.id, 'assignment');
      return buttons(m)[0]?.value === `${c.id}@${offered!.version}` ? m : undefined;
    });
    expect(cardText(alert)).toContain(`Case ${c.id} is assigned to you`);
    expect(cardText(alert)).toContain('@acme my bag never arrived');
    expect(JSON.stringify(alert.blocks)).toContain(`https://slack.com/archives/${CARE}/p`);
    expect(buttons(alert).map((b) => b.action_id)).toEqual(['case.claim', 'case.decline']);
    await click(ALICE.id, alert, 'case.claim');
    await waitFor('the card no longer offers Claim', () => buttons(cardOf(c)).length > 0 && !buttons(cardOf(c)).some((b) => b.action_id === 'case.claim'));
    expect((await app.cases.get(c.id))!.owner?.id).toBe(ALICE.id);
    // The offer is taken: the DM says so, in place, without buttons.
    await waitFor('the DM closed', () => buttons(alertOf(ALICE.id, c.id, 'assignment')).length === 0);
    expect(cardText(alertOf(ALICE.id, c.id, 'assignment'))).toContain('No longer waiting for you');
    expect(alertsIn(ALICE.id, c.id)).toHaveLength(1);
  });

  it('tells each approver of a draft, Approve from the DM works, a stale DM button is refused', async () => {
    const c = await openCase('@acme charged twice');
    expect((await app.cases.apply(c.id, { type: 'claim' }, ALICE)).ok).toBe(true);
    expect((await app.cases.apply(c.id, { type: 'draft', text: 'Sorry! Refunded.' }, ALICE)).ok).toBe(true);
    const lea = await waitFor('Lea\'s DM', () => alertOf(LEA, c.id, 'approval'));
    const bob = await waitFor('Bob\'s DM', () => alertOf(BOB, c.id, 'approval'));
    expect(cardText(lea)).toContain('Sorry! Refunded.');
    expect(buttons(bob).map((b) => b.action_id)).toEqual(['case.approve', 'case.reject']);
    // The author is not asked to approve their own draft.
    expect(alertOf(ALICE.id, c.id, 'approval')).toBeUndefined();
    const staleValue = buttons(bob).find((b) => b.action_id === 'case.approve')!.value as string;

    await click(LEA, lea, 'case.approve');
    await waitFor('the card agrees', () => cardText(cardOf(c)).includes('Approved, ready to send'));
    await waitFor('both DMs closed', () => buttons(alertOf(LEA, c.id, 'approval')).length === 0 && buttons(alertOf(BOB, c.id, 'approval')).length === 0);

    // Bob's button as it was before Lea approved: refused as on the card, nothing changes.
    const before = (await app.cases.get(c.id))!.version;
    const closed = alertOf(BOB, c.id, 'approval')!;
    expect((await send.interactive(blockActionsPayload({ user: BOB, channel: dm(BOB), messageTs: closed.ts, actionId: 'case.approve', value: staleValue }))).status).toBe(200);
    const told = await waitFor('the refusal', () => slack.channel(dm(BOB)).ephemerals().find((e) => e.user === BOB));
    expect(told.text).toMatch(/out of date/);
    expect((await app.cases.get(c.id))!.version).toBe(before);
  });

  it('tells the group\'s leads about an escalation', async () => {
    const c = await openCase('@acme this is a disgrace');
    expect((await app.cases.apply(c.id, { type: 'escalate' }, ALICE)).ok).toBe(true);
    const alert = await waitFor('the lead\'s DM', () => alertOf(LEADER, c.id, 'escalation'));
    expect(cardText(alert)).toContain(`Case ${c.id} was escalated to you`);
    expect(buttons(alert).map((b) => b.action_id)).toEqual(['case.claim']);
  });

  it('notify off silences a person; notify on brings alerts back', async () => {
    const r = await send.command(slashCommandBody({ user: BOB, channel: CARE, command: "/earshot", text: "notify off", responseUrl: slack.responseUrl({ channel: CARE, user: BOB }) }) as unknown as Record<string, string>);
    expect(r.status).toBe(200);
    await waitFor('the answer', () => slack.responses().some((x) => String(x.body.text ?? '').includes('Personal alerts are off')));
    const c = await openCase('@acme wrong seat');
    expect((await app.cases.apply(c.id, { type: 'claim' }, ALICE)).ok).toBe(true);
    expect((await app.cases.apply(c.id, { type: 'draft', text: 'We will fix it.' }, ALICE)).ok).toBe(true);
    await waitFor('Lea\'s DM', () => alertOf(LEA, c.id, 'approval'));
    await new Promise((res) => setTimeout(res, 300));
    expect(alertOf(BOB, c.id, 'approval')).toBeUndefined();

    await send.command(slashCommandBody({ user: BOB, channel: CARE, command: '/earshot', text: 'notify on', responseUrl: slack.responseUrl({ channel: CARE, user: BOB }) }) as unknown as Record<string, string>);
    await waitFor('the answer', () => slack.responses().some((x) => String(x.body.text ?? '').includes('Personal alerts are on')));
    const d = await openCase('@acme lost my booking');
    expect((await app.cases.apply(d.id, { type: 'claim' }, ALICE)).ok).toBe(true);
    expect((await app.cases.apply(d.id, { type: 'draft', text: 'Found it.' }, ALICE)).ok).toBe(true);
    await waitFor('Bob\'s DM again', () => alertOf(BOB, d.id, 'approval'));
  });
});
