/**
 * `npm run bench:alerts`: how long a personal alert takes, from the event (an assignment
 * made, a draft submitted) to the DM posted on the fake Slack, with 20 agents who are also
 * the approvers and 200 cases; next to the time of a plain card post (a case opened → its
 * card in the channel), measured in the same run against the same fake.
 *
 * The fake Slack enforces Slack's per-channel pace and Earshot paces itself to it, both
 * compressed SPEED times (SPEED posts a second per channel instead of one), so the run
 * takes under a minute; the posts per second per DM channel are reported both as measured
 * and divided by SPEED (what they would be at Slack's real pace). The last line is one
 * JSON object.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordPoll } from '../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../src/config/load-config.js';
import type { Actor } from '../src/domain/actor.js';
import type { Mention } from '../src/domain/mention.js';
import { startEarshot } from '../src/server/earshot.js';
import { createLogger } from '../src/util/logger.js';
import { startFakeSlack, type SlackMessage } from '../tests/fakes/fake-slack.js';

const SPEED = Number(process.env.SPEED ?? 10);
const PEOPLE = 20;
const CASES = Number(process.env.CASES ?? 200);
const DRAFTS = Number(process.env.DRAFTS ?? 40);
/** Cases opened per second, and drafts submitted per second. */
const CASE_RATE = 8;
const DRAFT_RATE = 4;
const CHANNEL = 'C0ALERTBEN';
const users = Array.from({ length: PEOPLE }, (_, i) => `U0AGENT${String(i).padStart(3, '0')}`);

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN; };
const r2 = (n: number) => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tsMs = (ts: string) => Number(ts.split('.')[0]) * 1000 + Number((ts.split('.')[1] ?? '0').padEnd(6, '0').slice(0, 3));

const mention = (i: number): Mention => ({
  network: 'x', source: 'bench', id: `8${String(i).padStart(4, '0')}`, text: `@acme bench problem ${i}`, createdAt: new Date().toISOString(),
  url: `https://x.com/i/web/status/8${i}`, author: { id: `b${i}`, handle: `bench${i}`, name: `Bench ${i}`, followers: 1, verified: false }, isRepost: false, isQuote: false,
});

