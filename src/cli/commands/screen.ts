/**
 * `earshot screen <file.csv|file.jsonl> --text <column> [--model <model file>]`: screens
 * every row of a file the way the bot would, and writes one JSON object per row to
 * standard output: its position, sentiment, intent, topic, skill group, priority,
 * personal data found, rules fired and whether it would be dropped. Teams use it to tune
 * rules and models before going live; nothing is posted anywhere.
 */
import type { Command } from 'commander';

import { defineScreen, type ScreenOptions } from '../command-list.js';
import { MentionSchema, type Mention } from '../../domain/mention.js';
import { loadModelFile, ModelFileError } from '../../models/load-model-file.js';
import { screenMention } from '../../screening/screen-mention.js';
import { parseConfig } from '../../config/load-config.js';
import { cell, loadOptionalConfig, readTable, requireColumn, TableFileError } from './train.js';
import { assistOutputs, assistScreener, builtInOutputs, labelsOf, requireLabelColumns, ScreenTally } from './screen-assist.js';

/** Columns read as the author's follower count when --followers names none (the second is `earshot export`'s). */
const FOLLOWER_COLUMNS = ['followers', 'author_followers'];

/**
 * A row of the file as a mention: a JSONL line may be a whole mention; otherwise only its
 * text, and the follower count when a column gives one, are known. A count the row does
 * not give stays unknown rather than 0, which screening would take for an account nobody
 * follows (spam evidence).
 */
export function mentionOf(row: Record<string, unknown>, text: string, position: number, followers: number | undefined): Mention {
  const parsed = MentionSchema.safeParse({ ...row, text });
  if (parsed.success) {
    const author = (row as { author?: { followers?: unknown } }).author;
    return author?.followers === undefined ? { ...parsed.data, author: { ...parsed.data.author, followersUnknown: true } } : parsed.data;
  }
  return {
    network: 'demo',
    source: 'screen',
    id: `row-${position}`,
    text,
    createdAt: '',
    url: '',
    author: { id: `row-${position}`, handle: '', name: '', followers: followers ?? 0, verified: false, ...(followers === undefined ? { followersUnknown: true } : {}) },
    isRepost: false,
    isQuote: false,
  };
}

/** A follower count cell: '' is unknown; anything but a whole number is refused. */
function followerCount(file: string, raw: string, position: number): number | undefined {
  const v = raw.trim().replaceAll(',', '');
  if (v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new TableFileError(file, `row ${position}: followers "${raw}" is not a whole number`);
  return Number(v);
}

/**
 * What screening uses when there is no configuration: no brand handles, lists or rules,
 * and one group standing for "not routed" (reported as group null).
 */
const NO_CONFIG_YAML = `
brand: { name: no configuration }
sources: [{ name: screen, network: x, queries: [screen] }]
groups: [{ id: unrouted, slack: { channel: C0UNROUTED } }]
routing: { fallback: unrouted }
`;

/** Registers `earshot screen` with its implementation loaded (tests; main.ts loads it lazily). */
export function register(program: Command): void {
  defineScreen(program, (file, opts) => screenCommand(program, file, opts));
}

/** `earshot screen`. */
export async function screenCommand(program: Command, file: string, opts: ScreenOptions): Promise<void> {
  // The configuration gives the brand's handles, lists, rules and groups; without one,
  // screening still gives sentiment, intent, topic, personal data and noise.
  const { config: loaded, file: configFile } = loadOptionalConfig(program);
  if (!loaded) process.stderr.write(`note: no configuration (${configFile} not found; give --config <file>): screening without brand handles, lists or routing rules, so "group" is null.\n`);
  const config = loaded ?? parseConfig(NO_CONFIG_YAML, 'the built-in empty configuration');
  const model = opts.model ? loadModelFile(opts.model) : undefined;
  const now = opts.now ?? new Date().toISOString();
  if (Number.isNaN(Date.parse(now))) throw new ModelFileError('--now', `not a time: "${now}" (use ISO 8601, e.g. 2025-03-01T09:30:00Z)`);
  const table = readTable(file);
  requireColumn(file, table, opts.text, '--text');
  if (opts.followers) requireColumn(file, table, opts.followers, '--followers');
  const followersColumn = opts.followers ?? FOLLOWER_COLUMNS.find((c) => table.columns.includes(c));
  requireLabelColumns(file, table, opts);
  const screener = opts.assist ? await assistScreener(loaded, table, opts) : undefined;
  const tally = new ScreenTally();
  const out: string[] = [];
  for (const [i, row] of table.rows.entries()) {
    const position = i + 1;
    const text = cell(row, opts.text);
    const followers = followersColumn ? followerCount(file, cell(row, followersColumn), position) : undefined;
    const s = screenMention(mentionOf(row, text, position, followers), { config, now, model });
    const builtIn = builtInOutputs(s);
    const assisted = screener ? await assistOutputs(screener, text, builtIn) : undefined;
    tally.add(labelsOf(file, row, position, opts), builtIn, assisted);
    out.push(JSON.stringify({
      row: position,
      sentiment: s.sentiment,
      intent: s.intent,
      topic: s.topic ?? null,
      group: loaded ? s.group : null,
      priority: s.priority,
      pii: s.pii,
      rulesFired: s.rulesFired,
      dropped: s.drop,
      ...(s.dropReason ? { dropReason: s.dropReason } : {}),
      language: s.language ?? null,
      tags: s.tags,
      ...(assisted ? { assist: assisted } : {}),
    }));
    // Flush in batches: a large file should not be held twice in memory.
    if (out.length >= 1000) process.stdout.write(`${out.splice(0).join('\n')}\n`);
  }
  if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
  const figures = tally.report(screener ? { name: `${loaded!.assist!.provider}:${loaded!.assist!.model}`, tokens: screener.tokens } : undefined);
  if (figures.length > 0) process.stderr.write(`${figures.join('\n')}\n`);
}
