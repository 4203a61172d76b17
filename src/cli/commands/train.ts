/**
 * `earshot train <file.csv> --text <column> --sentiment <column> [--intent <column>]
 * [--topic <column>] --out <model file>`: builds a text model from a team's own labelled
 * history. Labels are taken as they appear in the file; a row with an empty label is
 * skipped for that task only.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';

import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';

import { configPath, loadConfigFile } from '../../config/load-config.js';
import type { Config } from '../../config/schema.js';
import { INTENTS, SENTIMENTS } from '../../domain/screening.js';
import { defineTrain, type TrainOptions } from '../command-list.js';
import { csvUnguard } from './csv-guard.js';
import { textModelToJson, trainTextModel, type TrainingExample } from '../../screening/text-model.js';

/** A labelled or unlabelled file that cannot be used as given. */
export class TableFileError extends Error {
  readonly code = 'TABLE_FILE_INVALID';
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'TableFileError';
  }
}

/** Rows of a CSV (with a header line) or JSON Lines file, each an object of its fields. */
export interface Table {
  columns: string[];
  rows: Array<Record<string, unknown>>;
}

/**
 * Reads a CSV file (first line names the columns) or a JSONL file (one JSON object per line).
 * A CSV cell that Earshot's export guarded against formula injection (`'@AcmeAir …`) is
 * read as it was before the guard, so `earshot labels` → `earshot train` loses nothing.
 */
export function readTable(file: string): Table {
  if (!existsSync(file)) throw new TableFileError(file, 'file not found');
  const text = readFileSync(file, 'utf8');
  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return readJsonLines(file, text);
  let rows: Array<Record<string, string>>;
  try {
    rows = parse(text, { columns: true, bom: true, skip_empty_lines: true, relax_quotes: true, trim: false }) as Array<Record<string, string>>;
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new TableFileError(file, `not readable as CSV${err.lines ? ` (line ${err.lines})` : ''}: ${err.message}`);
  }
  for (const row of rows) for (const k of Object.keys(row)) row[k] = csvUnguard(row[k]!);
  const header = text.replace(/^\uFEFF/u, '').split(/\r?\n/u, 1)[0] ?? '';
  let columns: string[] = [];
  try { columns = (parse(header, { bom: true }) as string[][])[0] ?? []; } catch { columns = Object.keys(rows[0] ?? {}); }
  if (columns.length === 0) throw new TableFileError(file, 'empty file: expected a header line naming the columns');
  return { columns, rows };
}

function readJsonLines(file: string, text: string): Table {
  const rows: Array<Record<string, unknown>> = [];
  const columns = new Set<string>();
  text.split(/\r?\n/u).forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try { value = JSON.parse(line); } catch (e) {
      throw new TableFileError(file, `line ${i + 1} is not JSON: ${(e as Error).message}`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new TableFileError(file, `line ${i + 1} is not a JSON object`);
    for (const k of Object.keys(value)) columns.add(k);
    rows.push(value as Record<string, unknown>);
  });
  return { columns: [...columns], rows };
}

/** Checks that a column exists, naming the ones that do when it does not. */
export function requireColumn(file: string, table: Table, column: string, option: string): void {
  if (!table.columns.includes(column)) {
    throw new TableFileError(file, `no column "${column}" (given by ${option}); the file has: ${table.columns.map((c) => `"${c}"`).join(', ') || 'no columns'}`);
  }
}

