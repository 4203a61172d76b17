/**
 * The sandbox's personal surfaces, driven over the page's HTTP API against the real bot:
 * each person's DM with the bot (the assignment and approval alerts, whose buttons work
 * there), the App Home tab (opening it sends a signed app_home_opened; its buttons work),
 * and a private conversation with a customer over X direct messages (Move to DM, the
 * customer's answer typed in the customer panel, masked on the card, and a private reply).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { silentLogger } from '../../src/util/logger.js';
import { waitFor } from '../e2e/support/bot-process.js';

const AGENT = 'U0AGENT001';
const LEAD = 'U0LEAD0001';
const MOBILE = 'C0MOBILE01';
const BANK = 'C0BANK0001';
const CARD_NUMBER = '4111 1111 1111 1111';

interface PageMessage { ts: string; text: string; kind?: string; blocks?: Array<Record<string, any>>; replies: PageMessage[] }
interface Snapshot {
  me: string;
  channels: Array<{ id: string; messages: PageMessage[] }>;
  dm: { id: string; messages: PageMessage[] } | null;
  home: { id: string; view: { type: string; blocks: Array<Record<string, any>> } } | null;
  modal: { id: string; view: Record<string, any>; errors: Record<string, string> } | null;
  feed: { dms: Array<{ customer: { handle: string }; messages: Array<{ text: string; fromBrand: boolean }> }> };
}

describe('the sandbox shows the DMs, the Home tab and a DM conversation (real bot, over HTTP)', () => {
  let dir: string;
  let sandbox: Sandbox;

  const get = async (user: string): Promise<Snapshot> => (await fetch(`${sandbox.url}/api/snapshot?user=${user}`)).json() as Promise<Snapshot>;
  const post = async (path: string, body: Record<string, unknown>) => {
    const r = await fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };
  const cardIn = (s: Snapshot, channel: string, says: string) =>
    s.channels.find((c) => c.id === channel)!.messages.find((m) => m.kind === 'earshot_case' && JSON.stringify(m.blocks).includes(says));
  const buttonIn = (blocks: Array<Record<string, any>> | undefined, actionId: string) => {
    const block = (blocks ?? []).find((b) => b.type === 'actions' && b.elements.some((e: any) => e.action_id === actionId));
    return block ? { blockId: block.block_id as string, actionId } : undefined;
  };
  const factsOf = (m: PageMessage | undefined) => JSON.stringify(m?.blocks?.find((b) => b.block_id === 'facts')?.fields ?? []);
  const cardShows = (channel: string, says: string, text: string) =>
    waitFor(`the card to show ${text}`, async () => {
      const m = cardIn(await get(AGENT), channel, says);
      return factsOf(m).includes(text) ? m : undefined;
    }, 20_000);
  const clickCard = async (user: string, channel: string, says: string, actionId: string) => {
    const m = await waitFor(`a ${actionId} button on the card`, async () => {
      const c = cardIn(await get(user), channel, says);
      return c && buttonIn(c.blocks, actionId) ? c : undefined;
    }, 20_000);
    expect((await post('/api/click', { user, channel, ts: m.ts, ...buttonIn(m.blocks, actionId)! })).body).toEqual({ status: 200 });
  };
  const alertFor = (user: string, kind: string, says: string) =>
    waitFor(`the ${kind} alert in ${user}'s DM`, async () => {
      const s = await get(user);
      const m = s.dm?.messages.find((x) => x.blocks?.some((b) => String(b.block_id).startsWith(`alert:${kind}:`)) && JSON.stringify(x.blocks).includes(says));
      return m && s.dm ? { dm: s.dm.id, message: m } : undefined;
    }, 20_000);
  /** Opens the draft form from a card button and submits it with the given reply. */
  const draft = async (channel: string, says: string, actionId: string, reply: string) => {
    await clickCard(AGENT, channel, says, actionId);
    const modal = await waitFor('the draft form', async () => (await get(AGENT)).modal ?? undefined, 15_000);
    const input = modal.view.blocks.find((b: any) => b.type === 'input');
    const saved = await post('/api/submit', { user: AGENT, viewId: modal.id, values: { [input.block_id]: reply } });
    expect(saved.body).toEqual({ status: 200, closed: true });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'earshot-sandbox-personal-'));
    sandbox = await startSandbox({ log: silentLogger(), port: 0, storeFile: join(dir, 'demo.sqlite'), replay: false });
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('shows nobody a DM or a Home tab before the bot has written one', async () => {
    const s = await get(AGENT);
    expect(s.dm).toBeNull();
    expect(s.home).toBeNull();
    expect(s.feed.dms).toEqual([]);
  });

  it('puts the assignment alert in the agent\'s DM, and its Accept claims the case and updates the DM in place', async () => {
    await post('/api/post', { author: 'ines_leeds', text: '@larkspurmobile no signal at all in Leeds LS6 since this morning' });
    const { dm, message } = await alertFor(AGENT, 'assignment', 'Leeds LS6');
    expect(dm).toMatch(/^D/);
    // Lea's snapshot has no DM of Alice's, and she may not click in it.
    expect((await get(LEAD)).dm?.id).not.toBe(dm);
    const accept = buttonIn(message.blocks, 'case.claim')!;
    expect((await post('/api/click', { user: LEAD, channel: dm, ts: message.ts, ...accept })).status).toBe(400);

    expect((await post('/api/click', { user: AGENT, channel: dm, ts: message.ts, ...accept })).body).toEqual({ status: 200 });
    await cardShows(MOBILE, 'Leeds LS6', 'Claimed');
    const updated = await waitFor('the alert to lose its Accept button', async () => {
      const m = (await get(AGENT)).dm?.messages.find((x) => x.ts === message.ts);
      return m && !buttonIn(m.blocks, 'case.claim') ? m : undefined;
    }, 15_000);
    expect(updated.ts).toBe(message.ts);
    expect(sandbox.slack.callsTo('chat.update').some((c) => c.args.channel === dm && c.args.ts === message.ts)).toBe(true);
  });

  it('puts the approval alert in the approver\'s DM, and Approve there approves the case', async () => {
    await draft(MOBILE, 'Leeds LS6', 'case.draft', 'Hi Ines, engineers are fixing a mast near LS6 now; service should be back within the hour.');
    const { dm, message } = await alertFor(LEAD, 'approval', 'Leeds LS6');
    expect(dm).not.toBe((await get(AGENT)).dm?.id);
    expect((await post('/api/click', { user: LEAD, channel: dm, ts: message.ts, ...buttonIn(message.blocks, 'case.approve')! })).body).toEqual({ status: 200 });
    await cardShows(MOBILE, 'Leeds LS6', 'Approved');
  });

  it('publishes the Home tab when it is opened (a signed app_home_opened), and its buttons work', async () => {
    const calls = sandbox.slack.callsTo('views.publish').length;
    expect((await post('/api/home-opened', { user: AGENT })).body).toEqual({ status: 200 });
    const home = await waitFor('Alice\'s Home tab to list her case with its Send button', async () => {
      const h = (await get(AGENT)).home;
      return h && buttonIn(h.view.blocks, 'case.send') ? h : undefined;
    }, 15_000);
    expect(sandbox.slack.callsTo('views.publish').length).toBeGreaterThan(calls);
    expect(home.view.type).toBe('home');
    expect(JSON.stringify(home.view.blocks)).toContain('My cases');
    expect((await get(LEAD)).home?.id).not.toBe(home.id);

    const send = buttonIn(home.view.blocks, 'case.send')!;
    expect((await post('/api/home-action', { user: AGENT, viewId: home.id, ...send })).body).toEqual({ status: 200 });
    await cardShows(MOBILE, 'Leeds LS6', 'Replied');
    expect(sandbox.x.posted.map((t) => t.text)).toEqual(['Hi Ines, engineers are fixing a mast near LS6 now; service should be back within the hour.']);
    expect((await post('/api/home-action', { user: AGENT, viewId: home.id, blockId: 'made-up', actionId: 'case.send' })).status).toBe(400);
  });

  it('moves a customer to DM, shows their answer masked on the card, and sends a private reply', async () => {
    await post('/api/post', { author: 'jo_pays', text: `@larkspurbank you charged my card ${CARD_NUMBER} twice` });
    await clickCard(AGENT, BANK, 'charged my card', 'case.claim');
    await cardShows(BANK, 'charged my card', 'Claimed');
    await draft(BANK, 'charged my card', 'case.redirect', 'Hi Jo, please send us a DM and we will sort the charge out privately.');
    await clickCard(LEAD, BANK, 'charged my card', 'case.approve');
    await clickCard(AGENT, BANK, 'charged my card', 'case.send');
    const opened = await waitFor('the first DM in the feed', async () => (await get(AGENT)).feed.dms.find((d) => d.customer.handle === 'jo_pays'), 20_000);
    expect(opened.messages).toEqual([{ id: expect.any(String), text: 'Hi Jo, please send us a DM and we will sort the charge out privately.', fromBrand: true, createdAt: expect.any(String) }]);
    expect(sandbox.x.posted).toHaveLength(1); // only the airline reply: the invitation went by DM

    // The visitor answers as Jo in the customer panel; the bot reads it at its next DM poll.
    expect((await post('/api/dm', { author: 'jo_pays', text: `It is ${CARD_NUMBER}, please refund one` })).status).toBe(200);
    const answered = await waitFor('Jo\'s DM on the card', async () => {
      const m = cardIn(await get(AGENT), BANK, 'charged my card');
      return JSON.stringify(m?.blocks ?? []).includes('Private · @jo_pays') ? m : undefined;
    }, 20_000);
    const notes = JSON.stringify(answered.blocks!.find((b) => b.block_id === 'notes'));
    expect(notes).toContain('please refund one');
    expect(notes).not.toContain('4111');
    const thread = await waitFor('Jo\'s DM in the card\'s thread', async () => {
      const replies = cardIn(await get(AGENT), BANK, 'charged my card')?.replies.map((r) => r.text).join('\n') ?? '';
      return replies.includes('please refund one') ? replies : undefined;
    }, 15_000);
    expect(thread).not.toContain('4111');

    await draft(BANK, 'charged my card', 'case.redirect', 'Thanks Jo, one of the two charges is refunded today.');
    await clickCard(LEAD, BANK, 'charged my card', 'case.approve');
    await clickCard(AGENT, BANK, 'charged my card', 'case.send');
    const conversation = await waitFor('the private reply in the feed', async () => {
      const d = (await get(AGENT)).feed.dms.find((c) => c.customer.handle === 'jo_pays');
      return d && d.messages.length === 3 ? d : undefined;
    }, 20_000);
    expect(conversation.messages.map((m) => m.fromBrand)).toEqual([true, false, true]);
    expect(conversation.messages[2]!.text).toBe('Thanks Jo, one of the two charges is refunded today.');
    expect(sandbox.x.sentDms).toHaveLength(2);
  });

  it('refuses a customer DM the panel could not have sent', async () => {
    expect((await post('/api/dm', { author: 'larkspur', text: 'we are the brand' })).status).toBe(400);
    expect((await post('/api/dm', { author: 'not a handle', text: 'hi' })).status).toBe(400);
    expect((await post('/api/dm', { author: 'jo_pays', text: '' })).status).toBe(400);
  });

  it('carries the DMs, the Home tab and the X conversation over with --keep', async () => {
    const before = await get(AGENT);
    await sandbox.stop();
    sandbox = await startSandbox({ log: silentLogger(), port: 0, storeFile: join(dir, 'demo.sqlite'), replay: false, keep: true });
    const after = await get(AGENT);
    expect(after.dm?.messages.map((m) => m.ts)).toEqual(before.dm?.messages.map((m) => m.ts));
    expect(after.home?.id).toBe(before.home?.id);
    expect(after.feed.dms).toEqual(before.feed.dms);
  });
});
