import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/fake-slack.js';
import { startFakeX, type FakeX } from '../fakes/fake-x.js';
import { mulberry32 } from '../fakes/misbehave.js';
import { blockActionsPayload, slackRequest, viewSubmissionPayload } from '../helpers/slack-signing.js';
import { freePort, startBot, tempDir, writeConfig, type BotProcess } from './support/bot-process.js';

/**
 * The crash test: 1,000 mentions arrive while the bot is killed with SIGKILL at seeded
 * random moments (RUNS lives), and 20 cases are answered through the Slack buttons while it
 * keeps dying. After the last restart: every mention has exactly one card, and every
 * answered case exactly one public reply. `bench/crash.ts` runs the same with more runs.
 */
// npm test runs a smaller seeded version (it must stay within a few minutes);
// `npm run bench:crash` runs the full 20 kills over 1,000 mentions.
const RUNS = Number(process.env.CRASH_RUNS ?? 6);
const MENTIONS = Number(process.env.CRASH_MENTIONS ?? 300);
const REPLIES = 20;
const SEED = Number(process.env.CRASH_SEED ?? 4242);
const SECRET = 'crash-signing-secret';
const CHANNELS = ['C0CRASH001', 'C0CRASH002', 'C0CRASH003', 'C0CRASH004'];
const WORDS = ['bag', 'refund', 'app', 'seat'];
const AGENT = 'U0AGENT001';

const CONFIG = `
brand: { name: Acme, handles: { x: [acme] } }
sources:
  - { name: x-mentions, network: x, queries: ['@acme'], interval: 5s, maxPages: 10 }
groups:
${CHANNELS.map((c, i) => `  - { id: g${i}, slack: { channel: ${c} } }`).join('\n')}
routing:
  fallback: g0
  rules:
${WORDS.map((w, i) => `    - { name: r${i}, when: { keywords: [${w}] }, then: { route: g${i} } }`).join('\n')}
policy: { requireApproval: false }
storm: { enabled: false }
# One case per mention is what this test counts; the posts are alike, so near-duplicate folding is off.
duplicates: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
`;

const caseOf = (m: SlackMessage) => String((m.metadata!.event_payload as { case_id: string }).case_id);

