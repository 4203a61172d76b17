import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Mention } from '../../src/domain/mention.js';
import { createStreams } from '../../src/sources/create-streams.js';
import type { StreamHandlers } from '../../src/sources/mention-stream.js';
import { startFakeMastodon, type FakeMastodon } from '../fakes/fake-mastodon.js';
import { buildPrivate } from './private-harness.js';

/**
 * A direct status that mentions the brand is a private message. With private messages on it
 * is read by the private poll and joins the author's case there, so listening must not also
 * make it a public mention (a second case, answered in public terms). With them off it stays
 * a mention, as before: nothing else would hear it.
 */
let m: FakeMastodon;
beforeEach(async () => { m = await startFakeMastodon(); });
afterEach(async () => {
  expect(m.internalErrors).toEqual([]);
  await m.close();
});

const build = (options: Record<string, unknown>) => buildPrivate({ name: 'masto-acme', network: 'mastodon', queries: ['@me'], options }, { MASTODON_URL: m.url, MASTODON_ACCESS_TOKEN: m.accessToken });

describe('direct statuses and mentions', () => {
  it('polling: with private messages on, a direct status is not a mention (the private poll has it); off, it is', async () => {
    const start = Date.now() - 60_000;
    m.addStatus({ text: '@acme my bag is missing', author: 'jane', createdAt: new Date(start).toISOString() });
    const dm = m.addStatus({ text: '@acme my card 4111 1111 1111 1111 is blocked', author: 'jane', visibility: 'direct', createdAt: new Date(start + 1000).toISOString() });

    const on = build({ private: true });
    const heard = await on.source().poll(undefined);
    expect(heard.mentions.map((x) => x.text)).toEqual(['@acme my bag is missing']);
    const dms = await on.dms().pollPrivate(undefined);
    expect(dms.messages.map((x) => [x.id, x.direction])).toEqual([[dm.id, 'in']]);

    const off = await build({}).source().poll(undefined);
    expect(off.mentions.map((x) => x.text)).toEqual(['@acme my bag is missing', '@acme my card 4111 1111 1111 1111 is blocked']);
  });

  it('streaming: with private messages on, a direct status on user:notification is not a mention; off, it is', () => {
    const config = (options: string) => parseConfig(`
brand: { name: Acme, handles: { mastodon: [acme] } }
sources: [{ name: live, network: mastodon, mode: stream, queries: ['@me'], options: ${options} }]
groups: [{ id: care, slack: { channel: C0CARE0001 } }]
routing: { fallback: care }
`);
    const env = parseEnv({ MASTODON_URL: m.url, MASTODON_ACCESS_TOKEN: m.accessToken });
    const frame = (visibility: string) => JSON.stringify({
      stream: ['user:notification'], event: 'notification',
      payload: JSON.stringify({ id: '9', type: 'mention', status: { ...m.addStatus({ text: '@acme hello', author: 'jane', visibility: visibility as 'direct' }), visibility } }),
    });
    const malformed: string[] = [];
    const handlers = { malformed: (d: string) => { malformed.push(d); } } as unknown as StreamHandlers;
    type Reader = { read(text: string, h: StreamHandlers): Mention | undefined };
    const on = createStreams(config('{ private: true }'), env).get('live') as unknown as Reader;
    const off = createStreams(config('{}'), env).get('live') as unknown as Reader;
    expect(on.read(frame('direct'), handlers)).toBeUndefined();
    expect(on.read(frame('public'), handlers)?.text).toBe('@acme hello');
    expect(off.read(frame('direct'), handlers)?.text).toBe('@acme hello');
    expect(malformed).toEqual([]);
  });
});
