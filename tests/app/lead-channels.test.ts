import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatGateway } from '../../src/app/chat-gateway.js';
import { CaseRepository } from '../../src/app/case-repository.js';
import { runDigest } from '../../src/app/digest.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { Outbox } from '../../src/outbox/outbox.js';
import { createOpsNotice } from '../../src/server/ops-notice.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';

/** Groups bound to Teams with a `teams.leadChannel`: the digest and ops notices reach it too. */
const config = parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - { id: care, slack: { channel: C0CARE0001 }, teams: { channel: Care, leadChannel: Care leads } }
  - { id: billing, teams: { channel: Billing, leadChannel: Care leads } }
  - { id: bags, slack: { channel: C0BAGS0001 } }
routing: { fallback: care }
slack: { opsChannel: C0OPS00001 }
metrics:
  digest: { channel: C0MGRS0001, every: daily, at: '08:30' }
`);

describe('the Teams lead channels', () => {
  let store: Store;
  beforeAll(async () => { store = await openStore('sqlite://:memory:', { namespace: 'leads' }); });
  afterAll(async () => { await store?.close(); });

  it('get the digest text once each, on the digest\'s lane after the Slack one', async () => {
    const items: Array<{ kind: string; key: string; payload: Record<string, unknown> }> = [];
    const outbox = { enqueue: async (kind: string, key: string, payload: Record<string, unknown>) => { items.push({ kind, key, payload }); return true; } } as unknown as Outbox;
    expect(await runDigest({ store, repo: new CaseRepository(store), config, outbox }, new Date('2026-03-30T08:30:00Z'))).toBe('sent');
    const notices = items.filter((i) => i.kind === 'notice.post').map((i) => ({ platform: i.payload.platform, target: i.payload.target, lane: i.key }));
    expect(notices).toEqual([
      { platform: 'slack', target: 'C0MGRS0001', lane: 'digest:2026-03-29' },
      { platform: 'teams', target: 'Care leads', lane: 'digest:2026-03-29' },
    ]);
    expect(items[1]!.payload.text).toBe(items[0]!.payload.text);
  });

  it('get ops notices besides the Slack ops channel, masked', async () => {
    const posted: Array<[string, string, string]> = [];
    const gateway = (platform: 'slack' | 'teams'): ChatGateway => ({ platform, postNotice: async (target: string, text: string) => { posted.push([platform, target, text]); } } as unknown as ChatGateway);
    const notice = createOpsNotice({ config, gateways: new Map([['slack', gateway('slack')], ['teams', gateway('teams')]]), log: silentLogger() });
    await notice('X is failing; call +44 7700 900123');
    expect(posted.map(([p, t]) => [p, t])).toEqual([['slack', 'C0OPS00001'], ['teams', 'Care leads']]);
    expect(posted.every(([, , text]) => !text.includes('7700 900123'))).toBe(true);
  });
});
