import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { buildStormCard } from '../../src/cards/build-storm-card.js';
import { renderStormBlockKit } from '../../src/chat/slack/render-storm-block-kit.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Mention } from '../../src/domain/mention.js';
import type { Storm } from '../../src/domain/storm.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { createXClients } from '../../src/sources/twitter/twitter-client.js';
import { TwitterSource } from '../../src/sources/twitter/twitter-source.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { waitFor } from '../e2e/support/bot-process.js';

const CHANNEL = 'C0STORMT01';
const AGENT: Actor = { platform: 'slack', id: 'U0AGENT001', name: 'alice' };
const LEAD: Actor = { platform: 'slack', id: 'U0LEAD0001', name: 'lea' };
const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-mentions, network: x, queries: ['@acme'], enabled: true }
groups:
  - { id: care, name: Care, slack: { channel: ${CHANNEL} } }
routing:
  fallback: care
  rules:
    - { name: bags, when: { keywords: [bag] }, then: { tag: [baggage] } }
    - { name: legal, when: { keywords: [lawyer] }, then: { priority: urgent } }
policy: { approvers: ['slack:${LEAD.id}'] }
storm: { window: 2s, calm: 1s, updateEvery: 200ms }
# The burst's posts are alike; folding them as near-duplicates is tested in near-duplicates.test.ts.
duplicates: { enabled: false }
limits: { slack: { postsPerSecond: 10, updatesPerMinute: 1200 }, replies: { perWindow: 1000, window: 1m } }
templates:
  - { id: same, name: Same for all, text: "We are on it." }
  - { id: sorry, name: Sorry, text: "Hi {{author.name}}, sorry about your bag; we are on it." }
