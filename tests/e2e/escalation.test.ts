import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { blockActionsPayload, slackRequest, viewSubmissionPayload, type SlackRequester } from '../helpers/slack-signing.js';
import { startBot, tempDir, waitFor, writeConfig, type BotProcess } from './support/bot-process.js';
import { buttons, cardText as text } from './support/slack-card.js';

/**
 * Escalate asks and tells, through the real bot and Slack's real payloads: the button opens
 * a form (a reason, and a lead among the group's), the case records who raised it, why and
 * for whom, the group's lead channel gets a notice, the card says so, and De-escalate takes
 * it back.
 */
const SECRET = 'escalation-signing-secret';
const CARE = 'C0CARE0001';
const LEADS = 'C0LEADS001';
const AGENT = 'U0AGENT001';
const LEA = 'U0LEAD0001';
const MAX = 'U0LEAD0002';

const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-mentions, network: x, queries: ['@acme -is:retweet'], interval: 5s }
groups:
  - { id: care, name: Care, slack: { channel: ${CARE} }, leadChannel: ${LEADS}, leads: [slack:${LEA}, slack:${MAX}] }
routing: { fallback: care }
policy:
  approvers: [slack:${LEA}, slack:${MAX}]
  requireApproval: false
storm: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
`;

describe('Escalate in Slack, end to end', () => {
  let slack: FakeSlack;
  let x: FakeX;
  let bot: BotProcess;
  let send: SlackRequester;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [AGENT]: { name: 'alice' }, [LEA]: { name: 'lea' }, [MAX]: { name: 'max' } } });
    x = await startFakeX({ me: { username: 'acme' } });
    const dir = tempDir('escalation');
    const env = {
      EARSHOT_CONFIG: writeConfig(dir, CONFIG),
      SLACK_BOT_TOKEN: 'xoxb-esc', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
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

  const card = (): SlackMessage | undefined => slack.channel(CARE).messages().find((m) => m.metadata?.event_type === 'earshot_case' && text(m).includes('lost my bag'));
  const click = async (user: string, actionId: string) => {
    const m = card()!;
    const b = buttons(m).find((e) => e.action_id === actionId);
    expect(b, `${actionId} on the card (has ${buttons(m).map((e) => e.action_id).join(', ')})`).toBeDefined();
    const triggerId = `t-${Math.random()}`;
    expect((await send.interactive(blockActionsPayload({ user, channel: CARE, messageTs: m.ts, actionId, value: b!.value, triggerId }))).status).toBe(200);
    return triggerId;
  };

  it('asks for a reason and a lead, tells the lead channel, shows it on the card, and De-escalate takes it back', async () => {
    x.addTweet({ text: '@acme you lost my bag again', author: 'traveller' });
    await waitFor('the card', card, 30_000);

    const trigger = await click(AGENT, 'case.escalate');
    const view = await waitFor('the escalate form', () => slack.callsTo('views.open').find((c) => c.args.trigger_id === trigger)?.args.view as Record<string, any> | undefined);
    const leadSelect = view.blocks.find((b: any) => b.block_id === 'choice');
    expect(leadSelect.optional).toBe(true);
    expect(leadSelect.element.options.map((o: any) => o.text.text)).toEqual(["All the group's leads", 'lea', 'max']);
    const reason = view.blocks.find((b: any) => b.block_id === 'text');
    expect(reason.optional).toBe(false);
    expect(reason.label.text).toBe('Why does it need a lead?');

    const r = await send.interactive(viewSubmissionPayload({
      user: AGENT, callbackId: view.callback_id, privateMetadata: view.private_metadata,
      values: { choice: { option: { type: 'static_select', selected_option: { value: `slack:${LEA}` } } }, text: { text: { type: 'plain_text_input', value: 'Third lost bag, call them' } } } as never,
    }));
    expect(r.status).toBe(200);

    const line = 'Escalated by alice — Third lost bag, call them — leads: lea';
    await waitFor('the escalation on the card', () => text(card()).includes(line));
    expect(buttons(card()).map((b) => b.action_id)).toContain('case.deescalate');
    const notice = await waitFor('the lead channel notice', () => slack.channel(LEADS).messages().find((m) => (m.text ?? '').includes(line) || text(m).includes(line)));
    expect(`${notice.text ?? ''}\n${text(notice)}`).toMatch(/Case \d+ · Care · @traveller on x · nobody has claimed it/);

    await click(AGENT, 'case.deescalate');
    await waitFor('the escalation taken back', () => !text(card()).includes('Escalated by') && buttons(card()).some((b) => b.action_id === 'case.claim' && !buttons(card()).some((x) => x.action_id === 'case.deescalate')));
  });

  it('with no lead picked, names every lead of the group', async () => {
    const trigger = await click(AGENT, 'case.escalate');
    const view = await waitFor('the escalate form', () => slack.callsTo('views.open').find((c) => c.args.trigger_id === trigger)?.args.view as Record<string, any> | undefined);
    await send.interactive(viewSubmissionPayload({
      user: AGENT, callbackId: view.callback_id, privateMetadata: view.private_metadata,
      values: { text: { text: { type: 'plain_text_input', value: 'Needs a lead' } } } as never,
    }));
    await waitFor('both leads on the card', () => text(card()).includes('Escalated by alice — Needs a lead — leads: lea, max'));
  });
});
