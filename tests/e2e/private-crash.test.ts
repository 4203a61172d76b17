import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseRepository } from '../../src/app/case-repository.js';
import { openStore } from '../../src/store/open-store.js';
import { startFakeBluesky, type FakeBluesky } from '../fakes/fake-bluesky.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { blockActionsPayload, slackRequest, viewSubmissionPayload, type SlackRequester } from '../helpers/slack-signing.js';
import { freePort, startBot, tempDir, waitFor, writeConfig, type BotProcess } from './support/bot-process.js';
import { buttons, cardText } from './support/slack-card.js';

/**
 * kill -9 while a private message is being sent, through the real server (dist/, run as
 * `earshot start`), Slack's real payloads and the real Bluesky adapter against the fake
 * Bluesky. Twice: the first DM (Move to DM) dies before the chat service has it, the private
 * reply dies after the chat service sent it but before its answer came back. After each
 * restart the message is on the network exactly once and on the case once.
 */
const SECRET = 'private-crash-secret';
const CARE = 'C0CARE0001';
const AGENT = 'U0AGENT001';
const CARD = '4111 1111 1111 1111';
const FIRST = 'Hi Jo, please send us a DM so we can look at this privately.';
const REPLY = 'Thanks Jo, the card is blocked and a new one is on its way.';

const CONFIG = `
brand: { name: Acme, handles: { bluesky: [acme.bsky.social] } }
sources:
  - { name: bsky, network: bluesky, queries: [charged], interval: 5s, options: { private: true } }
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

describe('kill -9 during a private send (real server, fake Slack and Bluesky)', () => {
  let slack: FakeSlack;
  let bsky: FakeBluesky;
  let dir: string;
  let env: Record<string, string>;
  let port: number;
  let bot: BotProcess | undefined;
  let send: SlackRequester;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [AGENT]: { name: 'alice' } } });
    bsky = await startFakeBluesky();
    dir = tempDir('private-crash');
    port = await freePort();
    env = {
      EARSHOT_CONFIG: writeConfig(dir, CONFIG),
      SLACK_BOT_TOKEN: 'xoxb-private-crash', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
      BLUESKY_SERVICE_URL: bsky.url, BLUESKY_HANDLE: 'acme.bsky.social', BLUESKY_APP_PASSWORD: bsky.appPassword,
      STORE_URL: `sqlite://${join(dir, 'earshot.sqlite')}`,
      LOG_LEVEL: 'warn',
      // One name for every life, so a restarted bot takes over its own leases at once.
      INSTANCE_ID: 'private-crash-bot',
    };
  });

  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await slack?.close();
    expect(bsky?.internalErrors ?? []).toEqual([]);
    await bsky?.close();
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

  it('sends the first DM and the private reply exactly once across a kill -9 during each send', async () => {
    const jo = bsky.addUser('jo.bsky.social', { displayName: 'Jo' });
    bsky.addPost({ author: 'jo.bsky.social', text: `@acme.bsky.social my card ${CARD} was charged twice` });
    await start();
    await waitFor('the card', card, 60_000);
    expect(JSON.stringify(card()!.blocks)).not.toContain(CARD);

    // 1. Move to DM; the chat service never answers the send (it has not sent it): kill -9 while it is in flight.
    bsky.faults.schedule('chat.bsky.convo.sendMessage', { kind: 'hang' });
    await draftAndSend();
    await waitFor('the DM send in flight', () => bsky.callsTo('chat.bsky.convo.sendMessage').length === 1);
    await kill9();
    expect(bsky.sentChat).toHaveLength(0);
    await start();
    await waitFor('the first DM noted in the card\'s thread', () => thread().some((t) => t.startsWith('A direct message reached @jo.bsky.social')), 60_000);
    expect(bsky.sentChat.map((m) => m.text)).toEqual([FIRST]);

    // 2. Jo answers by chat; the answer shows in the card's thread, masked.
    bsky.addChatMessage('jo.bsky.social', `It is ${CARD}, please block it`);
    const heard = await waitFor('the answer in the thread', () => thread().find((t) => t.includes('wrote privately')), 60_000);
    expect(heard).toContain('please block it');
    expect(heard).not.toContain(CARD);

    // 3. Reply privately; the chat service sends it but its answer never comes back: kill -9 then.
    bsky.stallAfterSend = 1;
    await draftAndSend(REPLY);
    await waitFor('the reply on the network', () => bsky.sentChat.some((m) => m.text === REPLY));
    await kill9();
    const lookedBefore = bsky.callsTo('chat.bsky.convo.getMessages').length;
    await start();
    await waitFor('the reply noted in the card\'s thread', () => thread().some((t) => t.startsWith('A direct message reached @jo.bsky.social') && t.includes(REPLY)), 60_000);
    // A private poll or two more, which hear our own messages back.
    await new Promise((r) => setTimeout(r, 6000));
    expect(await bot!.stop('SIGTERM')).toBe(0);
    bot = undefined;

    expect(bsky.sentChat.map((m) => m.text)).toEqual([FIRST, REPLY]);
    expect(bsky.callsTo('chat.bsky.convo.sendMessage').filter((c) => (c.body as { message?: { text?: string } } | undefined)?.message?.text === REPLY)).toHaveLength(1);
    // The restarted bot looked for its message before sending again, found it, and did not send it twice.
    expect(bsky.callsTo('chat.bsky.convo.getMessages').length).toBeGreaterThan(lookedBefore);
    const store = await openStore(env.STORE_URL!, { namespace: 'earshot' });
    try {
      const repo = new CaseRepository(store);
      const ids = await repo.caseIdsOfAuthor('bluesky', jo.did);
      expect(ids).toHaveLength(1);
      const c = (await repo.get(ids[0]!))!;
      expect(c.status).toBe('redirected');
      // On the case once each, as Earshot's (never as sent outside Earshot, though the polls heard them too).
      expect(c.private!.messages.map((m) => [m.direction, m.text.includes('block it') ? 'answer' : m.text, m.outside ?? false])).toEqual([
        ['out', FIRST, false], ['in', 'answer', false], ['out', REPLY, false],
      ]);
    } finally {
      await store.close();
    }
    // The thread says each once: the two messages that reached Jo, and Jo's answer.
    const reached = thread().filter((t) => t.startsWith('A direct message reached @jo.bsky.social'));
    expect(reached.map((t) => (t.includes(REPLY) ? 'reply' : t.includes(FIRST) ? 'first' : t))).toEqual(['first', 'reply']);
    expect(thread().filter((t) => t.includes('wrote privately'))).toHaveLength(1);
    expect(thread().filter((t) => t.includes('outside Earshot'))).toEqual([]);
  }, 300_000);
});
