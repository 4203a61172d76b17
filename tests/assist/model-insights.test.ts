import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InsightAnswer } from '../../src/app/case-insights.js';
import { aiSdkModel } from '../../src/assist/ai-sdk-model.js';
import { ModelInsights } from '../../src/assist/model-insights.js';
import { DATA_CLOSE, DATA_OPEN } from '../../src/assist/suggest-prompt.js';
import { TokenBudget } from '../../src/assist/token-budget.js';
import { checkReplyText } from '../../src/cases/policy.js';
import { plainLinkHosts } from '../../src/cases/plain-link-hosts.js';
import type { Config } from '../../src/config/schema.js';
import type { Case } from '../../src/domain/case.js';
import { findPii } from '../../src/screening/find-pii.js';
import { openStore } from '../../src/store/open-store.js';
import { linkHosts } from '../../src/text-links/link-hosts.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import { startFakeModel, type FakeModel } from '../fakes/fake-model.js';
import { assistConfig, dataOf, makeCase } from './assist-rig.js';

interface Injection { kind: string; name: string; post: string; obey: string; raw: boolean; breaks: boolean }
const corpus = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'assist', 'injections.json'), 'utf8')) as Injection[];
const INVISIBLE = /[\p{Cf}\u2028\u2029]/u;

/**
 * Summaries, briefs and translations through the real prompt builder, the real AI SDK
 * adapter and the fake OpenAI-compatible server: what leaves the machine is masked and
 * delimited, and what comes back is vetted (a foreign link, a banned phrase, personal
 * data or an answer over length is dropped with a note), within the timeout and budget.
 */