`;

describe('storm mode in the running bot', () => {
  let slack: FakeSlack;
  let x: FakeX;
  let app: Earshot;
  const tweetIds: string[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack();
    x = await startFakeX({ me: { username: 'acme' } });
    const dir = mkdtempSync(join(tmpdir(), 'earshot-storms-'));
    const { read, write } = createXClients({ bearerToken: 'b', appKey: 'k', appSecret: 's', accessToken: 't', accessSecret: 'a' }, x.url, { timeoutMs: 2000 });
    const source = new TwitterSource({ name: 'x-mentions', queries: ['@acme'], maxPages: 5, ownHandles: ['acme'], read: read!, write });
    app = await startEarshot({
      config: parseConfig(CONFIG),
      env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-storms', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(dir, 'e.sqlite')}`, PORT: '0', HOST: '127.0.0.1' }),
      log: createLogger('silent'),
      sources: new Map([['x-mentions', source]]),
      schedule: false,
      outboxIntervalMs: 50,
    });
  });

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
    await x?.close();
  });

  const messages = () => slack.channel(CHANNEL).messages();
  const stormCards = () => messages().filter((m) => m.metadata?.event_type === 'earshot_storm');
  const caseCards = () => messages().filter((m) => m.metadata?.event_type === 'earshot_case');

  it('folds a burst into one live storm card per topic, keeping urgent mentions as cards', async () => {
    // 10 per second against a channel that shows 10 posts a second: half of that starts a storm.
    const mentions: Mention[] = [];
    for (let i = 0; i < 60; i++) {
      const text = i === 40 ? '@acme my bag: calling my lawyer' : `@acme where is my bag <!channel> #${i}`;
      const t = x.addTweet({ text, author: `traveller${i}` });
      tweetIds.push(t.id);
      mentions.push({ network: 'x', source: 'x-mentions', id: t.id, text, createdAt: t.created_at, url: `https://x.com/i/web/status/${t.id}`, author: { id: t.author_id, handle: `traveller${i}`, name: `Traveller ${i}`, followers: 100 + i, verified: false }, isRepost: false, isQuote: false });
    }
    for (let i = 0; i < 60; i += 6) {
      await recordPoll(app.store, 'x-mentions', { mentions: mentions.slice(i, i + 6), cursor: undefined, requests: 1 });
      await app.processInbox();
    }
    expect(await app.storms.mode('care')).toBe('storm');
    const card = await waitFor('the storm card counting every folded mention', () => {
      const c = stormCards()[0];
      const count = Number((c?.metadata?.event_payload as { count?: number } | undefined)?.count ?? 0);
      return c && count + caseCards().length === 60 ? c : undefined;
    }, 20_000);
    expect(stormCards()).toHaveLength(1);
    // Cards before the storm started, and the urgent one during it.
    const urgent = caseCards().filter((m) => JSON.stringify(m.blocks).includes('calling my lawyer'));
    expect(urgent).toHaveLength(1);
    expect(caseCards().length).toBeLessThan(40);
    const text = JSON.stringify(card.blocks);
    expect(text).toContain('Storm · baggage');
    // Samples are rich text (never parsed): the ping is shown as written, in a text run only.
    const blocks = card.blocks as Array<Record<string, any>>;
    expect(JSON.stringify(blocks.filter((b) => b.type === 'rich_text'))).toContain('"type":"text","text":"@acme where is my bag <!channel>');
    expect(JSON.stringify(blocks.filter((b) => b.type !== 'rich_text'))).not.toContain('<!channel>');
    expect(text).not.toContain('"type":"broadcast"');
    expect(text).toContain('Widest reach');
  });

  it('answers the storm with one approved, personal template: one reply per author, at the network pace', async () => {
    const id = String((stormCards()[0]!.metadata!.event_payload as { storm_id: string }).storm_id);
    let storm = (await app.storms.get(id))!;
    // A template that says the same to everyone is refused (X refuses identical posts).
    const same = await app.storms.act(id, 'storm.draft', AGENT, storm.version, 'same');
    expect(same.ok).toBe(false);
    const drafted = await app.storms.act(id, 'storm.draft', AGENT, storm.version, 'sorry');
    expect(drafted.ok).toBe(true);
    storm = (await app.storms.get(id))!;
    // Sending before approval, or approving one's own choice, is refused; a stale click too.
    expect((await app.storms.act(id, 'storm.send', AGENT, storm.version)).ok).toBe(false);
    const self = await app.storms.act(id, 'storm.approve', AGENT, storm.version);
    expect(self.ok).toBe(false);
    expect((await app.storms.act(id, 'storm.approve', LEAD, storm.version - 1)).ok).toBe(false);
    expect((await app.storms.act(id, 'storm.approve', LEAD, storm.version)).ok).toBe(true);
    storm = (await app.storms.get(id))!;
    const sent = await app.storms.act(id, 'storm.send', AGENT, storm.version);
    expect(sent.ok).toBe(true);
    const members = await app.storms.count(id);
    await waitFor('a reply to every member', () => x.posted.length >= members, 60_000);
    await new Promise((r) => setTimeout(r, 500));
    const repliedTo = x.posted.map((t) => t.referenced_tweets?.[0]?.id);
    expect(new Set(repliedTo).size).toBe(repliedTo.length);
    expect(x.posted).toHaveLength(members);
    expect(x.posted.every((t) => /^Hi Traveller \d+, sorry about your bag/.test(t.text))).toBe(true);
    // Each member went through the workflow: drafted by alice, approved by lea, sent by alice.
    const member = (await app.storms.members(id, 0, 1000, 1))[0]!;
    const c = (await app.cases.get(member.caseId))!;
    expect(c.status).toBe('sent');
    expect(c.audit.map((a) => `${a.action}:${a.actor.id}`)).toEqual(['draft:U0AGENT001', 'approve:U0LEAD0001', 'send:U0AGENT001', 'sent:earshot']);
    await waitFor('the storm card counting the replies', () => JSON.stringify(stormCards()[0]!.blocks).includes(`${members} posted of ${members} queued`), 20_000);
  }, 90_000);

  it('switches back once the group has been calm', async () => {
    await waitFor('storm mode over', async () => (await app.storms.mode('care')) === 'normal', 15_000);
    await waitFor('the storm card marked as over', () => JSON.stringify(stormCards()[0]!.blocks).includes('Storm over'), 15_000);
    const t = x.addTweet({ text: '@acme one more question', author: 'late' });
    await recordPoll(app.store, 'x-mentions', { mentions: [{ network: 'x', source: 'x-mentions', id: t.id, text: t.text, createdAt: t.created_at, url: `https://x.com/i/web/status/${t.id}`, author: { id: t.author_id, handle: 'late', name: 'Late', followers: 1, verified: false }, isRepost: false, isQuote: false }], cursor: undefined, requests: 1 });
    await app.processInbox();
    await waitFor('its own card', () => caseCards().some((m) => JSON.stringify(m.blocks).includes('one more question')), 10_000);
  }, 40_000);
});

