import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { PERMISSIONS } from '../../src/cases/permissions.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/fake-bot-connector.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { slackRequest, slashCommandBody } from '../helpers/slack-signing.js';
import { tempDir, waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';

/**
 * Every command × role × place, against fake Slack and a fake Bot Framework connector:
 * who sees the per-agent line, who is refused and by which config key, and that nothing
 * meant for one person lands in a shared channel.
 */

type Activity = Record<string, any>;
const SECRET = 'authz-secret';
const CUSTOMER_CHANNEL = 'C0CUST0001'; // a shared (customer) Slack channel the commands are typed in
const TEAMS_CHANNEL = '19:5f0c2a9e8d414c7a9b1e2f6d3c8a7e10@thread.tacv2';
const TENANT = '00000000-0000-0000-0000-0000000000aa';
const aad = (n: string) => `00000000-0000-0000-0000-0000000000${n}`;

type Role = 'agent' | 'approver' | 'viewer' | 'lead' | 'outsider';
const PEOPLE: Record<Role, { slack: { id: string; name: string }; teams: { id: string; name: string } }> = {
  agent: { slack: { id: 'U0AGENT001', name: 'Alice Moreno' }, teams: { id: aad('a1'), name: 'Tomas Teams' } },
  approver: { slack: { id: 'U0LEAD0001', name: 'Lea Okafor' }, teams: { id: aad('b1'), name: 'Lena Approver' } },
  viewer: { slack: { id: 'U0VIEW0001', name: 'Vera Viewer' }, teams: { id: aad('c1'), name: 'Viktor Viewer' } },
  lead: { slack: { id: 'U0GLEAD001', name: 'Greta Lead' }, teams: { id: aad('d1'), name: 'Gus Lead' } },
  outsider: { slack: { id: 'U0OUTSD001', name: 'Otto Outsider' }, teams: { id: aad('e1'), name: 'Olga Outsider' } },
};
const OMAR = { id: 'U0AGENT002', name: 'Omar Other' };
/** Everyone whose figures are in the per-agent line: two Slack agents and one Teams agent worked a case. */
const WORKERS = [PEOPLE.agent.slack.name, OMAR.name, PEOPLE.agent.teams.name];

const CONFIG = `
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - { id: care, slack: { channel: C0CARE0001 } }
  - { id: baggage, slack: { channel: C0BAGS0001 } }
routing: { fallback: care }
# Posts alike by design, one case each: near-identical ones must not fold here.
duplicates: { enabled: false }
policy:
  approvers: [slack:${PEOPLE.approver.slack.id}, teams:${PEOPLE.approver.teams.id}]
  agents: [slack:${PEOPLE.agent.slack.id}, slack:${OMAR.id}, teams:${PEOPLE.agent.teams.id}]
  groups:
    care: { approve: [slack:${PEOPLE.lead.slack.id}, teams:${PEOPLE.lead.teams.id}] }
metrics:
  viewers: [slack:${PEOPLE.viewer.slack.id}, teams:${PEOPLE.viewer.teams.id}]
`;

type Place = 'slack' | 'teams-1:1' | 'teams-channel';
const PLACES: Place[] = ['slack', 'teams-1:1', 'teams-channel'];
const shared = (p: Place) => p === 'teams-channel';

/** What an answer must be: refused with words naming the config key, or the figures with this much of the per-agent line. */
type Expected = { refused: RegExp } | { agents: 'all' | 'own' | 'none' } | { ok: RegExp };

const STAFF_ONLY = /policy\.agents/;
const ONE_TO_ONE = /answered only in private, never in a shared channel\. Message Earshot in a 1:1 chat/;

interface Case { command: (role: Role, place: Place) => string; name: string; slackOnly?: boolean; expect: (role: Role, place: Place) => Expected }

const metricsLine = (role: Role, place: Place, group?: string): Expected => {
  if (role === 'outsider') return { refused: STAFF_ONLY };
  if (shared(place)) return { agents: 'none' };
  if (role === 'approver' || role === 'viewer' || (role === 'lead' && group === 'care')) return { agents: 'all' };
  return { agents: role === 'agent' ? 'own' : 'none' };
};

const CASES: Case[] = [
  { name: 'metrics 7d', command: () => 'metrics 7d', expect: (r, p) => metricsLine(r, p) },
  { name: 'metrics 7d care', command: () => 'metrics 7d care', expect: (r, p) => metricsLine(r, p, 'care') },
  {
    name: 'metrics 7d @yourself', slackOnly: true,
    command: (r) => `metrics 7d <@${PEOPLE[r].slack.id}|x>`,
    expect: (r) => (r === 'outsider' ? { refused: STAFF_ONLY } : { ok: new RegExp(`agent ${PEOPLE[r].slack.name}`) }),
  },
  {
    name: 'metrics 7d @another agent', slackOnly: true,
    command: () => `metrics 7d <@${OMAR.id}|omar>`,
    expect: (r) => (r === 'outsider' ? { refused: STAFF_ONLY }
      : r === 'approver' || r === 'viewer' ? { ok: /agent Omar Other/ }
        : { refused: /Only the people in policy\.approvers or metrics\.viewers may see another agent's figures/ }),
  },
  { name: 'queue', command: () => 'queue', expect: (r) => (r === 'outsider' ? { refused: STAFF_ONLY } : { ok: /Queue|No open cases/ }) },
  {
    name: 'links', command: () => 'links x:jane',
    expect: (r, p) => (r === 'outsider' ? { refused: STAFF_ONLY } : shared(p) ? { refused: ONE_TO_ONE } : { ok: /x:jane is not linked to anyone/ }),
  },
  {
    // Anyone may see and change their own alerts, but only where only they see the answer.
    name: 'notify', command: () => 'notify',
    expect: (_r, p) => (shared(p) ? { refused: ONE_TO_ONE } : { ok: /Personal alerts are on/ }),
  },
  {
    name: 'erase-author', command: () => 'erase-author x:nobody',
    expect: (r, p) => (r !== 'approver' ? { refused: /Only the people in policy\.approvers may erase everything about one author/ } : shared(p) ? { refused: ONE_TO_ONE } : { ok: /Nothing found for x:nobody/ }),
  },
];

const mention = (id: string): Mention => ({
  network: 'x', source: 'x-mentions', id, text: `help with order ${id}`, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`,
  author: { id: `a${id}`, handle: `cust${id}`, name: `Customer ${id}`, followers: 10, verified: false }, isRepost: false, isQuote: false,
});

describe('who sees what, on Slack and Teams (the authorization table, end to end)', () => {
  let slack: FakeSlack;
  let connector: FakeBotConnector;
  let app: Earshot;
  let teamsSeq = 0;

  /** One Teams message to the bot, in a 1:1 chat or in a channel; resolves to the texts and images it got back. */
  const teams = async (role: Role, place: Exclude<Place, 'slack'>, text: string): Promise<{ text: string; images: number; conversation: string }> => {
    const who = PEOPLE[role].teams;
    const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', 'message.channel.json'), 'utf8')) as Activity;
    const id = `17676043${String(++teamsSeq).padStart(5, '0')}`;
    const conversation = place === 'teams-1:1'
      ? { conversationType: 'personal', tenantId: TENANT, id: `a:1personal-${who.id}` }
      : { ...fixture.conversation, id: `${TEAMS_CHANNEL};messageid=${id}` };
    const activity: Activity = {
      ...fixture, id, serviceUrl: connector.url, text: `<at>Earshot</at> ${text}`,
      from: { id: `29:${who.id}`, name: who.name, aadObjectId: who.id },
      conversation,
      ...(place === 'teams-1:1' ? { channelData: { tenant: { id: TENANT } }, entities: [] } : {}),
    };
    const r = await fetch(`http://127.0.0.1:${app.port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    expect(r.status).toBe(200);
    const replies = connector.calls.filter((c) => c.op === 'reply' && c.activityId === id);
    expect(replies.length).toBeGreaterThan(0);
    for (const c of replies) expect(c.conversationId).toBe(conversation.id);
    const attachments = replies.flatMap((c) => ((c.body as Activity).attachments ?? []) as Activity[]);
    return {
      text: JSON.stringify(attachments.filter((a) => a.contentType !== 'image/png').map((a) => a.content)),
      images: attachments.filter((a) => a.contentType === 'image/png').length,
      conversation: conversation.id,
    };
  };

  /** One /earshot command from a customer channel; resolves to the ephemeral answer. */
  const slackCommand = async (role: Role, text: string): Promise<{ text: string; type: unknown }> => {
    const who = PEOPLE[role].slack;
    const responseUrl = slack.responseUrl({ channel: CUSTOMER_CHANNEL, user: who.id });
    const send = slackRequest(`http://127.0.0.1:${app.port}/slack/events`, SECRET);
    const r = await send.command(slashCommandBody({ user: { id: who.id, name: who.name.split(' ')[0]!.toLowerCase() }, channel: CUSTOMER_CHANNEL, text, responseUrl }) as unknown as Record<string, string>);
    expect(r.status).toBe(200);
    const answer = await waitFor(`the answer to ${text}`, () => slack.responses(responseUrl)[0], 20_000);
    return { text: String(answer.body.text), type: answer.body.response_type };
  };

  beforeAll(async () => {
    const users = Object.fromEntries([...Object.values(PEOPLE).map((p) => p.slack), OMAR].map((u) => [u.id, { name: u.name }]));
    slack = await startFakeSlack({ users: { ...users, U0BOT0001: { name: 'earshot', isBot: true } } });
    connector = await startFakeBotConnector();
    const env = parseEnv({
      SLACK_BOT_TOKEN: 'xoxb-a', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url, TEAMS_LOCAL_DEV: 'true',
      STORE_URL: `sqlite://${join(tempDir('authz'), 's.sqlite')}`, PORT: '0', HOST: '127.0.0.1', DRY_RUN: 'true',
    });
    app = await startEarshot({ config: parseConfig(CONFIG), env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idleSource()]]), outboxIntervalMs: 50 });
    await recordPoll(app.store, 'x-mentions', { mentions: [mention('201'), mention('202'), mention('203')], cursor: '203', requests: 1 });
    await app.processInbox();
    const ids = (await app.store.setMembers('open:care')).sort();
    expect(ids).toHaveLength(3);
    const teamsAgent: Actor = { platform: 'teams', id: PEOPLE.agent.teams.id };
    const workers: Actor[] = [{ platform: 'slack', id: PEOPLE.agent.slack.id }, { platform: 'slack', id: OMAR.id }, teamsAgent];
    const lead: Actor = { platform: 'slack', id: PEOPLE.lead.slack.id };
    for (const [i, id] of ids.entries()) {
      const who = workers[i]!;
      for (const [cmd, by] of [[{ type: 'claim' }, who], [{ type: 'draft', text: 'Sorry!' }, who], [{ type: 'approve' }, lead], [{ type: 'send' }, who]] as const) {
        const r = await app.cases.apply(id, cmd, by);
        expect(r.ok, `${cmd.type} by ${by.id}`).toBe(true);
      }
    }
    await waitFor('the dry-run sends', async () => (await Promise.all(ids.map((id) => app.cases.get(id)))).every((c) => c?.status === 'sent'));
    // Teams has no name lookup: the bot learns each person's name when they write to it.
    for (const role of Object.keys(PEOPLE) as Role[]) await teams(role, 'teams-1:1', 'help');
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
    await connector?.close();
  });

  const rows = CASES.flatMap((c) => (Object.keys(PEOPLE) as Role[]).flatMap((role) => PLACES.filter((p) => p === 'slack' || !c.slackOnly).map((place) => [c.name, role, place, c] as const)));

  it('covers every chat row of the table', () => {
    const chat = PERMISSIONS.filter((r) => r.surfaces.includes('slack') && r.surfaces.includes('teams')).map((r) => r.permission);
    expect(chat.sort()).toEqual(['authors.erase', 'authors.links', 'budget', 'help', 'metrics.agents', 'metrics.other-agent', 'metrics.own', 'metrics.team', 'notify', 'queue', 'sla']);
    expect(rows.length).toBe(CASES.filter((c) => !c.slackOnly).length * 5 * 3 + CASES.filter((c) => c.slackOnly).length * 5);
  });

  it.each(rows)('%s · %s · %s', async (_name, role, place, c) => {
    const command = c.command(role, place);
    const answer = place === 'slack' ? await slackCommand(role, command) : await teams(role, place, command);
    if ('type' in answer) expect(answer.type).toBe('ephemeral');
    const text = answer.text;
    const expected = c.expect(role, place);
    if ('refused' in expected) {
      expect(text).toMatch(expected.refused);
      expect(text).not.toMatch(/Agents:/);
      return;
    }
    if ('ok' in expected) {
      expect(text).toMatch(expected.ok);
      expect(text).not.toMatch(/slack:U|teams:0/);
      return;
    }
    // Raw ids never show: people appear by display name.
    expect(text).not.toMatch(/slack:U|teams:0/);
    const agentsLine = /Agents: [^"\\\n]*/.exec(text)?.[0] ?? '';
    if (expected.agents === 'all') {
      for (const name of WORKERS) expect(agentsLine).toContain(name);
    } else if (expected.agents === 'own') {
      const own = place === 'slack' ? PEOPLE.agent.slack.name : PEOPLE.agent.teams.name;
      expect(agentsLine).toContain(own);
      for (const other of WORKERS.filter((n) => n !== own)) expect(text).not.toContain(other);
      expect(text).toMatch(/Other agents' figures are for policy\.approvers and metrics\.viewers/);
    } else {
      expect(agentsLine).toBe('');
      for (const name of WORKERS) expect(text).not.toContain(name);
      expect(text).toMatch(shared(place) ? /not shown in a shared channel: message Earshot 1:1/ : /Other agents' figures are for policy\.approvers/);
    }
  });

  it('Slack: every answer was ephemeral, and no file or message went into the channel the commands were typed in', async () => {
    // Charts are uploaded after the answer: let the last uploads finish.
    await new Promise((r) => setTimeout(r, 1500));
    const asked = new Set(Object.values(PEOPLE).map((p) => `D${p.slack.id.slice(1)}`));
    const uploads = slack.callsTo('files.completeUploadExternal').map((c) => String(c.args.channel_id));
    expect(uploads.length).toBeGreaterThan(0);
    for (const channel of uploads) expect(asked.has(channel), `an upload into ${channel}`).toBe(true);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.channel === CUSTOMER_CHANNEL)).toEqual([]);
    expect(slack.channel(CUSTOMER_CHANNEL).messages()).toEqual([]);
    expect(slack.calls.filter((c) => c.method.startsWith('files.upload') && !c.method.endsWith('External'))).toEqual([]);
  });

  it('Slack: a period with no data sends no chart (nor a direct message about one) and says so in the answer', async () => {
    const before = slack.callsTo('files.completeUploadExternal').length;
    const answer = await slackCommand('agent', 'metrics yesterday');
    expect(answer.text).toContain('No data to chart for this period: Cases per hour, First-response time, Sentiment of new cases.');
    expect(answer.text).not.toContain('The charts are in your direct messages');
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.callsTo('files.completeUploadExternal').length).toBe(before);
  });

  it('Teams: a channel never got a per-agent line or a name from a metrics answer; the 1:1 chats did', async () => {
    const inChannel = connector.calls.filter((c) => c.op === 'reply' && c.conversationId?.startsWith(TEAMS_CHANNEL));
    expect(inChannel.length).toBeGreaterThan(0);
    const channelText = JSON.stringify(inChannel.map((c) => c.body));
    expect(channelText).not.toMatch(/Agents:/);
    const personal = JSON.stringify(connector.calls.filter((c) => c.op === 'reply' && c.conversationId === `a:1personal-${PEOPLE.approver.teams.id}`).map((c) => c.body));
    for (const name of WORKERS) expect(personal).toContain(name);
  });
});
