import { join } from 'node:path';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildCard } from '../../src/cards/build-card.js';
import { ChannelReferences } from '../../src/chat/teams/channel-references.js';
import { TeamsGateway } from '../../src/chat/teams/teams-gateway.js';
import type { Case, CardView } from '../../src/domain/case.js';
import { DeliveryPermanentError, DeliveryRateLimitedError } from '../../src/outbox/delivery-errors.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/fake-bot-connector.js';
import { tempDir } from '../e2e/support/bot-process.js';

const CHANNEL = '19:5f0c2a9e8d414c7a9b1e2f6d3c8a7e10@thread.tacv2';
const OTHER = '19:0a0b0c0d0e0f40718293a4b5c6d7e8f9@thread.tacv2';
const TEAM = '19:Xq2pFakeTeamIdForEarshotTests0000000000000001@thread.tacv2';
const BOT = { id: '28:00000000-0000-0000-0000-00000000b071', name: 'Earshot' };
const NOW = '2026-01-05T10:00:00.000Z';

const aCase = (patch: Partial<Case> = {}): Case => ({
  id: '42', version: 1, status: 'new', group: 'care',
  mention: { network: 'x', source: 'x', id: '100', text: 'my bag *never* arrived', createdAt: NOW, url: 'https://x.com/i/web/status/100', author: { id: 'a1', handle: 'cust', name: 'Cust', followers: 3, verified: false }, isRepost: false, isQuote: false },
  screening: { group: 'care', tags: [], priority: 'normal', drop: false, pii: [], rulesFired: [], secondApprover: false },
  approvals: [], createdAt: NOW, updatedAt: NOW, views: [], audit: [], duplicates: 0, ...patch,
});

