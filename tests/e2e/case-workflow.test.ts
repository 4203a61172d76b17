import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { appMentionEvent, blockActionsPayload, slackRequest, slashCommandBody, viewSubmissionPayload, type SlackRequester } from '../helpers/slack-signing.js';
import { MAIN, startBot, tempDir, waitFor, writeConfig, type BotProcess } from './support/bot-process.js';
import { cardText as text } from './support/slack-card.js';

/**
 * The rest of the workflow through the real bot and Slack's real payloads: SLA time on
 * the card, thread replies kept as notes, snooze and wake, reassign, the template picker,
 * a follow-up that reopens an answered case, ignore with a reason, moving to a private
 * channel, and erasing an author from the command line.
 */
const SECRET = 'workflow-signing-secret';
const CARE = 'C0CARE0001';
const BAGGAGE = 'C0BAGS0001';
const AGENT = 'U0AGENT001';
const BOB = 'U0AGENT002';
const LEAD = 'U0LEAD0001';

const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-mentions, network: x, queries: ['@acme -is:retweet'], interval: 5s }
groups:
  - { id: care, name: Care, slack: { channel: ${CARE} }, leadChannel: C0LEADS001 }
  - { id: baggage, name: Baggage, slack: { channel: ${BAGGAGE} } }
routing: { fallback: care }
policy:
  approvers: [slack:${LEAD}]
  requireApproval: false
templates:
  - { id: general, name: General, text: "Hi {{author.name}}, we are on it." }
  - { id: status, name: Status page, text: "Hi {{author.name}}, see {{links.status}} for updates." }
  - { id: dm, name: Move to DM, private: true, text: "Please send us a DM." }
links: { status: 'https://status.acme.com' }
sla:
  hours: { timezone: UTC, days: [mon, tue, wed, thu, fri, sat, sun], from: '00:00', to: '24:00' }
  targets: [{ firstResponse: 4h, resolution: 1d }]
