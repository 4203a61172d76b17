/**
 * `earshot labels [--out file.csv]`: writes the labels staff decisions made (moving a case
 * to another group, correcting a tag, ignoring spam) as CSV, oldest first, in the shape
 * `earshot train` reads: `earshot train labels.csv --text text --sentiment sentiment
 * --intent intent --topic topic`. Merge it with the team's own labelled history to build
 * the next model from everything staff taught the running bot. Personal data is masked.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { BY_CREATED } from '../../app/case-repository.js';
import { staffLabels, type StaffLabel } from '../../app/learning.js';
import { parseEnv } from '../../config/load-config.js';
import type { Store } from '../../store/store.js';
import { defineLabels, type LabelsOptions } from '../command-list.js';
import { loadDotEnv } from '../dotenv.js';
import { csvSafe } from './csv-guard.js';
import { describeStore, emptyNamespaceNote, openStoreToRead } from './read-store.js';

export const LABEL_COLUMNS = ['text', 'sentiment', 'intent', 'topic', 'decision', 'at', 'case'] as const;

/** One staff label as a CSV row, in {@link LABEL_COLUMNS} order. */
export function labelRow(l: StaffLabel): string[] {
  return [l.text, l.labels.sentiment ?? '', l.labels.intent ?? '', l.labels.topic ?? '', l.decision, l.at, l.caseId].map(csvSafe);
}

/** Streams every stored staff label to `out` as CSV with a header row; returns how many. */
export async function exportLabels(store: Store, out: Writable): Promise<number> {
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(stringify([[...LABEL_COLUMNS]]));
  let written = 0;
  let rows: string[][] = [];
  for await (const l of staffLabels(store)) {
    rows.push(labelRow(l));
    written += 1;
    if (rows.length >= 500) { await write(stringify(rows)); rows = []; }
  }
  if (rows.length > 0) await write(stringify(rows));
  return written;
}

/** Registers `earshot labels` with its implementation loaded (tests; main.ts loads it lazily). */
export function register(program: Command): void {
  defineLabels(program, (opts) => labelsCommand(program, opts));
}

/** `earshot labels`. */
export async function labelsCommand(_program: Command, opts: LabelsOptions): Promise<void> {
  loadDotEnv();
  const env = parseEnv(process.env);
  const store = await openStoreToRead(env, 'earshot labels');
  const out: Writable = opts.out ? createWriteStream(opts.out) : process.stdout;
  try {
    const n = await exportLabels(store, out);
    if (opts.out) {
      out.end();
      await once(out, 'finish');
    }
    process.stderr.write(`Wrote ${n} staff label(s) from ${describeStore(env)}${opts.out ? ` to ${opts.out}` : ''}. Train with: earshot train <file> --text text --sentiment sentiment --intent intent --topic topic --out model.json\n`);
    if (n === 0) {
      // No labels in a namespace with cases is normal (nobody corrected screening yet); with no cases either, the namespace is likely wrong.
      const cases = await store.zCard(BY_CREATED);
      process.stderr.write(cases > 0
        ? `note: none of its ${cases} case(s) taught screening yet: labels come from staff re-routing a case, correcting its tags or ignoring it as spam.\n`
        : `${emptyNamespaceNote(env, 'cases and no staff labels')}\n`);
    }
  } finally {
    await store.close();
  }
}
