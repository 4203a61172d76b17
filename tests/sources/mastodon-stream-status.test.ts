/**
 * A Mastodon status heard by the stream (snake_case JSON from the streaming API) and found
 * by the poll (masto's camelCase objects) is one conversion: the same status gives the same
 * Mention both ways. And the brand's own statuses are dropped whichever way its account is
 * written: the bare `user` Mastodon gives a local account, or `user@domain`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Mention } from '../../src/domain/mention.js';
import { createMastodonSource, createMastodonStream } from '../../src/sources/mastodon/create-mastodon-source.js';
import { isOwnAccount } from '../../src/sources/mastodon/mastodon-status.js';
import { MastodonStream } from '../../src/sources/mastodon/mastodon-stream.js';
import type { MentionStream } from '../../src/sources/mention-stream.js';
import { FAKE_MASTODON_DOMAIN, startFakeMastodon, type FakeMastodon } from '../fakes/fake-mastodon.js';

const config = (handles: string) => parseConfig(`
brand: { name: Acme, handles: { mastodon: ${handles} } }
sources:
  - { name: masto, network: mastodon, mode: stream, queries: ['@me', '#acmeair'], interval: 5s }
groups:
  - { id: care, slack: { channel: C0CARE0001 } }
routing: { fallback: care }
`);

/** A stream connected to the fake, collecting what it hands over; `stop` closes it. */
async function listen(stream: MentionStream, masto: FakeMastodon) {
  const heard: Mention[] = [];
  const ctl = new AbortController();
  const opensBefore = masto.streaming.connects;
  const ended = stream.connect({ connected: () => undefined, mentions: async (b) => { heard.push(...b); }, malformed: () => undefined }, undefined, ctl.signal);
  await until(() => masto.streaming.connects > opensBefore && masto.streaming.subscriptions.length >= 2);
  // The subscriptions are sent on open; give the fake a moment to read them.
  await new Promise((r) => setTimeout(r, 100));
  return { heard, stop: async () => { ctl.abort(); return ended; } };
}

async function until(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const byId = (ms: Mention[]) => [...ms].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));

describe('a Mastodon status, polled or streamed', () => {
  let masto: FakeMastodon;
  let env: ReturnType<typeof parseEnv>;

  beforeAll(async () => {
    masto = await startFakeMastodon();
    env = parseEnv({ MASTODON_URL: masto.url, MASTODON_ACCESS_TOKEN: masto.accessToken });
    // A remote author with a verified profile link, a display name and followers.
    masto.addAccount('omar@other.example', { display_name: '  Omar K.  ', followers_count: 912, fields: [{ name: 'site', value: 'x', verified_at: '2024-01-02T00:00:00.000Z' }] });
  });
  afterAll(async () => { await masto?.close(); });

  it('becomes the same Mention from the poll as from the stream', async () => {
    const cfg = config('[acme]');
    const live = await listen(createMastodonStream(cfg.sources[0]!, cfg, env), masto);
    const root = masto.addStatus({ text: 'flight 12 is late', author: 'bob@other.example' });
    masto.addStatus({ text: '@acme my bag is <still> missing & nobody answers', author: 'jane', replyTo: root.id, lang: 'de', spoiler: 'luggage' });
    masto.addStatus({ text: 'the lounge was closed again #acmeair', author: 'omar@other.example' });
    masto.addStatus({ text: 'sorry about the lounge #acmeair', author: 'acme' });
    await until(() => live.heard.length >= 2);
    await live.stop();

    const polled = (await createMastodonSource(cfg.sources[0]!, cfg, env).poll(undefined)).mentions;
    expect(polled).toHaveLength(2);
    expect(byId(live.heard)).toEqual(byId(polled));
    // What the two agree on is the whole conversion, not empty fields.
    const [bag, lounge] = byId(polled);
    expect(bag).toMatchObject({ text: 'luggage\n\n@acme my bag is <still> missing & nobody answers', lang: 'de', inReplyToId: root.id, author: { handle: `jane@${FAKE_MASTODON_DOMAIN}` } });
    expect(lounge!.author).toEqual({ id: expect.any(String), handle: 'omar@other.example', name: 'Omar K.', followers: 912, verified: true });
  });
});

describe("the brand's own account", () => {
  const host = 'md.example:8443';
  const local = { id: '1', acct: 'acme', username: 'acme', url: `https://${FAKE_MASTODON_DOMAIN}/@acme` };

  it('matches a local account (bare acct) configured bare, as user@instance or as user@its public domain', () => {
    for (const own of ['acme', `acme@${host}`, `acme@${FAKE_MASTODON_DOMAIN}`]) expect(isOwnAccount(local, new Set([own]), host), own).toBe(true);
    expect(isOwnAccount({ ...local, url: undefined }, new Set([`acme@${host}`]), host)).toBe(true);
    expect(isOwnAccount({ ...local, acct: 'ACME' }, new Set(['acme']), host)).toBe(true);
  });

  it('matches a remote account (user@domain) only by its full acct', () => {
    const remote = { id: '2', acct: 'acme_help@other.example', username: 'acme_help', url: 'https://other.example/@acme_help' };
    expect(isOwnAccount(remote, new Set(['acme_help@other.example']), host)).toBe(true);
    expect(isOwnAccount(remote, new Set(['acme_help']), host)).toBe(false);
    expect(isOwnAccount(remote, new Set([`acme_help@${host}`]), host)).toBe(false);
    expect(isOwnAccount(local, new Set(['acme@other.example']), host)).toBe(false);
  });

  describe('on the stream', () => {
    let masto: FakeMastodon;
    let env: ReturnType<typeof parseEnv>;
    beforeAll(async () => {
      masto = await startFakeMastodon();
      env = parseEnv({ MASTODON_URL: masto.url, MASTODON_ACCESS_TOKEN: masto.accessToken });
    });
    afterAll(async () => { await masto?.close(); });

    const heardFrom = async (stream: MentionStream, tag: string) => {
      const live = await listen(stream, masto);
      masto.addStatus({ text: `ours, local #acmeair ${tag}`, author: 'acme' });
      masto.addStatus({ text: `ours, remote #acmeair ${tag}`, author: 'acme_help@other.example' });
      masto.addStatus({ text: `a customer #acmeair ${tag}`, author: 'jane' });
      await until(() => live.heard.some((m) => m.text.includes(`customer #acmeair ${tag}`)));
      await live.stop();
      return live.heard.map((m) => m.author.handle);
    };

    it('drops its statuses with the handles configured bare or as user@domain', async () => {
      const forms = { bare: '[acme, acme_help@other.example]', full: `['@acme@${FAKE_MASTODON_DOMAIN}', '@acme_help@other.example']` };
      for (const [form, handles] of Object.entries(forms)) {
        const cfg = config(handles);
        expect(await heardFrom(createMastodonStream(cfg.sources[0]!, cfg, env), form), handles).toEqual([`jane@${FAKE_MASTODON_DOMAIN}`]);
      }
    });

    it('drops them when the own accounts it is given are bare names', async () => {
      const cfg = config('[]');
      const built = createMastodonStream(cfg.sources[0]!, cfg, env) as MastodonStream;
      const stream = new MastodonStream({ ...built.opts, ownAccounts: new Set(['acme', 'acme_help@other.example']) });
      expect(await heardFrom(stream, 'bare')).toEqual([`jane@${FAKE_MASTODON_DOMAIN}`]);
    });
  });
});
