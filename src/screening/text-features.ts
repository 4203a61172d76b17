/**
 * Turns a post into the sparse features the text classifier weighs.
 *
 * Social posts are short and noisy, so the features are chosen for that:
 * handles, links and numbers are collapsed into placeholders (no one's name becomes a
 * feature), elongated words are squeezed ("soooo" → "soo"), emoticons and emoji are kept
 * as tokens, and words after a negation ("not", "never", "n't") until the next
 * punctuation are marked, so "not happy" and "happy" do not share a feature.
 */

const NEGATORS = new Set([
  'not', 'no', 'never', 'none', 'nobody', 'nothing', 'nowhere', 'neither', 'nor', 'cannot',
  'cant', 'dont', 'doesnt', 'didnt', 'isnt', 'wasnt', 'arent', 'werent', 'wont', 'wouldnt',
  'couldnt', 'shouldnt', 'havent', 'hasnt', 'hadnt', 'aint', 'without',
]);

const EMOTICON = /(?:[:;=8xX][-o^']?[)(\]\[dDpP/\\|*3]|<3+|[)(][-o^']?[:;=])(?![\p{L}\p{N}])/gu;
const EMOJI = /\p{Extended_Pictographic}/gu;

/** Tokens of a post, in order, after normalisation; negated tokens carry a `!` prefix. */
export function tokenize(text: string): string[] {
  let t = text.normalize('NFKC');
  t = t.replace(/https?:\/\/\S+|www\.\S+/giu, ' zzurl ');
  t = t.replace(/[@＠][\p{L}\p{N}_]+/gu, ' zzuser ');
  t = t.replace(/&amp;/gu, '&').replace(/&lt;/gu, '<').replace(/&gt;/gu, '>');
  // Keep emoticons before lower-casing turns ":D" into ":d".
  t = t.replace(EMOTICON, (m) => ` zzemo${emoticonMood(m)} `);
  t = t.replace(EMOJI, (m) => ` ${m} `);
  t = t.toLowerCase();
  t = t.replace(/[’‘`]/gu, "'");
  t = t.replace(/(\p{L})'(s|t|re|ve|ll|d|m)\b/gu, (_m, a: string, b: string) => (b === 't' ? `${a}t` : `${a} '${b}`));
  t = t.replace(/\d+(?:[.,:]\d+)*/gu, (m) => (m.length >= 5 ? ' zznumlong ' : ' zznum '));
  t = t.replace(/(\p{L})\1{2,}/gu, '$1$1');
  const out: string[] = [];
  let negated = false;
  const re = /[\p{L}\p{N}_']+|\p{Extended_Pictographic}|[!?]+|[.,;:]+/gu;
  for (const m of t.matchAll(re)) {
    const tok = m[0];
    if (/^[.,;:]+$/u.test(tok)) { negated = false; continue; }
    if (/^[!?]+$/u.test(tok)) {
      out.push(tok.includes('?') ? '?' : '!');
      negated = false;
      continue;
    }
    const word = tok.replace(/^'+|'+$/gu, '');
    if (!word) continue;
    if (NEGATORS.has(word.replace(/'/gu, ''))) {
      out.push(word.replace(/'/gu, ''));
      negated = true;
      continue;
    }
    out.push(negated ? `!${word}` : word);
  }
  return out;
}

function emoticonMood(e: string): string {
  if (/<3/u.test(e)) return 'love';
  if (/^[:;=8xX][-o^']?[)\]dDpP3*]$/u.test(e) || /^[(][-o^']?[:;=]$/u.test(e)) return 'happy';
  return 'sad';
}

/**
 * Sparse features of a post: word unigrams and bigrams plus character n-grams of the
 * words (which catch misspellings and inflections a small training set never saw).
 * Values are binary; the classifier normalises by the post's length.
 */
export function extractFeatures(text: string): string[] {
  const toks = tokenize(text);
  const feats = new Set<string>();
  let prev = '^';
  for (const tok of toks) {
    feats.add(`w:${tok}`);
    feats.add(`b:${prev} ${tok}`);
    prev = tok;
    const bare = tok.startsWith('!') ? tok.slice(1) : tok;
    if (bare.length >= 4 && !bare.startsWith('zz')) {
      const padded = `<${bare}>`;
      for (let n = 3; n <= 5; n++) {
        for (let i = 0; i + n <= padded.length; i++) feats.add(`c:${padded.slice(i, i + n)}`);
      }
    }
  }
  feats.add(`b:${prev} $`);
  return [...feats];
}