describe(`crash test: kill -9 at ${RUNS} random moments during a ${MENTIONS}-mention run`, () => {
  let slack: FakeSlack;
  let x: FakeX;
  let dir: string;
  let env: Record<string, string>;
  let bot: BotProcess | undefined;
  let port: number;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { [AGENT]: { name: 'alice' } } });
    x = await startFakeX({ me: { username: 'acme' }, rateLimits: { 'GET /2/tweets/search/recent': { limit: 100_000, windowSec: 900 }, 'POST /2/tweets': { limit: 100_000, windowSec: 900 }, 'GET /2/users/:id/tweets': { limit: 100_000, windowSec: 900 }, 'GET /2/users/me': { limit: 100_000, windowSec: 900 } } });
    dir = tempDir('crash');
    port = await freePort();
    env = {
      EARSHOT_CONFIG: writeConfig(dir, CONFIG),
      SLACK_BOT_TOKEN: 'xoxb-crash', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url,
      X_BEARER_TOKEN: 'b', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'a', X_API_URL: x.url,
      STORE_URL: `sqlite://${join(dir, 'earshot.sqlite')}`,
      LOG_LEVEL: 'warn',
      // One name for every life, so a restarted bot takes over its own leases at once.
      INSTANCE_ID: 'crash-bot',
    };
  });

  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await slack?.close();
    await x?.close();
  });

  const cards = () => CHANNELS.flatMap((ch) => slack.channel(ch).messages().filter((m) => m.metadata?.event_type === 'earshot_case').map((m) => ({ ch, m })));
  const button = (m: SlackMessage, id: string) => ((m.blocks as Array<Record<string, any>>).find((b) => b.type === 'actions')?.elements as Array<{ action_id: string; value: string }> | undefined)?.find((e) => e.action_id === id);

  /** Moves one of the chosen cases one step on (draft, then send); tolerant of a dead bot. */
  async function drive(target: { ch: string; m: SlackMessage }, r: () => number): Promise<void> {
    if (!bot) return;
    const send = slackRequest(`${bot.url}/slack/events`, SECRET);
    const m = slack.channel(target.ch).message(target.m.ts)!;
    const sendBtn = button(m, 'case.send');
    const draftBtn = button(m, 'case.draft');
    try {
      if (sendBtn) {
        await send.interactive(blockActionsPayload({ user: AGENT, channel: target.ch, messageTs: m.ts, actionId: 'case.send', value: sendBtn.value }));
      } else if (draftBtn) {
        const trigger = `trg-${Math.floor(r() * 1e9)}`;
        await send.interactive(blockActionsPayload({ user: AGENT, channel: target.ch, messageTs: m.ts, actionId: 'case.draft', value: draftBtn.value, triggerId: trigger }));
        const deadline = Date.now() + 2000;
        let view: Record<string, any> | undefined;
        while (!view && Date.now() < deadline) {
          view = slack.callsTo('views.open').find((c) => c.args.trigger_id === trigger)?.args.view as Record<string, any> | undefined;
          if (!view) await new Promise((res) => setTimeout(res, 30));
        }
        if (view) {
          await send.interactive(viewSubmissionPayload({ user: AGENT, callbackId: view.callback_id, privateMetadata: view.private_metadata, values: { reply: { text: `Sorry (${caseOf(m)}), we are on it.` } } }));
        }
      }
    } catch { /* the bot died under us: the next life goes on */ }
  }

  it(`loses no mention and repeats no card or reply over ${RUNS} kills`, async () => {
    const r = mulberry32(SEED);
    let added = 0;
    const feeder = setInterval(() => {
      for (let i = 0; i < 25 && added < MENTIONS; i++, added++) x.addTweet({ text: `@acme my ${WORDS[added % 4]} problem #${added}`, author: `c${added % 300}` });
    }, 100);
    const started = Date.now();
    const chosen: Array<{ ch: string; m: SlackMessage }> = [];
    try {
      for (let run = 0; run < RUNS; run++) {
        bot = await startBot({ cwd: dir, env, port });
        const lifeMs = 300 + r() * 1700;
        const until = Date.now() + lifeMs;
        while (Date.now() < until) {
          if (chosen.length < REPLIES) for (const c of cards()) if (chosen.length < REPLIES && !chosen.some((k) => k.m.ts === c.m.ts)) chosen.push(c);
          const target = chosen[Math.floor(r() * chosen.length)];
          if (target) await drive(target, r);
          await new Promise((res) => setTimeout(res, 20 + r() * 80));
        }
        bot.child.kill('SIGKILL');
        await bot.exited;
        if (process.env.CRASH_DEBUG) console.log('life', run, Math.round(lifeMs), 'cards', cards().length, 'chosen', chosen.length, 'posted', x.posted.length, 'tweets', added);
      }
      const crashPhaseMs = Date.now() - started;
      clearInterval(feeder);
      for (; added < MENTIONS; added++) x.addTweet({ text: `@acme my ${WORDS[added % 4]} problem #${added}`, author: `c${added % 300}` });

      // The last life: let it finish the answers and everything else.
      bot = await startBot({ cwd: dir, env, port });
      // A bound on a hang, not a speed target: the loop ends as soon as everything is answered.
      const deadline = Date.now() + Math.max(300_000, MENTIONS * 600);
      const answered = () => chosen.filter((c) => (slack.channel(c.ch).message(c.m.ts)?.blocks ?? []).some((b) => JSON.stringify(b).includes('Replied'))).length;
      while (Date.now() < deadline && (cards().length < MENTIONS || answered() < REPLIES)) {
        if (chosen.length < REPLIES) for (const c of cards()) if (chosen.length < REPLIES && !chosen.some((k) => k.m.ts === c.m.ts)) chosen.push(c);
        for (const c of chosen) await drive(c, r);
        await new Promise((res) => setTimeout(res, 300));
        if (process.env.CRASH_DEBUG) console.log('final phase', cards().length, answered(), chosen.length, x.posted.length);
      }
      await new Promise((res) => setTimeout(res, 2000));
      expect(await bot.stop('SIGTERM')).toBe(0);
      bot = undefined;

      // Every mention → exactly one case → exactly one card.
      const store = await openStore(env.STORE_URL!, { namespace: 'earshot' });
      const tweets = x.tweets.filter((t) => t.author_id !== x.me.id);
      const caseIds: string[] = [];
      for (const t of tweets) caseIds.push(String(await store.get(`mention-case:x:${t.id}`)));
      await store.close();
      expect(caseIds.filter((id) => id === 'undefined')).toEqual([]);
      expect(new Set(caseIds).size).toBe(MENTIONS);
      const posted = cards().map(({ m }) => caseOf(m));
      const dupCards = posted.filter((id, i) => posted.indexOf(id) !== i);
      expect(dupCards).toEqual([]);
      expect(new Set(posted)).toEqual(new Set(caseIds));

      // Every answered case: exactly one public reply; no reply twice anywhere.
      expect(chosen).toHaveLength(REPLIES);
      const replies = x.posted.map((t) => t.referenced_tweets?.find((x2) => x2.type === 'replied_to')?.id);
      expect(replies.filter((id, i) => replies.indexOf(id) !== i)).toEqual([]);
      expect(answered()).toBe(REPLIES);
      expect(x.posted).toHaveLength(REPLIES);

      // Thread notes were not repeated either.
      for (const c of chosen) {
        const notes = slack.channel(c.ch).thread(c.m.ts).map((n) => n.text.replace(/ · .*$/s, ''));
        expect(notes.filter((n, i) => notes.indexOf(n) !== i), `notes of ${caseOf(c.m)}`).toEqual([]);
      }
      console.log(`crash test: ${RUNS} kills in ${Math.round(crashPhaseMs / 1000)} s, ${MENTIONS} mentions, ${REPLIES} replies, total ${Math.round((Date.now() - started) / 1000)} s`);
    } finally {
      clearInterval(feeder);
    }
  }, Math.max(600_000, RUNS * 30_000 + MENTIONS * 800));
});
