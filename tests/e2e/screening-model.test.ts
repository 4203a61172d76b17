import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordPoll } from '../../src/app/pipeline.js';
import { parseConfig, parseEnv } from '../../src/config/load-config.js';
import { textModelToJson, trainTextModel } from '../../src/screening/text-model.js';
import { startEarshot, type Earshot } from '../../src/server/earshot.js';
import { silentLogger } from '../../src/util/logger.js';
import { tempDir } from './support/bot-process.js';
import { idleSource } from './support/idle-source.js';

const idle = idleSource();
const config = parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, teams: { channel: General } }, { id: bookings, teams: { channel: Bookings } }]
routing: { fallback: care }
`);

/** A post on X by its own author. */
const post = (id: string, text: string) => ({
  network: 'x' as const, source: 'x-mentions', id, text, createdAt: new Date().toISOString(), url: `https://x.com/i/web/status/${id}`,
  author: { id: `a${id}`, handle: `h${id}`, name: 'N', followers: 1, verified: false }, isRepost: false, isQuote: false,
});

async function groupOf(dir: string, model: string | undefined): Promise<string> {
  const env = parseEnv({ STORE_URL: `sqlite://${join(dir, `${model ? 'm' : 'n'}.sqlite`)}`, PORT: '0', HOST: '127.0.0.1', TEAMS_LOCAL_DEV: 'true', ...(model ? { SCREENING_MODEL: model } : {}) });
  const app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idle]]) });
  try {
    await recordPoll(app.store, 'x-mentions', {
      mentions: [post('1', '@acme zorblat quennix please')],
      cursor: '1', requests: 1,
    });
    await app.processInbox();
    const [group] = (await Promise.all(['care', 'bookings'].map(async (g) => ((await app.store.setSize(`open:${g}`)) ? g : undefined)))).filter(Boolean);
    return group!;
  } finally {
    await app.stop();
  }
}

/** A model file whose topics know made-up words no lexicon has: "zorblat" posts go to bookings. */
function writeModel(dir: string): string {
  const examples = [
    ...['zorblat quennix', 'my zorblat is broken', 'quennix zorblat again', 'zorblat quennix help'].map((text) => ({ text, labels: { topic: 'bookings' } })),
    ...['hello there', 'nice weather today', 'thanks for the help', 'good morning team'].map((text) => ({ text, labels: { topic: 'care' } })),
  ];
  const file = join(dir, 'model.json');
  writeFileSync(file, JSON.stringify(textModelToJson(trainTextModel(examples))));
  return file;
}

describe('a trained screening model in the running bot (SCREENING_MODEL)', () => {
  it('routes by the model topic, which the lexicon alone cannot', async () => {
    const dir = tempDir('model');
    const file = writeModel(dir);
    expect(await groupOf(dir, undefined)).toBe('care');
    expect(await groupOf(dir, file)).toBe('bookings');
  });

  it('learns from a staff re-route while running: the next near-identical post goes to the group staff chose', async () => {
    const dir = tempDir('learn');
    const file = writeModel(dir);
    const env = parseEnv({ STORE_URL: `sqlite://${join(dir, 'learn.sqlite')}`, PORT: '0', HOST: '127.0.0.1', TEAMS_LOCAL_DEV: 'true', SCREENING_MODEL: file });
    const hear = async (app: Earshot, id: string, text: string) => {
      await recordPoll(app.store, 'x-mentions', {
        mentions: [post(id, text)],
        cursor: id, requests: 1,
      });
      await app.processInbox();
      return (await app.cases.get((await app.store.get<string>(`mention-case:x:${id}`))!))!;
    };
    const app = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idle]]) });
    try {
      const first = await hear(app, '11', '@acme the plinth by gate 9 wobbles');
      expect(first.group).toBe('care');
      const moved = await app.cases.apply(first.id, { type: 'reroute', to: 'bookings' }, { platform: 'teams', id: '29:agent', name: 'Agent' }, first.version);
      expect(moved.ok).toBe(true);
      const next = await hear(app, '12', '@acme the plinth by gate 9 wobbles!');
      expect(next.id).not.toBe(first.id);
      expect(next.group).toBe('bookings');
    } finally {
      await app.stop();
    }
    // A restart replays what staff taught onto the model file.
    const again = await startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idle]]) });
    try {
      expect((await hear(again, '13', '@acme plinth by gate 9 wobbles again')).group).toBe('bookings');
    } finally {
      await again.stop();
    }
  });

  it('refuses to start with a model file that does not exist, naming it', async () => {
    const env = parseEnv({ STORE_URL: 'sqlite://:memory:', PORT: '0', TEAMS_LOCAL_DEV: 'true', SCREENING_MODEL: '/nonexistent/model.json' });
    await expect(startEarshot({ config, env, log: silentLogger(), schedule: false, sources: new Map([['x-mentions', idle]]) })).rejects.toThrow(/\/nonexistent\/model\.json: file not found \(make one with `earshot train`\)/);
  });
});
