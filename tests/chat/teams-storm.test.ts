import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import type { MentionSource } from '../../src/sources/mention-source.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/fake-bot-connector.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { tempDir, waitFor } from '../e2e/support/bot-process.js';

const CHANNEL = '19:5f0c2a9e8d414c7a9b1e2f6d3c8a7e10@thread.tacv2';
const TEAM = '19:Xq2pFakeTeamIdForEarshotTests0000000000000001@thread.tacv2';
const SLACK_CHANNEL = 'C0STORMTM1';
const ALICE = '00000000-0000-0000-0000-0000000000a1';
const BOB = '00000000-0000-0000-0000-0000000000b1';
const BURST = 30;

type Json = Record<string, any>;
const fixture = (name: string): Json => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8')) as Json;

/** A source that can reply, counting the replies it posts. */
function replyingSource(): MentionSource & { replies: string[] } {
  const replies: string[] = [];
  return {
    name: 'x-mentions', network: 'x', canReply: true, replies,
    poll: async () => ({ mentions: [], cursor: undefined, requests: 0 }),
    reply: async (m, text) => { replies.push(text); return { id: `r-${m.id}`, url: `https://x.com/i/web/status/r-${m.id}`, at: new Date().toISOString(), text }; },
    findReply: async () => undefined,
    checkReply: (t) => (t.length > 280 ? 'X allows 280 characters.' : undefined),
  };
}

