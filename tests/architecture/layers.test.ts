import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const CRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string, target: string): { code: number; out: string } {
  try {
    const out = execFileSync(CRUISE, [target, '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'], { cwd, encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: `${err.stdout}${err.stderr}` };
  }
}

describe('layer rules (dependency-cruiser)', () => {
  const tmp = join(ROOT, 'tests', '.tmp', 'layers');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('the real tree has no violations', () => {
    const r = cruise(ROOT, 'src');
    expect(r.out).not.toMatch(/error /);
    expect(r.code).toBe(0);
  });

  it('refuses an SDK, I/O or adapter import in the pure middle, and cross-adapter imports', () => {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'src', 'cases'), { recursive: true });
    mkdirSync(join(tmp, 'src', 'chat', 'slack'), { recursive: true });
    mkdirSync(join(tmp, 'src', 'sources', 'twitter'), { recursive: true });
    mkdirSync(join(tmp, 'src', 'outbox'), { recursive: true });
    writeFileSync(join(tmp, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowJs: true } }));
    writeFileSync(join(tmp, 'src', 'outbox', 'outbox.ts'), 'export const outbox = 1;\n');
    writeFileSync(join(tmp, 'src', 'sources', 'twitter', 'source.ts'), 'export const source = 1;\n');
    writeFileSync(join(tmp, 'src', 'cases', 'bad.ts'), [
      "import { App } from '@slack/bolt';",
      "import { readFileSync } from 'node:fs';",
      "import { outbox } from '../outbox/outbox.js';",
      'export const x = [App, readFileSync, outbox];',
    ].join('\n'));
    writeFileSync(join(tmp, 'src', 'chat', 'slack', 'bad.ts'), "import { source } from '../../sources/twitter/source.js';\nexport const y = source;\n");
    const r = cruise(tmp, 'src');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('pure-middle-no-sdk');
    expect(r.out).toContain('pure-middle-no-io');
    expect(r.out).toContain('pure-middle-no-edges');
    expect(r.out).toContain('adapters-do-not-import-each-other');
  });

  /**
   * One tree with one deliberately bad import per rule, and imports the rules must let
   * through. Each rule is expected on its own example (`<severity> <rule>: <from> →`), so a
   * rule that stops firing, or fires only because another file is bad, fails here.
   */
  describe('each rule fires on its own bad example', () => {
    const bad = join(ROOT, 'tests', '.tmp', 'layers-rules');
    const files: Record<string, string> = {
      'src/domain/parse-query.ts': 'export const parseQuery = 1;\n',
      'src/domain/remote-errors.ts': 'export class RemoteRefusedError extends Error {}\n',
      'src/domain/bad-screening.ts': "import { screen } from '../screening/screen.js';\nexport const d = screen;\n",
      'src/screening/screen.ts': 'export const screen = 1;\n',
      'src/screening/bad-model.ts': "import { loadModelFile } from '../models/load-model-file.js';\nexport const s = loadModelFile;\n",
      'src/config/schema.ts': 'export interface Config { name: string }\n',
      'src/config/load-config.ts': "import { createSources } from '../sources/create-sources.js';\nexport const loadConfigFile = createSources;\n",
      'src/cases/good-config.ts': "import type { Config } from '../config/schema.js';\nexport const name = (c: Config) => c.name;\n",
      'src/cases/bad-config.ts': "import { loadConfigFile } from '../config/load-config.js';\nexport const c = loadConfigFile;\n",
      'src/cases/bad-text.ts': "import twitterText from 'twitter-text';\nexport const t = twitterText;\n",
      'src/cases/case.ts': 'export const kase = 1;\n',
      'src/metrics/days.ts': 'export const days = 1;\n',
      'src/metrics/bad-cases.ts': "import { kase } from '../cases/case.js';\nexport const m = kase;\n",
      'src/routing/bad-days.ts': "import { days } from '../metrics/days.js';\nexport const r = days;\n",
      'src/outbox/outbox.ts': 'export const outbox = 1;\n',
      'src/outbox/delivery-errors.ts': "export { RemoteRefusedError as DeliveryPermanentError } from '../domain/remote-errors.js';\n",
      'src/sources/create-sources.ts': 'export const createSources = 1;\n',
      'src/sources/twitter/bad-outbox.ts': "import { outbox } from '../../outbox/outbox.js';\nexport const o = outbox;\n",
      'src/sources/twitter/good-text.ts': "import twitterText from 'twitter-text';\nexport const g = twitterText;\n",
      'src/sources/rss/bad-screening.ts': "import { screen } from '../../screening/screen.js';\nexport const q = screen;\n",
      'src/sources/rss/good-query.ts': "import { parseQuery } from '../../domain/parse-query.js';\nimport { RemoteRefusedError } from '../../domain/remote-errors.js';\nexport const q = [parseQuery, RemoteRefusedError];\n",
      'src/chat/slack/bad-errors.ts': "import { DeliveryPermanentError } from '../../outbox/delivery-errors.js';\nexport const e = DeliveryPermanentError;\n",
      'src/chat/card.ts': "import { service } from '../app/service.js';\nexport const card = service;\n",
      'src/config/env.ts': 'export interface Env { HOST: string }\n',
      'src/chat/teams/bad-config.ts': "import type { Config } from '../../config/schema.js';\nexport const t = (c: Config) => c.name;\n",
      'src/chat/teams/good-env.ts': "import type { Env } from '../../config/env.js';\nexport const t = (e: Env) => e.HOST;\n",
      'src/app/service.ts': 'export const service = 1;\n',
      'src/cards/good-card.ts': "import type { Config } from '../config/schema.js';\nimport { parseQuery } from '../domain/parse-query.js';\nimport { screen } from '../screening/screen.js';\nimport { kase } from '../cases/case.js';\nexport const card = (c: Config) => [c.name, parseQuery, screen, kase];\n",
      'src/cards/bad-app.ts': "import { service } from '../app/service.js';\nexport const k = service;\n",
      'src/cards/bad-chat.ts': "import { card } from '../chat/card.js';\nexport const k = card;\n",
      'src/cards/bad-server.ts': "import { w } from '../server/bad-cli.js';\nexport const k = w;\n",
      'src/cards/bad-config.ts': "import { loadConfigFile } from '../config/load-config.js';\nexport const k = loadConfigFile;\n",
      'src/cards/bad-sdk.ts': "import { App } from '@slack/bolt';\nexport const k = App;\n",
      'src/cases/bad-cards.ts': "import { card } from '../cards/good-card.js';\nexport const c = card;\n",
      'src/app/bad-chat.ts': "import { card } from '../chat/card.js';\nexport const a = card;\n",
      'src/app/bad-links.ts': "import { l } from '../text-links/good-text.js';\nexport const b = l;\n",
      'src/app/bad-text.ts': "import twitterText from 'twitter-text';\nexport const a = twitterText;\n",
      'src/text-links/good-text.ts': "import twitterText from 'twitter-text';\nexport const l = twitterText;\n",
      'src/models/load-model-file.ts': 'export const loadModelFile = 1;\n',
      'src/cli/main.ts': "import { loadModelFile } from '../models/load-model-file.js';\nexport const main = loadModelFile;\n",
      'src/cli/commands/screen.ts': 'export const screenCommand = 1;\n',
      'src/server/bad-cli.ts': "import { screenCommand } from '../cli/commands/screen.js';\nexport const w = screenCommand;\n",
      'src/assist/ai-sdk-model.ts': "import { generateText } from 'ai';\nimport { createAnthropic } from '@ai-sdk/anthropic';\nexport const m = [generateText, createAnthropic];\n",
      'src/assist/retrieval.ts': "import MiniSearch from 'minisearch';\nexport const r = MiniSearch;\n",
      'src/assist/bad-ai.ts': "import { generateText } from 'ai';\nexport const g = generateText;\n",
      'src/app/bad-provider.ts': "import { createAzure } from '@ai-sdk/azure';\nexport const z = createAzure;\n",
      'src/app/bad-search.ts': "import MiniSearch from 'minisearch';\nexport const s = MiniSearch;\n",
      'src/app/bad-assist.ts': "import { r } from '../assist/retrieval.js';\nexport const a = r;\n",
      'src/util/ping.ts': "import { pong } from './pong.js';\nexport const ping = () => pong;\n",
      'src/util/pong.ts': "import { ping } from './ping.js';\nexport const pong = () => ping;\n",
    };
    let out = '';
    let code = 0;
    beforeAll(() => {
      rmSync(bad, { recursive: true, force: true });
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(bad, file)), { recursive: true });
        writeFileSync(join(bad, file), text);
      }
      writeFileSync(join(bad, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowJs: true } }));
      ({ code, out } = cruise(bad, 'src'));
    }, 60_000);
    afterAll(() => rmSync(bad, { recursive: true, force: true }));

    it.each([
      ['error', 'pure-middle-config-types-only', 'src/cases/bad-config.ts'],
      ['error', 'domain-imports-only-domain', 'src/domain/bad-screening.ts'],
      ['error', 'workflow-rooms-not-metrics', 'src/routing/bad-days.ts'],
      ['error', 'metrics-not-workflow-rooms', 'src/metrics/bad-cases.ts'],
      ['error', 'sources-not-outbox', 'src/sources/twitter/bad-outbox.ts'],
      ['error', 'remote-errors-from-domain', 'src/chat/slack/bad-errors.ts'],
      ['error', 'sources-not-screening', 'src/sources/rss/bad-screening.ts'],
      ['error', 'nothing-imports-cli', 'src/server/bad-cli.ts'],
      ['error', 'twitter-text-at-the-edge', 'src/app/bad-text.ts'],
      ['error', 'pure-middle-no-sdk', 'src/cases/bad-text.ts'],
      ['error', 'pure-middle-no-edges', 'src/screening/bad-model.ts'],
      ['error', 'app-gets-edges-passed-in', 'src/app/bad-links.ts'],
      ['error', 'card-model-not-app', 'src/chat/card.ts'],
      ['error', 'no-circular', 'src/util/ping.ts'],
      ['error', 'config-not-sources', 'src/config/load-config.ts'],
      ['error', 'chat-adapters-not-config', 'src/chat/teams/bad-config.ts'],
      ['error', 'app-not-chat', 'src/app/bad-chat.ts'],
      ['error', 'cards-below-app-and-chat', 'src/cards/bad-app.ts'],
      ['error', 'cards-below-app-and-chat', 'src/cards/bad-chat.ts'],
      ['error', 'cards-below-app-and-chat', 'src/cards/bad-server.ts'],
      ['error', 'cards-config-types-only', 'src/cards/bad-config.ts'],
      ['error', 'pure-middle-no-sdk', 'src/cards/bad-sdk.ts'],
      ['error', 'pure-middle-no-edges', 'src/cases/bad-cards.ts'],
      ['error', 'ai-sdk-only-in-model-adapter', 'src/assist/bad-ai.ts'],
      ['error', 'ai-sdk-only-in-model-adapter', 'src/app/bad-provider.ts'],
      ['error', 'minisearch-only-in-assist', 'src/app/bad-search.ts'],
      ['error', 'app-not-assist', 'src/app/bad-assist.ts'],
    ])('%s %s: %s', (severity, rule, from) => {
      expect(out).toContain(`${severity} ${rule}: ${from} →`);
    });

    it('fails the run on the errors', () => {
      expect(code).not.toBe(0);
    });

    it.each([
      ['a type-only config import in the pure middle', 'src/cases/good-config.ts'],
      ['the query grammar and remote errors from the domain in a source', 'src/sources/rss/good-query.ts'],
      ['twitter-text in the X source', 'src/sources/twitter/good-text.ts'],
      ['twitter-text in the link finder', 'src/text-links/good-text.ts'],
      ['the environment in a chat adapter', 'src/chat/teams/good-env.ts'],
      ['the model loader in the command line', 'src/cli/main.ts'],
      ['the domain, screening, the case rules and config types in the cards', 'src/cards/good-card.ts'],
      ['the outbox re-exporting the domain errors', 'src/outbox/delivery-errors.ts'],
      ['the AI SDK in the language-model adapter', 'src/assist/ai-sdk-model.ts'],
      ['MiniSearch in the assist retrieval', 'src/assist/retrieval.ts'],
    ])('lets through %s', (_what, from) => {
      expect(out).not.toContain(`: ${from} →`);
    });
  });
});
