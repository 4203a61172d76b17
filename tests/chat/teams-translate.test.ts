import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Case } from '../../src/domain/case.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { dataOf } from '../assist/assist-rig.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/fake-bot-connector.js';
import { startFakeModel, type FakeModel } from '../fakes/fake-model.js';
import { tempDir, waitFor } from '../e2e/support/bot-process.js';
import { idleSource } from '../e2e/support/idle-source.js';

/**
 * AI assist translations in Teams, in process (TEAMS_LOCAL_DEV) with the fake Bot Connector
 * and the fake model: the card gets the post's translation under the original once it is
 * written; the draft dialog offers "translate to the author's language" as a toggle; a draft
 * submitted with it on is saved translated, and the card shows both texts.
 */
const CHANNEL = '19:5f0c2a9e8d414c7a9b1e2f6d3c8a7e10@thread.tacv2';
const TEAM = '19:Xq2pFakeTeamIdForEarshotTests0000000000000001@thread.tacv2';
const ALICE = { id: '29:alice', name: 'Alice Agent', aadObjectId: '00000000-0000-0000-0000-0000000000a1' };
const SPANISH = '@acme mi maleta no ha llegado y nadie me responde, estoy muy enfadado con el servicio de la compañía';
const TRANSLATED = 'Lo sentimos mucho, buscaremos su maleta.';

type Activity = Record<string, any>;
const fixture = (name: string): Activity => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8')) as Activity;

async function post(url: string, activity: Activity): Promise<any> {
  const r = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  const text = await r.text();
  return text ? JSON.parse(text) : undefined;
}

describe('AI assist translations in Teams', () => {
  let connector: FakeBotConnector;
  let model: FakeModel;
  let app: Earshot;
  let url: string;

  beforeAll(async () => {
    connector = await startFakeBotConnector({ teams: { [TEAM]: [{ id: TEAM }, { id: CHANNEL, name: 'Care - Billing' }] } });
    model = await startFakeModel({
      script: (call) => JSON.stringify({ text: dataOf(call.user).task === 'translate-post' ? 'My suitcase has not arrived and nobody answers me.' : TRANSLATED }),
    });
    const config = parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, teams: { channel: "Care - Billing" } }]
routing: { fallback: care }
templates: [{ id: sorry, name: Apology, text: "Hi {{author.name}}, sorry about that." }]
assist: { provider: openai-compatible, model: m, baseURL: '${model.origin}/v1', timeout: 3s }
`);
    const env = parseEnv({ TEAMS_LOCAL_DEV: 'true', STORE_URL: `sqlite://${join(tempDir('teams-translate'), 't.sqlite')}`, PORT: '0', HOST: '127.0.0.1' });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idleSource()]]), outboxIntervalMs: 50 });
    url = `http://127.0.0.1:${app.port}`;
    await post(url, { ...fixture('conversationUpdate.installed'), serviceUrl: connector.url });
  });
  afterAll(async () => {
    await app?.stop();
    await Promise.all([connector?.close(), model?.close()]);
  });

  it('shows the translation on the card, offers the toggle in the dialog, and saves the draft translated with both texts on the card', async () => {
    await recordPoll(app.store, 'x-mentions', {
      mentions: [{ network: 'x', source: 'x-mentions', id: '801', text: SPANISH, createdAt: new Date().toISOString(), url: 'https://x.com/i/web/status/801', author: { id: 'a801', handle: 'viajero', name: 'Ana', followers: 5, verified: false }, isRepost: false, isQuote: false }],
      cursor: '801', requests: 1,
    });
    await app.processInbox();
    const created = await waitFor('the card in Teams', () => connector.calls.find((c) => c.op === 'createConversation'));
    const thread = created.conversationId!;
    const root = created.createdId!;
    const caseId = (await app.store.setMembers('open:care'))[0]!;
    const cardJson = () => JSON.stringify(connector.conversation(thread).activity(root));
    await waitFor('the translation on the Teams card', () => cardJson().includes('My suitcase has not arrived'), 15_000);
    expect(cardJson()).toContain('AI translation from Spanish · es; the original is above:');
    expect(cardJson()).toContain('mi maleta no ha llegado');

    const inbound = (name: string, value: Activity): Activity => {
      const a = fixture(name);
      return { ...a, serviceUrl: connector.url, from: ALICE, conversation: { ...a.conversation, id: thread }, replyToId: root, value };
    };
    const current = async (): Promise<Case> => (await app.cases.get(caseId))!;
    const fetched = await post(url, inbound('invoke.task-fetch', { type: 'task/fetch', data: { msteams: { type: 'task/fetch' }, action: 'case.draft', caseId, version: (await current()).version }, context: { theme: 'default' } }));
    const dialog = fetched.task.value.card.content;
    const toggle = dialog.body.find((e: Activity) => e.type === 'Input.Toggle');
    expect(toggle).toMatchObject({ id: 'translate', valueOn: 'true', valueOff: 'false' });
    expect(toggle.title).toContain('Translate to the author\'s language (Spanish · es)');
    const submit = dialog.actions.find((a: Activity) => a.title === 'Submit for approval');

    const saved = await post(url, inbound('invoke.task-submit', { type: 'task/submit', data: { ...submit.data, reply: 'So sorry, we will find your suitcase.', translate: 'true' }, context: { theme: 'default' } }));
    expect(saved).toBeUndefined();
    const c = await current();
    expect(c.draft).toMatchObject({ text: TRANSLATED, translation: { original: 'So sorry, we will find your suitcase.', from: 'en', to: 'es' } });
    await waitFor('both texts on the Teams card', () => cardJson().includes('Translated by AI assist into Spanish · es; the draft above is what is sent. Alice Agent wrote:'));
    expect(cardJson()).toContain(TRANSLATED);
    expect(cardJson()).toContain('So sorry, we will find your suitcase.');

    // A translation that cannot be used saves nothing: the dialog comes back with the words and why.
    model.script = (call) => JSON.stringify({ text: dataOf(call.user).task === 'translate-draft' ? 'Vea https://evil.example/premio' : 'x' });
    const again = await post(url, inbound('invoke.task-fetch', { type: 'task/fetch', data: { msteams: { type: 'task/fetch' }, action: 'case.draft', caseId, version: (await current()).version }, context: { theme: 'default' } }));
    const data = again.task.value.card.content.actions.find((a: Activity) => a.title === 'Submit for approval').data;
    const refused = await post(url, inbound('invoke.task-submit', { type: 'task/submit', data: { ...data, reply: 'We found it!', translate: 'true' }, context: { theme: 'default' } }));
    expect(refused.task.type).toBe('continue');
    const shown = JSON.stringify(refused.task.value.card.content);
    expect(shown).toContain('No AI translation');
    expect(shown).toContain('evil.example, which is not one of the team');
    expect(refused.task.value.card.content.body.find((e: Activity) => e.type === 'Input.Text').value).toBe('We found it!');
    expect((await current()).draft!.text).toBe(TRANSLATED);
  }, 30_000);
});
