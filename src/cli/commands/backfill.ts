/**
 * `earshot backfill <source> --since <time> [--dry-run]`: fetches a source's posts since
 * a time on purpose (see src/jobs/backfill.ts). It records into the shared store's inbox;
 * the running bot screens, routes and posts the cards as it does for what it hears.
 */
import type { Command } from 'commander';
import { backfill, BackfillArgumentError, checkReach, parseSince, type BackfillProgress } from '../../jobs/backfill.js';
import { createSource } from '../../sources/create-sources.js';
import { openStore } from '../../store/open-store.js';
import { defineBackfill, type BackfillOptions } from '../command-list.js';
import { loadAll } from '../core-commands.js';

/** The budget stopped the backfill before it reached `--since`; the message says how to carry on. */
export class BackfillStoppedError extends Error {
  readonly code = 'BACKFILL_STOPPED';
  constructor(message: string) {
    super(message);
    this.name = 'BackfillStoppedError';
  }
}

/** Registers `earshot backfill` with its implementation loaded (tests; main.ts loads it lazily). */
export function register(program: Command): void {
  defineBackfill(program, (source, opts) => backfillCommand(program, source, opts));
}

const iso = (ms: number) => new Date(ms).toISOString();
const reached = (p: BackfillProgress) => (p.oldest === undefined ? 'no posts yet' : `posts back to ${iso(p.oldest)}`);

/** `earshot backfill`. */
export async function backfillCommand(program: Command, name: string, opts: BackfillOptions): Promise<void> {
  // The time is checked first: a bad --since needs no configuration to be refused.
  const since = parseSince(opts.since, Date.now());
  const { config, env } = loadAll(program, { needChat: false });
  const sourceConfig = config.sources.find((s) => s.name === name);
  if (!sourceConfig) {
    throw new BackfillArgumentError(`there is no source "${name}" in the configuration; its sources are: ${config.sources.map((s) => s.name).join(', ')}`);
  }
  checkReach(sourceConfig.network, name, since, Date.now());

  const store = await openStore(env.STORE_URL, { namespace: env.STORE_NAMESPACE });
  try {
    // The adapter is the listening one, its look-back reaching to --since: the first poll
    // asks the network for exactly that stretch (X start_time, Bluesky since), or stops
    // paging there (Mastodon, Reddit, feeds).
    const lookback = Math.max(0, Date.now() - since);
    const source = createSource({ ...sourceConfig, options: { ...sourceConfig.options, lookback } }, config, env, { cache: store });
    const verb = opts.dryRun ? 'would record' : 'recorded';
    const report = await backfill({
      store, source, since, budget: sourceConfig.budget, requestsPerPoll: sourceConfig.queries.length, dryRun: opts.dryRun,
      onProgress: (p) => process.stderr.write(`backfill ${name}: ${p.pages} page(s) fetched, ${p.heard} post(s) heard, ${p.recorded} ${verb}, ${reached(p)}\n`),
      onWait: (ms, reason) => process.stderr.write(`backfill ${name}: waiting ${Math.ceil(ms / 1000)}s for the budget (${reason})\n`),
    });
    const done = `${report.pages} page(s) fetched, ${report.heard} post(s) heard, ${report.recorded} new ${opts.dryRun ? 'would be recorded (dry run: nothing was)' : 'recorded'}`;
    if (report.stopped) {
      throw new BackfillStoppedError(
        `backfill of "${name}" stopped before reaching ${iso(since)}: the budget allows no more requests now (${report.stopped.reason}). `
        + `So far: ${done}, ${reached(report)}. `
        + (opts.dryRun
          ? `A dry run keeps no position: run it again after ${iso(report.stopped.retryAt)} to count from the start.`
          : `To carry on from there, run it again after ${iso(report.stopped.retryAt)} with the same time: earshot backfill ${name} --since ${iso(since)}`),
      );
    }
    const next = opts.dryRun || report.recorded === 0 ? '' : ' The running bot screens them and posts their cards.';
    process.stdout.write(`Backfilled "${name}" since ${iso(since)}${report.resumed ? ' (carried on from the last run)' : ''}: ${done}.${next}\n`);
  } finally {
    await store.close();
  }
}
