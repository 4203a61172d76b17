#!/usr/bin/env node
/**
 * `earshot <command>`: the one command-line entry (the package's `bin`).
 */
import { Command, CommanderError } from 'commander';
import { register as registerDemo } from './commands/demo.js';
import { register as registerEraseAuthor } from './commands/erase-author.js';
import { register as registerExport } from './commands/export.js';
import { register as registerLabels } from './commands/labels.js';
import { register as registerScreen } from './commands/screen.js';
import { register as registerTrain } from './commands/train.js';
import { registerCoreCommands } from './core-commands.js';

const program = new Command()
  .name('earshot')
  .description('Social customer care in Slack and Microsoft Teams.')
  .option('-c, --config <file>', 'the configuration file (default: $EARSHOT_CONFIG or ./earshot.yaml)')
  .showHelpAfterError('(run "earshot --help" for the commands)')
  .exitOverride();

registerCoreCommands(program);
registerEraseAuthor(program);
registerExport(program);
registerTrain(program);
registerLabels(program);
registerScreen(program);
registerDemo(program);

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