/** A cell as text ('' when missing). Nested JSON values are not labels. */
export function cell(row: Record<string, unknown>, column: string): string {
  const v = row[column];
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/**
 * The configuration, for commands that can work without one: a file named by --config or
 * EARSHOT_CONFIG must be there and valid; otherwise ./earshot.yaml is used if it exists.
 * `file` is the one looked for, for messages.
 */
export function loadOptionalConfig(program: Command): { file: string; config: Config | undefined } {
  const explicit = program.opts<{ config?: string }>().config ?? process.env.EARSHOT_CONFIG;
  const file = configPath(program.opts<{ config?: string }>());
  return { file, config: explicit || existsSync(file) ? loadConfigFile(file) : undefined };
}

const SENTIMENT_ALIASES: Record<string, (typeof SENTIMENTS)[number]> = {
  negative: 'negative', neg: 'negative', '-1': 'negative', bad: 'negative',
  neutral: 'neutral', neu: 'neutral', '0': 'neutral',
  positive: 'positive', pos: 'positive', '1': 'positive', '+1': 'positive', good: 'positive',
};

/**
 * Maps a file's sentiment labels onto negative/neutral/positive (the values screening
 * and its rules use). Common spellings are accepted; anything else is refused with the
 * labels found, because a silently ignored label would train a lopsided model.
 */
export function sentimentLabel(file: string, raw: string, line: number): string {
  if (raw === '') return '';
  const v = SENTIMENT_ALIASES[raw.trim().toLowerCase()];
  if (!v) throw new TableFileError(file, `row ${line}: sentiment "${raw}" is not one of ${SENTIMENTS.join(', ')} (also accepted: neg/neu/pos, -1/0/1)`);
  return v;
}

export function intentLabel(file: string, raw: string, line: number): string {
  if (raw === '') return '';
  const v = raw.trim().toLowerCase();
  if (!(INTENTS as readonly string[]).includes(v)) throw new TableFileError(file, `row ${line}: intent "${raw}" is not one of ${INTENTS.join(', ')}`);
  return v;
}

const countBy = (xs: string[]): string => {
  const m = new Map<string, number>();
  for (const x of xs) if (x !== '') m.set(x, (m.get(x) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, n]) => `${k} ${n}`).join(', ');
};

/** Registers `earshot train` with its implementation loaded (tests; main.ts loads it lazily). */
export function register(program: Command): void {
  defineTrain(program, (file, opts) => trainCommand(program, file, opts));
}

/** `earshot train`. */
export async function trainCommand(program: Command, file: string, opts: TrainOptions): Promise<void> {
  // The configuration only names the skill groups topics are checked against.
  const { config, file: configFile } = loadOptionalConfig(program);
  const table = readTable(file);
  requireColumn(file, table, opts.text, '--text');
  requireColumn(file, table, opts.sentiment, '--sentiment');
  if (opts.intent) requireColumn(file, table, opts.intent, '--intent');
  if (opts.topic) requireColumn(file, table, opts.topic, '--topic');
  const seed = Number(opts.seed);
  if (!Number.isInteger(seed)) throw new TableFileError(file, `--seed must be an integer, got "${opts.seed}"`);

  const examples: TrainingExample[] = [];
  table.rows.forEach((row, i) => {
    const text = cell(row, opts.text);
    if (text.trim() === '') return;
    const line = i + 1;
    examples.push({
      text,
      labels: {
        sentiment: sentimentLabel(file, cell(row, opts.sentiment), line),
        ...(opts.intent ? { intent: intentLabel(file, cell(row, opts.intent), line) } : {}),
        ...(opts.topic ? { topic: cell(row, opts.topic).trim() } : {}),
      },
    });
  });
  if (examples.length === 0) throw new TableFileError(file, `no row has text in column "${opts.text}"`);
  if (!examples.some((e) => e.labels.sentiment)) throw new TableFileError(file, `no row has a sentiment in column "${opts.sentiment}"`);

  const t0 = performance.now();
  const model = trainTextModel(examples, { seed });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const json = JSON.stringify(textModelToJson(model));
  try {
    writeFileSync(opts.out, json);
  } catch (e) {
    throw new TableFileError(opts.out, `cannot write the model: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }

  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(`Trained on ${examples.length} rows of ${basename(file)} in ${seconds}s; wrote ${opts.out} (${json.length >= 1e6 ? `${(json.length / 1e6).toFixed(1)} MB` : `${Math.ceil(json.length / 1e3)} kB`}).`);
  say(`  sentiment: ${countBy(examples.map((e) => e.labels.sentiment ?? ''))}`);
  if (opts.intent) say(`  intent: ${countBy(examples.map((e) => e.labels.intent ?? ''))}`);
  if (opts.topic) {
    say(`  topic: ${countBy(examples.map((e) => e.labels.topic ?? ''))}`);
    if (!config) {
      process.stderr.write(`note: no configuration (${configFile} not found; give --config <file>), so the topics were not checked against skill groups: a topic routes a mention only where it names a group's id.\n`);
    } else {
      const groups = new Set(config.groups.map((g) => g.id));
      const stray = [...new Set(examples.map((e) => e.labels.topic ?? ''))].filter((t) => t !== '' && !groups.has(t));
      if (stray.length > 0) {
        process.stderr.write(`note: topics ${stray.map((t) => `"${t}"`).join(', ')} name no skill group in ${configFile}; mentions with them go to the fallback group "${config.routing.fallback}" unless a rule routes them.\n`);
      }
    }
  }
}
