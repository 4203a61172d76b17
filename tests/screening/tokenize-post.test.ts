import { describe, expect, it } from 'vitest';

import { tokenizePost } from '../../src/screening/tokenize-post.js';

describe('tokenizePost', () => {
  const cases: Array<[string, string[]]> = [
    ['@AcmeAir my bag is LOST!!', ['zzuser', 'my', 'bag', 'is', 'lost', '!']],
    ['Sooooo happy :) <3', ['soo', 'happy', 'zzemohappy', 'zzemolove']],
    ['not happy, happy again', ['not', '!happy', 'happy', 'again']],
    ["can't believe it’s 3h late", ['cant', '!believe', '!its', '!zzcode', '!late']],
    ['flight 1234 and 123456 at https://t.co/x #fail', ['flight', 'zznum', 'and', 'zznumlong', 'at', 'zzurl', 'fail']],
    // Words of up to twelve letters are known by their letters, longer ones by a hash and a check.
    ['unacceptable UNACCEPTABLE unacceptablee', ['unacceptable', 'unacceptable', 'unacceptablee']],
    ['communications Communicationsss communicationz', ['communications', 'communicationss', 'communicationz']],
    ['abcdefghijkl abcdefghijklm abcdefghijkm', ['abcdefghijkl', 'abcdefghijklm', 'abcdefghijkm']],
    ['café naïve Zürich', ['café', 'naïve', 'zürich']],
  ];
  it.each(cases)('%s', (text, tokens) => {
    // Twice: the second time every word is one seen before.
    expect(tokenizePost(text).tokens).toEqual(tokens);
    expect(tokenizePost(text).tokens).toEqual(tokens);
  });

  it('counts handles, links, hashtags, capitals and marks', () => {
    const p = tokenizePost('@A @b_2 WORST service EVER!!! why?? www.x.com #a #b');
    expect(p.handles).toEqual(['a', 'b_2']);
    expect([p.urls, p.hashtags, p.shouted, p.exclamations, p.questions]).toEqual([1, 2, 2, 1, 1]);
  });
});
