import type { Actor } from '../../src/domain/actor.js';
import { CaseSchema, type Case } from '../../src/domain/case.js';
import type { Intent, Priority, Sentiment } from '../../src/domain/screening.js';
import { PolicySchema } from '../../src/config/schema.js';
import { transition, type CaseCommand } from '../../src/cases/workflow.js';
import { rollupUpdates, type Increment, type RollupOptions } from '../../src/metrics/rollup.js';

export const alice: Actor = { platform: 'slack', id: 'UALICE', name: 'Alice' };
export const bob: Actor = { platform: 'slack', id: 'UBOB', name: 'Bob' };
export const lead: Actor = { platform: 'slack', id: 'ULEAD', name: 'Lead' };
export const outbox: Actor = { platform: 'system', id: 'outbox' };

export const policy = PolicySchema.parse({ approvers: ['slack:ULEAD'], requireApproval: true });

export interface NewCase {
  id: string;
  at: string;
  group?: string;
  source?: string;
  network?: 'x' | 'bluesky' | 'mastodon' | 'reddit' | 'rss' | 'demo';
  text?: string;
  followers?: number;
  sentiment?: Sentiment;
  intent?: Intent;
  priority?: Priority;
  topic?: string;
  author?: string;
}

/** A freshly created case, as ingest would store it (version 0, no audit). */
export function newCase(o: NewCase): Case {
  return CaseSchema.parse({
    id: o.id,
    version: 0,
    mention: {
      network: o.network ?? 'x', source: o.source ?? 'x-main', id: `m-${o.id}`, text: o.text ?? 'hello @acme',
      createdAt: o.at, url: `https://x.com/i/status/${o.id}`,
      author: { id: o.author ?? `a-${o.id}`, handle: `h${o.id}`, name: `Author ${o.id}`, followers: o.followers ?? 100 },
    },
    screening: {
      group: o.group ?? 'care', priority: o.priority ?? 'normal',
      ...(o.sentiment ? { sentiment: o.sentiment } : {}), ...(o.intent ? { intent: o.intent } : {}),
      ...(o.topic ? { topic: o.topic } : {}),
    },
    group: o.group ?? 'care',
    status: 'new',
    createdAt: o.at,
    updatedAt: o.at,
  });
}

/** A step of a history: a command by an actor at a time. */
export type Step = [at: string, actor: Actor, cmd: CaseCommand];

/** Runs the real workflow over the steps, collecting every rollup increment as the lead's code would. */
export function play(start: Case, steps: readonly Step[], opts: RollupOptions = {}): { case: Case; increments: Increment[] } {
  const increments = [...rollupUpdates(undefined, start, opts)];
  let c = start;
  for (const [at, actor, cmd] of steps) {
    const r = transition(c, cmd, { policy, actor, now: at });
    if (!r.ok) throw new Error(`step ${cmd.type} at ${at} refused: ${r.refusal.message}`);
    increments.push(...rollupUpdates(c, r.case, opts));
    c = r.case;
  }
  return { case: c, increments };
}

/** Claim, draft, approve, send and mark sent: a full answer by `agent`, sent at `sentAt`. */
export function answer(agent: Actor, claimAt: string, sentAt: string): Step[] {
  return [
    [claimAt, agent, { type: 'claim' }],
    [claimAt, agent, { type: 'draft', text: 'Sorry about that, we are on it.' }],
    [claimAt, lead, { type: 'approve' }],
    [sentAt, agent, { type: 'send' }],
    [sentAt, outbox, { type: 'sent', reply: { id: 'r1', url: 'https://x.com/i/status/r1', at: sentAt, text: 'Sorry' } }],
  ];
}

/** Sums increments into hashes, as hIncr would. */
export function applyAll(increments: readonly Increment[], into = new Map<string, Record<string, number>>()): Map<string, Record<string, number>> {
  for (const i of increments) {
    const h = into.get(i.hash) ?? {};
    h[i.field] = (h[i.field] ?? 0) + i.by;
    into.set(i.hash, h);
  }
  return into;
}

/** An in-memory stand-in for the Store methods the metrics use (counters, scored sets, values). */
export class MemoryCounters {
  readonly hashes = new Map<string, Record<string, number>>();
  readonly zsets = new Map<string, Map<string, number>>();
  readonly values = new Map<string, unknown>();
  reads = 0;
  /** Every hash read with hGetAll, in order. */
  readHashes: string[] = [];
  async hIncr(hash: string, field: string, by = 1): Promise<number> {
    const h = this.hashes.get(hash) ?? {};
    h[field] = (h[field] ?? 0) + by;
    this.hashes.set(hash, h);
    return h[field]!;
  }
  async hIncrMany(ops: ReadonlyArray<{ hash: string; field: string; by: number }>): Promise<number[]> {
    for (const o of ops) await this.hIncr(o.hash, o.field, o.by);
    return ops.map((o) => this.hashes.get(o.hash)![o.field]!);
  }
  async hGetAll(hash: string): Promise<Record<string, number>> {
    this.reads++;
    this.readHashes.push(hash);
    return { ...(this.hashes.get(hash) ?? {}) };
  }
  async zAdd(set: string, member: string, score: number): Promise<void> {
    const z = this.zsets.get(set) ?? new Map<string, number>();
    z.set(member, score);
    this.zsets.set(set, z);
  }
  async zRangeByScore(set: string, min: number, max: number, limit?: number): Promise<Array<{ member: string; score: number }>> {
    this.reads++;
    const all = [...(this.zsets.get(set) ?? new Map<string, number>())]
      .filter(([, s]) => s >= min && s <= max)
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
      .map(([member, score]) => ({ member, score }));
    return limit === undefined ? all : all.slice(0, limit);
  }
  async get<T>(key: string): Promise<T | undefined> {
    this.reads++;
    return structuredClone(this.values.get(key)) as T | undefined;
  }
  async set(key: string, value: unknown): Promise<void> {
    this.values.set(key, structuredClone(value));
  }
}
