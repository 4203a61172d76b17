/**
 * Every command's name, arguments and options, and nothing else: `earshot --help` and a
 * command's `--help` are answered from here without loading any implementation (the
 * whole product, its SDKs and schemas take most of a second to load). main.ts attaches
 * actions that import the implementation when the command runs.
 */
import { InvalidArgumentError, type Command } from 'commander';

export interface CheckConfigOptions { chat: boolean }
export interface SchemaOptions { out?: string }
export interface ExportOptions { from: string; to: string; out?: string; tz: string }
export interface LabelsOptions { out?: string }
export interface BackfillOptions { since: string; dryRun: boolean }
export interface TrainOptions { text: string; sentiment: string; intent?: string; topic?: string; out: string; seed?: string }
export interface ScreenOptions { text: string; model?: string; now?: string; followers?: string; assist?: boolean; sentiment?: string; intent?: string; topic?: string }
export interface DemoOptions {
  port: number;
  host: string;
  store: string;
  keep: boolean;
  replay: boolean;
  speed: number;
  logLevel: string;
  printConfig: boolean;
}

/**
 * The intents screening knows, for the help text. Written out rather than imported from
 * the domain (which loads zod); tests/cli/cli.test.ts checks it against INTENTS.
 */
export const INTENT_NAMES = 'complaint, question, praise, request, lead, other';

export function defineStart(program: Command, action: () => Promise<void>): Command {
  return program.command('start')
    .description('listen, screen, post cards and serve Slack (what `npm start` runs)')
    .action(action);
}

export function defineCheckConfig(program: Command, action: (opts: CheckConfigOptions) => Promise<void>): Command {
  return program.command('check-config')
    .description('validate the configuration file and the environment, then exit (connects to nothing)')
    .option('--no-chat', 'do not require Slack/Teams credentials (for CI checks of the file)')
    .action(action);
}

export function defineSchema(program: Command, action: (opts: SchemaOptions) => Promise<void>): Command {
  return program.command('schema')
    .description('print the JSON Schema of the configuration file (for editors)')
    .option('-o, --out <file>', 'write it to a file instead')
    .action(action);
}

export function defineEraseAuthor(program: Command, action: (author: string) => Promise<void>): Command {
  return program.command('erase-author')
    .description('erase everything about one author on request (e.g. x:traveller or x:<user id>)')
    .argument('<author>', '<network>:<handle or user id>')
    .action(action);
}

export function defineExport(program: Command, action: (opts: ExportOptions) => Promise<void>): Command {
  return program.command('export')
    .description('write the cases created in a date range to CSV (personal data in posts masked)')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD (included)')
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .option('--tz <zone>', 'the time zone the days are in', 'UTC')
    .action(action);
}

export function defineTrain(program: Command, action: (file: string, opts: TrainOptions) => Promise<void>): Command {
  return program.command('train')
    .description('build a text model (sentiment, intent, topic) from a labelled CSV of your own posts')
    .argument('<file.csv>', 'labelled posts, first line naming the columns')
    .requiredOption('--text <column>', 'the column holding the post text')
    .requiredOption('--sentiment <column>', 'the column holding negative / neutral / positive')
    .option('--intent <column>', `the column holding the intent (${INTENT_NAMES})`)
    .option('--topic <column>', 'the column holding the topic (a skill group id routes there)')
    .requiredOption('--out <model file>', 'where to write the model (JSON)')
    .option('--seed <n>', 'seed for shuffling (training is reproducible)', '1')
    .action(action);
}

export function defineLabels(program: Command, action: (opts: LabelsOptions) => Promise<void>): Command {
  return program.command('labels')
    .description('write what staff decisions taught screening (re-routes, tag corrections, spam ignores) as CSV for `earshot train`')
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(action);
}

