/**
 * `earshot erase-author <network>:<handle-or-id>`: erases everything Earshot keeps
 * about one author on request (their cases, posts, names, our replies and notes about
 * them, and posts still waiting in the inbox). Runs against the shared store; the
 * cards in chat are replaced by a removal notice by the running bot's outbox.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { CaseRepository } from '../../app/case-repository.js';
import { eraseAuthor } from '../../app/retention.js';
import { Outbox } from '../../outbox/outbox.js';
import { openStore } from '../../store/open-store.js';
import { systemClock } from '../../util/clock.js';
import { createLogger } from '../../util/logger.js';
import { defineEraseAuthor } from '../command-list.js';
import { loadAll } from '../core-commands.js';

/** Registers `earshot erase-author` with its implementation loaded (tests; main.ts loads it lazily). */
export function register(program: Command): void {
  defineEraseAuthor(program, (author) => eraseAuthorCommand(program, author));
}

/** `earshot erase-author`. */
export async function eraseAuthorCommand(program: Command, author: string): Promise<void> {
  const { env } = loadAll(program, { needChat: false });
  const log = createLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL);
  const store = await openStore(env.STORE_URL, { namespace: env.STORE_NAMESPACE });
  try {
    // Only enqueues the card redactions; a running bot delivers them.
    const outbox = new Outbox({ store, clock: systemClock, log, instanceId: `${hostname()}-${process.pid}-cli` });
    const r = await eraseAuthor({ store, repo: new CaseRepository(store), outbox, log }, author);
    if (r.cases + r.waiting === 0) {
      process.stdout.write(`Nothing found for ${author}.\n`);
    } else {
      process.stdout.write(`Erased ${author}: ${r.cases} case(s) and ${r.waiting} waiting post(s). Their cards will be replaced by a removal notice when the bot next delivers.\n`);
    }
  } finally {
    await store.close();
  }
}
