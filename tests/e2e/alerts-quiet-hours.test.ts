import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { tempDir, waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';

/**
 * Who is silenced when, on a clock the test sets: quiet hours (`notify quiet`) hold back
 * new alerts but not escalations; working hours (`availability`) hold back everything;
 * a person's alerts come back when their quiet hours are over.
 */
const CARE = 'C0CARE0001';
const ALICE: Actor = { platform: 'slack', id: 'U0ALICE001', name: 'alice' };
const BOB: Actor = { platform: 'slack', id: 'U0BOB00001', name: 'bob' };
const LEA = 'U0LEAD0001';
const dm = (user: string) => `D${user.slice(1)}`;

let n = 0;
const mention = (text: string): Mention => {
  const id = `6${String(++n).padStart(3, '0')}`;
  return {
    network: 'x', source: 'x-mentions', id, text, createdAt: '2026-01-05T19:00:00.000Z', url: `https://x.com/i/web/status/${id}`,
    author: { id: `a${id}`, handle: `cust${id}`, name: `Customer ${id}`, followers: 10, verified: false }, isRepost: false, isQuote: false,
  };
};

describe('quiet hours and working hours on a set clock', () => {
  let slack: FakeSlack;
  let app: Earshot;
  // A Monday, 20:00 UTC.
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 20, 0, 0));

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [ALICE.id]: { name: 'alice' }, [BOB.id]: { name: 'bob' }, [LEA]: { name: 'lea' } } });
    app = await startEarshot({
      config: parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: ${CARE} }, leads: [slack:${BOB.id}] }]
routing: { fallback: care }
policy: { approvers: [slack:${LEA}, slack:${BOB.id}] }
availability:
  people:
    slack:${LEA}: { timezone: Europe/London, days: [mon, tue, wed, thu, fri], from: '09:00', to: '17:00' }
storm: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
`),
      env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-quiet', SLACK_SIGNING_SECRET: 'quiet-secret', SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(tempDir('alerts-quiet'), 'q.sqlite')}`, PORT: '0', HOST: '127.0.0.1', DRY_RUN: 'true' }),
      log: silentLogger(), sources: new Map([['x-mentions', idleSource()]]), schedule: false, outboxIntervalMs: 50, clock,
    });
  });
  afterAll(async () => {
    await app?.stop();
    await slack?.close();
  });

  const openCase = async (text: string): Promise<Case> => {
    await recordPoll(app.store, 'x-mentions', { mentions: [mention(text)], cursor: String(n), requests: 1 });
    await app.processInbox();
    const id = await waitFor('the case carded', async () => {
      for (const cid of await app.store.setMembers('open:care')) {
        const c = await app.cases.get(cid);
        if (c?.mention.text === text && c.views.length > 0) return cid;
      }
      return undefined;
    });
    return (await app.cases.get(id))!;
  };
  const drafted = async (text: string): Promise<Case> => {
    const c = await openCase(text);
    expect((await app.cases.apply(c.id, { type: 'claim' }, ALICE)).ok).toBe(true);
    expect((await app.cases.apply(c.id, { type: 'draft', text: 'On it.' }, ALICE)).ok).toBe(true);
    return c;
  };
  const alertOf = (user: string, caseId: string, kind: string) => slack.channel(dm(user)).messages().find((m) => (m.blocks as Array<{ block_id: string }>)[0]?.block_id === `alert:${kind}:${caseId}`);
  /** Gives the outbox time to deliver what it holds, so "no DM" means none was sent. */
  const settled = () => new Promise((r) => setTimeout(r, 600));

  it('quiet hours hold back a draft\'s alert, not an escalation; off hours hold back everything', async () => {
    const set = await app.commands.run('notify quiet 18:00-08:00', { actor: BOB, audience: 'private', now: clock.now() });
    expect(set.lines.join('\n')).toContain('Quiet hours 18:00-08:00 (UTC)');
    const c = await drafted('@acme late evening problem');
    const e = await openCase('@acme furious at night');
    expect((await app.cases.apply(e.id, { type: 'escalate' }, ALICE)).ok).toBe(true);
    // Bob is the group's lead: the escalation reaches him inside his quiet hours.
    await waitFor('the escalation DM', () => alertOf(BOB.id, e.id, 'escalation'));
    await settled();
    // Bob's quiet hours hold back the draft's alert; Lea is outside her working hours.
    expect(alertOf(BOB.id, c.id, 'approval')).toBeUndefined();
    expect(alertOf(LEA, c.id, 'approval')).toBeUndefined();
  });

  it('the next morning, inside working hours and outside quiet hours, both approvers are told', async () => {
    clock.set(new Date(Date.UTC(2026, 0, 6, 10, 0, 0)));
    const c = await drafted('@acme morning problem');
    await waitFor('Bob\'s DM', () => alertOf(BOB.id, c.id, 'approval'));
    await waitFor('Lea\'s DM', () => alertOf(LEA, c.id, 'approval'));
  });
});
