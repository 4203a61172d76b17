import { describe, expect, it } from 'vitest';
import { foreignLanguage, missingParts, postsOf, threadSig, wantsSummary, type InsightRules } from '../../src/app/case-insights.js';
import { cardInsight } from '../../src/app/insight-store.js';
import { makeCase } from '../assist/assist-rig.js';

/** When AI assist writes a translation, a summary or a brief, and what the card shows of it. */
const RULES: InsightRules = { teamLanguage: 'en', translate: true, summaries: { minPosts: 3, minChars: 400, briefs: true } };

describe('the insight rules', () => {
  it('translates a post in another language than the team\'s, once, and never one in the team\'s or an unknown language', () => {
    const fr = makeCase('@acme ma valise est perdue', { language: 'fr' });
    expect(foreignLanguage(fr, RULES)).toBe('fr');
    expect(missingParts(fr, RULES, undefined)).toEqual(['translation']);
    expect(missingParts(fr, RULES, { tried: { translation: threadSig(fr) } })).toEqual([]);
    // The author's next post asks for a translation again (of that post: the post's stays).
    fr.followUps = [{ id: 'f1', text: 'toujours rien', at: fr.createdAt, url: 'u1' }];
    expect(missingParts(fr, RULES, { tried: { translation: `${fr.mention.id}:` } })).toEqual(['translation']);
    expect(foreignLanguage(makeCase('@acme my bag', { language: 'en' }), RULES)).toBeUndefined();
    expect(foreignLanguage(makeCase('@acme ???'), RULES)).toBeUndefined();
    expect(foreignLanguage(fr, { ...RULES, translate: false })).toBeUndefined();
  });

  it('summarises a thread of N posts or a long post, again when a follow-up comes, and not at all without summaries', () => {
    const c = makeCase('@acme my bag is lost');
    expect(wantsSummary(c, RULES)).toBe(false);
    c.followUps = [{ id: 'f1', text: 'still lost', at: c.createdAt, url: 'u1' }];
    expect(postsOf(c)).toBe(2);
    expect(wantsSummary(c, RULES)).toBe(false);
    c.followUps.push({ id: 'f2', text: 'day three', at: c.createdAt, url: 'u2' });
    expect(wantsSummary(c, RULES)).toBe(true);
    const sig = threadSig(c);
    expect(missingParts(c, RULES, { tried: { summary: sig } })).toEqual([]);
    c.followUps.push({ id: 'f3', text: 'day four', at: c.createdAt, url: 'u3' });
    expect(missingParts(c, RULES, { tried: { summary: sig } })).toEqual(['summary']);
    expect(wantsSummary(makeCase(`@acme ${'long story '.repeat(50)}`), RULES)).toBe(true);
    expect(wantsSummary(c, { ...RULES, summaries: undefined })).toBe(false);
  });

  it('counts folded similar posts towards minPosts, but a burst of them does not ask for a summary each', () => {
    const c = makeCase('@acme the app is down');
    const sig = threadSig(c);
    c.duplicates = 2;
    expect(wantsSummary(c, RULES)).toBe(true);
    expect(threadSig(c)).toBe(sig);
    c.duplicates = 40;
    expect(missingParts(c, RULES, { tried: { summary: sig } })).toEqual([]);
  });

  it('wants a brief while a draft waits for approval or the case is escalated, only with briefs on', () => {
    const c = makeCase('@acme my bag is lost');
    expect(missingParts(c, RULES, undefined)).toEqual([]);
    c.status = 'drafted';
    expect(missingParts(c, RULES, undefined)).toEqual(['brief']);
    c.status = 'escalated';
    expect(missingParts(c, RULES, undefined)).toEqual(['brief']);
    expect(missingParts(c, { ...RULES, summaries: { ...RULES.summaries!, briefs: false } }, undefined)).toEqual([]);
  });

  it('shows on the card the summary of the thread as it is now, the translation and the notes', () => {
    const c = makeCase('@acme ma valise', { language: 'fr' });
    const sig = threadSig(c);
    expect(cardInsight(c, undefined)).toBeUndefined();
    expect(cardInsight(c, { summary: { sig, text: 'Lost bag.' }, translation: { text: 'my suitcase', from: 'fr', to: 'en' } })).toEqual({ summary: 'Lost bag.', translation: { text: 'my suitcase', from: 'fr' } });
    c.followUps = [{ id: 'f1', text: 'toujours rien', at: c.createdAt, url: 'u' }];
    expect(cardInsight(c, { summary: { sig, text: 'Lost bag.' }, notes: { translation: 'No AI translation: AI assist took too long to answer' } }))
      .toEqual({ notes: ['No AI translation: AI assist took too long to answer'] });
  });
});
