import { describe, expect, it } from 'vitest';
import type { Mention } from '../../src/domain/mention.js';
import { spamSignals } from '../../src/screening/detect-noise.js';
import { tokenizePost } from '../../src/screening/tokenize-post.js';

const mention = (author: Partial<Mention['author']>): Mention => ({
  network: 'reddit', source: 'r', id: '1', text: 'my bag is lost, see https://pics.example/1', createdAt: '', url: '',
  author: { id: 'a', handle: 'traveller', name: 'Traveller', followers: 0, verified: false, ...author },
  isRepost: false, isQuote: false,
});

describe('an unknown follower count', () => {
  it('is no spam evidence; a known count of 0 is', () => {
    const post = tokenizePost(mention({}).text);
    expect(spamSignals(mention({}), post)).toContain('no followers, posts links');
    expect(spamSignals(mention({ followersUnknown: true }), post)).not.toContain('no followers, posts links');
  });
});
