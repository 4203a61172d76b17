/**
 * The offline sandbox: the real bot, wired to a local Slack-compatible server and a local
 * X-compatible server (the same fakes the tests use), fed by sample mentions, with a web page
 * to work the cases as a Slack user would. No credentials and no network: every token is
 * made up and every server listens on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatProblems, parseEnv } from '../config/load-config.js';
import { crossCheck } from '../server/cross-check.js';
import { EnvSchema } from '../config/env.js';
import type { Config } from '../config/schema.js';
import { startEarshot, type Earshot } from '../server/earshot.js';
import type { Logger } from '../util/logger.js';
import { startFakeSlack, type FakeSlack, type FakeSlackState } from './fakes/fake-slack.js';
import { startFakeX, type FakeX, type FakeXState } from './fakes/fake-x.js';
import { DEMO_CHANNELS, DEMO_PEOPLE, DEMO_X_ACCOUNT, demoConfig } from './demo-config.js';
import { replayMentions, type Replay } from './replay-mentions.js';
import { sampleMentions } from './sample-mentions.js';
import { startWorkspaceServer, type WorkspaceServer } from './start-workspace-server.js';

/** Options for {@link startSandbox}. */
export interface SandboxOptions {
  log: Logger;
  /** The workspace page's port (0: any free port). Default 3000. */
  port?: number;
  /** The address the page listens on. Default 127.0.0.1. */
  host?: string;
  /** The embedded store's file. Default ./data/demo.sqlite. */
  storeFile?: string;
  /**
   * Carry on from the last run: keep the store's file, and the workspace and the social feed
   * saved beside it (`<store>.sandbox.json`), instead of starting afresh.
   */
  keep?: boolean;
  /** Replay the sample mentions. Default true. */
  replay?: boolean;
  /** Time scale for the sample mentions (2: twice as fast). Default 1. */
  speed?: number;
  /** The configuration; default the built-in one ({@link demoConfig}). */
  config?: Config;
}

/** A running sandbox. */
export interface Sandbox {
  /** The workspace page, e.g. http://localhost:3000. */
  url: string;
  botUrl: string;
  storeFile: string;
  /** Where the workspace and the feed are saved for --keep. */
  stateFile: string;
  /** Whether this run carried on from a saved workspace. */
  resumed: boolean;
  slack: FakeSlack;
  x: FakeX;
  bot: Earshot;
  workspace: WorkspaceServer;
  replay: Replay | undefined;
  /** Stops everything it started, in reverse order. */
  stop(): Promise<void>;
}

/** What `--keep` carries over besides the store: the fakes' contents and the replay's progress. */
interface SavedSandbox {
  version: 1;
  slack: FakeSlackState;
  x: FakeXState;
  replayed: Record<string, string>;
}

const stateFileOf = (storeFile: string) => `${storeFile.replace(/\.sqlite$/, '')}.sandbox.json`;

function readSaved(file: string): SavedSandbox | undefined {
  if (!existsSync(file)) return undefined;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<SavedSandbox>;
  return saved.version === 1 && saved.slack && saved.x ? (saved as SavedSandbox) : undefined;
}

function writeSaved(file: string, saved: SavedSandbox): void {
  // Written aside and renamed, so a crash mid-write never leaves half a file to resume from.
  writeFileSync(`${file}.tmp`, JSON.stringify(saved));
  renameSync(`${file}.tmp`, file);
}

/** The signing secret, tokens and base URLs the bot runs with inside the sandbox. */
function sandboxEnv(slack: FakeSlack, x: FakeX, storeFile: string, secret: string, logLevel: string): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-sandbox-not-a-real-token',
    SLACK_SIGNING_SECRET: secret,
    SLACK_API_URL: slack.url,
    X_BEARER_TOKEN: 'sandbox-not-a-real-bearer-token',
    X_API_KEY: 'sandbox-key',
    X_API_SECRET: 'sandbox-secret',
    X_ACCESS_TOKEN: 'sandbox-access-token',
    X_ACCESS_SECRET: 'sandbox-access-secret',
    X_API_URL: x.url,
    STORE_URL: `sqlite://${storeFile}`,
    STORE_NAMESPACE: 'sandbox',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: logLevel,
    INSTANCE_ID: 'sandbox',
  };
}

