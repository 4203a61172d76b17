/**
 * Personal data through every surface: posts carrying every kind of personal data the
 * screener knows (cards of each scheme with spaces, dashes and none; IBANs; phones;
 * e-mails; booking references), in the text, the author's name, a follow-up and a thread
 * note, run through the real pipeline and services on a real store, and every surface
 * recorded as it would reach a person: Slack and Teams cards (rendered by the real
 * renderers, posted and updated through the real deliveries), storm cards, the draft modal
 * and dialog, ephemeral answers, thread notes, metrics answers, the CSV export, the staff
 * labels and the log at debug level. {@link findLeaks} then looks for each value.
 *
 * Used by tests/e2e/leaks.test.ts (a few hundred posts) and bench/leaks.ts (10,000).
 */
import { PassThrough, Writable } from 'node:stream';
import { CaseInteractions } from '../../src/app/case-interactions.js';
import { CaseRepository } from '../../src/app/case-repository.js';
import { CaseService } from '../../src/app/case-service.js';
import { CommandRouter } from '../../src/app/commands.js';
import { registerDeliveries } from '../../src/app/deliveries.js';
import { Learner } from '../../src/app/learning.js';
import { registerMetricsCommands, trackMetrics } from '../../src/app/metrics-commands.js';
import { MENTION_CASE, processInbox, recordPoll, type PipelineDeps } from '../../src/app/pipeline.js';
import { StormService } from '../../src/app/storms.js';
import { keepThreadNote } from '../../src/app/thread-notes.js';
import type { Card, StormCard } from '../../src/cards/card.js';
import type { ChatGateway } from '../../src/app/chat-gateway.js';
import { draftModal } from '../../src/chat/slack/modals.js';
import { renderBlockKit } from '../../src/chat/slack/render-block-kit.js';
import { renderStormBlockKit } from '../../src/chat/slack/render-storm-block-kit.js';
import { renderAdaptiveCard } from '../../src/chat/teams/render-adaptive-card.js';
import { renderStormAdaptiveCard } from '../../src/chat/teams/render-storm-adaptive-card.js';
import { renderTeamsDialog } from '../../src/chat/teams/render-teams-dialog.js';
import { exportCases } from '../../src/cli/commands/export.js';
import { exportLabels } from '../../src/cli/commands/labels.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case, CardView } from '../../src/domain/case.js';
import type { Mention } from '../../src/domain/mention.js';
import { seededRandom } from '../../src/domain/seeded-random.js';
import { Outbox } from '../../src/outbox/outbox.js';
import { cardScheme, findPii, ibanValid } from '../../src/screening/find-pii.js';
import type { MentionSource } from '../../src/sources/mention-source.js';
import { openStore } from '../../src/store/open-store.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';

/** One generated post and the personal values it carries, which no surface may show. */
export interface PersonalPost {
  mention: Mention;
  /** A later post by the same author in the same conversation (a follow-up). */
  followUp: string;
  /** Staff's reply in the card's thread, quoting the customer. */
  note: string;
  secrets: Secret[];
}

export interface Secret { kind: string; value: string }

const CARD_SCHEMES: Array<{ name: string; prefixes: string[]; length: number; groups: number[] }> = [
  { name: 'visa', prefixes: ['4'], length: 16, groups: [4, 4, 4, 4] },
  { name: 'mastercard', prefixes: ['51', '52', '53', '54', '55', '2221', '2720'], length: 16, groups: [4, 4, 4, 4] },
  { name: 'amex', prefixes: ['34', '37'], length: 15, groups: [4, 6, 5] },
  { name: 'discover', prefixes: ['6011', '65'], length: 16, groups: [4, 4, 4, 4] },
  { name: 'diners', prefixes: ['36', '38'], length: 14, groups: [4, 6, 4] },
  { name: 'jcb', prefixes: ['3528', '3589'], length: 16, groups: [4, 4, 4, 4] },
  { name: 'unionpay', prefixes: ['62'], length: 16, groups: [4, 4, 4, 4] },
  { name: 'mir', prefixes: ['2200', '2204'], length: 16, groups: [4, 4, 4, 4] },
  { name: 'troy', prefixes: ['9792'], length: 16, groups: [4, 4, 4, 4] },
];

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const digits = (r: Rand, n: number): string => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join('');

function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