describe('storm card rendering (Block Kit)', () => {
  const storm: Storm = { id: 's1', version: 3, group: 'care', topic: 'baggage <!here>', status: 'live', startedAt: '2026-01-05T09:00:00.000Z', updatedAt: '2026-01-05T09:00:00.000Z', views: [] };
  const hostile = ['<!channel> look', '<@U024BE7LH> <https://evil.example|https://bank.example>', 'bidi \u202Egnp.exe\u202C', 'x'.repeat(10_000)];
  const card = buildStormCard(storm, {
    count: 1234, sentiment: { negative: 1000, neutral: 200, positive: 34 }, foldedHighPriority: 3, replied: 0, queued: 0, skipped: 0,
    topAuthors: hostile.map((h, i) => ({ name: h.slice(0, 40), handle: `h${i}<!here>`, followers: 10 ** i, verified: i === 0 })),
    samples: hostile.map((h, i) => ({ author: h.slice(0, 30), handle: `s${i}`, followers: i, text: h })),
  }, { groupName: 'Care', approvalsNeeded: 1, canReply: true });

  it('never pings, links or reorders text, and stays within Block Kit limits', () => {
    const r = renderStormBlockKit(card);
    const texts: string[] = [r.text];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (o.type === 'mrkdwn' && typeof o.text === 'string') { texts.push(o.text); expect(o.verbatim).toBe(true); }
        Object.values(o).forEach(walk);
      }
    };
    walk(r.blocks);
    for (const t of texts) {
      expect(t).not.toMatch(/<[!@#]|<https?:|<mailto:/i);
      expect(t).not.toMatch(/[\u202A-\u202E]/);
      expect(t.length).toBeLessThanOrEqual(3000);
    }
    expect(r.blocks.length).toBeLessThanOrEqual(50);
  });

  it('shows the count and offers the actions of its state, carrying the storm id and version', () => {
    const r = renderStormBlockKit(card);
    const actions = (r.blocks as unknown as Array<Record<string, any>>).find((b) => b.type === 'actions');
    expect(actions!.elements.map((e: { action_id: string }) => e.action_id)).toEqual(['storm.draft', 'storm.close']);
    expect(actions!.elements[0].value).toBe('s1@3');
    expect(JSON.stringify(r.blocks)).toContain('1,234');
    const approved = buildStormCard({ ...storm, reply: { templateId: 't', by: { platform: 'slack', id: 'U1' }, at: storm.startedAt, approvals: [{ platform: 'slack', id: 'U2' }], status: 'approved', through: 0 } }, {
      count: 10, sentiment: { negative: 0, neutral: 10, positive: 0 }, foldedHighPriority: 0, replied: 0, queued: 0, skipped: 0, topAuthors: [], samples: [],
    }, { groupName: 'Care', approvalsNeeded: 1, canReply: true, template: { name: 'Sorry', text: 'Hi {{author.name}}' } });
    expect(approved.actions.map((a) => a.id)).toEqual(['storm.send', 'storm.discard', 'storm.close']);
    expect(approved.actions[0]!.label).toBe('Send to 10 authors');
  });

  it('shows a sample\'s *bold* and its author\'s name as written (rich text, never parsed)', () => {
    const marked = buildStormCard(storm, {
      count: 1, sentiment: { negative: 1, neutral: 0, positive: 0 }, foldedHighPriority: 0, replied: 0, queued: 0, skipped: 0, topAuthors: [],
      samples: [{ author: '*Big* Name', handle: 's0', followers: 5, text: 'my *bold* _claim_' }],
    }, { groupName: 'Care', approvalsNeeded: 1, canReply: true });
    const sample = (renderStormBlockKit(marked).blocks as unknown as Array<Record<string, any>>).find((b) => b.block_id === 'sample:0')!;
    expect(sample.type).toBe('rich_text');
    expect(sample.elements[0].elements[0]).toEqual({ type: 'text', text: '*Big* Name', style: { bold: true } });
    expect(sample.elements[1]).toEqual({ type: 'rich_text_quote', elements: [{ type: 'text', text: 'my *bold* _claim_' }] });
  });
});
