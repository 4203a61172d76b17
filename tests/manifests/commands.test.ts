import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import { queueViewOf, TEAMS_PERSONAL_COMMANDS } from '../../src/chat/teams/teams-personal-chat.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import type { MentionSource } from '../../src/sources/mention-source.js';
import { silentLogger } from '../../src/util/logger.js';
import { tempDir } from '../e2e/support/bot-process.js';

const ROOT = join(__dirname, '..', '..');

/** `/earshot` subcommands named in the Slack manifest's usage hint: "help | metrics [period] | queue …". */
function slackCommands(): string[] {
  const manifest = parseYaml(readFileSync(join(ROOT, 'manifests', 'slack', 'manifest.yml'), 'utf8')) as { features: { slash_commands: Array<{ command: string; usage_hint?: string }> } };
  const earshot = manifest.features.slash_commands.find((c) => c.command === '/earshot');
  expect(earshot, 'the Slack manifest declares /earshot').toBeDefined();
  return (earshot!.usage_hint ?? '').split(/\s+\|\s+/).map((alt) => alt.trim().split(/\s+/)[0]!).filter(Boolean);
}

type TeamsList = { scopes: string[]; commands: Array<{ title: string; description: string }> };

/** The Teams manifest's command lists. */
function teamsLists(): TeamsList[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'manifests', 'teams', 'manifest.json'), 'utf8')) as { bots: Array<{ commandLists?: TeamsList[] }> };
  const lists = manifest.bots.flatMap((b) => b.commandLists ?? []);
  expect(lists.length, 'the Teams manifest declares command lists').toBeGreaterThan(0);
  return lists;
}

/** Bot commands in every command list of the Teams manifest. */
function teamsCommands(): string[] {
  return [...new Set(teamsLists().flatMap((l) => l.commands.map((c) => c.title)))];
}

const personalOnly: string[] = TEAMS_PERSONAL_COMMANDS.map((c) => c.title);

const idle: MentionSource = {
  name: 'x-mentions', network: 'x', canReply: true,
  poll: async () => ({ mentions: [], cursor: undefined, requests: 0 }),
  reply: async () => { throw new Error('unused'); }, findReply: async () => undefined, checkReply: () => undefined,
};

describe('commands declared in the manifests and commands the bot handles', () => {
  let app: Earshot;
  let handled: string[];

  beforeAll(async () => {
    // The router as the server assembles it: every command any part registers.
    const config = parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: C0CARE0001 } }]
routing: { fallback: care }
`);
    const env = parseEnv({ STORE_URL: `sqlite://${join(tempDir('manifest-cmds'), 'm.sqlite')}`, PORT: '0', HOST: '127.0.0.1' });
    app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idle]]) });
    handled = app.commands.names().sort();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('the router handles the commands that must exist on both platforms', () => {
    expect(handled).toEqual(expect.arrayContaining(['help', 'metrics', 'queue']));
  });

  it('Slack: every /earshot subcommand in the usage hint has a handler, and every handler is in the hint', () => {
    expect(slackCommands().sort()).toEqual(handled);
  });

  it('Teams: every command in commandLists has a handler (the router\'s, or the personal chat\'s), and every handler is listed', () => {
    expect(teamsCommands().sort()).toEqual([...handled, ...personalOnly].sort());
    // The personal chat's own commands are answered by it, and only they are.
    for (const title of personalOnly) expect(queueViewOf(title), title).toBeDefined();
    for (const name of handled) expect(queueViewOf(name), name).toBeUndefined();
  });

  it('Teams: the personal chat\'s commands are in the personal list alone, each as the bot declares it', () => {
    for (const list of teamsLists()) {
      const titles = list.commands.map((c) => c.title);
      if (list.scopes.includes('personal')) expect(titles).toEqual(expect.arrayContaining(personalOnly));
      else for (const t of personalOnly) expect(titles).not.toContain(t);
    }
    const personal = teamsLists().find((l) => l.scopes.includes('personal'))!;
    for (const c of TEAMS_PERSONAL_COMMANDS) expect(personal.commands).toContainEqual({ title: c.title, description: c.description });
  });

  it('Teams: every command list is offered in the scopes the bot is installed in', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'manifests', 'teams', 'manifest.json'), 'utf8')) as { bots: Array<{ scopes: string[]; commandLists: Array<{ scopes: string[]; commands: unknown[] }> }> };
    for (const bot of manifest.bots) {
      expect([...new Set(bot.commandLists.flatMap((l) => l.scopes))].sort()).toEqual([...bot.scopes].sort());
      // One list per scope (the schema allows a scope in several lists; Teams shows the first).
      const scopes = bot.commandLists.flatMap((l) => l.scopes);
      expect(scopes).toHaveLength(new Set(scopes).size);
      for (const list of bot.commandLists) expect(list.commands.length).toBeLessThanOrEqual(10);
    }
  });
});