function grouped(value: string, groups: number[], sep: string): string {
  const out: string[] = [];
  let at = 0;
  for (const g of groups) { out.push(value.slice(at, at + g)); at += g; }
  return out.join(sep);
}

/** A card number of the scheme that passes Luhn, written with spaces, dashes or nothing. */
export function cardNumber(r: Rand, scheme = pick(r, CARD_SCHEMES)): string {
  for (;;) {
    const prefix = pick(r, scheme.prefixes);
    const body = prefix + digits(r, scheme.length - prefix.length - 1);
    const number = body + luhnDigit(body);
    if (cardScheme(number) === undefined) continue;
    return grouped(number, scheme.groups, pick(r, [' ', '-', '']));
  }
}

function iban(r: Rand): string {
  for (;;) {
    const country = pick(r, ['GB', 'DE', 'FR', 'NL']);
    const bban = country === 'GB' ? `NWBK${digits(r, 14)}` : country === 'DE' ? digits(r, 18) : country === 'FR' ? digits(r, 23) : `ABNA${digits(r, 10)}`;
    const moved = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
    let rem = 0;
    for (const ch of moved) rem = (rem * 10 + Number(ch)) % 97;
    const check = String(98 - rem).padStart(2, '0');
    const value = `${country}${check}${bban}`;
    if (!ibanValid(value)) continue;
    return r() < 0.5 ? value : value.replace(/(.{4})/g, '$1 ').trim();
  }
}

const phone = (r: Rand): string => pick(r, [
  () => `+44 20 7946 ${digits(r, 4)}`,
  () => `(415) 555-${digits(r, 4)}`,
  () => `+1 415 555 ${digits(r, 4)}`,
  () => `07911 ${digits(r, 6)}`,
  () => `+49 30 ${digits(r, 8)}`,
])();

const email = (r: Rand): string => `${pick(r, ['maya', 'j.doe', 'sam_k', 'lee'])}${digits(r, 3)}@${pick(r, ['example.com', 'mail.example.org', 'inbox.example.net'])}`;

function bookingReference(r: Rand): string {
  const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  for (;;) {
    const ref = Array.from({ length: 6 }, (_, i) => (i === 2 || i === 4 ? String(Math.floor(r() * 10)) : pick(r, [...letters]))).join('');
    if (/\d/.test(ref) && /[A-Z]/.test(ref)) return ref;
  }
}

/** Sentences that carry one value, as customers write them (each found by the screener). */
const CARRIERS: Array<{ kind: string; make: (r: Rand) => string; say: (v: string) => string }> = [
  { kind: 'card', make: (r) => cardNumber(r), say: (v) => `my card ${v} was charged twice` },
  { kind: 'iban', make: iban, say: (v) => `refund to IBAN ${v} please` },
  { kind: 'phone', make: phone, say: (v) => `call me on ${v}` },
  { kind: 'email', make: email, say: (v) => `write to ${v}` },
  { kind: 'booking-reference', make: bookingReference, say: (v) => `booking ref ${v} is wrong` },
];

/** A carrier sentence whose value the screener finds in it (regenerated until it does). */
function carried(r: Rand, config: Config, kind?: string): { text: string; secret: Secret } {
  const carrier = kind ? CARRIERS.find((c) => c.kind === kind)! : pick(r, CARRIERS);
  for (;;) {
    const value = carrier.make(r);
    const text = carrier.say(value);
    const found = findPii(text, config);
    if (found.some((f) => text.slice(f.start, f.end).includes(value) || value.includes(text.slice(f.start, f.end)))) return { text, secret: { kind: carrier.kind, value } };
  }
}

/** Hidden characters a hostile poster puts inside a number to slip it past a filter. */
function disguise(r: Rand, text: string): string {
  if (r() < 0.8) return text;
  return text.replace(/\d{4}/, (d) => `${d.slice(0, 2)}${pick(r, ['\u200b', '\u200d', '\u2060', '\u00ad'])}${d.slice(2)}`);
}

