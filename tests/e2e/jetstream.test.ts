/**
 * Stream mode on Bluesky, end to end: the real server (startEarshot) with a Bluesky source
 * in stream mode against a fake Jetstream and the fake Slack. Mentions of the brand (by DID
 * in the mention facets, or by @handle) and the source's keywords become cards; other posts
 * and the brand's own do not. The position (time_us) is kept in the store and replayed on
 * reconnect, a few seconds early, so posts during a stall are heard once each. Malformed
 * frames are counted and skipped.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import { STREAM_POSITION } from '../../src/jobs/stream-job.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { createJetstreamStream } from '../../src/sources/bluesky/create-bluesky-source.js';
import { JetstreamStream } from '../../src/sources/bluesky/jetstream-stream.js';
import { createStreams } from '../../src/sources/create-streams.js';
import { SourceConfigError } from '../../src/sources/source-errors.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeJetstream, type FakeJetstream } from '../fakes/fake-jetstream.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';
import { cardText } from './support/slack-card.js';

const CARE = 'C0JETS0001';
const BRAND_DID = 'did:plc:acmebrand';
const config = (url: string, queries = "['refund OR \"lost bag\"']") => parseConfig(`
brand: { name: Acme, handles: { bluesky: [acme.bsky.social, ${BRAND_DID}] } }
sources:
  - { name: bsky-live, network: bluesky, mode: stream, queries: ${queries}, interval: 5s, options: { jetstream: '${url}' } }
groups:
  - { id: care, slack: { channel: ${CARE} } }
routing: { fallback: care }
# Every post of a burst must make its own card here; near-identical ones would fold.
duplicates: { enabled: false }
storm: { enabled: false }
`);

describe('a Bluesky source in stream mode (Jetstream)', () => {
  let slack: FakeSlack;
  let jet: FakeJetstream;
  let app: Earshot;

  beforeAll(async () => {
    slack = await startFakeSlack();
    jet = await startFakeJetstream();
    const dir = mkdtempSync(join(tmpdir(), 'earshot-jet-'));
    const cfg = config(jet.url);
    const built = createJetstreamStream(cfg.sources[0]!, cfg, parseEnv({})) as JetstreamStream;
    // The configured stream, with a short stall limit for the test.
    const stream = new JetstreamStream({ ...built.opts, stallMs: 600 });
    app = await startEarshot({
      config: cfg,
      env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-jet', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(dir, 'e.sqlite')}`, PORT: '0', HOST: '127.0.0.1' }),
      log: createLogger('silent'),
      sources: new Map([['bsky-live', idleSource('bsky-live')]]),
      streams: new Map([['bsky-live', stream]]),
      stream: { leaseMs: 1500, backoff: { networkStepMs: 50 } },
      schedule: false,
      outboxIntervalMs: 20,
      rateLimits: { 'slack.post': { minTimeMs: 5 }, 'slack.update': { minTimeMs: 5 }, 'slack.read': { minTimeMs: 5 } },
    });
    await waitFor('connected', () => app.streams.status().get('bsky-live')?.connected, 10_000);
  });

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
    await jet?.close();
  });

  const cards = () => slack.channel(CARE).messages().filter((m) => m.metadata?.event_type === 'earshot_case');
  const cardFor = (phrase: string) => cards().filter((m) => cardText(m).includes(phrase));

  it('builds the stream from the config, asks for posts only, and starts from the look-back', () => {
    const cfg = config(jet.url);
    const streams = createStreams(cfg, parseEnv({}));
    expect(streams.get('bsky-live')).toBeInstanceOf(JetstreamStream);
    const first = jet.connections[0]!;
    expect(first.getAll('wantedCollections')).toEqual(['app.bsky.feed.post']);
    // First connection: the one-hour look-back, in µs (minus the replay safety).
    const cursorMs = Number(first.get('cursor')) / 1000;
    expect(Date.now() - cursorMs).toBeGreaterThan(3_600_000);
    expect(Date.now() - cursorMs).toBeLessThan(3_600_000 + 60_000);
    expect(() => createStreams(config(jet.url, "['*']"), parseEnv({}))).toThrow(SourceConfigError);
  });

  it('hears mentions by DID facet, by @handle and by keyword; not other posts, nor the brand\'s own', async () => {
    jet.post({ text: 'hey @acme.bsky.social my flight was cancelled', mentions: [{ did: BRAND_DID, handle: 'acme.bsky.social' }] });
    jet.post({ text: 'writing to @acme.bsky.social about seats', did: 'did:plc:other' });
    jet.post({ text: 'still waiting for my refund', did: 'did:plc:third' });
    jet.post({ text: 'lovely weather today', did: 'did:plc:fourth' });
    jet.post({ text: 'we answer every refund question', did: BRAND_DID });
    jet.post({ text: 'a like, not a post: refund', collection: 'app.bsky.feed.like' });
    await waitFor('three cards', () => cards().length >= 3, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(cardFor('flight was cancelled')).toHaveLength(1);
    expect(cardFor('about seats')).toHaveLength(1);
    expect(cardFor('waiting for my refund')).toHaveLength(1);
    expect(cards()).toHaveLength(3);
    const c = (await app.cases.get(String((cardFor('waiting for my refund')[0]!.metadata!.event_payload as { case_id: string }).case_id)))!;
    expect(c.mention.id).toMatch(/^at:\/\/did:plc:third\/app\.bsky\.feed\.post\//);
  });

  it('replays from the stored position after a stall: posts made meanwhile arrive once each', async () => {
    const before = cards().length;
    const connections = jet.connections.length;
    const stored = await app.store.get<string>(STREAM_POSITION('bsky-live'));
    expect(stored).toMatch(/^\d+$/);
    jet.stall(true);
    for (let i = 0; i < 5; i++) jet.post({ text: `lost bag number ${i}`, did: `did:plc:bag${i}` });
    await waitFor('reconnected', () => jet.connections.length > connections, 10_000);
    jet.stall(false);
    const again = jet.connections[jet.connections.length - 1]!;
    // Resumed a few seconds before the last position heard.
    expect(BigInt(again.get('cursor')!)).toBeLessThan(BigInt(stored!));
    await waitFor('five more cards', () => cards().length >= before + 5, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(cards()).toHaveLength(before + 5);
    for (let i = 0; i < 5; i++) expect(cardFor(`lost bag number ${i}`)).toHaveLength(1);
    expect(app.streams.status().get('bsky-live')!.lastError).toMatch(/nothing from Jetstream/);
  });

  it('counts and skips malformed frames and keeps reading', async () => {
    await waitFor('connected', () => app.streams.status().get('bsky-live')!.connected && jet.open === 1, 10_000);
    const malformed = app.streams.status().get('bsky-live')!.malformed;
    jet.sendRaw('not json at all');
    jet.sendRaw(JSON.stringify({ did: 'did:plc:x', kind: 'commit' }));
    jet.sendRaw(JSON.stringify({ did: 'did:plc:x', time_us: 1, kind: 'commit', commit: { operation: 'create', collection: 'app.bsky.feed.post', rkey: 'k', record: { text: 5 } } }));
    jet.post({ text: 'refund please, after the garbage', did: 'did:plc:after' });
    await waitFor('its card', () => cardFor('after the garbage').length === 1, 10_000);
    expect(app.streams.status().get('bsky-live')!.malformed).toBe(malformed + 3);
  });
});
