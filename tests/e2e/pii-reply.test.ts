import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { tempDir } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';

const idle = idleSource();
const AGENT = { platform: 'slack' as const, id: 'U0AGENT001', name: 'alice' };

describe('personal data in a reply', () => {
  let app: Earshot;
  let id: string;

  beforeAll(async () => {
    const config = parseConfig(`
brand: { name: Acme, publicNumberPatterns: ['\\bAC\\d{3,4}\\b'] }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, teams: { channel: General } }]
routing: { fallback: care }
`);
    const env = parseEnv({ STORE_URL: `sqlite://${join(tempDir('pii'), 'p.sqlite')}`, PORT: '0', HOST: '127.0.0.1', TEAMS_LOCAL_DEV: 'true' });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idle]]) });
    await recordPoll(app.store, 'x-mentions', {
      mentions: [{ network: 'x', source: 'x-mentions', id: '9', text: '@acme refund please', createdAt: new Date().toISOString(), url: 'https://x.com/i/web/status/9', author: { id: 'a', handle: 'h', name: 'N', followers: 1, verified: false }, isRepost: false, isQuote: false }],
      cursor: '9', requests: 1,
    });
    await app.processInbox();
    id = (await app.store.setMembers('open:care'))[0]!;
  });

  afterAll(async () => { await app?.stop(); });

  it.each([
    ['a card number', 'We refunded card 4111 1111 1111 1111 today', 'a payment card number'],
    ['an IBAN', 'Paid to DE89 3704 0044 0532 0130 00', 'a bank account number (IBAN)'],
  ])('refuses a draft with %s, saying what it found', async (_what, text, named) => {
    const r = await app.cases.apply(id, { type: 'draft', text }, AGENT);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.refusal.message).toContain('contains personal data');
      expect(r.refusal.message).toContain(named);
    }
  });

  it('accepts a reply with a flight number the brand publishes', async () => {
    const r = await app.cases.apply(id, { type: 'draft', text: 'Flight AC123 is rebooked for you.' }, AGENT);
    expect(r.ok, r.ok ? '' : r.refusal.message).toBe(true);
  });
});
