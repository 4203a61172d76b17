import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseInteractions } from '../../src/app/case-interactions.js';
import { verifyHandoffToken } from '../../src/app/handoff-token.js';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { MemoryPrivateMessages, sourceWithPrivate } from '../helpers/memory-private-messages.js';
import { tempDir } from './support/bot-process.js';

const SECRET = 'a-handoff-secret-of-more-than-32-characters';
const AGENT = { platform: 'slack' as const, id: 'U0AGENT001', name: 'alice' };
const config = parseConfig(`
brand: { name: Acme Bank }
sources: [{ name: x-main, network: x, queries: ['@acmebank'] }]
groups: [{ id: cards, teams: { channel: Cards } }]
routing: { fallback: cards }
privateChannel:
  handoff: { url: 'https://secure.example-bank.com/contact?case={{case.token}}', ttl: 2h, only: { groups: [cards] } }
templates:
  - { id: dm, name: Chat in DMs, private: true, text: 'Please DM us.' }
  - { id: secure, name: Secure contact, private: true, text: 'Hi {{author.name}}, please continue on our secure site: {{handoff.url}}' }
`);

describe('the secure hand-off, end to end', () => {
  let app: Earshot;
  let ui: CaseInteractions;
  beforeAll(async () => {
    const env = parseEnv({ STORE_URL: `sqlite://${join(tempDir('handoff'), 'h.sqlite')}`, PORT: '0', HOST: '127.0.0.1', TEAMS_LOCAL_DEV: 'true', HANDOFF_SECRET: SECRET });
    const pm = new MemoryPrivateMessages('x', { id: 'brand', handle: 'acmebank', name: 'Acme Bank' });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-main', sourceWithPrivate('x-main', pm)]]) });
    ui = new CaseInteractions({ cases: app.cases, config, clock: systemClock, outbox: app.outbox, sources: app.sources, handoff: app.cases.handoff });
  });
  afterAll(async () => { await app?.stop(); });

  it('a hand-off-only case gets the hand-off template with a token of its own, and nothing else', async () => {
    await recordPoll(app.store, 'x-main', {
      mentions: [{ network: 'x', source: 'x-main', id: '5', text: '@acmebank my card 4111 1111 1111 1111 was stolen', createdAt: new Date().toISOString(), url: 'https://x.com/i/web/status/5', author: { id: 'u1', handle: 'kim', name: 'Kim', followers: 1, verified: false }, isRepost: false, isQuote: false }],
      cursor: '5', requests: 1,
    });
    await app.processInbox();
    const id = (await app.store.get<string>('mention-case:x:5'))!;
    const c = (await app.cases.get(id))!;
    const opened = await ui.openForm('case.redirect', { caseId: id, version: c.version }, AGENT);
    if (!opened.ok) throw new Error(opened.refusal.message);
    expect(opened.form.templates).toEqual([{ id: 'secure', name: 'Secure contact' }]);
    const link = /https:\/\/secure\.example-bank\.com\/contact\?case=(\S+)/.exec(opened.form.initial);
    expect(link).not.toBeNull();
    expect(verifyHandoffToken(SECRET, link![1]!, Date.now()).case).toBe(id);

    const refused = await ui.saveDraft(opened.form, 'Please DM us your card number.', AGENT, true);
    expect(!refused.ok && refused.refusal.message).toMatch(/only be answered with the secure hand-off link.*privateChannel\.handoff\.only/);
    expect(await ui.draftProblem(id, 'Please DM us.', true)).toMatch(/secure hand-off link/);
    const saved = await ui.saveDraft(opened.form, opened.form.initial, AGENT, true);
    expect(saved.ok, saved.ok ? '' : saved.refusal.message).toBe(true);
  });
});