export const LEAK_CONFIG = `
brand: { name: Acme, handles: { x: [acme] }, publicNumberPatterns: ['\\bAC\\d{3,4}\\b'] }
sources: [{ name: x, network: x, queries: ['@acme'] }]
groups:
  - { id: care, name: Acme Care, slack: { channel: C0CARE0001 }, teams: { channel: '19:care@thread.tacv2' } }
  - { id: billing, name: Acme Billing, slack: { channel: C0BILL0001 }, teams: { channel: '19:billing@thread.tacv2' } }
routing:
  fallback: care
  rules:
    - { name: card-number, when: { regex: '\\b(?:\\d[ -]?){12,18}\\d\\b' }, then: { priority: urgent, tag: [card-number] } }
    - { name: iban, when: { regex: '[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}' }, then: { route: billing, tag: [iban] } }
    - { name: phone-or-mail, when: { regex: '[\\w.]+@[\\w.]+|\\+?\\d[\\d ()-]{7,}\\d' }, then: { tag: [contact] } }
    - { name: refund, when: { keywords: [refund, charged] }, then: { route: billing } }
policy: { approvers: ['slack:ULEAD'], requireApproval: true }
metrics: { viewers: ['slack:UMGR'] }
templates:
  - { id: general, name: General, text: 'Hi {{author.name}}, sorry about this. Please DM us.' }
  - { id: dm, name: Move to DM, private: true, text: 'Please DM us, {{author.name}}' }
`;

/** `count` posts, half with personal data in the text and all with some in the name, follow-up or note. */
export function generatePersonalPosts(count: number, seed: number, config: Config): PersonalPost[] {
  const r = seededRandom(seed);
  const out: PersonalPost[] = [];
  for (let i = 0; i < count; i++) {
    const id = String(100000 + i);
    const secrets: Secret[] = [];
    const inText = i % 2 === 0 ? carried(r, config, CARRIERS[(i / 2) % CARRIERS.length]!.kind) : undefined;
    if (inText) secrets.push(inText.secret);
    // Names carry numbers too ("Maya 07911 123456"); half the posts carry personal data only
    // there, so they fold into storm cards (a post with personal data in its text keeps its own card).
    const inName = r() < 0.6 ? carried(r, config, pick(r, ['phone', 'email', 'card'])) : undefined;
    if (inName) secrets.push(inName.secret);
    const follow = carried(r, config);
    const note = carried(r, config);
    secrets.push(follow.secret, note.secret);
    const handle = `cust_${id}`;
    const topic = pick(r, ['@acme my bag is lost', '@acme the app crashes at login', '@acme refund still missing', '@acme thanks, great crew']);
    out.push({
      mention: {
        network: 'x', source: 'x', id, createdAt: '2026-03-02T09:00:00.000Z', url: `https://x.com/i/web/status/${id}`,
        text: disguise(r, inText ? `${topic}, ${inText.text}` : topic),
        author: { id: `u${id}`, handle, name: inName ? `Pat ${inName.secret.value}` : 'Pat Doe', followers: 10 + (i % 50), verified: false },
        conversationId: id, isRepost: false, isQuote: false,
      },
      followUp: disguise(r, `@acme also, ${follow.text}`),
      note: `customer says ${note.text}`,
      secrets,
    });
  }
  return out;
}

/** Everything each surface showed, by surface name. */
export type SurfaceRecord = Map<string, string[]>;

const sink = () => {
  let text = '';
  const stream = new Writable({ write(chunk: Buffer, _e, cb) { text += chunk.toString(); cb(); } });
  return { stream, text: () => text };
};

/** A chat surface that renders every card as the platform would receive it, and keeps it. */
function recordingGateway(platform: CardView['platform'], seen: SurfaceRecord): ChatGateway {
  let n = 0;
  const keep = (surface: string, value: unknown) => {
    const list = seen.get(surface) ?? [];
    list.push(typeof value === 'string' ? value : JSON.stringify(value));
    seen.set(surface, list);
  };
  const view = (target: string): CardView => (platform === 'slack' ? { platform, channel: target, ts: `${1_700_000_000 + ++n}.000100` } : { platform, conversationId: target, activityId: `a${++n}` });
  const card = (c: Card) => keep(`${platform}-card`, platform === 'slack' ? renderBlockKit(c) : renderAdaptiveCard(c));
  const storm = (c: StormCard) => keep(`${platform}-storm-card`, platform === 'slack' ? renderStormBlockKit(c) : renderStormAdaptiveCard(c));
  return {
    platform,
    async postCard(target, c) { card(c); return view(target); },
    async findCard() { return undefined; },
    async updateCard(_v, c) { card(c); },
    async postNote(_v, text) { keep('thread-note', text); },
    async findNote() { return false; },
    async postStormCard(target, c) { storm(c); return view(target); },
    async findStormCard() { return undefined; },
    async updateStormCard(_v, c) { storm(c); },
    async postNotice(_t, text) { keep('notice', text); },
  };
}