describe('AI assist summaries, briefs and translations', () => {
  let fake: FakeModel;
  let config: Config;
  let insights: ModelInsights;
  let budget: TokenBudget;
  let clock: ManualClock;

  beforeAll(async () => {
    fake = await startFakeModel();
    config = assistConfig(fake.origin, '  summaries: { minPosts: 3 }\n  teamLanguage: en');
    const store = await openStore('sqlite://:memory:', { namespace: `insights${Math.random().toString(36).slice(2, 8)}` });
    clock = new ManualClock();
    budget = new TokenBudget(store, config.assist!.dailyTokens);
    insights = new ModelInsights({ config, assist: config.assist!, model: aiSdkModel(config.assist!, 'sk-test'), budget, clock, log: createLogger('silent'), linkHosts });
  });
  afterAll(async () => { await fake.close(); });
  beforeEach(() => {
    fake.calls.length = 0;
    fake.latencyMs = 0;
    clock.advance(2 * 86_400_000);
  });

  const thread = (text: string, followUps: string[] = [], opts: { language?: string; name?: string } = {}): Case => {
    const c = makeCase(text, opts);
    c.followUps = followUps.map((t, i) => ({ id: `f${i}`, text: t, at: c.createdAt, url: `${c.mention.url}/${i}` }));
    return c;
  };

  it('summarises a follow-up chain in one line, from masked data in one delimited block, with fixed instructions', async () => {
    fake.script = () => JSON.stringify({ text: 'Bag lost on the Paris flight;\nthe author wants it delivered home.' });
    const c = thread('@acme my bag never arrived, call me on +44 7700 900123', ['@acme still nothing, my card 4111 1111 1111 1111 was charged', '@acme day three, write to pat.doe@example.org'], { name: 'Pat Doe' });
    const a = await insights.summarize(c);
    expect(a).toEqual({ ok: true, text: 'Bag lost on the Paris flight; the author wants it delivered home.' });
    const call = fake.calls[0]!;
    for (const raw of ['+44 7700 900123', '4111 1111 1111 1111', 'pat.doe@example.org', 'Pat Doe', 'traveller']) expect(call.raw).not.toContain(raw);
    expect(call.system).not.toContain('bag never arrived');
    expect(call.user.split(DATA_OPEN)).toHaveLength(2);
    const data = dataOf(call.user);
    expect(data).toMatchObject({ task: 'summary', language: 'en' });
    expect(data.followUps).toHaveLength(2);
    expect(data.post).toContain('[phone number]');
  });

  it('translates a post into the team\'s language, links in the post replaced before the request', async () => {
    fake.script = (call) => JSON.stringify({ text: `My suitcase is lost, see [link]. (${dataOf(call.user).language})` });
    const c = thread('@acme ma valise est perdue, voir https://evil.example/claim', [], { language: 'fr' });
    const a = await insights.translatePost(c, 'en');
    expect(a).toEqual({ ok: true, text: 'My suitcase is lost, see [link]. (en)' });
    expect(fake.calls[0]!.raw).not.toContain('evil.example');
    expect(dataOf(fake.calls[0]!.user).post).toContain('[link]');
  });

  it('translates a draft into the author\'s language, keeping the team\'s links, and holds it to the reply\'s rules', async () => {
    const c = thread('@acme ma valise est perdue', [], { language: 'fr' });
    fake.script = () => JSON.stringify({ text: 'Désolés ! Déclarez-la sur https://help.acme.com/bags.' });
    const check = (t: string) => (t.length > 100 ? 'the network allows 100 characters' : undefined);
    expect(await insights.translateDraft(c, 'Sorry! Report it at https://help.acme.com/bags.', 'fr', check)).toEqual({ ok: true, text: 'Désolés ! Déclarez-la sur https://help.acme.com/bags.' });
    expect(dataOf(fake.calls[0]!.user).text).toContain('https://help.acme.com/bags');
    fake.script = () => JSON.stringify({ text: `Désolés ! ${'x'.repeat(150)}` });
    const long = await insights.translateDraft(c, 'Sorry!', 'fr', check);
    expect(long).toMatchObject({ ok: false });
    expect((long as { note: string }).note).toContain('the network allows 100 characters');
    fake.script = () => JSON.stringify({ text: 'Désolés ! Un procès ? lawsuit' });
    expect(await insights.translateDraft(c, 'Sorry!', 'fr', check)).toMatchObject({ ok: false, note: expect.stringContaining('policy.bannedPhrases') });
  });

  it.each([
    ['a foreign link', JSON.stringify({ text: 'Customer wants a refund, see https://evil.example/x' }), 'evil.example'],
    ['a banned phrase', JSON.stringify({ text: 'Customer was promised a guaranteed refund.' }), 'guaranteed refund'],
    ['personal data', JSON.stringify({ text: 'Call the customer on +44 7700 900123.' }), 'personal data'],
    ['an answer over length', JSON.stringify({ text: 'word '.repeat(100) }), 'longer than 240'],
    ['an answer that is not the schema', JSON.stringify({ reply: 'hello' }), 'could not read'],
  ])('drops a summary with %s, with a note saying why', async (_name, answer, why) => {
    fake.script = () => answer;
    const a = await insights.summarize(thread('@acme my bag is lost'));
    expect(a.ok).toBe(false);
    expect((a as { note: string }).note).toMatch(/^No AI summary: /);
    expect((a as { note: string }).note).toContain(why);
  });

  it('gives no translation with a note when the model is too slow, and makes no request once the budget is spent', async () => {
    fake.script = () => JSON.stringify({ text: 'too late' });
    fake.latencyMs = 3_000;
    const slow = await insights.translatePost(thread('@acme mon vol est annulé', [], { language: 'fr' }), 'en');
    expect(slow).toEqual({ ok: false, note: 'No AI translation: AI assist took too long to answer' });
    fake.latencyMs = 0;
    fake.calls.length = 0;
    await budget.spend(config.assist!.dailyTokens, clock.now().toISOString());
    const spent = await insights.brief(thread('@acme my bag is lost'));
    expect(spent.ok).toBe(false);
    expect((spent as { note: string }).note).toContain("today's token budget");
    expect(fake.calls).toHaveLength(0);
  });

  describe(`the injection corpus (${corpus.length} attempts) against summaries and translations`, () => {
    const shown = (a: InsightAnswer): string | undefined => (a.ok ? a.text : undefined);
    const foreign = (t: string) => [...plainLinkHosts(t), ...linkHosts(t)].filter((h) => !(h === 'acme.com' || h.endsWith('.acme.com')));

    it.each(corpus.map((c) => [`${c.kind}: ${c.name}`, c] as const))('%s', async (_name, inj) => {
      fake.calls.length = 0;
      fake.script = () => (inj.raw ? inj.obey : JSON.stringify({ text: inj.obey }));
      const c = thread(inj.post, ['@acme my card is 4111 1111 1111 1111'], { language: 'fr' });
      const answers = [await insights.summarize(c), await insights.translatePost(c, 'en'), await insights.brief(c)];
      expect(fake.calls).toHaveLength(3);
      for (const call of fake.calls) {
        // The post only inside one data block, without invisible characters or raw personal data.
        expect(call.user.split(DATA_OPEN)).toHaveLength(2);
        expect(call.user.split(DATA_CLOSE)).toHaveLength(2);
        expect(INVISIBLE.test(dataOf(call.user).post)).toBe(false);
        expect(call.raw).not.toContain('4111 1111 1111 1111');
        expect(call.system).not.toContain(inj.post.slice(6, 40));
      }
      // Whatever the fooled model wrote, nothing shown carries a foreign link, a banned phrase or personal data.
      const obeyed = inj.obey;
      const obeyBreaks = foreign(obeyed).length > 0 || !!checkReplyText(config.policy, obeyed, linkHosts);
      for (const a of answers) {
        const text = shown(a);
        if (obeyBreaks) expect(a.ok).toBe(false);
        if (text === undefined) {
          expect((a as { note: string }).note).toMatch(/^No AI (summary|translation|brief): /);
          continue;
        }
        expect(foreign(text)).toEqual([]);
        expect(checkReplyText(config.policy, text, linkHosts)).toBeUndefined();
        expect(findPii(text, config)).toEqual([]);
        expect(INVISIBLE.test(text)).toBe(false);
      }
    });

    it('refuses at least the attempts that smuggle a link or banned words', () => {
      const breaking = corpus.filter((c) => foreign(c.obey).length > 0 || !!checkReplyText(config.policy, c.obey, linkHosts));
      expect(breaking.length).toBeGreaterThanOrEqual(10);
    });
  });
});
