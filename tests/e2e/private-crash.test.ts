import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseRepository } from '../../src/app/case-repository.js';
import { htmlToText } from '../../src/sources/mastodon/mastodon-text.js';
import { openStore } from '../../src/store/open-store.js';
import { startFakeBluesky } from '../fakes/fake-bluesky.js';
import { startFakeMastodon } from '../fakes/fake-mastodon.js';
import { startStallProxy } from '../fakes/stall-proxy.js';
import { startFakeX } from '../fakes/fake-x.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { blockActionsPayload, slackRequest, viewSubmissionPayload, type SlackRequester } from '../helpers/slack-signing.js';
import { freePort, startBot, tempDir, waitFor, writeConfig, type BotProcess } from './support/bot-process.js';
import { buttons, cardText } from './support/slack-card.js';

/**
 * kill -9 while a private message is being sent, through the real server (dist/, run as
 * `earshot start`), Slack's real payloads and the real adapter against the network's fake,
 * on X, Bluesky and Mastodon. Twice each: the first DM (Move to DM) dies before the network
 * has it, the private reply dies after the network sent it but before its answer came back.
 * After each restart the message is on the network exactly once and on the case once.
 */
const SECRET = 'private-crash-secret';
const CARE = 'C0CARE0001';
const AGENT = 'U0AGENT001';
const CARD = '4111 1111 1111 1111';
const FIRST = 'Hi Jo, please send us a DM so we can look at this privately.';
const REPLY = 'Thanks Jo, the card is blocked and a new one is on its way.';

/** What the test needs of a network's fake. */
interface Network {
  name: 'x' | 'bluesky' | 'mastodon';
  source: string;
  env: Record<string, string>;
  /** Jo and Jo's post; Jo's id on the network. */
  setUp(): string;
  /** Jo answers privately. */
  answer(text: string): void;
  /** The next private send is never answered, and the network has not acted on it. */
  hangNextSend(): void;
  /** The next private send is carried out but never answered. */
  stallNextSend(): void;
  /** Stalls asked for that have not happened yet. */
  stallsLeft(): number;
  /** Requests to send a private message so far. */
  sendRequests(): number;
  /** Texts of the private messages the network has from the brand, in order (without the @handle Mastodon needs). */
  sent(): string[];
  /** Look-ups of our sent messages (findPrivate) so far. */
  lookups(): number;
  internalErrors(): Error[];
  close(): Promise<void>;
}

const withoutAddress = (t: string) => t.replace(/^@\S+\s+/, '');

/** X: its fake's own faults hang a request before it is carried out; a proxy in front drops the answer of one that was. */
async function x(): Promise<Network> {
  const f = await startFakeX({ me: { username: 'acme' } });
  const proxy = await startStallProxy(f.url);
  const SEND = 'POST /2/dm_conversations/with/:participant_id/messages';
  return {
    name: 'x', source: "{ name: x-dm, network: x, queries: ['@acme'], interval: 5s, options: { private: true } }",
    env: { X_BEARER_TOKEN: 'bearer', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'as', X_API_URL: proxy.url },
    setUp() {
      const jo = f.addUser({ username: 'jo', name: 'Jo' });
      f.addTweet({ author: 'jo', text: `@acme my card ${CARD} was charged twice` });
      return jo.id;
    },
    answer: (text) => { f.addDm({ from: 'jo', text }); },
    hangNextSend: () => { f.faults.schedule(SEND, { kind: 'hang' }); },
    stallNextSend: () => { proxy.stallNext((method, path) => method === 'POST' && /^\/2\/dm_conversations\/with\/\d+\/messages$/.test(path)); },
    stallsLeft: () => proxy.waiting,
    sendRequests: () => f.callsTo(SEND).length,
    sent: () => f.sentDms.map((d) => d.text),
    lookups: () => f.callsTo('GET /2/dm_conversations/with/:participant_id/dm_events').length,
    internalErrors: () => f.internalErrors,
    close: async () => { await proxy.close(); await f.close(); },
  };
}

