import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeModel, type FakeModel } from '../fakes/fake-model.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { blockActionsPayload, slackRequest, type SlackRequester } from '../helpers/slack-signing.js';
import { tempDir, waitFor } from '../e2e/support/bot-process.js';

/**
 * AI assist in Slack's draft modal, in process against fake Slack and the fake model:
 * with `assist.prefill` the modal opens at once with the template and takes the suggestion
 * by views.update (with the opened view's hash) unless the agent typed meanwhile; words
 * typed while a Suggest click is being answered are kept too.
 */
const SECRET = 'prefill-secret';
const CARE = 'C0PREFILL1';
const AGENT = 'U0AGENT001';
const SUGGESTED = 'Hi there, so sorry about your bag. We are tracing it now.';
type Json = Record<string, any>;

const config = (prefill: boolean, origin: string) => parseConfig(`
brand: { name: Acme }
sources: [{ name: t, network: demo, queries: ['@acme'], enabled: false }]
groups: [{ id: care, slack: { channel: ${CARE} } }]
routing: { fallback: care }
templates: [{ id: general, name: General, text: 'Hi, thanks for telling us. We are on it.' }]
storm: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
assist: { provider: openai-compatible, model: m, baseURL: '${origin}/v1', timeout: 10s${prefill ? ', prefill: true' : ''} }
`);

const TEXTS = ['@acme my bag never arrived in Lisbon', '@acme the lounge refused my pass at the gate', '@acme wifi on board charged twice', '@acme the stroller came back broken'];

interface Rig { slack: FakeSlack; model: FakeModel; app: Earshot; send: SlackRequester; cards: SlackMessage[] }

async function rig(prefill: boolean): Promise<Rig> {
  const slack = await startFakeSlack({ users: { [AGENT]: { name: 'alice' } } });
  const model = await startFakeModel({ latencyMs: 700, script: () => JSON.stringify({ reply: SUGGESTED, language: 'en' }) });
  const dir = tempDir(`prefill-${prefill}`);
  const app = await startEarshot({
    config: config(prefill, model.origin),
    env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-prefill', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url, STORE_URL: `sqlite://${dir}/p.sqlite`, PORT: '0', HOST: '127.0.0.1' }),
    log: silentLogger(), sources: new Map(), schedule: false, assistBaseDir: dir,
  });
  const mentions: Mention[] = TEXTS.map((text, i) => ({
    network: 'demo', source: 't', id: String(9_100 + i), text, createdAt: new Date().toISOString(),
    url: `https://example.invalid/${i}`, author: { id: `a${i}`, handle: `u${i}`, name: `U ${i}`, followers: 1, verified: false }, isRepost: false, isQuote: false,
  }));
  await recordPoll(app.store, 't', { mentions, cursor: 'x', requests: 0 });
  await app.processInbox();
  const cards = await waitFor('the cards', () => {
    const c = slack.channel(CARE).messages().filter((m) => m.metadata?.event_type === 'earshot_case');
    return c.length === TEXTS.length ? c : undefined;
  }, 20_000);
  return { slack, model, app, send: slackRequest(`http://127.0.0.1:${app.port}/slack/events`, SECRET), cards: cards! };
}

const draftValue = (m: SlackMessage): string => ((m.blocks as Json[]).find((b) => b.type === 'actions')!.elements as Json[]).find((e) => e.action_id === 'case.draft')!.value as string;
const inputOf = (view: Json): Json => view.blocks.find((b: Json) => b.type === 'input');
const noteOf = (view: Json): string | undefined => view.blocks.find((b: Json) => b.block_id === 'assist-note')?.elements[0].text;

async function openDraft(r: Rig, card: SlackMessage, trigger: string): Promise<{ sent: Json; answer: Json }> {
  await r.send.interactive(blockActionsPayload({ user: AGENT, channel: CARE, messageTs: card.ts, actionId: 'case.draft', value: draftValue(card), triggerId: trigger }));
  const call = await waitFor('the draft modal', () => r.slack.callsTo('views.open').find((c) => c.args.trigger_id === trigger && c.answer?.ok));
  return { sent: call!.args.view as Json, answer: call!.answer!.view as Json };
}

const updatesOf = (r: Rig, viewId: string): Json[] => r.slack.callsTo('views.update').filter((c) => c.args.view_id === viewId && c.answer?.ok).map((c) => ({ ...(c.args as Json) }));

/** Slack's action for an edit in the reply field (the modal watches typing while a suggestion is written). */
const typing = (view: Json, actionId: string, value: string) => ({
  type: 'block_actions', user: { id: AGENT, username: 'alice', name: 'alice', team_id: 'T0FAKE001' }, api_app_id: 'A0APP0001', token: 'x', trigger_id: `ty-${Math.random()}`,
  container: { type: 'view', view_id: view.id }, team: { id: 'T0FAKE001', domain: 'fake' },
  view: { id: view.id, hash: view.hash, private_metadata: view.private_metadata, callback_id: view.callback_id, type: 'modal', state: { values: { reply: { [actionId]: { type: 'plain_text_input', value } } } } },
  actions: [{ type: 'plain_text_input', action_id: actionId, block_id: 'reply', value, action_ts: '1800000002.000000' }],
});

