import { phrasesStarting, registerCategory } from './token-info.js';
import type { PostTokens } from './tokenize-post.js';

/**
 * A fixed list of words and phrases (lower case, apostrophes dropped: "dont") looked up
 * in a tokenised post. All lists are matched in one pass per post, on the first look-up
 * of any of them, using each token's cached category bits (see token-info.ts): single
 * words by a bit test, phrases by checking the tokens that follow their first word.
 */
export interface PhraseList {
  /** The first entry of the list found in the post (in post order), or undefined. */
  first(post: PostTokens): string | undefined;
}

function scan(post: PostTokens): Array<string | undefined> {
  const hits: Array<string | undefined> = [];
  let found = 0;
  const infos = post.infos;
  for (let i = 0; i < infos.length; i++) {
    const info = infos[i]!;
    let bits = info.single & ~found;
    while (bits !== 0) {
      const c = 31 - Math.clz32(bits & -bits);
      hits[c] = info.bare;
      found |= 1 << c;
      bits &= bits - 1;
    }
    let starts = info.starts & ~found;
    while (starts !== 0) {
      const c = 31 - Math.clz32(starts & -starts);
      starts &= starts - 1;
      for (const p of phrasesStarting(c, info.bare)) {
        let ok = i + p.length <= infos.length;
        for (let j = 1; ok && j < p.length; j++) ok = infos[i + j]!.bare === p[j];
        if (ok) { hits[c] = p.join(' '); found |= 1 << c; break; }
      }
    }
  }
  return hits;
}

export function phraseList(entries: readonly string[]): PhraseList {
  const singles = new Set<string>();
  const byFirst = new Map<string, string[][]>();
  for (const e of entries) {
    const words = e.toLowerCase().replace(/['’]/gu, '').split(/\s+/u).filter(Boolean);
    if (words.length === 0) continue;
    if (words.length === 1) { singles.add(words[0]!); continue; }
    const list = byFirst.get(words[0]!) ?? [];
    list.push(words);
    byFirst.set(words[0]!, list);
  }
  const category = registerCategory(singles, byFirst);
  return {
    first(post) {
      // The first hit of every category, found in one pass and kept with the post.
      const hits = (post.memo.phrases ??= scan(post));
      return hits[category];
    },
  };
}