const mention = (i: number, text: string): Mention => ({
  network: 'x', source: 'x-mentions', id: String(7000 + i), text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${7000 + i}`,
  author: { id: `a${i}`, handle: `traveller${i}`, name: `Traveller ${i}`, followers: 100 + i, verified: false }, isRepost: false, isQuote: false,
});

const CONFIG = (binding: string) => `
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - { id: care, name: Care, ${binding} }
routing:
  fallback: care
  rules:
    - { name: bags, when: { keywords: [bag] }, then: { tag: [baggage] } }
policy: { approvers: [teams:${BOB}] }
storm: { window: 2s, calm: 60s, updateEvery: 200ms }
# The burst's posts are alike; folding them as near-duplicates is tested in tests/app/near-duplicates.test.ts.
duplicates: { enabled: false }
limits: { replies: { perWindow: 1000, window: 1m } }
templates:
  - { id: same, name: Same for all, text: "We are on it." }
  - { id: sorry, name: Sorry, text: "Hi {{author.name}}, sorry about your bag." }
`;

async function post(url: string, activity: Json): Promise<{ status: number; body: any }> {
  const r = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

/** The Teams side of one running bot: its threads, the storm card among them, and clicks on it. */
function teamsView(connector: FakeBotConnector, url: () => string) {
  const threads = () => connector.calls.filter((c) => c.op === 'createConversation' && c.createdId).map((c) => ({ thread: c.conversationId!, root: c.createdId! }));
  const content = (t: { thread: string; root: string }): Json => (connector.conversation(t.thread).activity(t.root)!.attachments as Json[])[0]!.content as Json;
  const isStorm = (t: { thread: string; root: string }) => String(content(t).body[0]?.text ?? '').startsWith('Storm · ');
  const stormThreads = () => threads().filter(isStorm);
  const caseThreads = () => threads().filter((t) => !isStorm(t));
  const stormCard = () => content(stormThreads()[0]!);
  const facts = (card: Json): Record<string, string> => Object.fromEntries((card.body as Json[]).find((e) => e.type === 'FactSet')!.facts.map((f: Json) => [f.title, f.value]));
  const button = (card: Json, id: string): Json | undefined => (card.actions as Json[] | undefined)?.find((a) => (a.verb ?? a.data.action) === id);
  const as = (aad: string, name: string) => ({ from: { id: `29:${name.replace(/\s/g, '')}`, name, aadObjectId: aad } });
  const inbound = (name: string, patch: Json): Json => {
    const a = fixture(name);
    const t = stormThreads()[0]!;
    return { ...a, serviceUrl: connector.url, conversation: { ...a.conversation, id: t.thread }, replyToId: t.root, ...patch };
  };
  const execute = (verb: string, data: Json, who = as(ALICE, 'Alice Agent')) =>
    post(url(), inbound('invoke.adaptiveCard-action', { ...who, value: { action: { type: 'Action.Execute', title: verb, verb, data }, trigger: 'manual' } }));
  const task = (kind: 'fetch' | 'submit', data: Json, who = as(ALICE, 'Alice Agent')) =>
    post(url(), inbound(`invoke.task-${kind}`, { ...who, value: { type: `task/${kind}`, data, context: { theme: 'default' } } }));
  return { threads, stormThreads, caseThreads, stormCard, facts, button, as, inbound, execute, task };
}

async function burst(app: Earshot): Promise<void> {
  const mentions = Array.from({ length: BURST }, (_, i) => mention(i, `@acme where is my bag <at>Everyone</at> [refund](https://evil.example) #${i}`));
  for (let i = 0; i < BURST; i += 5) {
    await recordPoll(app.store, 'x-mentions', { mentions: mentions.slice(i, i + 5), cursor: undefined, requests: 1 });
    await app.processInbox();
  }
}

describe('storm mode for a group bound to Teams', () => {
  let connector: FakeBotConnector;
  let app: Earshot;
  let url = '';
  const source = replyingSource();
  let teams: ReturnType<typeof teamsView>;

  beforeAll(async () => {
    connector = await startFakeBotConnector({ teams: { [TEAM]: [{ id: TEAM }, { id: CHANNEL, name: 'Care - Billing' }] } });
    const env = parseEnv({ TEAMS_LOCAL_DEV: 'true', STORE_URL: `sqlite://${join(tempDir('teams-storm'), 't.sqlite')}`, PORT: '0', HOST: '127.0.0.1' });
    app = await startEarshot({ config: parseConfig(CONFIG('teams: { channel: "Care - Billing" }')), env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', source]]), outboxIntervalMs: 50 });
    url = `http://127.0.0.1:${app.port}`;
    teams = teamsView(connector, () => url);
    expect((await post(url, { ...fixture('conversationUpdate.installed'), serviceUrl: connector.url })).status).toBe(200);
  });
  afterAll(async () => {
    await app?.stop();
    await connector?.close();
  });

  it('folds a burst into one live storm card in the Teams channel instead of a card per mention', async () => {
    await burst(app);
    expect(await app.storms.mode('care')).toBe('storm');
    const card = await waitFor('the Teams storm card counting every folded mention', () => {
      const s = teams.stormThreads();
      if (s.length === 0) return undefined;
      const c = teams.stormCard();
      return Number(teams.facts(c).Mentions) + teams.caseThreads().length === BURST ? c : undefined;
    });
    expect(teams.stormThreads()).toHaveLength(1);
    // Only the mentions before the storm started got a card of their own.
    expect(teams.caseThreads().length).toBeLessThan(5);
    expect(teams.stormThreads()[0]!.thread.startsWith(`${CHANNEL};messageid=`)).toBe(true);
    expect(card.body[0].text).toMatch(/^Storm · baggage · \d+ mentions$/);
    // Sample posts are TextRuns, shown as written and never parsed: nothing pings or links.
    const json = JSON.stringify(card);
    expect(json).toContain('{"type":"TextRun","text":"@acme where is my bag <at>Everyone</at> [refund](https://evil.example)');
    expect(json).not.toMatch(/"entities"|"mentioned"/);
    // The bot records where it posted the card once the connector has answered: wait for that.
    const storm = await waitFor('the storm recording its Teams card', async () => {
      const s = (await app.storms.get(card.actions[0].data.stormId))!;
      return s.views.length > 0 ? s : undefined;
    });
    expect(storm.views).toEqual([{ platform: 'teams', conversationId: teams.stormThreads()[0]!.thread, activityId: teams.stormThreads()[0]!.root }]);
    expect(storm.posted).toEqual(['teams:Care - Billing']);
    // Recording where the card stands is bookkeeping: the buttons people see stay current.
    expect(storm.version).toBe(0);
  });

  it('chooses the storm reply in a Teams dialog: only personal templates, one choice, kept open until it is made', async () => {
    await waitFor('the card showing the current version', async () => {
      const s = (await app.storms.get(teams.stormCard().actions[0].data.stormId))!;
      return teams.button(teams.stormCard(), 'storm.draft')!.data.version === s.version;
    });
    const draft = teams.button(teams.stormCard(), 'storm.draft')!;
    expect(draft).toMatchObject({ type: 'Action.Submit', data: { msteams: { type: 'task/fetch' }, action: 'storm.draft' } });
    const fetched = await teams.task('fetch', draft.data);
    expect(fetched.status).toBe(200);
    const dialog = fetched.body.task.value.card.content;
    const choice = dialog.body.find((e: Json) => e.type === 'Input.ChoiceSet');
    // "Same for all" is not offered: X refuses identical posts, so a reply to many must name the author.
    expect(choice.choices).toEqual([{ title: 'Sorry', value: 'sorry' }]);
    const submit = dialog.actions[0].data;
    const empty = await teams.task('submit', submit);
    expect(JSON.stringify(empty.body.task.value.card.content)).toContain('Pick a template.');
    const wrong = await teams.task('submit', { ...submit, template: 'same' });
    expect(JSON.stringify(wrong.body.task.value.card.content)).toContain('Pick one of the offered templates');
    const saved = await teams.task('submit', { ...submit, template: 'sorry' });
    expect(saved.status).toBe(200);
    expect(saved.body).toBeUndefined();
    const storm = (await app.storms.get(submit.stormId))!;
    expect(storm.reply).toMatchObject({ templateId: 'sorry', status: 'drafted', by: { platform: 'teams', id: ALICE, name: 'Alice Agent' } });
  });

  it('approves and sends from the card: each click answers with the refreshed storm card; non-approvers and stale clicks are refused', async () => {
    // The outbox may already have replaced the card since the reply was chosen, taking the
    // "Reply to all…" button away: read the storm from the button every open storm card has.
    const stormId = teams.button(teams.stormCard(), 'storm.close')!.data.stormId as string;
    const approve = await waitFor('the approve button for everyone', () => teams.button(teams.stormCard(), 'storm.approve'));
    expect(approve).toMatchObject({ type: 'Action.Execute', verb: 'storm.approve', data: { stormId }, fallback: { type: 'Action.Submit', data: { action: 'storm.approve', stormId } } });

    // Alice chose the reply and is no approver: the policy applies to Teams users as to Slack users.
    const self = await teams.execute('storm.approve', approve.data);
    expect(self.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(self.body.value).toContain('policy.approvers');

    const approved = await teams.execute('storm.approve', approve.data, teams.as(BOB, 'Bob Lead'));
    expect(approved.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const after = approved.body.value;
    expect(after.actions.map((a: Json) => a.verb ?? a.data.action)).toEqual(['storm.send', 'storm.discard', 'storm.close']);
    expect(JSON.stringify(after)).toContain('(approved) by Alice Agent');
    const version = (await app.storms.get(stormId))!.version;
    expect(after.actions[0].data).toEqual({ stormId, version });

    // The same button again: the card it came from is out of date.
    const stale = await teams.execute('storm.approve', approve.data, teams.as(BOB, 'Bob Lead'));
    expect(stale.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(stale.body.value).toMatch(/out of date/);
    expect((await app.storms.get(stormId))!.version).toBe(version);

    const members = await app.storms.count(stormId);
    const sent = await teams.execute('storm.send', after.actions[0].data);
    expect(sent.body.type).toBe('application/vnd.microsoft.card.adaptive');
    await waitFor('a reply to every member', () => source.replies.length >= members);
    expect(source.replies.every((t) => /^Hi Traveller \d+, sorry about your bag\.$/.test(t))).toBe(true);
    expect(new Set(source.replies).size).toBe(source.replies.length);
    // Everyone's card follows: the outbox replaces the card in place.
    await waitFor('the Teams storm card counting the replies', () => teams.facts(teams.stormCard()).Replies === `${members} posted of ${members} queued`);
    expect(connector.conversation(teams.stormThreads()[0]!.thread).versions(teams.stormThreads()[0]!.root).length).toBeGreaterThan(2);
  });

  it('closes the storm from a client without Universal Actions (Action.Submit as a message)', async () => {
    const storm = await waitFor('the card showing the current version', async () => {
      const close = teams.button(teams.stormCard(), 'storm.close');
      const s = (await app.storms.get(close?.data.stormId ?? ''))!;
      return close && close.data.version === s?.version ? s : undefined;
    });
    const legacy = teams.inbound('message.channel', { ...teams.as(ALICE, 'Alice Agent'), text: undefined, textFormat: undefined, attachments: undefined, entities: undefined, value: teams.button(teams.stormCard(), 'storm.close')!.fallback.data });
    expect((await post(url, legacy)).status).toBe(200);
    await waitFor('the storm closed', async () => (await app.storms.get(storm.id))!.status === 'closed');
    await waitFor('the Teams card without buttons', () => !teams.stormCard().actions);
  });
});

describe('storm mode for a group bound to both Slack and Teams', () => {
  let connector: FakeBotConnector;
  let slack: FakeSlack;
  let app: Earshot;
  let url = '';
  let teams: ReturnType<typeof teamsView>;

  beforeAll(async () => {
    connector = await startFakeBotConnector({ teams: { [TEAM]: [{ id: TEAM }, { id: CHANNEL, name: 'Care - Billing' }] } });
    slack = await startFakeSlack();
    const env = parseEnv({
      TEAMS_LOCAL_DEV: 'true', SLACK_BOT_TOKEN: 'xoxb-storm-both', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.url,
      STORE_URL: `sqlite://${join(tempDir('teams-storm-both'), 't.sqlite')}`, PORT: '0', HOST: '127.0.0.1',
    });
    const config = parseConfig(CONFIG(`slack: { channel: ${SLACK_CHANNEL} }, teams: { channel: "Care - Billing" }`));
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', replyingSource()]]), outboxIntervalMs: 50 });
    url = `http://127.0.0.1:${app.port}`;
    teams = teamsView(connector, () => url);
    expect((await post(url, { ...fixture('conversationUpdate.installed'), serviceUrl: connector.url })).status).toBe(200);
  });
  afterAll(async () => {
    await app?.stop();
    await slack?.close();
    await connector?.close();
  });

  const slackMessages = () => slack.channel(SLACK_CHANNEL).messages();
  const slackStorms = () => slackMessages().filter((m) => m.metadata?.event_type === 'earshot_storm');
  const slackCases = () => slackMessages().filter((m) => m.metadata?.event_type === 'earshot_case');
  const slackVersion = () => Number(String(((slackStorms()[0]!.blocks as Json[]).find((b) => b.type === 'actions')?.elements[0].value ?? '@-1')).split('@')[1]);

  it('shows one storm card on each surface, the same cases as cards on both, and a Teams click moves both cards', async () => {
    await burst(app);
    await waitFor('one storm card on each surface, counting every folded mention', () => {
      if (teams.stormThreads().length === 0 || slackStorms().length === 0) return undefined;
      const count = Number(teams.facts(teams.stormCard()).Mentions);
      const slackCount = Number((slackStorms()[0]!.metadata!.event_payload as { count?: number }).count);
      return count === slackCount && count + teams.caseThreads().length === BURST && slackCases().length === teams.caseThreads().length;
    });
    expect(teams.stormThreads()).toHaveLength(1);
    expect(slackStorms()).toHaveLength(1);
    const stormId = teams.button(teams.stormCard(), 'storm.close')!.data.stormId as string;
    const posted = await waitFor('the storm recording both cards', async () => {
      const s = (await app.storms.get(stormId))!;
      return s.posted?.length === 2 ? s : undefined;
    });
    expect(posted.posted!.sort()).toEqual(['slack:C0STORMTM1', 'teams:Care - Billing']);
    // The card posted on the second surface does not make the first one's buttons stale.
    expect(posted.version).toBe(0);

    // Both cards carry the storm's current version on their buttons.
    const inStep = async () => {
      const v = (await app.storms.get(stormId))!.version;
      return slackVersion() === v && teams.button(teams.stormCard(), 'storm.close')!.data.version === v ? v : undefined;
    };
    await waitFor('both cards in step', inStep);
    const dialog = (await teams.task('fetch', teams.button(teams.stormCard(), 'storm.draft')!.data)).body.task.value.card.content;
    expect((await teams.task('submit', { ...dialog.actions[0].data, template: 'sorry' })).body).toBeUndefined();
    await waitFor('the Slack card showing the reply chosen in Teams', () => JSON.stringify(slackStorms()[0]!.blocks).includes('waiting for approval'));
    await waitFor('both cards in step after the Teams click', inStep);
    expect(teams.button(teams.stormCard(), 'storm.approve')).toBeDefined();
    expect(((slackStorms()[0]!.blocks as Json[]).find((b) => b.type === 'actions')!.elements as Json[]).map((e) => e.action_id)).toEqual(['storm.approve', 'storm.discard', 'storm.close']);
  });
});