describe('assist.prefill in Slack', () => {
  let r: Rig;
  beforeAll(async () => { r = await rig(true); }, 60_000);
  afterAll(async () => {
    await r?.app.stop();
    await Promise.all([r?.slack.close(), r?.model.close()]);
  });

  it('opens the modal at once with the template, then puts the suggestion in with the opened view\'s hash', async () => {
    const { sent, answer } = await openDraft(r, r.cards[0]!, 't-pre-1');
    // Opened before the model answered: the template is in the reply and the modal says a suggestion is coming.
    expect(inputOf(sent).element.initial_value).toBe('Hi, thanks for telling us. We are on it.');
    expect(noteOf(sent)).toBe('Writing a suggestion…');
    expect(inputOf(sent).dispatch_action).toBe(true);
    expect(updatesOf(r, answer.id)).toHaveLength(0);
    const [update] = (await waitFor('the suggestion', () => { const u = updatesOf(r, answer.id); return u.length ? u : undefined; }, 10_000))!;
    expect(update!.hash).toBe(answer.hash);
    expect(inputOf(update!.view).element.initial_value).toBe(SUGGESTED);
    expect(inputOf(update!.view).element.action_id).not.toBe(inputOf(sent).element.action_id);
    expect(inputOf(update!.view).dispatch_action).toBeUndefined();
    expect(noteOf(update!.view)).toMatch(/^Suggested by AI assist/);
    expect(JSON.parse(update!.view.private_metadata).assisted).toBe(true);
    expect(r.model.calls.some((c) => c.user.includes('my bag never arrived in Lisbon'))).toBe(true);
  }, 30_000);

  it('keeps the words the agent typed while the suggestion was written, and shows the suggestion under them', async () => {
    const { sent, answer } = await openDraft(r, r.cards[1]!, 't-pre-2');
    const field = inputOf(sent).element.action_id as string;
    expect((await r.send.interactive(typing(answer, field, 'Sorry! Checking with the lounge team now.'))).status).toBe(200);
    const [update] = (await waitFor('the suggestion', () => { const u = updatesOf(r, answer.id); return u.length ? u : undefined; }, 10_000))!;
    const input = inputOf(update!.view);
    // The same action id, so Slack keeps what is in the field; the typed words are its value.
    expect(input.element.action_id).toBe(field);
    expect(input.element.initial_value).toBe('Sorry! Checking with the lounge team now.');
    const kept = update!.view.blocks.find((b: Json) => b.block_id === 'kept-template');
    expect(kept.text.text).toBe(SUGGESTED);
  }, 30_000);

  it('does not overwrite a modal that changed meanwhile (the hash no longer matches)', async () => {
    const { answer } = await openDraft(r, r.cards[2]!, 't-pre-3');
    // The agent picks a template before the suggestion arrives: the view (and its hash) change.
    const pick = { ...typing(answer, 'text', ''), actions: [{ type: 'static_select', action_id: 'tpl.pick', block_id: 'template', selected_option: { text: { type: 'plain_text', text: 'General' }, value: 'general' }, action_ts: '1800000003.000000' }] };
    await r.send.interactive(pick);
    await waitFor('the template pick applied', () => updatesOf(r, answer.id).length >= 1 ? true : undefined, 10_000);
    // The suggestion comes with the opened view's hash, which Slack refuses: the picked template stays.
    const conflict = await waitFor('the refused update', () => r.slack.callsTo('views.update').find((c) => c.args.view_id === answer.id && c.answer?.error === 'hash_conflict'), 10_000);
    expect(conflict!.args.hash).toBe(answer.hash);
    expect(JSON.stringify(conflict!.args.view)).toContain(SUGGESTED);
    expect(updatesOf(r, answer.id).some((u) => inputOf(u.view).element.initial_value === SUGGESTED)).toBe(false);
  }, 30_000);
});

describe('Suggest, without prefill', () => {
  let r: Rig;
  beforeAll(async () => { r = await rig(false); }, 60_000);
  afterAll(async () => {
    await r?.app.stop();
    await Promise.all([r?.slack.close(), r?.model.close()]);
  });

  it('opens the modal without asking the model, and keeps words typed after the Suggest click', async () => {
    const { sent, answer } = await openDraft(r, r.cards[3]!, 't-plain');
    expect(noteOf(sent)).toBeUndefined();
    expect(inputOf(sent).dispatch_action).toBeUndefined();
    await new Promise((res) => setTimeout(res, 300));
    expect(r.model.calls).toHaveLength(0);
    // At the click the field still holds the template: it could be replaced...
    const click = { ...typing(answer, 'text', inputOf(sent).element.initial_value as string), actions: [{ type: 'button', action_id: 'assist.suggest', block_id: 'assist', value: 'x', action_ts: '1800000004.000000' }] };
    await r.send.interactive(click);
    const waiting = (await waitFor('the modal says a suggestion is coming', () => updatesOf(r, answer.id)[0]))!;
    expect(noteOf(waiting.view)).toBe('Writing a suggestion…');
    expect(inputOf(waiting.view).dispatch_action).toBe(true);
    // ...but the agent types while the model writes: their words are kept.
    await r.send.interactive(typing({ ...answer, hash: undefined }, inputOf(waiting.view).element.action_id, 'My own reply, thanks.'));
    const done = (await waitFor('the suggestion', () => updatesOf(r, answer.id)[1], 10_000))!;
    expect(inputOf(done.view).element.initial_value).toBe('My own reply, thanks.');
    expect(done.view.blocks.find((b: Json) => b.block_id === 'kept-template').text.text).toBe(SUGGESTED);
  }, 30_000);
});
