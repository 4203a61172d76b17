/**
 * The brand's own posts on the X filtered stream and on Jetstream are never mentions, as
 * when polling: on X by the author's username (however the handle is written in the
 * config), on Jetstream by the author's DID, the brand's handles being resolved to DIDs
 * before connecting (Jetstream names authors by DID only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Mention } from '../../src/domain/mention.js';
import { BrandJetstream, createJetstreamStream } from '../../src/sources/bluesky/create-bluesky-source.js';
import type { MentionStream } from '../../src/sources/mention-stream.js';
import { createXClients } from '../../src/sources/twitter/twitter-client.js';
import { TwitterStream } from '../../src/sources/twitter/twitter-stream.js';
import { startFakeBluesky, type FakeBluesky } from '../fakes/fake-bluesky.js';
import { startFakeJetstream, type FakeJetstream } from '../fakes/fake-jetstream.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';

/** Connects `stream`, waits until it is up, and collects what it hands over. */
async function listen(stream: MentionStream) {
  const heard: Mention[] = [];
  const ctl = new AbortController();
  let up = false;
  const ended = stream.connect({ connected: () => { up = true; }, mentions: async (b) => { heard.push(...b); }, malformed: () => undefined }, undefined, ctl.signal);
  await until(() => up);
  return { heard, stop: async () => { ctl.abort(); return ended; } };
}

async function until(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("the X filtered stream and the brand's own posts", () => {
  let x: FakeX;
  beforeAll(async () => { x = await startFakeX({ me: { username: 'Acme' } }); });
  afterAll(async () => { await x?.close(); });

  for (const own of ['acme', '@ACME']) {
    it(`drops posts by the brand account configured as ${own}`, async () => {
      const { read } = createXClients({ bearerToken: 'bearer' }, x.url, { timeoutMs: 2000 });
      const live = await listen(new TwitterStream({ name: 'x-live', queries: ['lounge'], ownHandles: [own], read: read! }));
      x.addTweet({ text: `the lounge is open again (${own})`, author: 'Acme' });
      x.addTweet({ text: `the lounge was closed (${own})`, author: 'sam' });
      await until(() => live.heard.some((m) => m.text.includes(`closed (${own})`)));
      await live.stop();
      expect(live.heard.map((m) => m.author.handle)).toEqual(['sam']);
    });
  }
});

describe("Jetstream and the brand's own posts", () => {
  let jet: FakeJetstream;
  let bsky: FakeBluesky;
  const config = (handles: string) => parseConfig(`
brand: { name: Acme, handles: { bluesky: ${handles} } }
sources:
  - { name: bsky-live, network: bluesky, mode: stream, queries: [refund], interval: 5s, options: { jetstream: '${jet.url}' } }
groups:
  - { id: care, slack: { channel: C0JETS0001 } }
routing: { fallback: care }
`);
  beforeAll(async () => {
    jet = await startFakeJetstream();
    bsky = await startFakeBluesky();
  });
  afterAll(async () => {
    await jet?.close();
    await bsky?.close();
  });

  const heard = async (stream: MentionStream, tag: string) => {
    const live = await listen(stream);
    jet.post({ text: `we answer every refund question ${tag}`, did: bsky.brand.did });
    jet.post({ text: `still waiting for my refund ${tag}`, did: 'did:plc:customer' });
    await until(() => live.heard.some((m) => m.text.includes(`my refund ${tag}`)));
    await live.stop();
    return live.heard.map((m) => m.author.id);
  };

  it('knows the brand by the DID its handle resolves to, when only the handle is configured', async () => {
    const cfg = config(`['@${bsky.brand.handle}']`);
    const stream = createJetstreamStream(cfg.sources[0]!, cfg, parseEnv({ BLUESKY_SERVICE_URL: bsky.url })) as BrandJetstream;
    expect(await heard(stream, 'by handle')).toEqual(['did:plc:customer']);
    expect(stream.opts.brandDids).toContain(bsky.brand.did);
    expect(stream.brandDids.unresolved).toEqual([]);
    // Resolved once: the next connection asks no more.
    const asked = bsky.calls.filter((c) => c.nsid === 'com.atproto.identity.resolveHandle').length;
    expect(asked).toBe(1);
    await heard(stream, 'again');
    expect(bsky.calls.filter((c) => c.nsid === 'com.atproto.identity.resolveHandle')).toHaveLength(1);
  });

  it('knows the brand by a DID configured directly, without asking', async () => {
    const cfg = config(`['${bsky.brand.did}']`);
    const asked = bsky.calls.length;
    expect(await heard(createJetstreamStream(cfg.sources[0]!, cfg, parseEnv({ BLUESKY_SERVICE_URL: bsky.url })), 'by did')).toEqual(['did:plc:customer']);
    expect(bsky.calls).toHaveLength(asked);
  });

  it('still connects when a handle cannot be resolved, and tries again at the next connection', async () => {
    const cfg = config('[nobody.bsky.social]');
    const stream = createJetstreamStream(cfg.sources[0]!, cfg, parseEnv({ BLUESKY_SERVICE_URL: bsky.url })) as BrandJetstream;
    const asked = () => bsky.calls.filter((c) => c.nsid === 'com.atproto.identity.resolveHandle' && c.query.get('handle') === 'nobody.bsky.social').length;
    // The brand's own post is heard here: its DID is not known.
    expect(await heard(stream, 'unresolved')).toEqual([bsky.brand.did, 'did:plc:customer']);
    expect(stream.brandDids.unresolved).toEqual(['nobody.bsky.social']);
    await heard(stream, 'retry');
    expect(asked()).toBe(2);
  });
});
