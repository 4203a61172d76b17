/**
 * The sandbox without a browser: startSandbox (what `earshot demo` runs) in this process, and
 * the workspace page's HTTP API driven the way the page drives it. A case goes from a post
 * to a sent reply; forms come back with the bot's errors; slash command answers reach only
 * the person who typed them; the page's guards hold; and --keep carries everything over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { silentLogger } from '../../src/util/logger.js';
import { waitFor } from '../e2e/support/bot-process.js';

const AGENT = 'U0AGENT001';
const LEAD = 'U0LEAD0001';
const AIR = 'C0AIRLINE1';

interface PageMessage { ts: string; text: string; kind?: string; blocks?: Array<Record<string, any>>; replies: PageMessage[] }
interface Snapshot {
  me: string;
  channels: Array<{ id: string; name: string; group: string; messages: PageMessage[]; ephemerals: Array<{ text: string }> }>;
  modal: { id: string; view: Record<string, any>; errors: Record<string, string> } | null;
  feed: { account: { handle: string }; posts: Array<{ id: string; text: string; card?: { channel: string; ts: string }; replies: Array<{ text: string; fromBrand: boolean }> }> };
}

describe('the sandbox workspace API, against the real bot', () => {
  let dir: string;
  let sandbox: Sandbox;

  const get = async (user = AGENT): Promise<Snapshot> => (await fetch(`${sandbox.url}/api/snapshot?user=${user}`)).json() as Promise<Snapshot>;
  const post = async (path: string, body: Record<string, unknown>) => {
    const r = await fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };
  const card = (s: Snapshot, channel = AIR) => s.channels.find((c) => c.id === channel)!.messages.find((m) => m.kind === 'earshot_case');
  const fields = (m: PageMessage | undefined) => JSON.stringify(m?.blocks?.find((b) => b.block_id === 'facts')?.fields ?? []);
  const button = (m: PageMessage, actionId: string) => {
    const block = m.blocks!.find((b) => b.type === 'actions' && b.elements.some((e: any) => e.action_id === actionId));
    expect(block, `a ${actionId} button`).toBeDefined();
    return { blockId: block!.block_id as string, actionId };
  };
  const click = async (user: string, actionId: string) => {
    const m = card(await get(user))!;
    const r = await post('/api/click', { user, channel: AIR, ts: m.ts, ...button(m, actionId) });
    expect(r).toEqual({ status: 200, body: { status: 200 } });
  };
  const cardShows = (text: string, user = AGENT) => waitFor(`the card to show ${text}`, async () => (fields(card(await get(user))).includes(text) ? true : undefined), 15_000);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'earshot-sandbox-api-'));
    sandbox = await startSandbox({ log: silentLogger(), port: 0, storeFile: join(dir, 'demo.sqlite'), replay: false });
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('shows the workspace: three channels, two people, an empty feed', async () => {
    const s = await get('nobody');
    expect(s.me).toBe(AGENT);
    expect(s.channels.map((c) => `${c.name}:${c.group}`)).toEqual(['air-care:Larkspur Air', 'bank-care:Larkspur Bank', 'mobile-care:Larkspur Mobile']);
    expect(s.feed.account.handle).toBe('larkspur');
    expect(s.feed.posts).toEqual([]);
  });

  it('tells the page when something changes (server-sent events)', async () => {
    const ac = new AbortController();
    const res = await fetch(`${sandbox.url}/api/events`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    await post('/api/post', { author: 'sam_flies', text: '@larkspurair my bag never arrived in Lisbon, file LIS-2231' });
    let seen = '';
    while (!seen.includes('event: change')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    ac.abort();
    expect(seen).toContain('event: change');
  });

  it('walks the posted mention through claim, draft (with a form error), approve and send', async () => {
    const first = await waitFor('the card in #air-care', async () => card(await get()), 20_000);
    expect(JSON.stringify(first.blocks)).toContain('my bag never arrived in Lisbon');
    const posted = (await get()).feed.posts[0]!;
    expect(posted.card).toEqual({ channel: AIR, ts: first.ts });

    await click(AGENT, 'case.claim');
    await cardShows('Claimed');

    await click(AGENT, 'case.draft');
    const modal = await waitFor('the draft modal', async () => (await get()).modal ?? undefined, 10_000);
    expect(modal.view.callback_id).toBe('case.draft.submit');
    expect((await get(LEAD)).modal).toBeNull();

    // Choosing a template in the modal is a block_actions from the view; the bot refills the reply.
    const picker = modal.view.blocks.find((b: any) => b.type === 'actions');
    const menu = await post('/api/view-action', { user: AGENT, viewId: modal.id, blockId: picker.block_id, actionId: picker.elements[0].action_id, value: 'general', values: { reply: '' } });
    expect(menu.body).toEqual({ status: 200 });
    const refilled = await waitFor('the reply refilled from the template', async () => {
      const m = (await get()).modal;
      const input = m?.view.blocks.find((b: any) => b.type === 'input');
      return m && input?.element.initial_value?.includes('thanks for getting in touch') ? m : undefined;
    }, 10_000);
    expect(refilled.id).toBe(modal.id);

    const empty = await post('/api/submit', { user: AGENT, viewId: modal.id, values: { reply: '' } });
    expect(empty.body.closed).toBe(false);
    expect(empty.body.errors.reply).toMatch(/reply/i);
    expect((await get()).modal?.errors.reply).toBe(empty.body.errors.reply);

    const saved = await post('/api/submit', { user: AGENT, viewId: modal.id, values: { reply: 'Sorry Sam! DM us and we will trace it today.' } });
    expect(saved.body).toEqual({ status: 200, closed: true });
    expect((await get()).modal).toBeNull();
    await cardShows('Draft awaiting approval');

    await click(LEAD, 'case.approve');
    await cardShows('Approved, ready to send');
    await click(LEAD, 'case.send');
    const reply = await waitFor('the reply in the feed', async () => (await get()).feed.posts[0]?.replies[0], 15_000);
    expect(reply).toMatchObject({ text: 'Sorry Sam! DM us and we will trace it today.', fromBrand: true });
    expect(sandbox.x.posted).toHaveLength(1);
    await cardShows('Replied');
    const thread = card(await get())!.replies.map((r) => r.text).join('\n');
    expect(thread).toContain('claimed the case');
  });

  it('answers a slash command to the person who typed it only', async () => {
    const r = await post('/api/command', { user: LEAD, channel: AIR, text: '/earshot help' });
    expect(r.body).toEqual({ status: 200 });
    const eph = await waitFor('the ephemeral answer', async () => (await get(LEAD)).channels.find((c) => c.id === AIR)!.ephemerals[0], 10_000);
    expect(eph.text.length).toBeGreaterThan(0);
    expect((await get(AGENT)).channels.find((c) => c.id === AIR)!.ephemerals).toEqual([]);
    expect((await post('/api/command', { user: LEAD, channel: AIR, text: 'hello' })).status).toBe(400);
  });

  it('refuses what the page could not have sent', async () => {
    const m = card(await get())!;
    expect((await post('/api/click', { user: AGENT, channel: AIR, ts: m.ts, blockId: 'made-up', actionId: 'case.claim' })).status).toBe(400);
    expect((await post('/api/click', { user: 'U0NOBODY01', channel: AIR, ts: m.ts, ...button(m, 'case.close') })).status).toBe(400);
    expect((await post('/api/post', { author: 'larkspur', text: 'we are the brand' })).status).toBe(400);
    expect((await post('/api/submit', { user: AGENT, viewId: 'V0GONE', values: {} })).status).toBe(409);
    const form = await fetch(`${sandbox.url}/api/post`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'author=a&text=b' });
    expect(form.status).toBe(415);
    // A page elsewhere whose name resolves to 127.0.0.1 (DNS rebinding) is turned away.
    const rebound = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: sandbox.workspace.port, path: '/api/snapshot', headers: { host: `evil.example:${sandbox.workspace.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(rebound).toBe(403);
  });

  it('serves the page and its files with a strict content policy, and nothing else', async () => {
    for (const path of ['/', '/feed', `/channel/${AIR}`]) {
      const r = await fetch(`${sandbox.url}${path}`);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('<script type="module" src="/static/app.js">');
      expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    const js = await fetch(`${sandbox.url}/static/mrkdwn.js`);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${sandbox.url}/static/..%2Fstart-sandbox.ts`)).status).toBe(404);
    expect((await fetch(`${sandbox.url}/static/mrkdwn.d.ts`)).status).toBe(404);
  });

  it('carries the workspace, the feed and the cases over with --keep', async () => {
    const before = card(await get())!;
    await sandbox.stop();
    sandbox = await startSandbox({ log: silentLogger(), port: 0, storeFile: join(dir, 'demo.sqlite'), replay: false, keep: true });
    expect(sandbox.resumed).toBe(true);
    const after = card(await get())!;
    expect(after.ts).toBe(before.ts);
    expect(fields(after)).toContain('Replied');
    expect((await get()).feed.posts[0]!.replies).toHaveLength(1);
    // The bot's store came along too: the case still answers its buttons.
    await click(AGENT, 'case.close');
    await cardShows('Closed');
  });
});