/**
 * Replaces every variable Earshot reads with the sandbox's own. The listening jobs run in
 * worker threads that read `process.env`, so the values must be there; clearing the rest
 * means a real token in the shell or in .env can never reach the sandbox's bot.
 */
function useEnv(values: Record<string, string>): () => void {
  const saved = new Map<string, string | undefined>();
  for (const key of Object.keys(EnvSchema.shape)) {
    saved.set(key, process.env[key]);
    delete process.env[key];
  }
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/** Starts the fakes, the bot, the sample replay and the workspace page. */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const config = opts.config ?? demoConfig();
  const storeFile = resolve(opts.storeFile ?? 'data/demo.sqlite');
  const stateFile = stateFileOf(storeFile);
  mkdirSync(dirname(storeFile), { recursive: true });
  if (!opts.keep) for (const f of [storeFile, `${storeFile}-wal`, `${storeFile}-shm`, `${storeFile}-journal`, stateFile]) rmSync(f, { force: true });
  const saved = opts.keep ? readSaved(stateFile) : undefined;

  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const people = Object.fromEntries(DEMO_PEOPLE.map((p) => [p.id, { name: p.name, realName: p.realName }]));
    const slack = await startFakeSlack({
      users: { ...people, U0BOT0001: { name: 'earshot', realName: 'Earshot', isBot: true } },
      channels: DEMO_CHANNELS,
      ...(saved ? { state: saved.slack } : {}),
    });
    stops.push(() => slack.close());
    const x = await startFakeX({ me: DEMO_X_ACCOUNT, ...(saved ? { state: saved.x } : {}) });
    stops.push(() => x.close());

    const secret = randomBytes(20).toString('hex');
    const raw = sandboxEnv(slack, x, storeFile, secret, opts.log.level);
    stops.push(useEnv(raw));
    const env = parseEnv(raw);
    const problems = crossCheck(config, env, { needChat: true });
    if (problems.length > 0) throw new Error(formatProblems('the sandbox configuration', problems));

    const bot = await startEarshot({ config, env, log: opts.log });
    const botStop = stops.push(() => bot.stop()) - 1;
    const botUrl = `http://127.0.0.1:${bot.port}`;

    const replay = opts.replay === false ? undefined : replayMentions({ x, samples: sampleMentions, speed: opts.speed ?? 1, posted: saved?.replayed ?? {} });
    if (replay) stops.push(() => replay.stop());

    // Saved now and then, and once more after the bot has stopped (registered before the bot's
    // stop, so it runs after it): what the page showed is what the next --keep run shows.
    const save = () => writeSaved(stateFile, { version: 1, slack: slack.saveState(), x: x.saveState(), replayed: { ...saved?.replayed, ...replay?.posted } });
    let lastSaved = '';
    const saver = setInterval(() => {
      const now = `${slack.calls.length}:${x.calls.length}:${x.tweets.length}`;
      if (now === lastSaved) return;
      lastSaved = now;
      save();
    }, 5_000);
    stops.splice(botStop, 0, () => {
      clearInterval(saver);
      save();
    });

    const groupName = new Map(config.groups.map((g) => [g.slack?.channel, g.name ?? g.id]));
    const workspace = await startWorkspaceServer({
      slack,
      x,
      appEndpoint: `${botUrl}/slack/events`,
      signingSecret: secret,
      team: { teamId: 'T0FAKE001', domain: 'larkspur-sandbox', appId: 'A0APP0001', name: `${config.brand.name} (sandbox)` },
      botUserId: 'U0BOT0001',
      appName: 'Earshot',
      people: DEMO_PEOPLE,
      channels: Object.entries(DEMO_CHANNELS).map(([id, c]) => ({ id, name: c.name, group: groupName.get(id) ?? '' })),
      command: '/earshot',
      port: opts.port ?? 3000,
      host: opts.host ?? '127.0.0.1',
      about: {
        Bot: `${botUrl}/slack/events`,
        'Slack Web API (fake)': slack.url,
        'X API v2 (fake)': x.url,
        Store: `sqlite://${storeFile}`,
      },
    });
    stops.push(() => workspace.close());

    return { url: workspace.url, botUrl, storeFile, stateFile, resumed: !!saved, slack, x, bot, workspace, replay, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
