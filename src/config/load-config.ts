import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument, isNode, LineCounter } from 'yaml';

import { ConfigSchema, type Config } from './schema.js';
import { EnvSchema, type Env } from './env.js';

/** One thing wrong with the configuration, with where it is and what to do. */
export interface ConfigProblem {
  where: string;
  path: string;
  message: string;
  hint?: string;
}

export class ConfigInvalidError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly file: string, readonly problems: ConfigProblem[]) {
    super(formatProblems(file, problems));
    this.name = 'ConfigInvalidError';
  }
}

const HINTS: Array<[RegExp, string]> = [
  [/^Unrecognized key/, 'check the spelling; see earshot.example.yaml for every key'],
  [/expected array/, 'write a YAML list: one "- item" per line'],
  [/expected string, received undefined|expected object, received undefined|received undefined/, 'this key is required'],
];

export const pathString = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');

export function formatProblems(file: string, problems: ConfigProblem[]): string {
  const lines = problems.map((p) => `  ✖ ${p.path || '(top level)'}${p.where ? ` (${p.where})` : ''}: ${p.message}${p.hint ? `\n      hint: ${p.hint}` : ''}`);
  return `${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}

/** Parses and validates YAML text. Every problem is reported, with its line where known. */
export function parseConfig(text: string, file = 'earshot.yaml'): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigInvalidError(file, doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return { path: '', where: pos ? `line ${pos.line}, column ${pos.col}` : '', message: e.message.split('\n')[0]!, hint: 'this is not valid YAML' };
    }));
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const result = ConfigSchema.safeParse(data ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = [...issue.path, ...(keys.length === 1 ? keys : [])];
    let where = '';
    for (let n = path.length; n >= 0 && !where; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        where = `line ${line}, column ${col}`;
      }
    }
    const message = issue.message;
    const hint = HINTS.find(([re]) => re.test(message))?.[1];
    return { path: pathString(issue.path), where, message, ...(hint ? { hint } : {}) };
  });
  throw new ConfigInvalidError(file, problems);
}

export function configPath(argv: { config?: string | undefined }, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(argv.config ?? env.EARSHOT_CONFIG ?? 'earshot.yaml');
}

export function loadConfigFile(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ConfigInvalidError(file, [{
      path: '', where: '',
      message: err.code === 'ENOENT' ? 'file not found' : `cannot read the file (${err.code ?? err.message})`,
      hint: err.code === 'ENOENT' ? 'copy earshot.example.yaml to earshot.yaml, or pass --config <file> (or set EARSHOT_CONFIG)' : undefined,
    }]);
  }
  return parseConfig(text, file);
}

export class EnvInvalidError extends Error {
  readonly code = 'ENV_INVALID';
  constructor(readonly problems: ConfigProblem[]) {
    super(formatProblems('the environment (.env)', problems));
    this.name = 'EnvInvalidError';
  }
}

export function parseEnv(env: NodeJS.ProcessEnv): Env {
  const result = EnvSchema.safeParse(env);
  if (result.success) return result.data;
  throw new EnvInvalidError(result.error.issues.map((i) => ({ path: pathString(i.path), where: '', message: i.message })));
}

/**
 * What the source adapters find wrong with their part of the file (options, credentials),
 * by path. The config room knows no adapter, so the caller that does passes this in
 * (see server/cross-check).
 */
export type SourceProblems = (config: Config, env: Env) => ReadonlyArray<{ path: string; message: string; hint?: string | undefined }>;

/** Problems that only show when the file and the environment are read together; the sources' own come from `opts.sourceProblems`. */
export function crossCheckConfig(config: Config, env: Env, opts: { needChat: boolean; sourceProblems: SourceProblems }): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string, hint?: string) => problems.push({ path, where: '', message, ...(hint ? { hint } : {}) });
  const usesSlack = config.groups.some((g) => g.slack);
  const usesTeams = config.groups.some((g) => g.teams);
  if (opts.needChat && usesSlack) {
    if (!env.SLACK_BOT_TOKEN) add('SLACK_BOT_TOKEN', 'is not set, but groups post to Slack', 'install the app from manifests/slack/manifest.yml and copy its Bot User OAuth Token');
    if (config.slack.mode === 'http' && !env.SLACK_SIGNING_SECRET) add('SLACK_SIGNING_SECRET', 'is not set; HTTP mode verifies every request with it', 'Basic Information → App Credentials → Signing Secret');
    if (config.slack.mode === 'socket' && !env.SLACK_APP_TOKEN) add('SLACK_APP_TOKEN', 'is not set; Socket Mode needs an app-level token', 'Basic Information → App-Level Tokens (scope connections:write)');
  }
  if (opts.needChat && usesTeams && !env.MICROSOFT_APP_ID && !env.TEAMS_LOCAL_DEV) {
    add('MICROSOFT_APP_ID', 'is not set, but groups post to Teams', 'set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD from the Azure bot registration, or TEAMS_LOCAL_DEV=true for local development without authentication');
  }
  config.sources.forEach((s, i) => {
    if (!s.enabled) return;
    if (s.network === 'x' && !env.X_BEARER_TOKEN && !(env.X_API_KEY && env.X_ACCESS_TOKEN)) {
      add(`sources[${i}]`, `source "${s.name}" listens on X but no X credentials are set`, 'set X_BEARER_TOKEN (search) and X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_SECRET (replies)');
    }
  });
  // Bluesky, Mastodon, Reddit and feeds: credentials and `options`, as each adapter checks them.
  for (const p of opts.sourceProblems(config, env)) add(p.path, p.message, p.hint);
  return problems;
}