export function defineScreen(program: Command, action: (file: string, opts: ScreenOptions) => Promise<void>): Command {
  return program.command('screen')
    .description('screen every row of a CSV or JSONL file and print one JSON result per row')
    .argument('<file>', 'a CSV file (first line naming the columns) or a JSONL file (one JSON object per line)')
    .requiredOption('--text <column>', 'the column (or JSON field) holding the post text')
    .option('--followers <column>', 'the column holding the author\'s follower count (default: a "followers" or "author_followers" column if there is one; without one the count is unknown)')
    .option('--model <model file>', 'a model made by `earshot train` (without one: lexicon and word rules)')
    .option('--now <time>', 'the time rules with time windows see, ISO 8601 (default: now)')
    .option('--assist', 'also screen each row with the AI model the configuration\'s assist: section names (the built-in classifier stands in on a timeout, an error or the token budget); each row gets an "assist" object')
    .option('--sentiment <column>', 'a column of labelled sentiments: the built-in classifier (and with --assist the model) is measured against it')
    .option('--intent <column>', `a column of labelled intents (${INTENT_NAMES}), measured the same way`)
    .option('--topic <column>', 'a column of labelled topics, measured the same way')
    .addHelpText('after', `
With label columns the figures (right answers per output, and with --assist the model's
beside the built-in classifier's, and how often the model fell back) go to stderr after
the rows. --assist sends each post, masked, to the configured model: tokens count against
assist.dailyTokens for this run (the bot's daily count in the store is not touched).`)
    .action(action);
}

export function defineBackfill(program: Command, action: (source: string, opts: BackfillOptions) => Promise<void>): Command {
  return program.command('backfill')
    .description('fetch a source\'s posts since a time, on purpose, into the inbox the running bot screens and posts from (a first start reaches back only the source\'s lookback, default 1h)')
    .argument('<source>', 'the name of a source in the configuration file')
    .requiredOption('--since <time>', 'how far back: an ISO date or time (2026-12-01, 2026-12-01T09:00:00Z) or a duration back from now (30m, 6h, 3d); X keeps 7 days at most')
    .option('--dry-run', 'fetch and count what would be recorded, record nothing (requests still count against the budget)', false)
    .addHelpText('after', `
Posts already heard are not recorded twice, and the source's listening position is left
where it is. Requests keep to the source's budget: when the budget for the window is
spent the backfill stops, says how far back it got, and the same command (with the same
--since time it prints) carries on from there. Progress goes to stderr.`)
    .action(action);
}

const portNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number from 0 to 65535');
  return n;
};
const positive = (v: string): number => {
  const n = Number(v);
  if (!(n > 0) || n > 1000) throw new InvalidArgumentError('a number above 0 (2 = twice as fast)');
  return n;
};

export function defineDemo(program: Command, action: (opts: DemoOptions) => Promise<void>): Command {
  return program.command('demo')
    .description('try Earshot offline: a local workspace and social feed, sample mentions, the real bot (no credentials, no network)')
    .option('-p, --port <port>', 'port of the workspace page', portNumber, 3000)
    .option('--host <address>', 'address the workspace page listens on', '127.0.0.1')
    .option('--store <file>', 'the embedded store file', 'data/demo.sqlite')
    .option('--keep', 'carry on from the last run (store, workspace and feed) instead of starting afresh', false)
    .option('--no-replay', 'do not post the sample mentions (post your own from the feed)')
    .option('--speed <factor>', 'replay the sample mentions faster (2 = twice as fast)', positive, 1)
    .option('--log-level <level>', 'bot log level (logs go to stderr)', 'error')
    .option('--print-config', 'print the built-in configuration and exit', false)
    .action(action);
}

/**
 * Settings every subcommand needs beyond commander's inherited ones: its own help is
 * what an error about its options points to.
 */
export function pointErrorsToOwnHelp(program: Command): void {
  for (const c of program.commands) c.showHelpAfterError(`(run "${program.name()} ${c.name()} --help" for its options)`);
}
