/**
 * Stream mode on Mastodon, end to end: the real server (startEarshot) with a Mastodon source
 * in stream mode (`@me` and a hashtag) against the fake instance's streaming API and REST API,
 * and the fake Slack. A mention and a hashtag post on the stream become cards; a drop
 * mid-burst is filled by the poll (notifications and the tag timeline) with no miss and no
 * duplicate; malformed frames are counted and skipped; a search query is refused in stream mode.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { createStreams } from '../../src/sources/create-streams.js';
import { createSources } from '../../src/sources/create-sources.js';
import { MastodonStream } from '../../src/sources/mastodon/mastodon-stream.js';
import { SourceConfigError } from '../../src/sources/source-errors.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeMastodon, type FakeMastodon } from '../fakes/fake-mastodon.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { waitFor } from './support/bot-process.js';
import { cardText } from './support/slack-card.js';

const CARE = 'C0MASTO001';
const config = (queries = "['@me', '#acmeair']") => parseConfig(`
brand: { name: Acme, handles: { mastodon: [acme] } }
sources:
  - { name: masto-live, network: mastodon, mode: stream, queries: ${queries}, interval: 5s }
groups:
  - { id: care, slack: { channel: ${CARE} } }
routing: { fallback: care }
# Every post of a burst must make its own card here; near-identical ones would fold.
duplicates: { enabled: false }
storm: { enabled: false }
`);

describe('a Mastodon source in stream mode', () => {
  let slack: FakeSlack;
  let masto: FakeMastodon;
  let app: Earshot;
  let env: ReturnType<typeof parseEnv>;

  beforeAll(async () => {
    slack = await startFakeSlack();
    masto = await startFakeMastodon();
    const dir = mkdtempSync(join(tmpdir(), 'earshot-masto-stream-'));
    env = parseEnv({
      SLACK_BOT_TOKEN: 'xoxb-masto', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(dir, 'e.sqlite')}`, PORT: '0', HOST: '127.0.0.1',
      MASTODON_URL: masto.url, MASTODON_ACCESS_TOKEN: masto.accessToken,
    });
    const cfg = config();
    const built = createStreams(cfg, env).get('masto-live') as MastodonStream;
    app = await startEarshot({
      config: cfg, env, log: createLogger('silent'),
      sources: createSources(cfg, env),
      streams: new Map([['masto-live', new MastodonStream({ ...built.opts, stallMs: 600 })]]),
      stream: { leaseMs: 1500, backoff: { networkStepMs: 50 } },
      schedule: false,
      outboxIntervalMs: 20,
      rateLimits: { 'slack.post': { minTimeMs: 5 }, 'slack.update': { minTimeMs: 5 }, 'slack.read': { minTimeMs: 5 } },
    });
    await waitFor('connected and the first gap filled', () => app.streams.status().get('masto-live')?.connected && app.streams.status().get('masto-live')!.gapFills >= 1, 10_000);
  });

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
    await masto?.close();
  });

  const cards = () => slack.channel(CARE).messages().filter((m) => m.metadata?.event_type === 'earshot_case');
  const cardFor = (phrase: string) => cards().filter((m) => cardText(m).includes(phrase));

  it('subscribes to mentions and the hashtag, and turns each into a card', async () => {
    expect(masto.streaming.subscriptions).toEqual(['user:notification', 'hashtag:acmeair']);
    const polls = masto.callsTo('GET /api/v1/notifications').length;
    masto.addStatus({ text: '@acme my bag is still missing', author: 'jane' });
    masto.addStatus({ text: 'the lounge was closed again #acmeair', author: 'omar@other.example' });
    masto.addStatus({ text: 'we are sorry about the lounge #acmeair', author: 'acme' });
    await waitFor('two cards', () => cards().length >= 2, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(cardFor('bag is still missing')).toHaveLength(1);
    expect(cardFor('lounge was closed again')).toHaveLength(1);
    expect(cards()).toHaveLength(2);
    expect(masto.callsTo('GET /api/v1/notifications')).toHaveLength(polls);
  });

  it('fills a drop mid-burst from the poll: every post once, none twice', async () => {
    const before = cards().length;
    for (let i = 0; i < 5; i++) masto.addStatus({ text: `@acme first wave ${i}`, author: `w1u${i}` });
    masto.streaming.stall(true);
    for (let i = 0; i < 5; i++) masto.addStatus({ text: `@acme second wave ${i}`, author: `w2u${i}` });
    await waitFor('the stall noticed', () => !app.streams.status().get('masto-live')!.connected || app.streams.status().get('masto-live')!.reconnects > 0, 10_000);
    masto.streaming.stall(false);
    await waitFor('reconnected', () => app.streams.status().get('masto-live')!.connected, 10_000);
    for (let i = 0; i < 5; i++) masto.addStatus({ text: `@acme third wave ${i}`, author: `w3u${i}` });
    await waitFor('15 more cards', () => cards().length >= before + 15, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(cards()).toHaveLength(before + 15);
    for (const wave of ['first', 'second', 'third']) for (let i = 0; i < 5; i++) expect(cardFor(`${wave} wave ${i}`), `${wave} ${i}`).toHaveLength(1);
  });

  it('counts and skips malformed frames', async () => {
    await waitFor('connected', () => app.streams.status().get('masto-live')!.connected && masto.streaming.open === 1, 10_000);
    const malformed = app.streams.status().get('masto-live')!.malformed;
    masto.streaming.sendRaw('{{ not json');
    masto.streaming.sendRaw(JSON.stringify({ stream: ['user:notification'], event: 'notification', payload: '{"type":"mention","status":{"id":"x"}}' }));
    masto.addStatus({ text: '@acme after the noise', author: 'calm' });
    await waitFor('its card', () => cardFor('after the noise').length === 1, 10_000);
    expect(app.streams.status().get('masto-live')!.malformed).toBe(malformed + 2);
  });

  it('refuses a search query in stream mode, naming it', () => {
    expect(() => createStreams(config("['@me', 'lost luggage']"), env)).toThrow(SourceConfigError);
    expect(() => createStreams(config("['@me', 'lost luggage']"), env)).toThrow(/queries\[1\].*@me \(mentions\) or a #hashtag/);
  });
});
