import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { startFakeSlack, type FakeSlack } from '../fakes/fake-slack.js';
import { blockActionsPayload, slashCommandBody } from '../helpers/slack-signing.js';
import { tempDir, waitFor } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';

const idle = idleSource();

describe('Slack in Socket Mode', () => {
  let slack: FakeSlack;
  let app: Earshot;

  beforeAll(async () => {
    slack = await startFakeSlack();
    const config = parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: C0CARE0001 } }]
routing: { fallback: care }
slack: { mode: socket }
`);
    const env = parseEnv({ SLACK_BOT_TOKEN: 'xoxb-s', SLACK_APP_TOKEN: 'xapp-1-s', SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(tempDir('socket'), 's.sqlite')}`, PORT: '0', HOST: '127.0.0.1' });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idle]]), outboxIntervalMs: 50 });
    await slack.socketMode.waitForConnection();
  });

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
  });

  it('receives clicks and commands over the socket, acks them, and works the case', async () => {
    await recordPoll(app.store, 'x-mentions', {
      mentions: [{ network: 'x', source: 'x-mentions', id: '77', text: '@acme hello', createdAt: new Date().toISOString(), url: 'https://x.com/i/web/status/77', author: { id: 'a', handle: 'h', name: 'N', followers: 1, verified: false }, isRepost: false, isQuote: false }],
      cursor: '77', requests: 1,
    });
    await app.processInbox();
    const card = await waitFor('the card', () => slack.channel('C0CARE0001').messages().find((m) => m.metadata));
    const claim = (card.blocks as Array<Record<string, any>>).find((b) => b.type === 'actions')!.elements.find((e: { action_id: string }) => e.action_id === 'case.claim');
    const ack = await slack.socketMode.send('interactive', blockActionsPayload({ user: 'U0AGENT001', channel: 'C0CARE0001', messageTs: card.ts, actionId: 'case.claim', value: claim.value }) as unknown as Record<string, unknown>);
    expect(ack.envelope_id).toBeTruthy();
    await waitFor('claimed card', () => JSON.stringify(slack.channel('C0CARE0001').message(card.ts)?.blocks).includes('Claimed'));

    const cmdAck = await slack.socketMode.send('slash_commands', slashCommandBody({ user: 'U0AGENT001', channel: 'C0CARE0001', text: 'help', responseUrl: slack.responseUrl() }) as unknown as Record<string, unknown>);
    expect(cmdAck.envelope_id).toBeTruthy();
    const help = await waitFor('help answer', () => slack.responses()[0]);
    expect(String(help.body.text)).toContain('metrics');
  });
});
