import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigInvalidError, crossCheckWarnings, isPlaceholder, loadConfigFile, parseConfig, parseEnv, EnvInvalidError, placeholderProblems } from '../../src/config/load-config.js';
import { crossCheck } from '../../src/server/cross-check.js';
import { configJsonSchema } from '../../src/config/json-schema.js';

const ROOT = join(__dirname, '..', '..');

function problems(yaml: string) {
  try {
    parseConfig(yaml, 'test.yaml');
  } catch (e) {
    if (e instanceof ConfigInvalidError) return e;
    throw e;
  }
  throw new Error('expected the config to be refused');
}

const GOOD = `
brand: { name: Acme }
sources: [{ name: x1, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: C0CARE0001 } }]
routing: { fallback: care }
`;

describe('configuration file', () => {
  it('accepts the shipped example', () => {
    const c = loadConfigFile(join(ROOT, 'earshot.example.yaml'));
    expect(c.groups.map((g) => g.id)).toEqual(['baggage', 'bookings', 'care']);
    expect(c.sources[0]!.interval).toBe(60_000);
    expect(c.sources[0]!.budget?.window).toBe(900_000);
  });

  it('fills defaults', () => {
    const c = parseConfig(GOOD);
    expect(c.policy.requireApproval).toBe(true);
    expect(c.policy.allowSelfApproval).toBe(false);
    expect(c.slack.mode).toBe('http');
    expect(c.sources[0]!.interval).toBe(60_000);
  });

  it('lists every problem with its path, line and a hint', () => {
    const e = problems(`
brand: { name: Acme }
sources:
  - name: x1
    network: x
    queries: ['@acme']
    intervall: 30s
  - name: x2
    network: myspace
    queries: []
    interval: soon
groups:
  - id: care
    slack: { channel: general }
  - id: sales
routing:
  fallback: nowhere
  rules:
    - name: r1
      when: { regex: '([' }
      then: { route: ghosts }
`);
    const byPath = Object.fromEntries(e.problems.map((p) => [p.path, p]));
    expect(Object.keys(byPath)).toEqual(expect.arrayContaining([
      'sources[0]', 'sources[1].network', 'sources[1].queries', 'sources[1].interval',
      'groups[0].slack.channel', 'groups[1]', 'routing.fallback', 'routing.rules[0].when.regex', 'routing.rules[0].then.route',
    ]));
    expect(byPath['sources[0]']!.message).toMatch(/intervall/);
    expect(byPath['sources[0]']!.hint).toMatch(/spelling/);
    expect(byPath['sources[1].interval']!.message).toContain('"soon" is not a duration');
    expect(byPath['routing.fallback']!.message).toContain('unknown group "nowhere" (groups: care, sales)');
    expect(byPath['routing.rules[0].when.regex']!.message).toMatch(/not a valid regular expression/);
    expect(byPath['sources[1].interval']!.where).toBe('line 11, column 15');
    expect(e.message).toMatch(/^test\.yaml has \d+ problems:/);
  });

  it('reports YAML syntax errors with their line', () => {
    const e = problems('brand: { name: Acme\nsources: [');
    expect(e.problems[0]!.hint).toBe('this is not valid YAML');
    expect(e.problems[0]!.where).toMatch(/^line \d+/);
  });

  it('refuses duplicate keys and duplicate ids', () => {
    expect(problems(`${GOOD}\nbrand: { name: Other }`).problems[0]!.message).toMatch(/unique|duplicate/i);
    const e = problems(GOOD.replace("groups: [{ id: care, slack: { channel: C0CARE0001 } }]", "groups: [{ id: care, slack: { channel: C0CARE0001 } }, { id: care, slack: { channel: C0CARE0002 } }]"));
    expect(e.problems.map((p) => p.message)).toContain('duplicate id "care"');
  });

  it('says to quote a value YAML reads as a comment (channel: #bookings), in block and flow style', () => {
    const block = problems(GOOD.replace('groups: [{ id: care, slack: { channel: C0CARE0001 } }]', 'groups:\n  - id: care\n    slack:\n      channel: #bookings'));
    expect(block.problems).toHaveLength(1);
    expect(block.problems[0]).toMatchObject({ path: 'groups[0].slack.channel', message: expect.stringContaining('"#bookings" is read as a YAML comment'), hint: "quote it: channel: '#bookings'" });
    const flow = problems(GOOD.replace('channel: C0CARE0001', 'channel: #bookings'));
    expect(flow.problems).toHaveLength(1);
    expect(flow.problems[0]!.hint).toBe("quote it: channel: '#bookings'");
    expect(flow.message).not.toMatch(/Flow map|Implicit keys|Nested mappings/);
    // A comment after a space is a comment; a quoted '#' is a value.
    expect(parseConfig(GOOD.replace('routing: { fallback: care }', 'routing: { fallback: care }  # see #routing')).routing.fallback).toBe('care');
    expect(parseConfig(GOOD.replace("queries: ['@acme']", "queries: ['#acme']")).sources[0]!.queries).toEqual(['#acme']);
  });

  it('says a yes/no flag must be true or false', () => {
    const e = problems(`${GOOD}policy: { requireApproval: yes }\n`);
    expect(e.problems[0]).toMatchObject({ path: 'policy.requireApproval', message: 'must be true or false, not "yes"' });
  });

  it('says where the missing file should be', () => {
    expect(() => loadConfigFile(join(ROOT, 'nope.yaml'))).toThrow(/file not found[\s\S]*earshot\.example\.yaml/);
  });
});

