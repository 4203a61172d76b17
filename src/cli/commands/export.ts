/**
 * `earshot export --from YYYY-MM-DD --to YYYY-MM-DD [--out file.csv] [--tz zone]`: writes
 * the cases created in a date range to CSV, one row per case, for spreadsheets and BI
 * tools. Personal data found by screening is masked in the post text, and every cell is
 * guarded against spreadsheet formula injection (posts are written by strangers).
 */
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { DateTime, IANAZone } from 'luxon';
import { BY_CREATED, caseKey } from '../../app/case-repository.js';
import type { PiiConfig } from '../../screening/find-pii.js';
import { maskPersonalData, NO_PUBLIC_NUMBERS } from '../../screening/mask-personal-data.js';
import type { Config } from '../../config/schema.js';
import { configPath, loadConfigFile, parseEnv } from '../../config/load-config.js';
import { CaseSchema, firstResponseAt, type Case } from '../../domain/case.js';
import { hashtags } from '../../metrics/hashtags.js';
import type { Store } from '../../store/store.js';
import { defineExport, type ExportOptions } from '../command-list.js';
import { loadDotEnv } from '../dotenv.js';
import { csvSafe } from './csv-guard.js';
import { describeStore, emptyNamespaceNote, openStoreToRead } from './read-store.js';

export class ExportArgsInvalidError extends Error {
  readonly code = 'EXPORT_ARGS_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ExportArgsInvalidError';
  }
}

export const EXPORT_COLUMNS = [
  'id', 'created_at', 'network', 'source', 'post_id', 'post_url', 'posted_at', 'author_id', 'author_handle',
  'author_followers', 'language', 'group', 'group_name', 'status', 'priority', 'sentiment', 'intent', 'topic',
  'tags', 'hashtags_in_text', 'owner', 'first_response_at', 'first_response_seconds', 'closed_at',
  'resolution_seconds', 'reply_url', 'approvals', 'rejections', 'reopens', 'escalations', 'duplicates', 'text',
  'private_via', 'private_messages', 'private_text',
] as const;

export { csvSafe } from './csv-guard.js';

const seconds = (from: string, to: string | undefined): number | '' =>
  to === undefined ? '' : Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

/** One case as a CSV row, in {@link EXPORT_COLUMNS} order. */
export function caseRow(c: Case, groupNames: ReadonlyMap<string, string> = new Map(), pii: PiiConfig = NO_PUBLIC_NUMBERS): Array<string | number> {
  const firstResponse = firstResponseAt(c);
  const closed = c.audit.find((e) => e.to === 'closed')?.at;
  const count = (action: string) => c.audit.filter((e) => e.action === action).length;
  const m = c.mention;
  // The post leaves the store only through the masking gate; hashtags are read from what it let through.
  const text = maskPersonalData(m.text, pii);
  const cells: Array<string | number> = [
    c.id, c.createdAt, m.network, m.source, m.id, m.url, m.createdAt, m.author.id, m.author.handle,
    // Empty when the network gave no count: 0 would claim nobody follows them.
    m.author.followersUnknown ? '' : m.author.followers, c.screening.language ?? m.lang ?? '', c.group, groupNames.get(c.group) ?? '', c.status,
    c.screening.priority, c.screening.sentiment ?? '', c.screening.intent ?? '', c.screening.topic ?? '',
    c.screening.tags.join(' '), hashtags(text, 50).join(' '),
    c.owner ? `${c.owner.platform}:${c.owner.id}` : '', firstResponse ?? '', seconds(c.createdAt, firstResponse),
    closed ?? '', seconds(c.createdAt, closed), c.reply?.url ?? '', c.approvals.length, count('reject'),
    count('reopen'), count('escalate'), c.duplicates, text,
    // The private conversation, through the same gate: who wrote, then what (masked).
    c.private?.via ?? '', c.private?.messages.length ?? 0,
    (c.private?.messages ?? []).map((p) => `${p.direction === 'in' ? `@${m.author.handle}` : p.outside ? 'us (outside Earshot)' : 'us'}: ${maskPersonalData(p.text, pii)}`).join(' | '),
  ];
  return cells.map((v) => (typeof v === 'string' ? csvSafe(v) : v));
}