/** The most posts any one channel got within one second. */
function maxPerSecond(messages: SlackMessage[]): number {
  const times = messages.map((m) => tsMs(m.ts)).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function main(): Promise<void> {
  const slack = await startFakeSlack({ rateLimits: { postMessage: { perSecond: SPEED, burst: 2 }, update: { perMinute: 50 * SPEED } } });
  const dir = mkdtempSync(join(tmpdir(), 'earshot-bench-alerts-'));
  const refs = users.map((u) => `slack:${u}`).join(', ');
  const app = await startEarshot({
    config: parseConfig(`
brand: { name: Acme }
sources: [{ name: bench, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: ${CHANNEL} }, assign: { mode: assign, strategy: round-robin, maxOpen: 1000, members: [${refs}] } }]
routing: { fallback: care }
policy: { approvers: [${refs}] }
storm: { enabled: false }
limits: { slack: { postsPerSecond: ${SPEED}, updatesPerMinute: ${50 * SPEED} } }
`),
    env: parseEnv({ SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: 'bench-alerts', SLACK_API_URL: slack.url, STORE_URL: `sqlite://${join(dir, 'alerts.sqlite')}`, PORT: '0', HOST: '127.0.0.1', DRY_RUN: 'true' }),
    log: createLogger('silent'), sources: new Map([['bench', { name: 'bench', network: 'x', canReply: true, poll: async () => ({ mentions: [], cursor: undefined, requests: 0 }), reply: async () => { throw new Error('unused'); }, findReply: async () => undefined, checkReply: () => undefined }]]),
    schedule: false, outboxIntervalMs: 20,
  });
  const started = Date.now();

  // Cases arrive at CASE_RATE a second; routing offers each to an agent at once.
  for (let i = 0; i < CASES; i++) {
    await recordPoll(app.store, 'bench', { mentions: [mention(i)], cursor: String(i), requests: 1 });
    void app.processInbox();
    await sleep(1000 / CASE_RATE);
  }
  const dmOf = (u: string) => slack.channel(`D${u.slice(1)}`).messages();
  const alertTs = (u: string, kind: string, caseId: string) => dmOf(u).find((m) => (m.blocks as Array<{ block_id: string }>)[0]?.block_id === `alert:${kind}:${caseId}`)?.ts;
  const deadline = Date.now() + 120_000;
  const all = async () => (await Promise.all((await app.store.setMembers('open:care')).map((id) => app.cases.get(id)))).filter((c) => !!c);
  let cases = await all();
  while (Date.now() < deadline && (cases.length < CASES || cases.some((c) => c.views.length === 0 || !c.assignment || !alertTs(c.assignment.to.id, 'assignment', c.id)))) {
    await sleep(200);
    cases = await all();
  }
  const cardLatency: number[] = [];
  const assignLatency: number[] = [];
  const cards = slack.channel(CHANNEL).messages();
  for (const c of cases) {
    const card = cards.find((m) => (m.metadata?.event_payload as { case_id?: string } | undefined)?.case_id === c.id);
    if (card) cardLatency.push(tsMs(card.ts) - Date.parse(c.createdAt));
    const ts = c.assignment ? alertTs(c.assignment.to.id, 'assignment', c.id) : undefined;
    if (ts && c.assignment) assignLatency.push(tsMs(ts) - Date.parse(c.assignment.at));
  }

  // Drafts: each by the case's agent, waiting for the other 19 approvers.
  const drafted = cases.slice(0, DRAFTS);
  for (const c of drafted) {
    const agent: Actor = c.assignment!.to;
    await app.cases.apply(c.id, { type: 'claim' }, agent);
    await app.cases.apply(c.id, { type: 'draft', text: `Bench reply ${c.id}` }, agent);
    await sleep(1000 / DRAFT_RATE);
  }
  const approvalLatency: number[] = [];
  const wanted = drafted.length * (PEOPLE - 1);
  const done = () => drafted.flatMap((c) => users.filter((u) => u !== c.assignment!.to.id).map((u) => ({ c, ts: alertTs(u, 'approval', c.id) }))).filter((x) => x.ts);
  while (Date.now() < deadline && done().length < wanted) await sleep(200);
  for (const { c, ts } of done()) {
    const cur = await app.cases.get(c.id);
    if (cur?.draft) approvalLatency.push(tsMs(ts!) - Date.parse(cur.draft.at));
  }
  const maxDm = Math.max(...users.map((u) => maxPerSecond(dmOf(u))));
  const elapsed = Date.now() - started;
  await app.stop();
  await slack.close();

  const card = { p50: pct(cardLatency, 0.5), p95: pct(cardLatency, 0.95) };
  const assign = { p50: pct(assignLatency, 0.5), p95: pct(assignLatency, 0.95), n: assignLatency.length };
  const approve = { p50: pct(approvalLatency, 0.5), p95: pct(approvalLatency, 0.95), n: approvalLatency.length };
  const ratio = (x: number, base: number) => r2(x / Math.max(1, base));
  console.log(`alerts bench: ${CASES} cases, ${PEOPLE} agents/approvers, ${drafted.length} drafts; Slack pace compressed ${SPEED}x (${SPEED} posts/s per channel); ${Math.round(elapsed / 1000)} s`);
  console.log(`card post (baseline)     p50 ${card.p50} ms  p95 ${card.p95} ms  (n=${cardLatency.length})`);
  console.log(`assignment → DM          p50 ${assign.p50} ms  p95 ${assign.p95} ms  (n=${assign.n})  ×card p95 ${ratio(assign.p95, card.p95)}`);
  console.log(`draft → approver DMs     p50 ${approve.p50} ms  p95 ${approve.p95} ms  (n=${approve.n})  ×card p95 ${ratio(approve.p95, card.p95)}`);
  console.log(`max posts in 1 s to one DM channel: ${maxDm} (allowed ${SPEED} at this pace; ${r2(maxDm / SPEED)} at Slack's real pace of 1/s); 429s from Slack: ${slack.sent429['chat.postMessage'] ?? 0}`);
  console.log(JSON.stringify({
    bench: 'alerts', cases: CASES, people: PEOPLE, drafts: drafted.length, speed: SPEED,
    cardPostMs: card, assignmentMs: assign, approvalMs: approve,
    assignmentP95VsCard: ratio(assign.p95, card.p95), approvalP95VsCard: ratio(approve.p95, card.p95),
    maxDmPostsPerSecond: maxDm, maxDmPostsPerSecondRealPace: r2(maxDm / SPEED), slack429: slack.sent429['chat.postMessage'] ?? 0,
    targetP95Ms: 2000, metTarget: assign.p95 <= 2000 && approve.p95 <= 2000,
  }));
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
