/**
 * The sandbox's personal surfaces in a real Chromium (Debian's package, driven by
 * playwright-core): the assignment alert in Alice's DM with the bot and its Accept button,
 * her Home tab as the bot published it, and the brand's X direct messages in the feed, where
 * the visitor answers as the customer and the answer shows, masked, on the case's card.
 * The sandbox runs in this process without the sample replay; what the page does not need
 * to show being done (drafting the Move to DM) is done over the page's HTTP API.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { silentLogger } from '../../src/util/logger.js';
import { waitFor } from '../e2e/support/bot-process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MISSING = `Chromium is not installed at ${CHROMIUM}: install Debian's package with "apt-get install chromium" (.ci/run does this), or set CHROMIUM_PATH.`;
const AGENT = 'U0AGENT001';
const LEAD = 'U0LEAD0001';
const BANK = 'C0BANK0001';

interface PageMessage { ts: string; kind?: string; blocks?: Array<Record<string, any>> }

describe('the sandbox\'s DMs, Home tab and DM conversation in a real browser', () => {
  let dir: string;
  let sandbox: Sandbox;
  let context: BrowserContext;
  let page: Page;

  const api = async (path: string, body: Record<string, unknown>) => {
    const r = await fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status, `${path} answered ${r.status}`).toBe(200);
    return r.json() as Promise<Record<string, any>>;
  };
  const bankCard = async (user: string): Promise<PageMessage | undefined> => {
    const s = (await (await fetch(`${sandbox.url}/api/snapshot?user=${user}`)).json()) as { channels: Array<{ id: string; messages: PageMessage[] }> };
    return s.channels.find((c) => c.id === BANK)!.messages.find((m) => m.kind === 'earshot_case');
  };
  /** Clicks a card button over the API once the card shows it, and waits for the card's next version unless it only opens a form. */
  const clickBank = async (user: string, actionId: string, opensForm = false) => {
    const card = await waitFor(`${actionId} on the bank card`, async () => {
      const c = await bankCard(user);
      return c?.blocks?.some((b) => b.type === 'actions' && b.elements.some((e: any) => e.action_id === actionId)) ? c : undefined;
    }, 20_000);
    const block = card.blocks!.find((b) => b.type === 'actions' && b.elements.some((e: any) => e.action_id === actionId))!;
    await api('/api/click', { user, channel: BANK, ts: card.ts, blockId: block.block_id, actionId });
    if (opensForm) return;
    await waitFor(`the bank card to change after ${actionId}`, async () => ((await bankCard(user))?.blocks?.find((b) => b.type === 'actions')?.block_id !== block.block_id ? true : undefined), 20_000);
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) return;
    dir = mkdtempSync(join(tmpdir(), 'earshot-sandbox-personal-browser-'));
    sandbox = await startSandbox({ log: silentLogger(), port: 0, storeFile: join(dir, 'demo.sqlite'), replay: false });
    context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1440, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await sandbox?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('shows the assignment alert in Alice\'s DM, takes its Accept, and shows her Home tab', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(sandbox.url);
    await expect.poll(() => page.locator('.person-active').textContent()).toContain('Alice Moreno');
    await api('/api/post', { author: 'ines_leeds', text: '@larkspurmobile no signal at all in Leeds since this morning' });

    // The sidebar's app entry counts the new DM; its Messages tab shows the alert.
    await expect.poll(() => page.locator('#app-badge').textContent(), { timeout: 20_000 }).toBe('1');
    await page.locator('#app-link').click();
    expect(new URL(page.url()).pathname).toBe('/app/messages');
    const alert = page.locator('.msg', { hasText: 'no signal at all in Leeds' });
    await alert.waitFor({ timeout: 10_000 });
    await alert.getByRole('button', { name: 'Accept', exact: true }).click();
    // Updated in place: the same message, without its button once Alice holds the case.
    await expect.poll(() => alert.getByRole('button', { name: 'Accept', exact: true }).count(), { timeout: 15_000 }).toBe(0);
    expect(await page.locator('#messages .msg').count()).toBe(1);
    // Its link goes to the card in the sandbox's own channel, not to a Slack workspace.
    await alert.getByRole('link', { name: 'Open the card in the channel' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/channel/C0MOBILE01');
    expect(await page.locator('.msg-card', { hasText: 'no signal at all in Leeds' }).count()).toBe(1);
    await page.locator('#app-link').click();

    // The Home tab: opening it asks the bot (app_home_opened), which publishes Alice's queue.
    const published = sandbox.slack.callsTo('views.publish').length;
    await page.locator('.app-tab[data-tab="home"]').click();
    const home = page.locator('.home-view');
    await expect.poll(() => home.textContent(), { timeout: 15_000 }).toContain('My cases');
    expect(await home.textContent()).toContain('no signal at all in Leeds');
    expect(sandbox.slack.callsTo('views.publish').length).toBeGreaterThan(published);
    expect(await home.getByRole('button', { name: 'Draft reply', exact: true }).count()).toBe(1);
    expect(problems).toEqual([]);
  }, 90_000);

  it('shows the DM conversation and lets the visitor answer as the customer; the card shows it masked', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    // A card-number complaint, moved to DM over the API: claim, draft privately, approve, send.
    await api('/api/post', { author: 'jo_pays', text: '@larkspurbank you charged my card 4111 1111 1111 1111 twice' });
    await clickBank(AGENT, 'case.claim');
    await clickBank(AGENT, 'case.redirect', true);
    const modal = await waitFor('the Move to DM form', async () => ((await (await fetch(`${sandbox.url}/api/snapshot?user=${AGENT}`)).json()) as { modal: { id: string } | null }).modal ?? undefined, 15_000);
    await api('/api/submit', { user: AGENT, viewId: modal.id, values: { reply: 'Hi Jo, please send us a DM and we will sort the charge out privately.' } });
    await clickBank(LEAD, 'case.approve');
    await clickBank(AGENT, 'case.send');

    await page.goto(`${sandbox.url}/feed`);
    await page.locator('.feed-tab[data-tab="dms"]').click();
    const conversation = page.locator('.dm-conversation', { hasText: '@jo_pays' });
    await conversation.waitFor({ timeout: 20_000 });
    expect(await conversation.locator('.dm-from-brand .dm-bubble').textContent()).toBe('Hi Jo, please send us a DM and we will sort the charge out privately.');

    await conversation.getByRole('button', { name: 'Answer as @jo_pays' }).click();
    expect(await page.locator('.compose-dm .compose-handle').inputValue()).toBe('jo_pays');
    await page.locator('.compose-dm .compose-text').fill('It is 4111 1111 1111 1111, please refund one');
    await page.getByRole('button', { name: 'Send DM', exact: true }).click();
    await expect.poll(() => conversation.locator('.dm-message:not(.dm-from-brand) .dm-bubble').textContent(), { timeout: 10_000 }).toContain('please refund one');

    // The bot reads it at its next DM poll; the card in #bank-care shows it, the number masked.
    await page.locator('a[data-channel="bank-care"]').click();
    const card = page.locator('.msg-card', { hasText: '@jo_pays' });
    await expect.poll(() => card.textContent(), { timeout: 20_000 }).toContain('Private · @jo_pays');
    const notes = await card.textContent();
    expect(notes).toContain('please refund one');
    expect(notes).not.toContain('4111');
    expect(problems).toEqual([]);
  }, 120_000);
});
