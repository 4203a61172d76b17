/**
 * What the end-to-end tests of private conversations share: a bot in this process with a
 * fake Slack (so the card and its thread are what Slack received), sources built the way the
 * listening job builds them, and the steps staff take (Move to DM, approve, send).
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { CaseInteractions } from '../../../src/app/case-interactions.js';
import { recordPoll } from '../../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../../src/config/load-config.js';
import type { Case } from '../../../src/domain/case.js';
import type { Mention } from '../../../src/domain/mention.js';
import { startEarshot, type Earshot } from '../../../src/server/earshot.js';
import { createSource } from '../../../src/sources/create-sources.js';
import type { MentionSource } from '../../../src/sources/mention-source.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../../fakes/fake-slack.js';
import { tempDir } from './bot-process.js';

export const AGENT = { platform: 'slack' as const, id: 'U0AGENT001', name: 'alice' };
export const LEAD = { platform: 'slack' as const, id: 'U0LEAD0001', name: 'lea' };
export const CARE = 'C0CARE0001';
export const CARD_NUMBER = '4111 1111 1111 1111';

/** The configuration around the test's sources: one Slack group, approval by the lead, one private template. */
export const privateConfig = (sources: string) => `
brand: { name: Acme, handles: { x: [acme], bluesky: [acme.bsky.social], mastodon: [acme] } }
sources:
${sources}
groups: [{ id: care, slack: { channel: ${CARE} } }]
routing: { fallback: care }
policy: { requireApproval: true, approvers: ['slack:U0LEAD0001'] }
storm: { enabled: false }
duplicates: { enabled: false }
limits: { slack: { postsPerSecond: 100, updatesPerMinute: 6000 } }
templates:
  - { id: dm, name: Move to DM, private: true, text: 'Hi {{author.name}}, please send us a DM so we can look at this privately.' }
`;

export async function until<T>(what: string, get: () => Promise<T | undefined | false> | T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface PrivateFlow {
  app: Earshot;
  config: ReturnType<typeof parseConfig>;
  slack: FakeSlack;
  ui: CaseInteractions;
  /** A post heard by `source`: recorded as the listening job records it, screened, one case. */
  post(source: string, mention: Omit<Mention, 'source' | 'createdAt' | 'isRepost' | 'isQuote'>): Promise<Case>;
  /** Move to DM (or Reply privately, once there is a conversation): the form, and the saved draft. */
  draftPrivately(c: Case, text?: string): Promise<{ route: string | undefined; initial: string; case: Case }>;
  approveAndSend(c: Case): Promise<void>;
  get(caseId: string): Promise<Case>;
  /** The Slack card of a case (its ts in the care channel). */
  cardTs(caseId: string): Promise<string>;
  /** What Slack received in the card's thread: chat.postMessage calls with the card's thread_ts. */
  threadPosts(ts: string): SlackCall[];
  stop(): Promise<void>;
}

export async function startPrivateFlow(prefix: string, yaml: string, env: Record<string, string>): Promise<PrivateFlow> {
  const slack = await startFakeSlack({ users: { [AGENT.id]: { name: 'alice' }, [LEAD.id]: { name: 'lea' } } });
  const config = parseConfig(yaml);
  const parsedEnv = parseEnv({
    STORE_URL: `sqlite://${join(tempDir(prefix), 'p.sqlite')}`, PORT: '0', HOST: '127.0.0.1',
    SLACK_BOT_TOKEN: `xoxb-${prefix}`, SLACK_SIGNING_SECRET: `${prefix}-secret`, SLACK_API_URL: slack.url, ...env,
  });
  const cache = new Map<string, unknown>();
  const ctx = { cache: { get: async <T>(k: string) => cache.get(k) as T | undefined, set: async (k: string, v: unknown) => { cache.set(k, v); }, delete: async (k: string) => { cache.delete(k); } } };
  const sources = new Map<string, MentionSource>(config.sources.map((s) => [s.name, createSource(s, config, parsedEnv, ctx)]));
  const app = await startEarshot({ config, env: parsedEnv, log: silentLogger(), schedule: false, outboxIntervalMs: 50, sources });
  const ui = new CaseInteractions({ cases: app.cases, config, clock: systemClock, outbox: app.outbox, sources: app.sources, handoff: app.cases.handoff });
  const get = async (id: string) => (await app.cases.get(id))!;
  return {
    app, config, slack, ui, get,
    async post(source, m) {
      await recordPoll(app.store, source, { mentions: [{ ...m, source, createdAt: new Date().toISOString(), isRepost: false, isQuote: false }], cursor: undefined, requests: 1 });
      await app.processInbox();
      const caseId = await until('the case of the post', () => app.store.get<string>(`mention-case:${m.network}:${m.id}`));
      return get(caseId);
    },
    async draftPrivately(c, text) {
      const opened = await ui.openForm('case.redirect', { caseId: c.id, version: c.version }, AGENT);
      if (!opened.ok) throw new Error(opened.refusal.message);
      const saved = await ui.saveDraft(opened.form, text ?? opened.form.initial, AGENT, true);
      if (!saved.ok) throw new Error(saved.refusal.message);
      return { route: opened.form.privateRoute, initial: opened.form.initial, case: saved.case };
    },
    async approveAndSend(c) {
      const approved = await app.cases.apply(c.id, { type: 'approve' }, LEAD);
      expect(approved.ok, approved.ok ? '' : approved.refusal.message).toBe(true);
      const sending = await app.cases.apply(c.id, { type: 'send' }, AGENT);
      expect(sending.ok, sending.ok ? '' : sending.refusal.message).toBe(true);
    },
    async cardTs(caseId) {
      const c = await until('the card on Slack', async () => { const k = await get(caseId); return k.views.some((v) => v.platform === 'slack') && k; });
      const view = c.views.find((v) => v.platform === 'slack')!;
      return view.platform === 'slack' ? view.ts : '';
    },
    threadPosts: (ts) => slack.callsTo('chat.postMessage').filter((c) => c.args.channel === CARE && c.args.thread_ts === ts),
    async stop() {
      await app.stop();
      await slack.close();
    },
  };
}
