import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { mulberry32 } from '../fakes/misbehave.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/fake-bot-connector.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { signSlack } from '../helpers/slack-signing.js';
import { startBot, tempDir, writeConfig, type BotProcess } from './support/bot-process.js';

const SECRET = 'fuzz-signing-secret';
const APP_ID = '00000000-0000-0000-0000-00000000f022';
const CONFIG = `
brand: { name: Acme }
sources:
  - { name: x-mentions, network: x, queries: ['@acme'], interval: 1h, enabled: false }
groups:
  - { id: care, slack: { channel: C0FUZZ0001 } }
routing: { fallback: care }
`;

type Rng = () => number;
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rng, n: number) => Math.floor(r() * n);

/** Random text with the awkward characters: controls, lone surrogates, bidi, quotes, NUL. */
function nasty(r: Rng, n: number): string {
  const alphabet = ['a', '{', '}', '[', ']', '"', '\\', ':', ',', '\u0000', '\u202E', '\u200B', '\uD800', '\uDFFF', '<!channel>', '%', '&', '=', '\n', 'é', '😀', 'payload', 'type', 'null', 'true', '1e999'];
  let s = '';
  for (let i = 0; i < n; i++) s += pick(r, alphabet);
  return s;
}

function deep(n: number): string {
  return '['.repeat(n) + ']'.repeat(n);
}

