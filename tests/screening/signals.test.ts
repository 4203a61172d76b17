import { describe, expect, it } from 'vitest';

import { detectLanguage } from '../../src/screening/detect-language.js';
import { detectNoise } from '../../src/screening/detect-noise.js';
import { fingerprintText, isNearDuplicate, simhashBands, simhashDistance } from '../../src/screening/fingerprint.js';
import { scorePriority } from '../../src/screening/score-priority.js';
import { screenMention } from '../../src/screening/screen-mention.js';
import { tokenizePost } from '../../src/screening/tokenize-post.js';
import { configWith, mention, NOW } from './support.js';

describe('language detection on short posts', () => {
  it.each([
    ['@AcmeAir my bag is lost again', 'en', 'words'],
    ['thanks!', 'en', 'words'],
    ['literally the worst', 'en', 'words'],
    ['Mi vuelo fue cancelado, no puedo creerlo', 'es', 'words'],
    ['Mon vol est annulé', 'fr', 'words'],
    ['Mein Koffer ist weg', 'de', 'words'],
    ['Il mio volo è in ritardo', 'it', 'words'],
    ['Mijn koffer is kwijt', 'nl', 'words'],
    ['Min väska är borta', 'sv', 'words'],
    ['Walizka zaginęła, dziękuję', 'pl', 'words'],
    ['Bavulum kayboldu, teşekkürler', 'tr', 'words'],
    ['Где мой багаж?', 'ru', 'script'],
    ['Де мій багаж? Їду додому', 'uk', 'script'],
    ['私の荷物はどこですか', 'ja', 'script'],
    ['我的行李在哪里', 'zh', 'script'],
    ['내 가방 어디 있어요', 'ko', 'script'],
    ['حقيبتي مفقودة', 'ar', 'script'],
    ['Η βαλίτσα μου χάθηκε', 'el', 'script'],
  ])('%s → %s (%s)', (text, language, source) => {
    expect(detectLanguage({ text })).toEqual({ language, source });
  });

  it("falls back to the network's tag, then to the author's language, when the text says too little", () => {
    expect(detectLanguage({ text: '@AcmeAir 👍👍', networkLang: 'pt', authorLang: 'es' })).toEqual({ language: 'pt', source: 'network' });
    expect(detectLanguage({ text: '@AcmeAir 👍👍', networkLang: 'und', authorLang: 'es-MX' })).toEqual({ language: 'es', source: 'author' });
    expect(detectLanguage({ text: '@AcmeAir AC857?', authorLang: 'fr' })).toEqual({ language: 'fr', source: 'author' });
    expect(detectLanguage({ text: '@AcmeAir 👍' })).toEqual({ language: undefined, source: 'none' });
  });

  it('the text wins over the fallbacks when it is clear', () => {
    expect(detectLanguage({ text: 'where is my bag, it has been three days', authorLang: 'de' }).language).toBe('en');
  });

  it('screening uses the author language as the fallback', () => {
    const s = screenMention(mention('@AcmeAir ok 👍', { author: { lang: 'it' } }), { config: configWith(), now: NOW });
    expect(s.language).toBe('en'); // "ok" is everyday English
    const t = screenMention(mention('@AcmeAir 🙏🙏', { author: { lang: 'it' } }), { config: configWith(), now: NOW });
    expect(t.language).toBe('it');
  });
});

describe('priority', () => {
  const author = (followers = 100, verified = false) => ({ id: 'a', handle: 'h', name: 'n', followers, verified });
  const p = (text: string, o: Partial<Parameters<typeof scorePriority>[0]> = {}) =>
    scorePriority({ sentiment: 'neutral', intent: 'other', author: author(), vip: false, post: tokenizePost(text), ...o });

  it.each([
    ['chatter is low', p('nice weather today'), 'low'],
    ['praise is low', p('thanks, lovely crew', { sentiment: 'positive', intent: 'praise' }), 'low'],
    ['a question is normal', p('when does boarding start?', { intent: 'question' }), 'normal'],
    ['a plain complaint is normal', p('my flight is late', { sentiment: 'negative', intent: 'complaint' }), 'normal'],
    ['a complaint from 20k followers is high', p('my flight is late', { sentiment: 'negative', intent: 'complaint', author: author(20_000) }), 'high'],
    ['a complaint from 250k followers is urgent', p('my flight is late', { sentiment: 'negative', intent: 'complaint', author: author(250_000, true) }), 'urgent'],
    ['a VIP complaint is high', p('my flight is late', { sentiment: 'negative', intent: 'complaint', vip: true }), 'high'],
    ['"cancel my account" in a complaint is high', p('I will cancel my account today', { sentiment: 'negative', intent: 'complaint' }), 'high'],
    ['legal words in a complaint are urgent', p('my lawyer will hear about this', { sentiment: 'negative', intent: 'complaint' }), 'urgent'],
    ['safety words are urgent in a complaint', p('the crew ignored smoke in the cabin', { sentiment: 'negative', intent: 'complaint' }), 'urgent'],
    ['legal words alone are high', p('a question for your attorney'), 'high'],
  ])('%s', (_name, verdict, priority) => {
    expect(verdict.priority).toBe(priority);
  });

  it('says why it raised the priority', () => {
    const v = p('my lawyer will hear about this', { sentiment: 'negative', intent: 'complaint', author: author(20_000) });
    expect(v.reasons).toEqual(["legal or safety words: 'lawyer'", 'author has 20,000 followers']);
  });

  it('screening shows a computed high priority as a fired "priority" line', () => {
    const s = screenMention(mention('@AcmeAir my lawyer will sue you for losing my bag'), { config: configWith(), now: NOW });
    expect(s.priority).toBe('urgent');
    expect(s.rulesFired).toContainEqual({ rule: 'priority', why: "urgent: legal or safety words: 'lawyer'" });
  });
});