describe('environment', () => {
  it('defaults the store to a local SQLite file and port 3000', () => {
    const env = parseEnv({});
    expect(env.STORE_URL).toBe('sqlite://./data/earshot.sqlite');
    expect(env.PORT).toBe(3000);
    expect(env.DRY_RUN).toBe(false);
  });

  it('lists every bad variable', () => {
    try {
      parseEnv({ SLACK_BOT_TOKEN: 'xoxp-user', PORT: 'eighty', STORE_URL: 'mysql://x', DRY_RUN: 'maybe' });
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(EnvInvalidError);
      expect((e as EnvInvalidError).problems.map((p) => p.path).sort()).toEqual(['DRY_RUN', 'PORT', 'SLACK_BOT_TOKEN', 'STORE_URL']);
    }
  });

  it('checks the file and the environment together', () => {
    const c = parseConfig(GOOD);
    const missing = crossCheck(c, parseEnv({}), { needChat: true }).map((p) => p.path);
    expect(missing).toEqual(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'sources[0]']);
    expect(crossCheck(c, parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', X_BEARER_TOKEN: 'b' }), { needChat: true })).toEqual([]);
  });
});

describe('placeholders and what will not work', () => {
  it('refuses every credential .env.example shows, and obvious placeholders, but not real-looking values', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const shown = [...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=(\S+)$/gm)].filter(([, k]) => /(TOKEN|SECRET|PASSWORD|_KEY|CLIENT_ID|APP_ID)$/.test(k!));
    expect(shown.length).toBeGreaterThan(2);
    for (const [, k, v] of shown) expect(isPlaceholder(v!), `${k}=${v}`).toBe(true);
    for (const v of ['changeme', 'xoxb-xxxx', '<your token>', 'xoxb-…', 'TODO']) expect(isPlaceholder(v), v).toBe(true);
    for (const v of ['xoxb-1', 'sig', 'b', 'xoxb-12345-67890-AbCdEf', '8f14e45fceea167a5a36dedd4bea2543']) expect(isPlaceholder(v), v).toBe(false);
    expect(placeholderProblems({ SLACK_BOT_TOKEN: 'xoxb-your-bot-token', X_BEARER_TOKEN: 'changeme', STORE_URL: 'sqlite://./your-file' }, { needChat: true }).map((p) => p.path)).toEqual(['SLACK_BOT_TOKEN', 'X_BEARER_TOKEN']);
    expect(placeholderProblems({ SLACK_BOT_TOKEN: 'xoxb-your-bot-token' }, { needChat: false })).toEqual([]);
  });

  it('says X will listen but not reply with only the bearer token', () => {
    const c = parseConfig(GOOD);
    expect(crossCheckWarnings(c, parseEnv({ X_BEARER_TOKEN: 'b' }))).toEqual([expect.stringContaining('"x1" will listen but not reply')]);
    expect(crossCheckWarnings(c, parseEnv({ X_BEARER_TOKEN: 'b', X_API_KEY: 'k', X_API_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'a' }))).toEqual([]);
  });
});

describe('JSON Schema', () => {
  it('is generated from the zod schema and committed up to date', () => {
    const generated = configJsonSchema();
    const committed = JSON.parse(readFileSync(join(ROOT, 'earshot.schema.json'), 'utf8'));
    expect(committed).toEqual(generated);
    expect((generated.properties as Record<string, unknown>).routing).toBeDefined();
    expect(generated.additionalProperties).toBe(false);
  });
});