describe('TeamsGateway against a fake Bot Connector', () => {
  let connector: FakeBotConnector;
  let store: Store;
  let channels: ChannelReferences;
  let gateway: TeamsGateway;

  beforeAll(async () => {
    connector = await startFakeBotConnector();
    store = await openStore(`sqlite://${join(tempDir('teams-gw'), 'g.sqlite')}`, { namespace: 'gw' });
    channels = new ChannelReferences(store, new ManualClock());
    // Authentication off: no token is fetched for outbound calls (local development mode).
    const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
    gateway = new TeamsGateway({ adapter, appId: '', channels, store });
    await channels.save({ id: CHANNEL, name: 'Care - Billing', teamId: TEAM, teamName: 'Customer Care', tenantId: 'tenant-1', serviceUrl: connector.url, bot: BOT });
  });
  afterAll(async () => {
    await connector?.close();
    await store?.close();
  });
  beforeEach(() => {
    connector.calls.length = 0;
    connector.faults.clear();
  });

  it('posts a card as a new thread in the channel named by id or by name, and records it for findCard', async () => {
    const card = buildCard(aCase(), { approvalsNeeded: 1 });
    const view = await gateway.postCard('care - billing', card);
    const call = connector.calls.find((c) => c.op === 'createConversation')!;
    expect(call.body).toMatchObject({ isGroup: true, channelData: { channel: { id: CHANNEL }, tenant: { id: 'tenant-1' } }, bot: { id: BOT.id }, tenantId: 'tenant-1' });
    expect(call.auth).toBeUndefined();
    expect(view).toEqual({ platform: 'teams', conversationId: `${CHANNEL};messageid=${call.createdId}`, activityId: call.createdId });
    const posted = connector.conversation(view.platform === 'teams' ? view.conversationId : '').activity(call.createdId!)!;
    const attachment = (posted.attachments as Array<{ contentType: string; content: { actions: Array<{ verb?: string; data: unknown }> } }>)[0]!;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment.content.actions.find((a) => a.verb === 'case.claim')!.data).toEqual({ caseId: '42', version: 1 });
    expect(posted.text).toBeUndefined();
    expect(await gateway.findCard(CHANNEL, '42')).toEqual(view);
    expect(await gateway.findCard('Care - Billing', '42')).toEqual(view);
    expect(await gateway.findCard(CHANNEL, '43')).toBeUndefined();
  });

  it('updates the card in place and posts notes as replies in its thread', async () => {
    const view = await gateway.postCard(CHANNEL, buildCard(aCase(), { approvalsNeeded: 1 })) as Extract<CardView, { platform: 'teams' }>;
    await gateway.updateCard(view, buildCard(aCase({ version: 2, status: 'claimed', owner: { platform: 'teams', id: 'aad-1', name: 'Alice' } }), { approvalsNeeded: 1 }));
    const update = connector.calls.find((c) => c.op === 'update')!;
    expect(update).toMatchObject({ method: 'PUT', conversationId: view.conversationId, activityId: view.activityId });
    const versions = connector.conversation(view.conversationId).versions(view.activityId);
    expect(versions).toHaveLength(2);
    expect(JSON.stringify(versions[1])).toContain('Alice');

    await gateway.postNote(view, 'Alice claimed the case · 2026-01-05 10:00 UTC\n“**not bold**”');
    const note = connector.calls.find((c) => c.op === 'reply')!;
    expect(note).toMatchObject({ conversationId: view.conversationId, activityId: view.activityId });
    const runs = JSON.stringify(note.body);
    expect(runs).toContain('“**not bold**”');
    expect((note.body as { text?: string }).text).toBeUndefined();
  });

  it('refuses for good, with what to do, when the channel is unknown or ambiguous', async () => {
    await expect(gateway.postCard(OTHER, buildCard(aCase(), { approvalsNeeded: 1 }))).rejects.toThrow(DeliveryPermanentError);
    await expect(gateway.postCard('Nowhere', buildCard(aCase(), { approvalsNeeded: 1 }))).rejects.toThrow(/no Teams channel named "Nowhere".*Add the Earshot app/);
    await channels.save({ id: OTHER, name: 'care  -  BILLING', serviceUrl: connector.url, bot: BOT });
    await expect(gateway.postCard('Care - Billing', buildCard(aCase(), { approvalsNeeded: 1 }))).rejects.toThrow(/More than one Teams channel is named/);
    await channels.forget(OTHER);
    expect((await channels.resolve('Care - Billing')).ok).toBe(true);
    expect(connector.calls.filter((c) => c.op === 'createConversation')).toHaveLength(0);
  });

  it('hands a 429 to the outbox with its Retry-After, without retrying inside the SDK', async () => {
    connector.faults.schedule('POST /v3/conversations', { kind: '429', retryAfter: 7 });
    const err = await gateway.postCard(CHANNEL, buildCard(aCase(), { approvalsNeeded: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryRateLimitedError);
    expect((err as DeliveryRateLimitedError).retryAfterMs).toBe(7000);
    expect(connector.calls.filter((c) => c.op === 'createConversation')).toHaveLength(1);
  });

  it('treats a 5xx as worth retrying later and a 404 as final', async () => {
    const view = await gateway.postCard(CHANNEL, buildCard(aCase(), { approvalsNeeded: 1 })) as Extract<CardView, { platform: 'teams' }>;
    connector.faults.schedule('PUT /v3/conversations/:id/activities/:activityId', { kind: '5xx', status: 502 });
    const e5 = await gateway.updateCard(view, buildCard(aCase({ version: 2 }), { approvalsNeeded: 1 })).catch((e: unknown) => e);
    expect(e5).toBeInstanceOf(Error);
    expect(e5).not.toBeInstanceOf(DeliveryPermanentError);
    expect(connector.calls.filter((c) => c.op === 'update')).toHaveLength(1);
    const gone = { ...view, activityId: '999' };
    await expect(gateway.updateCard(gone, buildCard(aCase({ version: 2 }), { approvalsNeeded: 1 }))).rejects.toThrow(DeliveryPermanentError);
  });
});