describe('noise', () => {
  const config = configWith();
  const noise = (m: ReturnType<typeof mention>) => detectNoise(m, tokenizePost(m.text), config);

  it.each([
    ['a repost without comment', mention('my bag is lost', { isRepost: true }), 'repost without comment'],
    ['an old-style RT', mention('RT @someone: my bag is lost @AcmeAir'), 'repost without comment ("RT @…")'],
    ['a quote without words of its own', mention('@AcmeAir https://x.com/a/status/1', { isQuote: true }), 'quote without comment'],
    ["the brand's own post", mention('We are sorry to hear that', { author: { handle: '@acmeair' } }), "the brand's own post"],
    ["the brand's own post on another network", mention('hello', { network: 'bluesky', author: { handle: 'acmeair.bsky.social' } }), "the brand's own post"],
  ])('drops %s', (_name, m, reason) => {
    expect(noise(m)).toMatchObject({ noise: true, reason });
  });

  it('drops spam when two signals agree, and says which', () => {
    const v = noise(mention('Check out my page for free followers!! https://spam.example https://spam2.example', { author: { handle: 'promo_88812345', followers: 0 } }));
    expect(v.noise).toBe(true);
    expect(v.tags).toEqual(['spam']);
    expect(v.reason).toMatch(/^looks like spam: "check out my", 2 links, handle ends in a long number/);
  });

  it('keeps a real customer with a link, or tagging friends', () => {
    expect(noise(mention('@AcmeAir my bag is lost, photo: https://pics.example/1')).noise).toBe(false);
    expect(noise(mention('@AcmeAir @a @b @c thanks for the upgrade!')).noise).toBe(false);
    expect(noise(mention('my quote with words of my own https://x.com/a/status/1', { isQuote: true })).noise).toBe(false);
  });

  it('a blocked author is dropped by screening, with the reason', () => {
    const s = screenMention(mention('hi', { author: { handle: 'pest' } }), { config: configWith([], { lists: { vip: [], blocked: ['@pest'] } }), now: NOW });
    expect(s).toMatchObject({ drop: true, dropReason: 'author is on the blocked list' });
  });
});

describe('duplicates and near-duplicates', () => {
  const fp = fingerprintText;
  it('ignores case, punctuation, handles, links and "RT"', () => {
    const a = fp('@AcmeAir my bag was lost at SFO on flight AC123, please help');
    const b = fp('RT @bob: @AcmeAir My bag was LOST at SFO on flight AC123 please help!!! https://t.co/x');
    expect(a.key).toBe(b.key);
    expect(isNearDuplicate(a, b)).toBe(true);
  });
  it('folds a post that differs by a word', () => {
    const a = fp('@AcmeAir my bag was lost at SFO on flight AC123, please help');
    const b = fp('@AcmeAir my bag got lost at SFO on flight AC123, please help');
    expect(a.key).not.toBe(b.key);
    expect(simhashDistance(a.simhash, b.simhash)).toBeLessThanOrEqual(10);
    expect(isNearDuplicate(a, b)).toBe(true);
  });
  it('keeps different complaints apart', () => {
    const a = fp('@AcmeAir my bag was lost at SFO on flight AC123, please help');
    const b = fp('@AcmeAir my flight was delayed at SFO for 3 hours, thanks a lot');
    expect(isNearDuplicate(a, b)).toBe(false);
    expect(simhashDistance(a.simhash, b.simhash)).toBeGreaterThan(12);
  });
  it('does not fold very short posts by similarity alone', () => {
    expect(isNearDuplicate(fp('thanks!'), fp('thanks a lot'))).toBe(false);
    expect(isNearDuplicate(fp('thanks!'), fp('Thanks'))).toBe(true);
    expect(isNearDuplicate(fp('@AcmeAir'), fp('@Other'))).toBe(false);
  });
  it('gives four tagged 16-bit bands for look-ups', () => {
    const a = fp('my bag was lost at SFO');
    expect(simhashBands(a.simhash)).toEqual([0, 1, 2, 3].map((i) => `${i}:${a.simhash.slice(i * 4, i * 4 + 4)}`));
    expect(a.simhash).toMatch(/^[0-9a-f]{16}$/);
  });
});
