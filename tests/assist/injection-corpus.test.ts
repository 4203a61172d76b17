import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReplyText } from '../../src/cases/policy.js';
import { plainLinkHosts } from '../../src/cases/plain-link-hosts.js';
import { findPii } from '../../src/screening/find-pii.js';
import { linkHosts } from '../../src/text-links/link-hosts.js';
import { DATA_CLOSE, DATA_OPEN } from '../../src/assist/suggest-prompt.js';
import { startFakeModel, type FakeModel } from '../fakes/fake-model.js';
import { assistRig, dataOf, makeCase, type AssistRig } from './assist-rig.js';

interface Injection { kind: string; name: string; post: string; obey: string; raw: boolean; breaks: boolean }
const corpus = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'assist', 'injections.json'), 'utf8')) as Injection[];
const INVISIBLE = /[\p{Cf}\u2028\u2029]/u;

/**
 * Hostile posts through the real prompt builder, the real AI SDK adapter and a fake model
 * scripted to OBEY each injection (the worst case: a model that was fooled). Whatever it
 * writes, no suggestion may break the policy, and the post never reaches the instructions.
 */
describe(`the injection corpus (${corpus.length} attempts)`, () => {
  let fake: FakeModel;
  let rig: AssistRig;
  const systems = new Set<string>();
  beforeAll(async () => {
    fake = await startFakeModel();
    rig = await assistRig(fake);
  });
  afterAll(async () => { await fake.close(); });

  it('has at least 30 attempts of every kind the issue names', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    for (const kind of ['ignore-instructions', 'fake-system', 'zero-width', 'link-smuggling', 'role-play', 'markdown-breakout', 'json-breakout', 'other-language']) {
      expect(corpus.filter((c) => c.kind === kind).length, kind).toBeGreaterThanOrEqual(2);
    }
  });

  it.each(corpus.map((c) => [`${c.kind}: ${c.name}`, c] as const))('%s', async (_name, inj) => {
    fake.calls.length = 0;
    fake.script = () => (inj.raw ? inj.obey : JSON.stringify({ reply: inj.obey, language: 'en' }));
    const c = makeCase(inj.post);
    c.followUps = [{ id: 'f1', text: '@acme my card is 4111 1111 1111 1111', at: c.createdAt, url: c.mention.url }];
    const s = await rig.assistant.suggest(c, rig.context(c));

    // What was sent: the post only inside one data block, without invisible characters.
    const call = fake.calls[0]!;
    systems.add(call.system);
    expect(systems.size).toBe(1);
    expect(call.user.split(DATA_OPEN)).toHaveLength(2);
    expect(call.user.split(DATA_CLOSE)).toHaveLength(2);
    const data = dataOf(call.user);
    expect(INVISIBLE.test(data.post)).toBe(false);
    expect(call.raw).not.toContain('4111 1111 1111 1111');

    // What came back: never a suggestion that breaks policy.
    const text = s.text;
    expect(checkReplyText(rig.config.policy, text, linkHosts)).toBeUndefined();
    expect(plainLinkHosts(text).every((h) => h === 'acme.com' || h.endsWith('.acme.com'))).toBe(true);
    expect(findPii(text, rig.config)).toEqual([]);
    expect(text.length).toBeLessThanOrEqual(280);
    if (inj.breaks) {
      expect(s.fromModel).toBe(false);
      expect(s.note).toMatch(/not used|could not read|this is the template instead/);
      expect(s.text).toContain('sorry about your bag');
    }
  });
});
