import { describe, expect, it } from 'vitest';

import { scorePriority } from '../../src/screening/score-priority.js';
import { tokenizePost } from '../../src/screening/tokenize-post.js';

describe('priority reasons name follower counts as en-US writes them', () => {
  it.each([10_000, 12_345, 100_000, 999_999, 1_234_567, 250_000_000])('%i', (followers) => {
    const v = scorePriority({
      sentiment: 'negative', intent: 'complaint', vip: false, post: tokenizePost('my flight is late'),
      author: { id: 'a', handle: 'h', name: 'n', followers, verified: false },
    });
    expect(v.reasons).toContain(`author has ${followers.toLocaleString('en-US')} followers`);
  });
});