storm: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
`;


const buttons = (m: SlackMessage | undefined): Array<{ action_id: string; value: string }> =>
  ((m?.blocks as Array<Record<string, any>> | undefined)?.find((b) => b.type === 'actions')?.elements ?? []);

describe('the case workflow in Slack, end to end', () => {
  let slack: FakeSlack;
  let x: FakeX;
  let bot: BotProcess;
  let send: SlackRequester;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [AGENT]: { name: 'alice' }, [BOB]: { name: 'bob' }, [LEAD]: { name: 'lea' } } });
    x = await startFakeX({ me: { username: 'acme' } });
    dir = tempDir('workflow');
    env = {
      EARSHOT_CONFIG: writeConfig(dir, CONFIG),
      SLACK_BOT_TOKEN: 'xoxb-wf', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
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

  const cards = () => slack.channel(CARE).messages().filter((m) => m.metadata?.event_type === 'earshot_case');
  const cardOf = (caseText: string) => cards().find((m) => text(m).includes(caseText));
  const click = async (user: string, card: () => SlackMessage | undefined, actionId: string, triggerId = `t-${Math.random()}`) => {
    const m = card()!;
    const b = buttons(m).find((e) => e.action_id === actionId);
    expect(b, `${actionId} on the card (has ${buttons(m).map((e) => e.action_id).join(', ')})`).toBeDefined();
    expect((await send.interactive(blockActionsPayload({ user, channel: CARE, messageTs: m.ts, actionId, value: b!.value, triggerId }))).status).toBe(200);
    return triggerId;
  };
  const opened = (triggerId: string) => waitFor('views.open', () => slack.callsTo('views.open').find((c) => c.args.trigger_id === triggerId)?.args.view as Record<string, any> | undefined);
  const submit = async (user: string, view: Record<string, any>, values: Record<string, Record<string, unknown>>) => {
    const r = await send.interactive(viewSubmissionPayload({ user, callbackId: view.callback_id, privateMetadata: view.private_metadata, values: values as never }));
    expect(r.status).toBe(200);
    return r;
  };

  it('works one case through notes, snooze, reassign, a template, a reply and the author writing again', async () => {
    const tweet = x.addTweet({ text: '@acme is the app down?', author: 'traveller' });
    const card = () => cardOf('is the app down?');
    await waitFor('the card', card, 20_000);
    // The SLA clock is on the card.
    expect(text(card())).toMatch(/First response\*\ndue .* · (3h 5\dm|4h 00m) left/);

    // A reply in the card's thread is kept as an internal note.
    const envelope = appMentionEvent({ user: AGENT, channel: CARE, text: 'Called them: it is a login bug', ts: '1800000000.000200', eventId: 'Ev-note-1' });
    const event = { ...envelope, event: { type: 'message', channel: CARE, channel_type: 'channel', user: AGENT, text: 'Called them: it is a login bug', ts: '1800000000.000200', event_ts: '1800000000.000200', thread_ts: card()!.ts, parent_user_id: 'U0BOT0001' } };
    expect((await send.event(event)).status).toBe(200);
    await waitFor('the note on the card', () => text(card()).includes('Note by alice: Called them: it is a login bug')).catch((e: unknown) => { console.log('bot output:', bot.output().slice(-4000)); throw e; });
    // Earshot's own notes in the thread are not kept again.
    expect(text(card()).match(/Note by/g)).toHaveLength(1);

    // Snooze through the choice modal, then wake it.
    const snoozeView = await opened(await click(AGENT, card, 'case.snooze'));
    const firstOption = snoozeView.blocks.find((b: any) => b.block_id === 'choice').element.options[0].value;
    await submit(AGENT, snoozeView, { choice: { option: { type: 'static_select', selected_option: { value: firstOption } } } });
    await waitFor('snoozed card', () => text(card()).includes('Snoozed until'));
    await click(AGENT, card, 'case.wake');
    await waitFor('awake card', () => !text(card()).includes('Snoozed until') && buttons(card()).some((b) => b.action_id === 'case.claim'));

    // Alice hands it to Bob with the person picker.
    const reassignView = await opened(await click(AGENT, card, 'case.reassign'));
    expect(reassignView.blocks.some((b: any) => b.element?.type === 'users_select')).toBe(true);
    await submit(AGENT, reassignView, { person: { user: { type: 'users_select', selected_user: BOB } } });
    await waitFor('owned by bob', () => text(card()).includes('*Owner*\nbob'));

    // Bob drafts: the modal offers the templates; picking one refills the reply.
    const draftTrigger = await click(BOB, card, 'case.draft');
    const draftView = await opened(draftTrigger);
    const picker = draftView.blocks.find((b: any) => b.block_id === 'template').elements[0];
    expect(picker.options.map((o: any) => o.value)).toEqual(['general', 'status', 'dm']);
    const viewId = await waitFor('the open view id', () => {
      for (let n = 1; n < 2000; n++) {
        const id = `V0${n.toString(36).toUpperCase().padStart(8, '0')}`;
        const v = slack.view(id);
        if (v && (v as any).private_metadata === draftView.private_metadata) return id;
      }
      return undefined;
    });
    const pick = {
      type: 'block_actions', user: { id: BOB, username: 'bob', name: 'bob', team_id: 'T0FAKE001' }, api_app_id: 'A0APP0001', token: 'x', trigger_id: 't-pick',
      container: { type: 'view', view_id: viewId }, team: { id: 'T0FAKE001', domain: 'fake' },
      view: { id: viewId, hash: (slack.view(viewId) as any).hash, private_metadata: draftView.private_metadata, callback_id: draftView.callback_id, type: 'modal', state: { values: {} } },
      actions: [{ type: 'static_select', action_id: 'tpl.pick', block_id: 'template', selected_option: { text: { type: 'plain_text', text: 'Status page' }, value: 'status' }, action_ts: '1800000001.000000' }],
    };
    expect((await send.interactive(pick)).status).toBe(200);
    const refilled = await waitFor('views.update', () => slack.callsTo('views.update')[0]?.args.view as Record<string, any> | undefined);
    const input = refilled.blocks.find((b: any) => b.type === 'input').element;
    expect(input.initial_value).toBe('Hi traveller, see https://status.acme.com for updates.');
    expect(input.action_id).not.toBe('text');
    await submit(BOB, refilled, { reply: { [input.action_id]: input.initial_value } });
    await waitFor('drafted card naming the template', () => text(card()).includes('from template _Status page_'));

    // Approval is off: Bob sends it.
    await click(BOB, card, 'case.send');
    const reply = await waitFor('the reply on X', () => x.posted.find((p) => p.text.includes('status.acme.com')));
    await waitFor('replied card', () => text(card()).includes('Replied'));
    expect(text(card())).toMatch(/First response\*\nmet/);

    // The author answers our reply: the case comes back.
    x.addTweet({ text: '@acme still down for me', author: 'traveller', replyTo: reply.id });
    await waitFor('the case reopened', () => text(card()).includes('@traveller wrote again') && buttons(card()).some((b) => b.action_id === 'case.claim'), 20_000);
    expect(cards().filter((m) => text(m).includes('still down for me') && m.ts !== card()!.ts)).toHaveLength(0);
    expect(tweet.id).toBeTruthy();

    // Ignored, with a reason in Alice's words.
    const ignoreView = await opened(await click(AGENT, card, 'case.ignore'));
    await submit(AGENT, ignoreView, { text: { text: { type: 'plain_text_input', value: 'They found the fix themselves' } } });
    await waitFor('ignored card', () => text(card()).includes('They found the fix themselves'));
  }, 180_000);

  it('moves a case to another group: the old card says where it went, the new channel gets a working card; tags can be corrected', async () => {
    x.addTweet({ text: '@acme the zip on my suitcase tore open', author: 'zipper' });
    const card = () => cardOf('the zip on my suitcase');
    const oldTs = (await waitFor('the card in care', card, 20_000)).ts;
    const moveView = await opened(await click(AGENT, card, 'case.route'));
    const options = moveView.blocks.find((b: any) => b.block_id === 'choice').element.options;
    expect(options.map((o: any) => [o.value, o.text.text])).toEqual([['baggage', 'Baggage']]);
    await submit(AGENT, moveView, { choice: { option: { type: 'static_select', selected_option: { value: 'baggage' } } }, text: { text: { type: 'plain_text_input', value: 'Damaged bag' } } });

    const moved = () => slack.channel(BAGGAGE).messages().find((m) => m.metadata?.event_type === 'earshot_case' && text(m).includes('the zip on my suitcase'));
    await waitFor('the card in baggage', moved, 20_000);
    // The old card keeps nothing of the author and no buttons; its thread says who moved it where.
    const old = await waitFor('the old card retired', () => slack.channel(CARE).messages().find((m) => m.ts === oldTs && text(m).includes('Moved to Baggage')), 20_000);
    expect(text(old)).not.toContain('suitcase');
    expect(buttons(old)).toEqual([]);
    await waitFor('the move noted in the old thread', () => slack.channel(CARE).thread(oldTs).some((r) => String(r.text).includes('alice moved the case from care to baggage')));
    expect(buttons(moved()).map((b) => b.action_id)).toContain('case.claim');
    expect(text(moved())).toContain('*Group*\nbaggage');
    // The note written for the new group is on its card.
    expect(text(moved())).toContain('Note by alice on moving the case from care: Damaged bag');

    // Correcting a tag: the badge changes on the card.
    const sendInBaggage = async (user: string, actionId: string) => {
      const m = moved()!;
      const b = buttons(m).find((e) => e.action_id === actionId)!;
      const triggerId = `t-${Math.random()}`;
      expect((await send.interactive(blockActionsPayload({ user, channel: BAGGAGE, messageTs: m.ts, actionId, value: b.value, triggerId }))).status).toBe(200);
      return triggerId;
    };
    const retagView = await opened(await sendInBaggage(AGENT, 'case.retag'));
    const choices = retagView.blocks.find((b: any) => b.block_id === 'choice').element.options.map((o: any) => o.value);
    expect(choices).toContain('intent:question');
    await submit(AGENT, retagView, { choice: { option: { type: 'static_select', selected_option: { value: 'intent:question' } } } });
    await waitFor('the corrected badge', () => text(moved()).includes('question'));
  }, 120_000);

  it('opens Move to DM as a private draft from the private template (nothing is posted before approval), and refuses erasure to non-approvers by rule', async () => {
    const before = x.posted.length;
    x.addTweet({ text: '@acme my booking is ABC123, my phone is +44 7700 900123', author: 'privacy' });
    const card = () => cardOf('@privacy');
    await waitFor('the card', () => cards().find((m) => text(m).includes('privacy')), 20_000);
    const view = await opened(await click(AGENT, () => cards().find((m) => text(m).includes('privacy')), 'case.redirect'));
    expect(JSON.parse(view.private_metadata)).toMatchObject({ private: true, templateId: 'dm' });
    // The X source here has no private messages: the form says the message will be a public invitation.
    expect(view.blocks.find((b: any) => b.block_id === 'private-route').text.text).toMatch(/^Public invitation to DM/);
    const initial = view.blocks.find((b: any) => b.block_id === 'reply').element.initial_value;
    expect(initial.length).toBeGreaterThan(0);
    await submit(AGENT, view, { reply: { text: { type: 'plain_text_input', value: initial } } });
    await waitFor('the private draft on the card', () => text(cards().find((m) => text(m).includes('privacy'))).includes('private message'));
    expect(x.posted.length).toBe(before);
    expect(card).toBeTypeOf('function');

    const url = slack.responseUrl();
    const denied = await send.command(slashCommandBody({ user: AGENT, channel: CARE, text: 'erase-author x:privacy', responseUrl: url }));
    expect(denied.status).toBe(200);
    const answer = await waitFor('the slash command answer', () => slack.responses(url)[0]);
    expect(String(answer.body.text)).toContain('policy.approvers');
  }, 120_000);

  it('erases an author from the command line; the running bot replaces their cards', async () => {
    const out = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [MAIN, 'erase-author', 'x:traveller'], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'warn' } });
      let s = '';
      child.stdout.on('data', (d: Buffer) => { s += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { s += d.toString(); });
      child.on('exit', (code) => resolve({ code, out: s }));
    });
    expect(out.code, out.out).toBe(0);
    expect(out.out).toContain('Erased x:traveller: 1 case(s)');
    await waitFor('the card replaced', () => cards().some((m) => text(m).includes('This case was removed')), 20_000);
    expect(cards().some((m) => text(m).includes('is the app down?'))).toBe(false);
  }, 120_000);
});
