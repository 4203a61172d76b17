import { describe, expect, it } from 'vitest';

import { postLevelIds } from '../../src/screening/text-features.js';
import { tokenizePost } from '../../src/screening/tokenize-post.js';

const BITS = 17;
const ids = (text: string): Set<number> => new Set(postLevelIds(tokenizePost(text), BITS));
const shared = (a: Set<number>, b: Set<number>): number => [...a].filter((x) => b.has(x)).length;

describe('post-level features: words by position, length', () => {
  it('the opening words after the handles are features of their own', () => {
    // Same words, same handles: only where "thanks" stands differs.
    const opens = ids('@acme thanks for nothing at all');
    const closes = ids('@acme for nothing at all thanks');
    expect(opens).not.toEqual(closes);
  });

  it('handles before the first word do not shift the positions', () => {
    const one = ids('@acme why is my bag lost');
    const two = ids('@acme @other why is my bag lost');
    // The second handle adds its own feature; every other one (start, end, length) is the same.
    expect([...one].filter((x) => !two.has(x))).toEqual([]);
    expect(two.size).toBe(one.size + 1);
  });

  it('the last words before a link count by position from the end', () => {
    const a = ids('@acme delayed again https://t.co/x');
    const b = ids('@acme delayed again');
    // The link changes the length bucket at most; the closing words are the same.
    expect(shared(a, b)).toBeGreaterThanOrEqual(b.size - 1);
  });

  it('short and long posts fall in different length buckets', () => {
    const short = ids('@acme thanks');
    const long = ids('@acme thanks for rebooking me on the later flight after the storm, the crew at the gate was patient with all of us');
    expect(short.size).toBeGreaterThan(0);
    // Same opening word, different length: at least the length feature differs.
    expect([...short].some((x) => !long.has(x))).toBe(true);
  });

  it('is deterministic: the same post gives the same ids', () => {
    expect([...ids('@acme where is my bag?')]).toEqual([...ids('@acme where is my bag?')]);
  });
});
