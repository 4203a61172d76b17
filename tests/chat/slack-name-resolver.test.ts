import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackNameResolver } from '../../src/chat/slack/slack-name-resolver.js';
import type { Actor } from '../../src/domain/actor.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { sqliteBackend, uniqueNamespace } from '../store/store-backends.js';

/** users.info answers cached with a TTL, concurrent lookups coalesced, in one process and across two. */
const log = createLogger('silent');
const PEOPLE = ['U0AMY0001', 'U0BEN0002', 'U0CAT0003', 'U0DAN0004'];
const backend = sqliteBackend();

describe('Slack names (users.info)', () => {
  let slack: FakeSlack;
  let client: WebClient;
  let stores: Store[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack({ users: Object.fromEntries(PEOPLE.map((id, i) => [id, { name: `p${i}`, realName: `Person ${i}` }])) });
    client = new WebClient('xoxb-names', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await slack.close();
    await backend.dispose();
  });
  beforeEach(() => {
    slack.calls.length = 0;
  });

  const lookups = () => slack.callsTo('users.info').length;
  const clicks = (n: number): Actor[] => Array.from({ length: n }, (_, i) => ({ platform: 'slack', id: PEOPLE[i % PEOPLE.length]! }));

  it('makes one call per person for a burst of 100 lookups by 4 people, and names each of them', async () => {
    const resolve = slackNameResolver(log);
    const named = await Promise.all(clicks(100).map((a) => resolve(client, a)));
    expect(lookups()).toBe(PEOPLE.length);
    expect(new Set(named.map((a) => a.name))).toEqual(new Set(['p0', 'p1', 'p2', 'p3']));
    expect(named.every((a, i) => a.id === PEOPLE[i % PEOPLE.length])).toBe(true);
    // Later clicks are answered from the cache.
    await resolve(client, { platform: 'slack', id: PEOPLE[0]! });
    expect(lookups()).toBe(PEOPLE.length);
  });

  it('asks again once the answer is older than its TTL', async () => {
    let t = 1_000_000;
    const resolve = slackNameResolver(log, { ttlMs: 60_000, now: () => t });
    await resolve(client, { platform: 'slack', id: PEOPLE[0]! });
    t += 59_000;
    await resolve(client, { platform: 'slack', id: PEOPLE[0]! });
    expect(lookups()).toBe(1);
    t += 2_000;
    expect((await resolve(client, { platform: 'slack', id: PEOPLE[0]! })).name).toBe('p0');
    expect(lookups()).toBe(2);
  });

  it('keeps the id of someone Slack does not know, and does not ask again for every click', async () => {
    const resolve = slackNameResolver(log);
    const stranger: Actor = { platform: 'slack', id: 'U0NOBODY9' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => resolve(client, stranger)));
    expect(answers.every((a) => a.id === 'U0NOBODY9' && a.name === undefined)).toBe(true);
    await resolve(client, stranger);
    expect(lookups()).toBe(1);
  });

  it('makes at most one call per person across two instances sharing a store', async () => {
    const namespace = uniqueNamespace();
    stores = [await openStore(backend.url, { namespace }), await openStore(backend.url, { namespace })];
    const [a, b] = stores.map((cache) => slackNameResolver(log, { cache }));
    const named = await Promise.all(clicks(100).map((actor, i) => (Math.floor(i / PEOPLE.length) % 2 ? a! : b!)(client, actor)));
    expect(lookups()).toBeLessThanOrEqual(PEOPLE.length);
    expect(named.every((x) => /^p[0-3]$/.test(x.name ?? ''))).toBe(true);
    // A third instance started later finds every name in the store.
    const c = slackNameResolver(log, { cache: stores[0]! });
    await Promise.all(clicks(8).map((actor) => c(client, actor)));
    expect(lookups()).toBeLessThanOrEqual(PEOPLE.length);
  });
});
