import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { appHomeOpenedEvent, blockActionsPayload, slackRequest, viewSubmissionPayload, type SlackRequester } from '../helpers/slack-signing.js';
import { startBot, tempDir, waitFor, writeConfig, type BotProcess } from './support/bot-process.js';
import { buttons, cardText as text, textsOfType } from './support/slack-card.js';

/**
 * Slack App Home as the personal queue, through the real bot: opening the tab publishes
 * the person's cases and the drafts waiting for them; a claim made on the channel card
 * refreshes it; a button in the home view acts on the case like the card's.
 */
const SECRET = 'home-signing-secret';
const CARE = 'C0CARE0001';
const AGENT = 'U0AGENT001';
const LEA = 'U0LEAD0001';

const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-mentions, network: x, queries: ['@acme -is:retweet'], interval: 5s }
groups:
  - { id: care, name: Care, slack: { channel: ${CARE} } }
routing: { fallback: care }
policy:
  approvers: [slack:${LEA}]
  requireApproval: true
storm: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
`;

describe('Slack App Home, end to end', () => {
  let slack: FakeSlack;
  let x: FakeX;
  let bot: BotProcess;
  let send: SlackRequester;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [AGENT]: { name: 'alice' }, [LEA]: { name: 'lea' } } });
    x = await startFakeX({ me: { username: 'acme' } });
    const dir = tempDir('app-home');
    const env = {
      EARSHOT_CONFIG: writeConfig(dir, CONFIG),
      SLACK_BOT_TOKEN: 'xoxb-home', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
      X_BEARER_TOKEN: 'bearer', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'as', X_API_URL: x.url,
      STORE_URL: `sqlite://${join(dir, 'earshot.sqlite')}`,
    };
    bot = await startBot({ cwd: dir, env, startTimeoutMs: 90_000 });
    send = slackRequest(`${bot.url}/slack/events`, SECRET);
  }, 120_000);

  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await x?.close();
  });

  const card = (): SlackMessage | undefined => slack.channel(CARE).messages().find((m) => m.metadata?.event_type === 'earshot_case' && text(m).includes('my refund'));
  const homeText = (user: string) => textsOfType(slack.home(user)?.blocks, 'plain_text').join('\n');
  /** The home view's section under a header, up to the next header. */
  const under = (user: string, header: string): string => {
    const lines = homeText(user).split('\n');
    const at = lines.indexOf(header);
    if (at < 0) return '';
    const next = lines.findIndex((l, i) => i > at && ['My cases', 'Waiting for my approval', 'At risk of breaching the SLA'].includes(l));
    return lines.slice(at + 1, next < 0 ? undefined : next).join('\n');
  };
  const clickCard = async (user: string, actionId: string, triggerId = `t-${Math.random()}`) => {
    const m = card()!;
    const b = buttons(m).find((e) => e.action_id === actionId)!;
    expect(b, actionId).toBeDefined();
    expect((await send.interactive(blockActionsPayload({ user, channel: CARE, messageTs: m.ts, actionId, value: b.value, triggerId }))).status).toBe(200);
    return triggerId;
  };

  it('publishes my cases and my approvals, refreshes on a claim made elsewhere, and its buttons act on the case', async () => {
    x.addTweet({ text: '@acme where is my refund', author: 'traveller' });
    await waitFor('the card', card, 30_000);

    // Opening the Messages tab publishes nothing; the Home tab does.
    expect((await send.event(appHomeOpenedEvent({ user: AGENT, tab: 'messages', eventId: 'Ev-home-0' }))).status).toBe(200);
    expect((await send.event(appHomeOpenedEvent({ user: AGENT, eventId: 'Ev-home-1' }))).status).toBe(200);
    await waitFor('alice\'s home', () => slack.home(AGENT));
    expect(slack.callsTo('views.publish').every((c) => c.args.user_id === AGENT)).toBe(true);
    expect(under(AGENT, 'My cases')).toBe('You have no open cases.');
    expect((await send.event(appHomeOpenedEvent({ user: LEA, eventId: 'Ev-home-2' }))).status).toBe(200);
    await waitFor('lea\'s home', () => slack.home(LEA));
    expect(under(LEA, 'Waiting for my approval')).toBe('No draft is waiting for you.');
    // Lea approves: she sees the team's figures too, as /earshot metrics gives them; Alice does not.
    expect(homeText(LEA)).toMatch(/Earshot metrics: /);
    expect(homeText(AGENT)).not.toMatch(/Earshot metrics: /);

    // Alice claims on the channel card: her home shows the case, with the card's buttons.
    await clickCard(AGENT, 'case.claim');
    await waitFor('the claim in alice\'s home', () => under(AGENT, 'My cases').includes('where is my refund'));
    const ids = (slack.home(AGENT)!.blocks as any[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements.map((e: any) => e.action_id));
    expect(ids).toEqual(expect.arrayContaining(['case.draft', 'case.release']));

    // Alice drafts: the draft is waiting for Lea, in her home. The channel card's buttons carry
    // the case's version, so wait for the card to show the claim before clicking on it.
    await waitFor('the claimed card', () => buttons(card()!).some((e) => e.action_id === 'case.release'));
    const trigger = await clickCard(AGENT, 'case.draft');
    const view = await waitFor('the draft form', () => slack.callsTo('views.open').find((c) => c.args.trigger_id === trigger)?.args.view as Record<string, any> | undefined);
    const input = view.blocks.find((b: any) => b.type === 'input').element;
    await send.interactive(viewSubmissionPayload({ user: AGENT, callbackId: view.callback_id, privateMetadata: view.private_metadata, values: { reply: { [input.action_id]: 'Sorry, it is on its way today.' } } }));
    await waitFor('the draft in lea\'s home', () => under(LEA, 'Waiting for my approval').includes('where is my refund'));

    // Lea approves from her home: the click carries the view, not a message, and acts like the card's.
    const home = slack.home(LEA)!;
    const approve = (home.blocks as any[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements).find((e: any) => e.action_id === 'case.approve');
    const click = blockActionsPayload({ user: LEA, channel: CARE, messageTs: '0', actionId: 'case.approve', value: approve.value }) as unknown as Record<string, any>;
    delete click.channel;
    delete click.message;
    click.container = { type: 'view', view_id: home.id };
    click.view = { id: home.id, type: 'home', hash: home.hash, private_metadata: '', callback_id: '', state: { values: {} } };
    expect((await send.interactive(click)).status).toBe(200);
    await waitFor('the approved card', () => text(card()).includes('Approved'));
    await waitFor('lea\'s home emptied', () => under(LEA, 'Waiting for my approval') === 'No draft is waiting for you.');
  });
});