/** Start (inclusive) and end (exclusive) in epoch ms of the local days `from`..`to` in `zone`. */
export function dayRangeMs(from: string, to: string, zone: string): { startMs: number; endMs: number } {
  if (!IANAZone.isValidZone(zone)) throw new ExportArgsInvalidError(`--tz "${zone}" is not a time zone (like Europe/London)`);
  const day = (s: string, flag: string) => {
    const d = /^\d{4}-\d{2}-\d{2}$/.test(s) ? DateTime.fromISO(s, { zone }) : undefined;
    if (!d?.isValid) throw new ExportArgsInvalidError(`${flag} "${s}" is not a date: write YYYY-MM-DD`);
    return d;
  };
  const a = day(from, '--from');
  const b = day(to, '--to');
  if (b < a) throw new ExportArgsInvalidError(`--to (${to}) is before --from (${from})`);
  return { startMs: a.toMillis(), endMs: b.plus({ days: 1 }).toMillis() };
}

export interface ExportResult {
  written: number;
  /** Ids listed in the index whose case is gone (erased) or no longer reads as a case. */
  skipped: string[];
}

/**
 * Streams the cases created in [startMs, endMs) to `out` as CSV (with a header row),
 * oldest first. Reads the creation index (`cases:by-created`) page by page and the cases
 * a page at a time, so memory stays flat however many cases the range holds.
 */
export async function exportCases(
  store: Pick<Store, 'zRangeByScore' | 'get'>,
  range: { startMs: number; endMs: number },
  out: Writable,
  opts: { groupNames?: ReadonlyMap<string, string>; pageSize?: number; pii?: PiiConfig } = {},
): Promise<ExportResult> {
  const page = opts.pageSize ?? 500;
  const result: ExportResult = { written: 0, skipped: [] };
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(stringify([[...EXPORT_COLUMNS]]));
  // zRangeByScore has a limit but no offset: go on from the last score seen, skipping
  // the members already written at exactly that score.
  let min = range.startMs;
  const seenAtMin = new Set<string>();
  for (;;) {
    const limit = page + seenAtMin.size;
    const batch = await store.zRangeByScore(BY_CREATED, min, range.endMs - 1, limit);
    const fresh = batch.filter((b) => !(b.score === min && seenAtMin.has(b.member)));
    const cases = await Promise.all(fresh.map((b) => store.get<unknown>(caseKey(b.member))));
    const rows: Array<Array<string | number>> = [];
    fresh.forEach((b, i) => {
      const parsed = CaseSchema.safeParse(cases[i]);
      if (parsed.success) rows.push(caseRow(parsed.data, opts.groupNames, opts.pii));
      else result.skipped.push(b.member);
    });
    if (rows.length > 0) await write(stringify(rows));
    result.written += rows.length;
    if (batch.length < limit) break;
    const last = batch[batch.length - 1]!.score;
    if (last !== min) seenAtMin.clear();
    for (const b of batch) if (b.score === last) seenAtMin.add(b.member);
    min = last;
  }
  return result;
}

/** Registers `earshot export` with its implementation loaded (tests; main.ts loads it lazily). */
export function register(program: Command): void {
  defineExport(program, (opts) => exportCommand(program, opts));
}

/** `earshot export`. */
export async function exportCommand(program: Command, opts: ExportOptions): Promise<void> {
  const range = dayRangeMs(opts.from, opts.to, opts.tz);
  loadDotEnv();
  const env = parseEnv(process.env);
  // The configuration is optional here (an export needs only the store); when there
  // is one it is validated and gives the groups their names.
  const explicit = program.opts<{ config?: string }>().config ?? process.env.EARSHOT_CONFIG;
  const file = configPath(program.opts<{ config?: string }>());
  const config: Config | undefined = explicit || existsSync(file) ? loadConfigFile(file) : undefined;
  const groupNames = new Map((config?.groups ?? []).flatMap((g) => (g.name ? [[g.id, g.name] as const] : [])));

  const store = await openStoreToRead(env, 'earshot export');
  const out: Writable = opts.out ? createWriteStream(opts.out) : process.stdout;
  try {
    const r = await exportCases(store, range, out, { groupNames, ...(config ? { pii: config } : {}) });
    if (opts.out) {
      out.end();
      await once(out, 'finish');
    }
    const note = r.skipped.length ? `; ${r.skipped.length} indexed case(s) could not be read (erased or damaged): ${r.skipped.slice(0, 5).join(', ')}${r.skipped.length > 5 ? ', …' : ''}` : '';
    process.stderr.write(`Exported ${r.written} case(s) created ${opts.from} to ${opts.to} (${opts.tz}) from ${describeStore(env)}${opts.out ? ` to ${opts.out}` : ''}${note}.\n`);
    if (r.written === 0 && r.skipped.length === 0) {
      const total = await store.zCard(BY_CREATED);
      process.stderr.write(total === 0 ? `${emptyNamespaceNote(env, 'cases')}\n` : `note: it holds ${total} case(s), none created in that range.\n`);
    }
  } finally {
    await store.close();
  }
}
