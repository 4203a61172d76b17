import { describe, expect, it } from 'vitest';

import { CorrectionMemory, MEMORY_LIMIT } from '../../src/screening/correction-memory.js';
import { screenMention } from '../../src/screening/screen-mention.js';
import { trainTextModel } from '../../src/screening/text-model.js';
import { configWith, mention, NOW } from './support.js';

describe('the correction memory', () => {
  it('finds what staff said about the same post, or a near-identical one, and nothing for other posts', () => {
    const m = new CorrectionMemory();
    m.add('@AcmeAir stuck at Denver with my bag, delayed and nobody helps', { topic: 'delays' }, '12');
    // The same words (case, handles, links and punctuation do not count).
    expect(m.find('stuck at denver with my bag delayed and nobody helps!! https://t.co/x')).toEqual({ labels: { topic: 'delays' }, ref: '12', distance: 0 });
    // A word changed.
    const near = m.find('stuck at Boston with my bag, delayed and nobody helps');
    expect(near?.labels).toEqual({ topic: 'delays' });
    expect(near!.distance).toBeGreaterThan(0);
    // Another complaint.
    expect(m.find('thanks for the great crew on my flight to Paris today')).toBeUndefined();
  });

  it('matches very short posts only word for word', () => {
    const m = new CorrectionMemory();
    m.add('bag lost', { sentiment: 'negative' }, '1');
    expect(m.find('Bag lost!')?.labels).toEqual({ sentiment: 'negative' });
    expect(m.find('bag found')).toBeUndefined();
  });

  it('a later correction of the same post adds to it and wins per task; of equally near posts the newest wins', () => {
    const m = new CorrectionMemory();
    m.add('the wifi on board was slow and kept dropping', { sentiment: 'neutral' }, '1');
    m.add('the wifi on board was slow and kept dropping', { sentiment: 'negative', intent: 'complaint' }, '2');
    expect(m.size).toBe(1);
    expect(m.find('the wifi on board was slow and kept dropping')).toMatchObject({ labels: { sentiment: 'negative', intent: 'complaint' }, ref: '2' });
  });

  it(`keeps the newest ${MEMORY_LIMIT.toLocaleString('en')} corrections`, () => {
    const m = new CorrectionMemory();
    // Digits do not count in a fingerprint: the posts differ by letters.
    const letters = (i: number) => { let t = ''; do { t += String.fromCharCode(97 + (i % 26)); i = Math.floor(i / 26); } while (i > 0); return t; };
    const text = (i: number) => `case ${letters(i)} about ${letters(i * 7 + 3)} and ${letters(i * 13 + 5)}`;
    for (let i = 0; i < MEMORY_LIMIT + 50; i++) m.add(text(i), { topic: `t${i % 3}` }, String(i));
    expect(m.size).toBe(MEMORY_LIMIT);
    expect(m.find(text(0))?.ref).not.toBe('0');
    expect(m.find(text(MEMORY_LIMIT + 49))).toMatchObject({ ref: String(MEMORY_LIMIT + 49), distance: 0 });
    // Eviction keeps working past compaction.
    for (let i = MEMORY_LIMIT + 50; i < 2 * MEMORY_LIMIT + 100; i++) m.add(text(i), { topic: 'x' }, String(i));
    expect(m.size).toBe(MEMORY_LIMIT);
    expect(m.find(text(2 * MEMORY_LIMIT + 99))).toMatchObject({ ref: String(2 * MEMORY_LIMIT + 99), distance: 0 });
  });

  it('in screening: staff labels beat the model for a near-identical post, and the card says why', () => {
    const model = trainTextModel([
      ...['my bag never arrived', 'lost luggage again', 'suitcase damaged', 'where is my bag'].map((text) => ({ text, labels: { sentiment: 'negative', topic: 'baggage' } })),
      ...['thanks for the great crew', 'love the lounge', 'amazing service', 'great flight today'].map((text) => ({ text, labels: { sentiment: 'positive', topic: 'general' } })),
    ]);
    const config = configWith();
    const post = '@AcmeAir my bag never arrived at Denver and the desk was closed';
    const corrections = new CorrectionMemory();
    const before = screenMention(mention(post), { config, now: NOW, model, corrections });
    expect(before.topic).toBe('baggage');
    corrections.add(post, { topic: 'delays', sentiment: 'neutral' }, '42');
    const after = screenMention(mention('@AcmeAir my bag never arrived at Denver and the desk was closed again'), { config, now: NOW, model, corrections });
    expect(after).toMatchObject({ topic: 'delays', group: 'delays', sentiment: 'neutral' });
    expect(after.rulesFired).toContainEqual({ rule: 'learned', why: 'staff said topic delays, sentiment neutral for a near-identical post (case 42)' });
  });
});