/** A malformed body for Slack's endpoint, with the content type it is sent as. */
function slackBody(r: Rng): { body: string; type: string } {
  const form = 'application/x-www-form-urlencoded';
  switch (int(r, 9)) {
    case 0: return { body: nasty(r, int(r, 200)), type: 'application/json' };
    case 1: return { body: `payload=${encodeURIComponent(nasty(r, int(r, 300)).toWellFormed())}`, type: form };
    case 2: return { body: `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: 7, actions: nasty(r, 20) }).toWellFormed())}`, type: form };
    case 3: return { body: `payload=${encodeURIComponent(JSON.stringify({ type: pick(r, ['view_submission', 'block_actions', 'shortcut', 'message_action']), view: { private_metadata: nasty(r, 50) } }).toWellFormed())}`.slice(0, int(r, 400) + 10), type: form };
    case 4: return { body: deep(int(r, 5000) + 100), type: 'application/json' };
    case 5: return { body: JSON.stringify({ token: 1, type: nasty(r, 10), event: { type: 'app_mention', text: nasty(r, 100) } }).slice(0, int(r, 120) + 5), type: 'application/json' };
    case 6: return { body: `command=%ZZ&text=${nasty(r, 30)}`, type: form };
    case 7: return { body: nasty(r, 50), type: pick(r, ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', '']) };
    default: return { body: `payload=${'%7B'.repeat(int(r, 50))}`, type: form };
  }
}

/** A malformed body for the Bot Framework endpoint. */
function teamsBody(r: Rng): { body: string; type: string } {
  switch (int(r, 6)) {
    case 0: return { body: nasty(r, int(r, 200)), type: 'application/json' };
    case 1: return { body: deep(int(r, 3000) + 50), type: 'application/json' };
    case 2: return { body: JSON.stringify([nasty(r, 10)]), type: 'application/json' };
    case 3: return { body: JSON.stringify({ type: nasty(r, 5), serviceUrl: nasty(r, 20), conversation: 5 }).slice(0, int(r, 80) + 2), type: 'application/json' };
    case 4: return { body: nasty(r, 40), type: pick(r, ['text/plain', 'application/x-www-form-urlencoded']) };
    default: return { body: JSON.stringify({ type: 'message', text: nasty(r, 30) }), type: 'application/json' };
  }
}

describe('fuzz: thousands of malformed payloads at /slack/events and /api/messages', () => {
  let slack: FakeSlack;
  let connector: FakeBotConnector;
  let bot: BotProcess;

  beforeAll(async () => {
    slack = await startFakeSlack();
    connector = await startFakeBotConnector();
    const dir = tempDir('fuzz');
    bot = await startBot({
      cwd: dir,
      env: {
        EARSHOT_CONFIG: writeConfig(dir, CONFIG),
        SLACK_BOT_TOKEN: 'xoxb-fuzz', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
        // Teams with authentication on: an unsigned activity must be refused.
        MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'fuzz-password', MICROSOFT_APP_TENANT_ID: 'fuzz-tenant',
        // Bot Framework's signing keys come from the fake connector (no internet in tests).
        TEAMS_OPENID_METADATA_URL: connector.openIdMetadataUrl,
        STORE_URL: `sqlite://${join(dir, 'earshot.sqlite')}`,
        LOG_LEVEL: 'warn',
      },
    });
  });

  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await slack?.close();
    await connector?.close();
  });

  it('refuses forged Bot Framework tokens with 401', async () => {
    const activity = {
      type: 'message', id: 'm1', channelId: 'msteams', serviceUrl: connector.url, text: 'hi',
      from: { id: '29:attacker', aadObjectId: '00000000-0000-0000-0000-0000000000aa' }, recipient: { id: `28:${APP_ID}` },
      conversation: { id: '19:abc@thread.tacv2', conversationType: 'channel', tenantId: 'fuzz-tenant' },
    };
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = {
      'signed with another key': jwt.sign({ serviceurl: connector.url }, other, { algorithm: 'RS256', keyid: 'fake-bot-framework-key', issuer: 'https://api.botframework.com', audience: APP_ID, expiresIn: '5m' }),
      'for another bot': connector.signInbound({ appId: 'ffffffff-0000-0000-0000-000000000000', serviceUrl: connector.url }),
      // Bot Framework allows 5 minutes of clock skew: an hour is expired for good.
      'expired an hour ago': connector.signInbound({ appId: APP_ID, serviceUrl: connector.url, expiresIn: -3600 }),
      'for another service URL': connector.signInbound({ appId: APP_ID, serviceUrl: 'https://evil.example/' }),
      'alg none': `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ aud: APP_ID, iss: 'https://api.botframework.com', serviceurl: connector.url })).toString('base64url')}.`,
      'no token': undefined,
    };
    for (const [what, token] of Object.entries(forged)) {
      const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(activity) });
      expect(res.status, what).toBe(401);
    }
    expect(connector.calls.filter((c) => c.op !== 'unknown')).toEqual([]);
  });

  it('answers every one with a 4xx, stays up, and rejects nothing unhandled', async () => {
    const r = mulberry32(20261122);
    const N = 3000;
    const statuses = new Map<string, number>();
    const bad: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const teams = i % 3 === 2;
        const { body, type } = teams ? teamsBody(r) : slackBody(r);
        const headers: Record<string, string> = type ? { 'content-type': type } : {};
        // Half the Slack ones carry a valid signature, so they reach Bolt's parsing.
        if (!teams && r() < 0.5) Object.assign(headers, signSlack(body, SECRET));
        if (teams && r() < 0.3) headers.authorization = `Bearer ${nasty(r, 30).replace(/[^\x21-\x7e]/g, 'x')}`;
        const path = teams ? '/api/messages' : '/slack/events';
        let status = 0;
        try {
          const res = await fetch(`${bot.url}${path}`, { method: 'POST', headers, body });
          status = res.status;
          await res.arrayBuffer();
        } catch (e) {
          bad.push(`${path} #${i}: ${(e as Error).message}`);
        }
        const k = `${path} ${status}`;
        statuses.set(k, (statuses.get(k) ?? 0) + 1);
        if (status < 400 || status >= 500) bad.push(`${path} #${i} answered ${status}: ${type} ${body.slice(0, 80)}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    console.log('fuzz answers:', JSON.stringify(Object.fromEntries([...statuses].sort())));
    expect(bad.slice(0, 10)).toEqual([]);
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    expect(bot.child.exitCode).toBeNull();
    expect(bot.output()).not.toMatch(/unhandled rejection|uncaughtException|FATAL/i);
  }, 120_000);
});
