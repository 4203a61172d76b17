/**
 * Jetstream carries only the author's DID: a Bluesky source in stream mode with the brand
 * account's credentials looks the author up (`app.bsky.actor.getProfiles` through
 * @atproto/api, against the fake Bluesky), keeps the answer in the store with a TTL, and
 * the card shows @handle. A failed look-up lets the card go out with the DID.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeBluesky, type FakeBluesky } from '../fakes/fake-bluesky.js';
import { startFakeJetstream, type FakeJetstream } from '../fakes/fake-jetstream.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';
import { cardText } from './support/slack-card.js';

const CARE = 'C0JETA0001';

describe('a Jetstream card names its author by handle', () => {
  let slack: FakeSlack;
  let jet: FakeJetstream;
  let bsky: FakeBluesky;
  let app: Earshot;

  beforeAll(async () => {
    slack = await startFakeSlack();
    jet = await startFakeJetstream();
    bsky = await startFakeBluesky();
    const dir = mkdtempSync(join(tmpdir(), 'earshot-jet-authors-'));
    app = await startEarshot({
      config: parseConfig(`
brand: { name: Acme, handles: { bluesky: [acme.bsky.social] } }
sources:
  - { name: bsky-live, network: bluesky, mode: stream, queries: ['refund'], interval: 5s, options: { jetstream: '${jet.url}' } }
groups:
  - { id: care, slack: { channel: ${CARE} } }
routing: { fallback: care }
duplicates: { enabled: false }
storm: { enabled: false }
`),
      env: parseEnv({
        SLACK_BOT_TOKEN: 'xoxb-jet', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(dir, 'e.sqlite')}`, PORT: '0', HOST: '127.0.0.1',
        BLUESKY_SERVICE_URL: bsky.url, BLUESKY_HANDLE: 'acme.bsky.social', BLUESKY_APP_PASSWORD: bsky.appPassword,
      }),
      log: createLogger('silent'),
      sources: new Map([['bsky-live', idleSource('bsky-live')]]),
      // The stream is built by the server from the config, as in production.
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
    await bsky?.close();
  });

  const cardFor = (phrase: string) => slack.channel(CARE).messages().filter((m) => m.metadata?.event_type === 'earshot_case' && cardText(m).includes(phrase));

  it('looks the author up once, keeps the answer in the store, and shows @handle on the card', async () => {
    const tina = bsky.addUser('tina.bsky.social', { displayName: 'Tina Traveller', followersCount: 321 });
    jet.post({ text: 'where is my refund, it has been weeks', did: tina.did });
    await waitFor('the card', () => cardFor('it has been weeks').length === 1, 10_000);
    const text = cardText(cardFor('it has been weeks')[0]);
    expect(text).toContain('@tina.bsky.social');
    // The DID stays only in the post's link, not where the author is named.
    expect(text).not.toContain(`@${tina.did}`);
    const c = (await app.cases.get(String((cardFor('it has been weeks')[0]!.metadata!.event_payload as { case_id: string }).case_id)))!;
    expect(c.mention.author).toMatchObject({ id: tina.did, handle: 'tina.bsky.social', name: 'Tina Traveller', followers: 321 });
    expect(c.mention.author.followersUnknown).toBeUndefined();
    expect(bsky.callsTo('app.bsky.actor.getProfiles').map((q) => q.query.getAll('actors'))).toEqual([[tina.did]]);
    expect(await app.store.get(`bluesky-author:${tina.did}`)).toEqual({ handle: 'tina.bsky.social', name: 'Tina Traveller', followers: 321 });

    // The second post by the same author is named from the store, without a look-up.
    jet.post({ text: 'refund still missing, second try', did: tina.did });
    await waitFor('the second card', () => cardFor('second try').length === 1, 10_000);
    expect(cardText(cardFor('second try')[0])).toContain('@tina.bsky.social');
    expect(bsky.callsTo('app.bsky.actor.getProfiles')).toHaveLength(1);
  });

  it('sends the card with the DID when the look-up fails', async () => {
    const calls = bsky.callsTo('app.bsky.actor.getProfiles').length;
    const sam = bsky.addUser('sam.bsky.social');
    bsky.faults.schedule('app.bsky.actor.getProfiles', { kind: '5xx', status: 500 }, 20);
    jet.post({ text: 'refund please, the app is down', did: sam.did });
    await waitFor('the card', () => cardFor('the app is down').length === 1, 20_000);
    bsky.faults.clear();
    expect(cardText(cardFor('the app is down')[0])).toContain(`@${sam.did}`);
    expect(bsky.callsTo('app.bsky.actor.getProfiles').length).toBeGreaterThan(calls);
    expect(await app.store.get(`bluesky-author:${sam.did}`)).toBeUndefined();
  });
});
