#!/usr/bin/env node
/**
 * `earshot <command>`: the one command-line entry (the package's `bin`).
 *
 * Only commander and the command list load up front; each action imports its command's
 * implementation when it runs, so `earshot --help` (and a typo) answer at once instead of
 * loading the whole product first (npm run bench:cli measures it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import {
  defineBackfill, defineCheckConfig, defineDemo, defineEraseAuthor, defineExport, defineLabels, defineSchema, defineScreen,
  defineStart, defineTrain, pointErrorsToOwnHelp,
} from './command-list.js';

/** The version in package.json: the nearest one above this file (src/cli or dist/src/cli). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
    if (dirname(dir) === dir) return 'unknown';
  }
}

const program = new Command()
  .name('earshot')
  .description('Social customer care in Slack and Microsoft Teams.')
  .version(packageVersion(), '-V, --version', 'print the version')
  .option('-c, --config <file>', 'the configuration file (default: $EARSHOT_CONFIG or ./earshot.yaml)')
  // A command's --help lists --config too: it is given before or after the command name.
  .configureHelp({ showGlobalOptions: true })
  .showHelpAfterError('(run "earshot --help" for the commands)')
  .exitOverride();

defineStart(program, async () => (await import('./core-commands.js')).start(program));
defineCheckConfig(program, async (opts) => (await import('./core-commands.js')).checkConfig(program, opts));
defineSchema(program, async (opts) => (await import('./core-commands.js')).schema(opts));
defineEraseAuthor(program, async (author) => (await import('./commands/erase-author.js')).eraseAuthorCommand(program, author));
defineExport(program, async (opts) => (await import('./commands/export.js')).exportCommand(program, opts));
defineTrain(program, async (file, opts) => (await import('./commands/train.js')).trainCommand(program, file, opts));
defineLabels(program, async (opts) => (await import('./commands/labels.js')).labelsCommand(program, opts));
defineScreen(program, async (file, opts) => (await import('./commands/screen.js')).screenCommand(program, file, opts));
defineDemo(program, async (opts) => (await import('./commands/demo.js')).demoCommand(opts));
defineBackfill(program, async (source, opts) => (await import('./commands/backfill.js')).backfillCommand(program, source, opts));
pointErrorsToOwnHelp(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  const err = e as Error & { code?: string };
  // Known errors carry a message written for the operator; print it without a stack.
  process.stderr.write(`earshot: ${err.message}\n`);
  if (!err.code) process.stderr.write(`${err.stack ?? ''}\n`);
  process.exit(1);
}