async function bluesky(): Promise<Network> {
  const f = await startFakeBluesky();
  return {
    name: 'bluesky', source: '{ name: bsky, network: bluesky, queries: [charged], interval: 5s, options: { private: true } }',
    env: { BLUESKY_SERVICE_URL: f.url, BLUESKY_HANDLE: 'acme.bsky.social', BLUESKY_APP_PASSWORD: f.appPassword },
    setUp() {
      const jo = f.addUser('jo.bsky.social', { displayName: 'Jo' });
      f.addPost({ author: 'jo.bsky.social', text: `@acme.bsky.social my card ${CARD} was charged twice` });
      return jo.did;
    },
    answer: (text) => { f.addChatMessage('jo.bsky.social', text); },
    hangNextSend: () => { f.faults.schedule('chat.bsky.convo.sendMessage', { kind: 'hang' }); },
    stallNextSend: () => { f.stallAfterSend = 1; },
    stallsLeft: () => f.stallAfterSend,
    sendRequests: () => f.callsTo('chat.bsky.convo.sendMessage').length,
    sent: () => f.sentChat.map((m) => m.text),
    lookups: () => f.callsTo('chat.bsky.convo.getMessages').length,
    internalErrors: () => f.internalErrors,
    close: () => f.close(),
  };
}

async function mastodon(): Promise<Network> {
  const f = await startFakeMastodon();
  let lastOurs = '';
  const directs = () => f.posted.filter((s) => s.visibility === 'direct');
  return {
    name: 'mastodon', source: "{ name: masto, network: mastodon, queries: ['@me'], interval: 5s, options: { private: true } }",
    env: { MASTODON_URL: f.url, MASTODON_ACCESS_TOKEN: f.accessToken },
    setUp() {
      const jo = f.addAccount('jo', { display_name: 'Jo' });
      f.addStatus({ author: 'jo', text: `@acme my card ${CARD} was charged twice` });
      return jo.id;
    },
    answer(text) {
      lastOurs = directs().at(-1)!.id;
      f.addStatus({ author: 'jo', text: `@acme ${text}`, visibility: 'direct', replyTo: lastOurs });
    },
    hangNextSend: () => { f.faults.schedule('POST /api/v1/statuses', { kind: 'hang' }); },
    stallNextSend: () => { f.stallAfterDirect = 1; },
    stallsLeft: () => f.stallAfterDirect,
    sendRequests: () => f.callsTo('POST /api/v1/statuses').filter((c) => c.body?.visibility === 'direct').length,
    sent: () => directs().map((s) => withoutAddress(htmlToText(s.content))),
    lookups: () => f.callsTo('GET /api/v1/accounts/:id/statuses').length,
    internalErrors: () => f.internalErrors,
    close: () => f.close(),
  };
}

