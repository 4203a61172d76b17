/**
 * Hashtags in a post, for campaign volume and trends. A hashtag is `#` followed by
 * letters, marks, digits or `_`, with at least one letter, not preceded by a word
 * character, `&` or `/` (so URL fragments and HTML entities are not hashtags), much as
 * the networks themselves link them. Returned lower-cased (NFC), de-duplicated, in order.
 */
const HASHTAG = /(?<![\p{L}\p{M}\p{N}_&/#])[#＃]([\p{L}\p{M}\p{N}_]{1,100})/gu;

/** Longest hashtag kept; longer ones are cut, so a hostile post cannot make huge keys. */
export const MAX_HASHTAG_LENGTH = 64;

export function hashtags(text: string, max = 10): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(HASHTAG)) {
    const body = m[1]!;
    if (!/\p{L}/u.test(body)) continue;
    const tag = body.normalize('NFC').toLowerCase().slice(0, MAX_HASHTAG_LENGTH);
    if (!out.includes(tag)) out.push(tag);
    if (out.length >= max) break;
  }
  return out;
}
