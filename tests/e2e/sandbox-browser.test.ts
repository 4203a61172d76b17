/**
 * The sandbox as a newcomer meets it: `earshot demo` started the way `npm run demo` starts
 * it, and a real Chromium (Debian's package, driven by playwright-core; nothing downloaded)
 * clicking through the workspace page: claim a card, draft in the modal (first tripping a
 * policy error shown under the field; templates switched without losing what was typed; a
 * refused click answered in view), switch to the approver, approve, send, and find the reply
 * in the social feed; then a post with markup, and the page at 1024 px. It saves the
 * screenshot the README shows (docs/sandbox.png).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, MAIN, ROOT } from './support/bot-process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = join(ROOT, 'docs', 'sandbox.png');
const MISSING = `Chromium is not installed at ${CHROMIUM}: install Debian's package with "apt-get install chromium" (.ci/run does this), or set CHROMIUM_PATH.`;
const REPLY = 'So sorry about the wait, Maya. Please DM us your booking reference and we will sort out meal vouchers and your options right now.';

describe('the sandbox in a real browser: claim, draft, approve, send, see the reply', () => {
  let demo: ChildProcess;
  let output = '';
  let url: string;
  let dir: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // Without the browser the test itself fails, saying how to install it (never a quiet skip).
    if (!existsSync(CHROMIUM)) return;
    dir = mkdtempSync(join(tmpdir(), 'earshot-sandbox-'));
    const port = await freePort();
    demo = spawn(process.execPath, [MAIN, 'demo', '--port', String(port)], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
    demo.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    // Loading the bot takes several seconds on its own, more while other suites run alongside.
    const deadline = Date.now() + 60_000;
    while (!/Open the workspace:\s+(\S+)/.test(output)) {
      if (demo.exitCode !== null) throw new Error(`earshot demo exited with ${demo.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`earshot demo did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    url = /Open the workspace:\s+(\S+)/.exec(output)![1]!;
    expect(url).toBe(`http://localhost:${port}`);

    context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1440, height: 900 },
      deviceScaleFactor: 2,
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    if (demo && demo.exitCode === null) {
      const exited = new Promise((r) => demo.once('exit', r));
      demo.kill('SIGINT');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('walks a mention from the feed to a sent reply, through the page', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    await expect.poll(() => page.locator('.ws-name').textContent()).toBe('Larkspur (sandbox)');

    // The first sample mention becomes a card in #air-care within a poll or two.
    await page.locator('a[data-channel="air-care"]').click();
    const card = page.locator('.msg-card', { hasText: '@maya_travels' });
    await card.waitFor({ timeout: 20_000 });
    await expect.poll(() => card.locator('.bk-header').textContent()).toMatch(/^Case \d+ · X$/);
    expect(await card.locator('.md-quote').textContent()).toContain('Flight LK218 delayed 3 hours');
    expect(await card.locator('.bk-context .md-code').allTextContents()).toContain('vip');
    // One clock everywhere: 24-hour with the zone, as the cards give times.
    for (const t of await page.locator('.msg-time').allTextContents()) expect(t).toMatch(/^\d{2}:\d{2} UTC$/);
    for (const t of await page.locator('#feed-pane .post-time').allTextContents()) expect(t).toMatch(/^· \d{2}:\d{2} UTC$/);

    // Alice (the agent) claims it.
    expect(await page.locator('.person-active').textContent()).toContain('Alice Moreno');
    await card.getByRole('button', { name: 'Claim', exact: true }).click();
    await expect.poll(() => card.locator('.bk-fields').textContent(), { timeout: 10_000 }).toContain('Claimed');
    expect(await card.locator('.bk-fields').textContent()).toContain('alice');

    // Draft: the bot opens its modal; a banned phrase comes back as an error under the field.
    await card.getByRole('button', { name: 'Draft reply', exact: true }).click();
    const modal = page.locator('.modal');
    await modal.waitFor({ timeout: 10_000 });
    expect(await modal.locator('.modal-title').textContent()).toBe('Draft reply');
    const field = modal.locator('textarea.bk-field');
    expect(await field.inputValue()).toContain('Hi Maya Lindqvist');
    // The counter counts against X's limit, not the field's own 3000.
    expect(await modal.locator('.bk-counter').textContent()).toMatch(/^\d+ \/ 280$/);
    expect(await modal.locator('.bk-hint').textContent()).toContain('X allows 280 characters');

    // Switching templates replaces the template's untouched text, but never what was typed.
    const picker = modal.locator('select[data-action-id="tpl.pick"]');
    expect(await modal.textContent()).toContain('your words are kept');
    await picker.selectOption('general');
    await expect.poll(() => field.inputValue(), { timeout: 10_000 }).toContain('thanks for getting in touch');
    await field.fill('My own words for Maya.');
    await picker.selectOption('air-bags');
    await expect.poll(() => modal.textContent(), { timeout: 10_000 }).toContain('Your reply was kept');
    expect(await field.inputValue()).toBe('My own words for Maya.');
    expect(await modal.textContent()).toContain('sorry your bag hasn');
    await field.fill('We guarantee a refund today.');
    await modal.getByRole('button', { name: 'Submit for approval' }).click();
    await expect.poll(() => modal.locator('.bk-error').textContent(), { timeout: 10_000 }).toContain('guarantee');
    await field.fill(REPLY);
    await modal.getByRole('button', { name: 'Submit for approval' }).click();
    await modal.waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(() => card.locator('.bk-fields').textContent(), { timeout: 10_000 }).toContain('Draft awaiting approval');
    expect(await card.textContent()).toContain(REPLY);

    // Alice may not approve: the refusal shows in view, and the button can be clicked again.
    const approve = card.getByRole('button', { name: 'Approve', exact: true });
    await approve.click();
    const answer = page.locator('.toast-answer');
    await answer.waitFor({ timeout: 10_000 });
    const box = (await answer.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(900);
    expect((await answer.textContent())!.length).toBeGreaterThan(20);
    await expect.poll(() => approve.isDisabled()).toBe(false);
    await answer.locator('.toast-close').click();

    // Lea (the approver) approves and sends.
    await page.locator('[data-user="U0LEAD0001"]').click();
    await expect.poll(() => page.locator('.person-active').textContent()).toContain('Lea Okafor');
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => card.locator('.bk-fields').textContent(), { timeout: 10_000 }).toContain('Approved, ready to send');
    await card.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => card.locator('.bk-fields').textContent(), { timeout: 15_000 }).toContain('Replied');

    // The reply is in the social feed, under Maya's post, sent by the brand's account.
    const reply = page.locator('#feed-pane .post-brand', { hasText: REPLY });
    await reply.waitFor({ timeout: 10_000 });
    expect(await reply.locator('.post-handle').textContent()).toBe('@larkspur');
    const conversation = page.locator('#feed-pane .conversation').filter({ has: page.locator('.post-brand', { hasText: REPLY }) });
    expect(await conversation.locator('.post').first().textContent()).toContain('Flight LK218');

    // The audit trail sits in the card's thread.
    await card.locator('.thread-toggle').click();
    await expect.poll(() => card.locator('.thread-list').textContent(), { timeout: 10_000 }).toContain('The reply was posted');
    expect(await card.locator('.thread-list').textContent()).toContain('lea approved the draft');

    // The post with a card number reached #bank-care too (its card masks the number).
    const cardPost = page.locator('#feed-pane .post', { hasText: '4111 1111 1111 1111' });
    await expect.poll(() => cardPost.locator('.post-card-link').count(), { timeout: 20_000 }).toBe(1);
    expect(await cardPost.locator('.post-card-link').textContent()).toBe('Card in #bank-care');

    // The picture in the README: no toast over it, animations at rest.
    await page.locator('.toast').first().waitFor({ state: 'detached', timeout: 10_000 });
    await page.mouse.move(120, 600);
    await page.screenshot({ path: SCREENSHOT, animations: 'disabled' });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(problems).toEqual([]);
  }, 120_000);

  it('shows a customer\'s *bold* as written, and keeps its three columns at 1024 px', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(`${url}/channel/C0AIRLINE1`);
    await page.locator('.compose-handle').fill('boldtester');
    await page.locator('.compose-text').fill('@larkspurair my *bold* claim: the flight was delayed _again_');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    const card = page.locator('.msg-card', { hasText: '@boldtester' });
    await card.waitFor({ timeout: 20_000 });
    expect(await card.locator('.md-quote').textContent()).toBe('@larkspurair my *bold* claim: the flight was delayed _again_');
    expect(await card.locator('.md-quote strong, .md-quote em').count()).toBe(0);

    // Sidebar, channel and feed side by side: nothing wraps under the sidebar.
    const side = (await page.locator('.sidebar').boundingBox())!;
    const main = (await page.locator('#main').boundingBox())!;
    const feed = (await page.locator('#feed-pane').boundingBox())!;
    expect(main.x).toBeGreaterThanOrEqual(side.x + side.width - 1);
    expect(feed.x).toBeGreaterThanOrEqual(main.x + main.width - 1);
    for (const b of [side, main, feed]) expect(b.y).toBe(0);
    expect(feed.x + feed.width).toBeLessThanOrEqual(1024);
    expect(await page.locator('html').evaluate((e) => e.scrollWidth)).toBeLessThanOrEqual(1024);
    expect(problems).toEqual([]);
  }, 60_000);
});
