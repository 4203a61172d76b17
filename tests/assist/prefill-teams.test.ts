import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { PREFILL_LATE, TEAMS_PREFILL_WAIT_MS } from '../../src/chat/teams/teams-suggest.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import type { MentionSource } from '../../src/sources/mention-source.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/fake-bot-connector.js';
import { startFakeModel, type FakeModel } from '../fakes/fake-model.js';
import { tempDir, waitFor } from '../e2e/support/bot-process.js';

/**
 * `assist.prefill` in Teams, in process against a fake Bot Connector and the fake model: a
 * dialog cannot change once open, so the draft dialog opens with the suggestion when the
 * model answers within TEAMS_PREFILL_WAIT_MS, and with the template and a note otherwise.
 */
const CHANNEL = '19:5f0c2a9e8d414c7a9b1e2f6d3c8a7e10@thread.tacv2';
const TEAM = '19:Xq2pFakeTeamIdForEarshotTests0000000000000001@thread.tacv2';
const ALICE = { id: '29:alice', name: 'Alice Agent', aadObjectId: '00000000-0000-0000-0000-0000000000a1' };
const SUGGESTED = 'Hi, so sorry about the invoice. We are correcting it today.';
type Json = Record<string, any>;
const fixture = (name: string): Json => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8')) as Json;

const quietSource: MentionSource = {
  name: 'x-mentions', network: 'x', canReply: true,
  poll: async () => ({ mentions: [], cursor: undefined, requests: 0 }),
  reply: async (m) => ({ id: `r-${m.id}`, url: `https://x.com/i/web/status/r-${m.id}`, at: new Date().toISOString(), text: 'x' }),
  findReply: async () => undefined,
  checkReply: (t) => (t.length > 280 ? 'X allows 280 characters.' : undefined),
};

const mention = (id: string, text: string): Mention => ({
  network: 'x', source: 'x-mentions', id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`,
  author: { id: `a${id}`, handle: `cust${id}`, name: `Customer ${id}`, followers: 10, verified: false }, isRepost: false, isQuote: false,
});

const CONFIG = (origin: string) => `
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - { id: care, teams: { channel: "Care - Billing" } }
routing: { fallback: care }
templates:
  - { id: sorry, name: Apology, text: "Hi {{author.name}}, sorry about that." }
assist: { provider: openai-compatible, model: m, baseURL: '${origin}/v1', timeout: 10s, prefill: true }
`;

async function post(url: string, activity: Json): Promise<Json> {
  const r = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  const text = await r.text();
  return (text ? JSON.parse(text) : {}) as Json;
}

describe('assist.prefill in Teams', () => {
  let connector: FakeBotConnector;
  let model: FakeModel;
  let app: Earshot;
  let url: string;

  beforeAll(async () => {
    connector = await startFakeBotConnector({ teams: { [TEAM]: [{ id: TEAM }, { id: CHANNEL, name: 'Care - Billing' }] } });
    model = await startFakeModel({ latencyMs: 300, script: () => JSON.stringify({ reply: SUGGESTED, language: 'en' }) });
    const env = parseEnv({ TEAMS_LOCAL_DEV: 'true', STORE_URL: `sqlite://${join(tempDir('prefill-teams'), 't.sqlite')}`, PORT: '0', HOST: '127.0.0.1' });
    app = await startEarshot({ config: parseConfig(CONFIG(model.origin)), env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', quietSource]]), outboxIntervalMs: 50 });
    url = `http://127.0.0.1:${app.port}`;
    await post(url, { ...fixture('conversationUpdate.installed'), serviceUrl: connector.url });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await Promise.all([connector?.close(), model?.close()]);
  });

  /** Posts a case, then opens its draft dialog (task/fetch) and answers the dialog's card. */
  const openDraftDialog = async (id: string, text: string): Promise<Json> => {
    await recordPoll(app.store, 'x-mentions', { mentions: [mention(id, text)], cursor: id, requests: 1 });
    await app.processInbox();
    const created = (await waitFor('the card in Teams', () => connector.calls.find((c) => c.op === 'createConversation' && JSON.stringify(c.body).includes(text)), 20_000))!;
    const card = connector.conversation(created.conversationId!).activity(created.createdId!)!;
    const draft = ((card.attachments as Json[])[0]!.content.actions as Json[]).find((a) => (a.data?.action ?? a.verb) === 'case.draft')!;
    const a = fixture('invoke.task-fetch');
    const answer = await post(url, {
      ...a, serviceUrl: connector.url, from: ALICE, conversation: { ...a.conversation, id: created.conversationId }, replyToId: created.createdId,
      value: { type: 'task/fetch', data: draft.data, context: { theme: 'default' } },
    });
    return answer.task.value.card.content as Json;
  };
  const replyOf = (dialog: Json): string => dialog.body.find((e: Json) => e.type === 'Input.Text').value as string;

  it('opens the draft dialog with the suggestion when the model answers in time', async () => {
    const dialog = await openDraftDialog('801', '@acme my invoice is wrong again');
    expect(replyOf(dialog)).toBe(SUGGESTED);
    expect(JSON.stringify(dialog.body)).toContain('Suggested by AI assist from templates sorry');
    const submit = (dialog.actions as Json[]).find((a) => a.title === 'Submit for approval')!;
    expect(submit.data.assisted).toBe(true);
    expect(model.calls.at(-1)!.user).toContain('my invoice is wrong again');
  }, 30_000);

  it('opens with the template and says so when the model is slower than the dialog may wait', async () => {
    model.latencyMs = TEAMS_PREFILL_WAIT_MS + 1500;
    const dialog = await openDraftDialog('802', '@acme the refund never reached my card');
    expect(replyOf(dialog)).toBe('Hi Customer 802, sorry about that.');
    expect(JSON.stringify(dialog.body)).toContain(PREFILL_LATE);
    const submit = (dialog.actions as Json[]).find((a) => a.title === 'Submit for approval')!;
    expect(submit.data.assisted).toBeFalsy();
  }, 30_000);
});
