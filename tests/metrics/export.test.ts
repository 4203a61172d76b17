import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EXPORT_COLUMNS, ExportArgsInvalidError, caseRow, csvSafe, dayRangeMs, exportCases, register,
} from '../../src/cli/commands/export.js';
import type { Case } from '../../src/domain/case.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { alice, answer, newCase, play } from './case-history.js';

let dir: string;
let store: Store;
const NS = 'exporttest';

async function put(c: Case): Promise<void> {
  await store.set(`case:${c.id}`, c);
  await store.zAdd('cases:by-created', c.id, Date.parse(c.createdAt));
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-export-'));
  store = await openStore(`sqlite://${join(dir, 'store.sqlite')}`, { namespace: NS });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function exportToRows(range: { startMs: number; endMs: number }, pageSize?: number) {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (b: Buffer) => chunks.push(b));
  const r = await exportCases(store, range, out, { groupNames: new Map([['care', 'Customer care']]), ...(pageSize ? { pageSize } : {}) });
  out.end();
  const rows = parse(Buffer.concat(chunks).toString('utf8'), { columns: true }) as Array<Record<string, string>>;
  return { r, rows };
}

describe('earshot export', () => {
  it('writes the cases created in the range, oldest first, with their figures', async () => {
    const answered = play(newCase({ id: 'a1', at: '2024-05-06T09:00:00Z', text: 'my card 4111 1111 1111 1111 was charged twice #refund', sentiment: 'negative', intent: 'complaint' }), [
      ...answer(alice, '2024-05-06T09:01:00Z', '2024-05-06T09:10:00Z'),
      ['2024-05-06T11:00:00Z', alice, { type: 'close' }],
    ]).case;
    const masked = { ...answered, screening: { ...answered.screening, pii: [{ kind: 'card_number', start: 8, end: 27 }] } };
    await put(masked);
    await put(newCase({ id: 'b2', at: '2024-05-07T23:59:59Z', text: '=HYPERLINK("http://evil.test","click")', author: 'x' }));
    await put(newCase({ id: 'before', at: '2024-05-05T23:59:59Z' }));
    await put(newCase({ id: 'after', at: '2024-05-08T00:00:00Z' }));

    const { r, rows } = await exportToRows(dayRangeMs('2024-05-06', '2024-05-07', 'UTC'));
    expect(r).toEqual({ written: 2, skipped: [] });
    expect(rows.map((x) => x.id)).toEqual(['a1', 'b2']);
    expect(Object.keys(rows[0]!)).toEqual([...EXPORT_COLUMNS]);
    expect(rows[0]).toMatchObject({
      group: 'care', group_name: 'Customer care', status: 'closed', sentiment: 'negative', intent: 'complaint',
      owner: 'slack:UALICE', first_response_seconds: '600', resolution_seconds: '7200', approvals: '1',
      hashtags_in_text: 'refund', text: 'my card [card number] was charged twice #refund',
    });
    // A formula in a post stays text in a spreadsheet.
    expect(rows[1]!.text).toBe('\'=HYPERLINK("http://evil.test","click")');
  });

  it('leaves the follower count empty when the network gave none (0 would mean nobody follows them)', () => {
    const known = newCase({ id: 'k', at: '2024-05-06T09:00:00Z', followers: 0 });
    const unknown = { ...known, mention: { ...known.mention, author: { ...known.mention.author, followersUnknown: true } } };
    const col = EXPORT_COLUMNS.indexOf('author_followers');
    expect(caseRow(known)[col]).toBe(0);
    expect(caseRow(unknown)[col]).toBe('');
  });

  it('pages through many cases with equal creation times without losing or repeating any', async () => {
    for (let i = 0; i < 23; i++) await put(newCase({ id: `c${String(i).padStart(2, '0')}`, at: i < 15 ? '2024-05-06T10:00:00Z' : `2024-05-06T1${i % 10}:00:00Z` }));
    await store.set('case:c05', { not: 'a case' });
    const { r, rows } = await exportToRows(dayRangeMs('2024-05-06', '2024-05-06', 'UTC'), 4);
    expect(r.written).toBe(22);
    expect(r.skipped).toEqual(['c05']);
    expect(new Set(rows.map((x) => x.id)).size).toBe(22);
  });

  it('reads the days in the given time zone', () => {
    const { startMs, endMs } = dayRangeMs('2024-03-31', '2024-03-31', 'Europe/London');
    expect(new Date(startMs).toISOString()).toBe('2024-03-31T00:00:00.000Z');
    // the day the clocks go forward is 23 hours long
    expect(endMs - startMs).toBe(23 * 3_600_000);
    expect(() => dayRangeMs('2024-05-07', '2024-05-06', 'UTC')).toThrow(ExportArgsInvalidError);
    expect(() => dayRangeMs('2024-5-7', '2024-05-08', 'UTC')).toThrow(/--from "2024-5-7" is not a date/);
    expect(() => dayRangeMs('2024-05-07', '2024-05-08', 'Mars/Olympus')).toThrow(/--tz/);
  });

  it('guards every cell against formula injection', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', 'fine', '1-2'].map(csvSafe)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", 'fine', '1-2']);
  });

  it('runs as `earshot export` against the store the environment names', async () => {
    await put(newCase({ id: 'z9', at: '2024-05-06T12:00:00Z' }));
    await store.close();
    const saved = { ...process.env };
    const out = join(dir, 'out.csv');
    const config = join(dir, 'earshot.yaml');
    writeFileSync(config, readFileSync(join(__dirname, '../../earshot.example.yaml'), 'utf8'));
    Object.assign(process.env, { STORE_URL: `sqlite://${join(dir, 'store.sqlite')}`, STORE_NAMESPACE: NS });
    try {
      const program = new Command().option('-c, --config <file>').exitOverride();
      register(program);
      await program.parseAsync(['node', 'earshot', '--config', config, 'export', '--from', '2024-05-06', '--to', '2024-05-06', '--out', out]);
    } finally {
      process.env = saved;
      store = await openStore(`sqlite://${join(dir, 'store.sqlite')}`, { namespace: NS });
    }
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((x) => x.id)).toEqual(['z9']);
  });
});