export interface LeakRun {
  surfaces: SurfaceRecord;
  cases: number;
  storms: number;
}

const agent: Actor = { platform: 'slack', id: 'UAGENT', name: 'alice' };
const lead: Actor = { platform: 'slack', id: 'ULEAD', name: 'lea' };
const manager: Actor = { platform: 'slack', id: 'UMGR', name: 'max' };

/** Runs the posts through the real pipeline and services and records every surface. */
export async function runThroughSurfaces(posts: readonly PersonalPost[], config: Config, opts: { batch?: number } = {}): Promise<LeakRun> {
  const store = await openStore('sqlite://:memory:', { namespace: `leak${Math.random().toString(36).slice(2, 8)}` });
  const logs = sink();
  const log = createLogger('debug', logs.stream);
  const clock = new ManualClock(Date.parse('2026-03-02T09:00:00.000Z'));
  const seen: SurfaceRecord = new Map();
  const keep = (surface: string, text: string) => { const l = seen.get(surface) ?? []; l.push(text); seen.set(surface, l); };
  const source: MentionSource = {
    name: 'x', network: 'x', canReply: true,
    poll: async () => ({ mentions: [], cursor: undefined, requests: 0 }),
    reply: async () => { throw new Error('no replies in this run'); }, findReply: async () => undefined, checkReply: () => undefined,
  };
  const sources = new Map([['x', source]]);
  const gateways = new Map<CardView['platform'], ChatGateway>([['slack', recordingGateway('slack', seen)], ['teams', recordingGateway('teams', seen)]]);
  const outbox = new Outbox({ store, clock, log, instanceId: 'leaks' });
  const cases = new CaseService({ repo: new CaseRepository(store), outbox, config, clock, log, sources });
  const storms = new StormService({ store, config, clock, log, outbox, cases, gateways, sources, capacityPerMinute: () => 60, updateSpacingMs: () => 1200 });
  registerDeliveries({ config, cases, outbox, gateways, sources, log, clock, dryRun: false });
  storms.registerDeliveries();
  cases.onChange((prev, next) => storms.onCaseChange(prev, next));
  trackMetrics(cases, store, config);
  const learner = new Learner({ store, log, pii: config });
  learner.attach(cases);
  const commands = new CommandRouter(config);
  registerMetricsCommands(commands, { store, repo: new CaseRepository(store), config, log });
  const interactions = new CaseInteractions({ cases, config, clock, outbox });
  const pipeline: PipelineDeps = { store, config, clock, log, outbox, cases, storms, model: () => learner.current() };

  try {
    const batch = opts.batch ?? 200;
    for (let i = 0; i < posts.length; i += batch) {
      await recordPoll(store, 'x', { mentions: posts.slice(i, i + batch).map((p) => p.mention), cursor: undefined, requests: 1 });
      await processInbox(pipeline);
      clock.advance(1000);
    }
    await outbox.drain();

    // Follow-ups, thread notes, forms, answers and labels, case by case.
    const caseIds = new Set<string>();
    for (const [i, p] of posts.entries()) {
      const caseId = await store.get<string>(MENTION_CASE(`x:${p.mention.id}`));
      if (!caseId || caseId === 'dropped') continue;
      caseIds.add(caseId);
      const c = (await cases.get(caseId))!;
      if (i % 4 === 0) {
        const follow: Mention = { ...p.mention, id: `${p.mention.id}9`, text: p.followUp, inReplyToId: p.mention.id, url: `${p.mention.url}9` };
        await recordPoll(store, 'x', { mentions: [follow], cursor: undefined, requests: 1 });
        await processInbox(pipeline);
      }
      const view = c.views[0];
      if (view && i % 4 === 1) await keepThreadNote(cases, { card: view, id: `note:${p.mention.id}`, text: p.note, by: agent, at: clock.now().toISOString() });
      if (i % 8 === 2) {
        const current = (await cases.get(caseId))!;
        await interactions.click('case.claim', { caseId, version: current.version }, agent);
        const claimed = (await cases.get(caseId))!;
        const form = await interactions.openForm('case.draft', { caseId, version: claimed.version }, agent);
        if (form.ok) {
          const f = form.form;
          keep('slack-modal', JSON.stringify(draftModal({ meta: { caseId, version: f.version }, caseTitle: f.title, author: f.author, mentionText: f.mentionText, initial: f.initial, limitHint: f.limitHint })));
          keep('teams-dialog', JSON.stringify(renderTeamsDialog(f)));
        }
        // A draft that quotes the customer's number is refused; the refusal is the ephemeral answer.
        const problem = await interactions.draftProblem(caseId, `Hi, about ${p.secrets[0]!.value}`);
        if (problem) keep('ephemeral-answer', problem);
        const answer = await cases.apply(caseId, { type: 'draft', text: `Sorry! ${p.secrets[0]!.value}` }, agent);
        if (!answer.ok) keep('ephemeral-answer', answer.refusal.message);
      }
      if (i % 8 === 3) {
        // A staff correction: the label keeps the post's text (what `earshot labels` exports).
        const current = (await cases.get(caseId))!;
        await interactions.applyChoice({ action: 'case.retag', caseId, version: current.version }, { option: current.screening.sentiment === 'negative' ? 'sentiment:neutral' : 'sentiment:negative' }, lead);
      }
    }
    await outbox.drain();

    for (const who of [agent, lead, manager]) {
      for (const text of ['metrics', 'metrics today', 'queue']) {
        for (const audience of ['private', 'shared'] as const) {
          const reply = await commands.run(text, { actor: who, channel: 'C0CARE0001', audience, now: clock.now() }).catch((e: unknown) => ({ lines: [(e as Error).message] }));
          keep('metrics-answer', JSON.stringify(reply));
        }
      }
    }

    const csv = new PassThrough();
    let exported = '';
    csv.on('data', (d: Buffer) => { exported += d.toString(); });
    await exportCases(store, { startMs: Date.parse('2026-03-01T00:00:00Z'), endMs: Date.parse('2026-03-04T00:00:00Z') }, csv, { pii: config });
    keep('csv-export', exported);
    const labels = new PassThrough();
    let labelled = '';
    labels.on('data', (d: Buffer) => { labelled += d.toString(); });
    await exportLabels(store, labels);
    keep('labels', labelled);

    const stormCount = (seen.get('slack-storm-card') ?? []).length;
    await outbox.stop();
    await new Promise((r) => setTimeout(r, 20));
    // Each line's own timestamp is the machine's clock, not anything a post said: left out, so
    // a timestamp that happens to share 8 digits with a card number is not taken for one.
    keep('log', logs.text().replace(/"time":\d+,/g, ''));
    return { surfaces: seen, cases: caseIds.size, storms: stormCount };
  } finally {
    await store.close();
  }
}

