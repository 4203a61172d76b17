import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { configPath, crossCheckWarnings, EnvInvalidError, formatProblemList, loadConfigFile, parseEnv, placeholderProblems } from '../config/load-config.js';
import { crossCheck } from '../server/cross-check.js';
import { configJsonSchema } from '../config/json-schema.js';
import type { Earshot } from '../server/earshot.js';
import { createLogger } from '../util/logger.js';
import type { CheckConfigOptions, SchemaOptions } from './command-list.js';
import { envSource, loadDotEnv } from './dotenv.js';

export class ConfigCrossCheckError extends Error {
  readonly code = 'CONFIG_CROSS_CHECK';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigCrossCheckError';
  }
}

/**
 * Reads .env, the config file and the environment, and checks them together. `warnings`
 * are what will not work though nothing is wrong (listening without replies).
 */
export function loadAll(program: Command, opts: { needChat: boolean }) {
  const source = envSource(loadDotEnv());
  const file = configPath(program.opts<{ config?: string }>());
  const problems: string[] = [];
  let config;
  let env;
  try { config = loadConfigFile(file); } catch (e) { problems.push((e as Error).message); }
  try { env = parseEnv(process.env, source); } catch (e) { if (e instanceof EnvInvalidError) problems.push(e.message); else throw e; }
  const placeholders = placeholderProblems(process.env, opts);
  if (placeholders.length) problems.push(formatProblemList(`Placeholders in ${source}`, placeholders));
  if (config && env) {
    const cross = crossCheck(config, env, opts);
    if (cross.length) problems.push(formatProblemList(`${file} and ${source}, checked together`, cross));
  }
  if (problems.length || !config || !env) throw new ConfigCrossCheckError(problems.join('\n\n'));
  return { file, config, env, warnings: crossCheckWarnings(config, env) };
}

/** `earshot start`. */
export async function start(program: Command): Promise<void> {
  const { config, env, file, warnings } = loadAll(program, { needChat: true });
  const log = createLogger(env.LOG_LEVEL);
  log.info({ config: file }, 'configuration is valid');
  for (const w of warnings) log.warn(w);
  // A bug that leaves a promise unhandled is logged loudly, not allowed to kill the
  // process mid-delivery (the outbox would recover, but acks in flight would be lost).
  process.on('unhandledRejection', (e: unknown) => log.error({ err: e }, 'unhandled rejection'));
  // Signals are caught from the start: one that comes while the bot is still starting
  // (it already answers /healthz) waits for the start to finish, then stops cleanly.
  let stopping = false;
  let starting: Promise<Earshot> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing work in progress');
    const force = setTimeout(() => { log.error('shutdown took too long; exiting'); process.exit(1); }, 25_000);
    force.unref();
    (starting ?? Promise.reject(new Error('not started')))
      .then((app) => app.stop())
      .then(() => { log.info('stopped'); log.flush(); process.exit(0); }, (e: unknown) => { log.error({ err: e }, 'shutdown failed'); process.exit(1); });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Loaded here, not at the top: the other commands need none of the chat SDKs.
  starting = import('../server/earshot.js').then(({ startEarshot }) => startEarshot({ config, env, log }));
  await starting;
}

/** `earshot check-config`. */
export async function checkConfig(program: Command, opts: CheckConfigOptions): Promise<void> {
  const { file, config, warnings } = loadAll(program, { needChat: opts.chat });
  process.stdout.write(`${file} is valid: ${config.sources.length} source(s), ${config.groups.length} group(s), ${config.routing.rules.length} rule(s), ${config.templates.length} template(s).\n`);
  for (const w of warnings) process.stdout.write(`  ⚠ ${w}\n`);
}

/** `earshot schema`. */
export async function schema(opts: SchemaOptions): Promise<void> {
  const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
  if (opts.out) writeFileSync(opts.out, text);
  else process.stdout.write(text);
}
