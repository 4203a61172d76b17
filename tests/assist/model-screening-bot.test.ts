import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MENTION_CASE, recordPoll } from '../../src/app/pipeline.js';
import { TokenBudget } from '../../src/assist/token-budget.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Case } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeModel, type FakeModel } from '../fakes/fake-model.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { tempDir, waitFor } from '../e2e/support/bot-process.js';
import { cardText } from '../e2e/support/slack-card.js';
import { dataOf } from './assist-rig.js';

/**
 * Screening by the AI model in the running bot (`assist.screening`), in process against fake
 * Slack and the fake model: off, no post is sent to the model; on, a post the built-in
 * classifier sends to the fallback group goes to the group the model names, and the card
 * says the model screened it; a 5xx, a timeout or the day's budget spent leave the built-in
 * outcome with a note on the card. What the model receives has the card number masked.
 */
const CARE = 'C0MSCARE01';
const BAGS = 'C0MSBAGS01';
const CARD_NUMBER = '4111 1111 1111 1111';
const BAG_POST = `@acme my suitcase never showed up at the carousel in Lisbon and the fee went on card ${CARD_NUMBER}`;
const DAILY = 50_000;

const config = (origin: string, screening: boolean) => parseConfig(`
brand: { name: Acme }
sources: [{ name: t, network: demo, queries: ['@acme'], enabled: false }]
groups:
  - { id: care, slack: { channel: ${CARE} } }
  - { id: baggage, slack: { channel: ${BAGS} } }
routing: { fallback: care }
storm: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
assist: { provider: openai-compatible, model: m, baseURL: '${origin}/v1', timeout: 1s, dailyTokens: ${DAILY}, screening: ${screening} }
`);

/** The fake model answers like a model that reads the post: a bag post is about baggage. */
const script = (call: { user: string }): string => {
  const data = dataOf(call.user);
  const bag = /suitcase|bag/i.test(String(data.post));
  return JSON.stringify({ sentiment: 'negative', intent: 'complaint', topic: bag && (data.topics as string[]).includes('baggage') ? 'baggage' : null });
};

interface Rig { slack: FakeSlack; model: FakeModel; app: Earshot }
let seq = 0;

async function rig(screening: boolean): Promise<Rig> {
  const slack = await startFakeSlack({ users: {} });
  const model = await startFakeModel({ script });
  const dir = tempDir(`mscreen-${screening}`);
  const app = await startEarshot({
    config: config(model.origin, screening),
    env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-mscreen', SLACK_SIGNING_SECRET: 'mscreen-secret', SLACK_API_URL: slack.url, STORE_URL: `sqlite://${dir}/m.sqlite`, PORT: '0', HOST: '127.0.0.1' }),
    log: silentLogger(), sources: new Map(), schedule: false, assistBaseDir: dir,
  });
  return { slack, model, app };
}

/** Hears one post, screens it, and returns its case and its card (in whichever channel it went to). */
async function hear(r: Rig, text: string): Promise<{ c: Case; card: SlackMessage; channel: string }> {
  const id = String(7_000 + ++seq);
  const mention: Mention = {
    network: 'demo', source: 't', id, text, createdAt: new Date().toISOString(),
    url: `https://example.invalid/${id}`, author: { id: `a${id}`, handle: `u${id}`, name: `U ${id}`, followers: 3, verified: false }, isRepost: false, isQuote: false,
  };
  await recordPoll(r.app.store, 't', { mentions: [mention], cursor: id, requests: 0 });
  await r.app.processInbox();
  const caseId = await r.app.store.get<string>(MENTION_CASE(`demo:${id}`));
  const c = (await r.app.cases.get(caseId!))!;
  const found = await waitFor('the card', () => {
    for (const channel of [CARE, BAGS]) {
      const card = r.slack.channel(channel).messages().find((m) => m.metadata?.event_type === 'earshot_case' && cardText(m).includes(text.slice(6, 40)));
      if (card) return { card, channel };
    }
    return undefined;
  }, 15_000);
  return { c, ...found! };
}

async function close(r: Rig | undefined): Promise<void> {
  await r?.app.stop();
  await Promise.all([r?.slack.close(), r?.model.close()]);
}