export interface Leak { surface: string; kind: string; value: string; excerpt: string }

/** Digit runs with their separators taken out, so "4111 1111" is read as the number it shows. */
const joinedDigits = (text: string): string => text.replace(/(?<=\d)[ \-.\u00a0]+(?=\d)/g, '');

/**
 * Every place a value shows: the value itself (case-insensitive), or 8 or more of its
 * consecutive digits in a run of digits (separators ignored).
 */
export function findLeaks(run: LeakRun, posts: readonly PersonalPost[]): Leak[] {
  const leaks: Leak[] = [];
  const windows = new Map<string, Secret>();
  const raw = new Map<string, Secret>();
  for (const p of posts) {
    for (const s of p.secrets) {
      raw.set(s.value.toLowerCase(), s);
      const d = s.value.replace(/\D/g, '');
      for (let i = 0; i + 8 <= d.length; i++) windows.set(d.slice(i, i + 8), s);
    }
  }
  for (const [surface, texts] of run.surfaces) {
    for (const text of texts) {
      const lower = text.toLowerCase();
      const found = new Set<Secret>();
      for (const [value, s] of raw) {
        const at = lower.indexOf(value);
        if (at === -1) continue;
        found.add(s);
        leaks.push({ surface, kind: s.kind, value: s.value, excerpt: text.slice(Math.max(0, at - 60), at + value.length + 20) });
      }
      for (const m of joinedDigits(text).matchAll(/\d{8,}/g)) {
        for (let i = 0; i + 8 <= m[0].length; i++) {
          const s = windows.get(m[0].slice(i, i + 8));
          if (s && !found.has(s)) { found.add(s); leaks.push({ surface, kind: s.kind, value: s.value, excerpt: m[0] }); break; }
        }
      }
    }
  }
  return leaks;
}

export const leakConfig = (): Config => parseConfig(LEAK_CONFIG);