describe.each([['X', x], ['Bluesky', bluesky], ['Mastodon', mastodon]] as const)('kill -9 during a private send on %s (real server, fake Slack and network)', (_label, startNetwork) => {
  let slack: FakeSlack;
  let net: Network;
  let dir: string;
  let env: Record<string, string>;
  let port: number;
  let bot: BotProcess | undefined;
  let send: SlackRequester;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [AGENT]: { name: 'alice' } } });
    net = await startNetwork();
    dir = tempDir(`private-crash-${net.name}`);
    port = await freePort();
    const config = `
brand: { name: Acme, handles: { x: [acme], bluesky: [acme.bsky.social], mastodon: [acme] } }
sources:
  - ${net.source}
groups: [{ id: care, slack: { channel: ${CARE} } }]
routing: { fallback: care }
policy: { requireApproval: false }
privateChannel: { pollEvery: 5s }
storm: { enabled: false }
duplicates: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
templates:
  - { id: dm, name: Move to DM, private: true, text: '${FIRST}' }
`;
    env = {
      EARSHOT_CONFIG: writeConfig(dir, config),
      SLACK_BOT_TOKEN: 'xoxb-private-crash', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
      ...net.env,
      STORE_URL: `sqlite://${join(dir, 'earshot.sqlite')}`,
      LOG_LEVEL: 'warn',
      // One name for every life, so a restarted bot takes over its own leases at once.
      INSTANCE_ID: 'private-crash-bot',
    };
  });

  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await slack?.close();
    expect(net?.internalErrors() ?? []).toEqual([]);
    await net?.close();
  });

  const start = async () => {
    bot = await startBot({ cwd: dir, env, port });
    send = slackRequest(`${bot.url}/slack/events`, SECRET);
  };
  const kill9 = async () => {
    bot!.child.kill('SIGKILL');
    await bot!.exited;
    bot = undefined;
  };
  const card = (): SlackMessage | undefined => slack.channel(CARE).messages().find((m) => m.metadata?.event_type === 'earshot_case' && cardText(m).includes('charged twice'));
  const click = async (actionId: string) => {
    const m = card()!;
    const b = buttons(m).find((e) => e.action_id === actionId);
    expect(b, `${actionId} on the card (has ${buttons(m).map((e) => e.action_id).join(', ')})`).toBeDefined();
    const triggerId = `t-${Math.random()}`;
    expect((await send.interactive(blockActionsPayload({ user: AGENT, channel: CARE, messageTs: m.ts, actionId, value: b!.value, triggerId }))).status).toBe(200);
    return triggerId;
  };
  /** Move to DM / Reply privately: the form, submitted with `text` (or as it opened), then Send once it is on the card. */
  const draftAndSend = async (text?: string) => {
    const trigger = await click('case.redirect');
    const view = await waitFor('the private form', () => slack.callsTo('views.open').find((c) => c.args.trigger_id === trigger)?.args.view as Record<string, any> | undefined);
    const value = text ?? view.blocks.find((b: any) => b.block_id === 'reply').element.initial_value;
    const r = await send.interactive(viewSubmissionPayload({ user: AGENT, callbackId: view.callback_id, privateMetadata: view.private_metadata, values: { reply: { text: { type: 'plain_text_input', value } } } as never }));
    expect(r.status).toBe(200);
    await waitFor('Send on the card', () => buttons(card()).some((b) => b.action_id === 'case.send'));
    await click('case.send');
  };
  const thread = () => slack.channel(CARE).thread(card()!.ts).map((n) => n.text ?? '');
  const reached = () => thread().filter((t) => t.startsWith('A direct message reached @'));

  it('sends the first DM and the private reply exactly once across a kill -9 during each send', async () => {
    const joId = net.setUp();
    await start();
    await waitFor('the card', card, 60_000);
    expect(JSON.stringify(card()!.blocks)).not.toContain(CARD);

    // 1. Move to DM; the network never answers the send (and has not sent it): kill -9 while it is in flight.
    net.hangNextSend();
    await draftAndSend();
    await waitFor('the DM send in flight', () => net.sendRequests() === 1);
    await kill9();
    expect(net.sent()).toEqual([]);
    await start();
    await waitFor('the first DM noted in the card\'s thread', () => reached().some((t) => t.includes(FIRST)), 60_000);
    expect(net.sent()).toEqual([FIRST]);

    // 2. Jo answers privately; the answer shows in the card's thread, masked.
    net.answer(`It is ${CARD}, please block it`);
    const heard = await waitFor('the answer in the thread', () => thread().find((t) => t.includes('wrote privately')), 60_000);
    expect(heard).toContain('please block it');
    expect(heard).not.toContain(CARD);

    // 3. Reply privately; the network sends it but its answer never comes back: kill -9 then.
    net.stallNextSend();
    await draftAndSend(REPLY);
    await waitFor('the reply on the network', () => net.sent().includes(REPLY));
    await kill9();
    expect(net.stallsLeft()).toBe(0);
    const lookedBefore = net.lookups();
    await start();
    await waitFor('the reply noted in the card\'s thread', () => reached().some((t) => t.includes(REPLY)), 60_000);
    // A private poll or two more, which hear our own messages back.
    await new Promise((r) => setTimeout(r, 6000));
    expect(await bot!.stop('SIGTERM')).toBe(0);
    bot = undefined;

    expect(net.sent()).toEqual([FIRST, REPLY]);
    // The restarted bot looked for its message before sending again, found it, and did not send it twice.
    expect(net.lookups()).toBeGreaterThan(lookedBefore);
    const store = await openStore(env.STORE_URL!, { namespace: 'earshot' });
    try {
      const repo = new CaseRepository(store);
      const ids = await repo.caseIdsOfAuthor(net.name, joId);
      expect(ids).toHaveLength(1);
      const c = (await repo.get(ids[0]!))!;
      expect(c.status).toBe('redirected');
      // On the case once each, as Earshot's (never as sent outside Earshot, though the polls heard them too).
      expect(c.private!.messages.map((m) => [m.direction, m.text.includes('block it') ? 'answer' : withoutAddress(m.text), m.outside ?? false])).toEqual([
        ['out', FIRST, false], ['in', 'answer', false], ['out', REPLY, false],
      ]);
    } finally {
      await store.close();
    }
    // The thread says each once: the two messages that reached Jo, and Jo's answer.
    expect(reached().map((t) => (t.includes(REPLY) ? 'reply' : t.includes(FIRST) ? 'first' : t))).toEqual(['first', 'reply']);
    expect(thread().filter((t) => t.includes('wrote privately'))).toHaveLength(1);
    expect(thread().filter((t) => t.includes('outside Earshot'))).toEqual([]);
  }, 300_000);
});