describe('screening by the AI model, off', () => {
  let r: Rig;
  beforeAll(async () => { r = await rig(false); });
  afterAll(async () => { await close(r); });

  it('sends no post to the model: the built-in classifier routes it to the fallback group, and the card says nothing about AI screening', async () => {
    const { c, card, channel } = await hear(r, BAG_POST);
    expect(r.model.calls).toHaveLength(0);
    expect(channel).toBe(CARE);
    expect(c.group).toBe('care');
    expect(c.screening.by).toBeUndefined();
    expect(cardText(card)).not.toContain('AI assist');
    expect(cardText(card)).not.toContain('AI screening');
  });
});

describe('screening by the AI model, on', () => {
  let r: Rig;
  beforeAll(async () => { r = await rig(true); });
  afterAll(async () => { await close(r); });

  it('routes a post the built-in classifier would send to the fallback group to the model\'s topic group, and the card says so', async () => {
    const { c, card, channel } = await hear(r, BAG_POST);
    expect(r.model.calls).toHaveLength(1);
    expect(channel).toBe(BAGS);
    expect(c.group).toBe('baggage');
    expect(c.screening).toMatchObject({ by: 'model', sentiment: 'negative', intent: 'complaint', topic: 'baggage' });
    expect(c.screening.fallback).toBeUndefined();
    expect(cardText(card)).toContain('Screened by AI assist');
    // The topics offered are the group ids.
    expect(dataOf(r.model.calls[0]!.user).topics).toEqual(['care', 'baggage']);
  });

  it('sends the post with personal data masked: no card number leaves the machine', () => {
    const sent = r.model.calls.map((x) => x.raw).join('\n');
    expect(sent).toContain('carousel in Lisbon');
    expect(sent).not.toContain(CARD_NUMBER);
    expect(sent).not.toContain(CARD_NUMBER.replace(/ /g, ''));
    expect(String(dataOf(r.model.calls[0]!.user).post)).toContain('[card number]');
  });

  it('counts the tokens against the day\'s shared budget', async () => {
    const spent = await new TokenBudget(r.app.store, DAILY).spent(new Date().toISOString());
    expect(spent).toBeGreaterThan(0);
  });

  it('keeps the built-in outcome on a 5xx, with the note on the card', async () => {
    r.model.faults.schedule('openai', { kind: '5xx', status: 503 });
    const before = r.model.calls.length;
    const { c, card, channel } = await hear(r, '@acme where is my suitcase, two days now and no word from anyone');
    expect(r.model.calls.length).toBe(before + 1);
    expect(channel).toBe(CARE);
    expect(c.screening).toMatchObject({ by: 'built-in', fallback: 'model_unavailable' });
    expect(cardText(card)).toContain('AI screening fell back: model unavailable');
  });

  it('keeps the built-in outcome on a timeout, with the note on the card', async () => {
    r.model.latencyMs = 3_000;
    try {
      const { c, card, channel } = await hear(r, '@acme my bag is still missing after the Paris flight, please help');
      expect(channel).toBe(CARE);
      expect(c.screening).toMatchObject({ by: 'built-in', fallback: 'model_timeout' });
      expect(cardText(card)).toContain('AI screening fell back: timeout');
    } finally {
      r.model.latencyMs = 0;
    }
  });

  it('keeps the built-in outcome when the model names a topic that is not a group', async () => {
    r.model.script = () => JSON.stringify({ sentiment: 'negative', intent: 'complaint', topic: 'lounge' });
    try {
      const { c, card, channel } = await hear(r, '@acme my suitcase strap was ripped off on the belt at Madrid');
      expect(channel).toBe(CARE);
      expect(c.screening).toMatchObject({ by: 'built-in', fallback: 'unknown_topic' });
      expect(cardText(card)).toContain('AI screening fell back: unknown topic');
    } finally {
      r.model.script = script;
    }
  });

  it('asks nothing once the day\'s budget is spent, keeps the built-in outcome and says so', async () => {
    await new TokenBudget(r.app.store, DAILY).spend(DAILY, new Date().toISOString());
    const before = r.model.calls.length;
    const { c, card, channel } = await hear(r, '@acme the airline lost my suitcase on the way to Rome');
    expect(r.model.calls.length).toBe(before);
    expect(channel).toBe(CARE);
    expect(c.screening).toMatchObject({ by: 'built-in', fallback: 'budget' });
    expect(cardText(card)).toContain('AI screening fell back: daily token budget spent');
  });
});
