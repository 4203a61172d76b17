import { describe, expect, it } from 'vitest';
import { AssistIndex, QUERY_POSTINGS } from '../../src/assist/assist-index.js';

/**
 * Retrieval of past replies over more stored posts than one query may touch
 * (QUERY_POSTINGS): the rarer words are searched, the common ones left out of the search
 * still count in the re-ranking, and replacing a past reply forgets its old words.
 */
const filler = (n: number, word: string): Array<{ caseId: string; post: string; reply: string; group: string }> =>
  Array.from({ length: n }, (_, i) => ({ caseId: `f${word}${i}`, post: `@acme ${word} problem number ${i.toString(36)}x`, reply: 'Sorry.', group: 'care' }));

describe('AssistIndex past replies, over more posts than a query touches', () => {
  const index = new AssistIndex();
  // "flight" is in more stored posts than one query may touch: it is left out of the search.
  for (const p of filler(QUERY_POSTINGS + 500, 'flight')) index.addPast(p);
  index.addPast({ caseId: 'wheel-lost', post: '@acme wheelchair lost today', reply: 'We will find your wheelchair.', group: 'care' });
  index.addPast({ caseId: 'wheel-flight', post: '@acme wheelchair flight today', reply: 'Your wheelchair is on the next flight.', group: 'care' });

  it('finds the posts holding the rare word first', () => {
    const found = index.similarPast('@acme my wheelchair broke on the flight', 2).map((p) => p.caseId);
    expect(found.sort()).toEqual(['wheel-flight', 'wheel-lost']);
  });

  it('ranks a post that also holds a common, left-out word above one that does not', () => {
    // Both hold "wheelchair" and are as long; only "flight" (left out of the search) tells
    // them apart, and the other one was stored first, so it would win a tie.
    expect(index.similarPast('is my wheelchair on this flight?', 2).map((p) => p.caseId)).toEqual(['wheel-flight', 'wheel-lost']);
  });

  it('still answers a post made only of common words', () => {
    const found = index.similarPast('@acme flight problem', 3);
    expect(found).toHaveLength(3);
    for (const p of found) expect(p.post).toContain('flight');
  });
});

describe('AssistIndex past replies, replaced', () => {
  it('forgets the old words of a replaced past reply and finds it by its new ones', () => {
    const index = new AssistIndex();
    index.addPast({ caseId: 'c1', post: '@acme stroller damaged at the gate', reply: 'Sorry about the stroller.', group: 'care' });
    index.addPast({ caseId: 'c2', post: '@acme visa question for my trip', reply: 'See our visa page.', group: 'care' });
    index.addPast({ caseId: 'c1', post: '@acme lounge access refused', reply: 'Sorry about the lounge.', group: 'care' });
    expect(index.pastCount).toBe(2);
    expect(index.similarPast('stroller damaged', 3).map((p) => p.caseId)).toEqual([]);
    expect(index.similarPast('lounge access', 3).map((p) => p.caseId)).toEqual(['c1']);
    expect(index.similarPast('lounge access', 3)[0]?.reply).toBe('Sorry about the lounge.');
  });

  it('puts an exact duplicate of the post first, and never the case itself', () => {
    const index = new AssistIndex();
    index.addPast({ caseId: 'a', post: '@acme my bag never arrived in Lisbon, bag tag 123', reply: 'File a report.', group: 'baggage' });
    index.addPast({ caseId: 'b', post: '@acme bag bag bag Lisbon Lisbon never arrived', reply: 'Other.', group: 'care' });
    index.addPast({ caseId: 'self', post: '@Acme my bag never arrived in Lisbon, bag tag 123!!', reply: 'Itself.', group: 'care' });
    const found = index.similarPast('@acme My bag never arrived in Lisbon, bag tag 123', 3, { exclude: 'self' });
    expect(found[0]?.caseId).toBe('a');
    expect(found.map((p) => p.caseId)).not.toContain('self');
  });
});
