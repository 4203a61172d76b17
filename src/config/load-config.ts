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

const problemLines = (problems: ConfigProblem[]): string =>
  problems.map((p) => `  ✖ ${p.path || '(top level)'}${p.where ? ` (${p.where})` : ''}: ${p.message}${p.hint ? `\n      hint: ${p.hint}` : ''}`).join('\n');

const count = (n: number): string => `${n} problem${n === 1 ? '' : 's'}`;

/** "<file> has 2 problems:" and the list. */
export function formatProblems(file: string, problems: ConfigProblem[]): string {
  return `${file} has ${count(problems.length)}:\n${problemLines(problems)}`;
}

/** The list under a heading that is not one thing having problems: "<heading> (2 problems):". */
export function formatProblemList(heading: string, problems: ConfigProblem[]): string {
  return `${heading} (${count(problems.length)}):\n${problemLines(problems)}`;
}

/**
 * `key: #value` with no space after the `#`: YAML reads `#value` as a comment, so the key
 * gets no value (and inside `{ … }` the rest of the line is lost, which breaks the
 * syntax). Someone writing `channel: #bookings` meant the text.
 */
function commentedValues(text: string): Array<{ line: number; key: string; value: string }> {
  const found: Array<{ line: number; key: string; value: string }> = [];
  text.split(/\r?\n/u).forEach((l, i) => {
    for (const m of l.matchAll(/(?:^|[\s{,])([A-Za-z_][\w-]*):[ \t]+(#[^\s,}#]+)/gu)) {
      // Only where the `#` really starts a comment: not inside quotes before it.
      const before = l.slice(0, m.index);
      if ((before.split("'").length - 1) % 2 === 0 && (before.split('"').length - 1) % 2 === 0) found.push({ line: i + 1, key: m[1]!, value: m[2]! });
    }
  });
  return found;
}

const commentProblem = (c: { line: number; key: string; value: string }, path = c.key): ConfigProblem => ({
  path,
  where: `line ${c.line}`,
  message: `"${c.value}" is read as a YAML comment (a # starts one), so ${c.key} has no value`,
  hint: `quote it: ${c.key}: '${c.value}'`,
});

/** YAML 1.2 reads these as text, not as booleans. */
const YAML11_BOOLEANS = /^(y|yes|n|no|on|off|true|false)$/iu;

/** Parses and validates YAML text. Every problem is reported, with its line where known. */
export function parseConfig(text: string, file = 'earshot.yaml'): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const commented = commentedValues(text);
  if (doc.errors.length > 0) {
    // Syntax errors from a commented-out value are its consequence, not more problems.
    const firstCommented = commented[0]?.line ?? Number.POSITIVE_INFINITY;
    const syntax = doc.errors.filter((e) => (e.linePos?.[0]?.line ?? 0) < firstCommented).map((e) => {
      const pos = e.linePos?.[0];
      return { path: '', where: pos ? `line ${pos.line}, column ${pos.col}` : '', message: e.message.split('\n')[0]!, hint: 'this is not valid YAML' };
    });
    throw new ConfigInvalidError(file, [...syntax, ...commented.map((c) => commentProblem(c))]);
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
    const line = /^line (\d+)/.exec(where)?.[1];
    const c = commented.find((x) => String(x.line) === line && x.key === issue.path[issue.path.length - 1]);
    if (c) return commentProblem(c, pathString(issue.path));
    const value: unknown = issue.path.length ? doc.getIn(issue.path as unknown[]) : undefined;
    if (typeof value === 'string' && YAML11_BOOLEANS.test(value) && (issue.code === 'invalid_union' || /expected boolean/.test(issue.message))) {
      return { path: pathString(issue.path), where, message: `must be true or false, not "${value}"`, hint: `write true or false without quotes (YAML reads ${value} as text)` };
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
  constructor(readonly problems: ConfigProblem[], source = 'the environment') {
    super(formatProblems(source, problems));
    this.name = 'EnvInvalidError';
  }
}

/**
 * Validates the environment. `source` names where it came from in messages: "the
 * environment", or "the environment and .env" when a .env file was read.
 */
export function parseEnv(env: NodeJS.ProcessEnv, source = 'the environment'): Env {
  const result = EnvSchema.safeParse(env);
  if (result.success) return result.data;
  throw new EnvInvalidError(result.error.issues.map((i) => ({ path: pathString(i.path), where: '', message: i.message })), source);
}

/** Credentials .env.example shows, whose placeholder values must be replaced. */
const CREDENTIALS = /(TOKEN|SECRET|PASSWORD|_KEY|CLIENT_ID|APP_ID)$/u;

/**
 * A value copied from .env.example or a tutorial rather than a real credential:
 * "xoxb-your-bot-token", "your-signing-secret", "changeme", "<token>", "xxxx", "…".
 */
export function isPlaceholder(value: string): boolean {
  return /\byour[-_ ]|change[-_ ]?me|placeholder|replace[-_ ]?me|^<.*>$|…|\.\.\.|^x{3,}$|^(xox[a-z]|xapp)-x+$|^(todo|tbd)$/iu.test(value.trim());
}

/** Credentials in the environment that are still placeholders (chat ones only when chat is needed). */
export function placeholderProblems(raw: NodeJS.ProcessEnv, opts: { needChat: boolean }): ConfigProblem[] {
  return Object.entries(raw)
    .filter(([k, v]) => k in EnvSchema.shape && CREDENTIALS.test(k) && typeof v === 'string' && v !== '' && isPlaceholder(v))
    .filter(([k]) => opts.needChat || !/^(SLACK|MICROSOFT)_/.test(k))
    // The value is not repeated: were it a real secret taken for a placeholder, it would end up in a log.
    .map(([k]) => ({ path: k, where: '', message: 'is a placeholder, not a real credential', hint: 'replace it in .env (or the environment) with the real credential; .env.example only shows where each comes from' }));
}

/**
 * What will not work though the configuration is valid: said, not refused, since
 * listening without replying is a legitimate set-up.
 */
export function crossCheckWarnings(config: Config, env: Env): string[] {
  const warnings: string[] = [];
  const x = config.sources.filter((s) => s.enabled && s.network === 'x').map((s) => `"${s.name}"`);
  const userKeys = ['X_API_KEY', 'X_API_SECRET', 'X_ACCESS_TOKEN', 'X_ACCESS_SECRET'] as const;
  const missing = userKeys.filter((k) => !env[k]);
  if (x.length > 0 && env.X_BEARER_TOKEN && missing.length > 0) {
    warnings.push(`X source${x.length === 1 ? '' : 's'} ${x.join(', ')} will listen but not reply: replies need the four user keys of the brand account's app (with write permission), and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`);
  }
  return warnings;
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

