/**
 * One pass over a post that every text-based screening step shares: the classifier's
 * features, the lexicon, language detection, spam and priority cues. Screening must stay
 * within a few times the cost of plain lexicon scoring, so the post is scanned once.
 */
import { HASHED, knownWord, longWordHash, NEGATORS, PACKED_LETTERS, rememberWord, syncKnownWords } from './known-words.js';
import { tokenInfo, wordInfo, type TokenInfo } from './token-info.js';

export interface PostTokens {
  /**
   * Lower-cased words, emoji and `!`/`?` marks in order. Handles, links and numbers are
   * placeholders (`zzuser`, `zzurl`, `zznum`, `zznumlong`, `zzcode`), emoticons become
   * `zzemohappy`/`zzemosad`/`zzemolove`. A word inside a negation's scope ("not happy",
   * until the next punctuation) carries a `!` prefix, so it is a different feature.
   */
  tokens: string[];
  /** What is known about each token, parallel to `tokens`. */
  infos: TokenInfo[];
  /** Handles mentioned, lower-case, without `@`. */
  handles: string[];
  urls: number;
  /** Hashtags ("#fail"). */
  hashtags: number;
  /** Words of three letters or more written all in capitals ("WORST"). */
  shouted: number;
  exclamations: number;
  questions: number;
  /** Results later steps computed from these tokens, kept so each is computed once. */
  memo: { phrases?: Array<string | undefined> };
}

const HAPPY_END = new Set([')', ']', 'd', 'D', 'p', 'P', '*', '3']);
const EMOTICON_END = new Set([')', '(', ']', '[', 'd', 'D', 'p', 'P', '/', '\\', '|', '*', '3', 'o', 'O']);
const NOSE = new Set(['-', 'o', '^', "'"]);
const WORDISH = /[\p{L}\p{M}\p{N}_]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const DIGIT = /\p{N}/u;
const ALL_DIGITS = /^\p{N}+$/u;

/** Character classes of ASCII, looked up once per character while scanning words. */
const C_WORD = 1;
const C_UPPER = 2;
const C_LOWER = 4;
const C_DIGIT = 8;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 65 && c <= 90) ASCII_CLASS[c] = C_WORD | C_UPPER;
  else if (c >= 97 && c <= 122) ASCII_CLASS[c] = C_WORD | C_LOWER;
  else if (c >= 48 && c <= 57) ASCII_CLASS[c] = C_WORD | C_DIGIT;
  else if (c === 95) ASCII_CLASS[c] = C_WORD;
}

/** Letter, digit or underscore; ASCII is decided by a table (most posts are ASCII). */
function isWordCode(code: number, text: string, i: number): boolean {
  if (code < 128) return ASCII_CLASS[code] !== 0;
  const cp = text.codePointAt(i) ?? code;
  return WORDISH.test(String.fromCodePoint(cp));
}

const isSpace = (code: number): boolean => code === 32 || code === 10 || code === 9 || code === 13 || code === 160;

/** Squeezes letters repeated three times or more to two: "soooo" and "sooo" become "soo". */
function squeeze(w: string): string {
  let out = '';
  let run = 0;
  for (let i = 0; i < w.length; i++) {
    run = i > 0 && w[i] === w[i - 1] ? run + 1 : 1;
    if (run <= 2) out += w[i];
  }
  return out;
}

/**
 * A post's tokens as `tokenizePost` returns them. A class, and arrays made with `new
 * Array()`, because V8 tracks where literals are allocated: when many objects of one
 * literal live long (training keeps every post it tokenised), it allocates the later ones
 * directly in the old generation, and the posts screening throws away at once then cost
 * a full garbage collection instead of nothing. Instances of a class are not tracked so.
 */
class ScannedPost implements PostTokens {
  tokens: string[];
  infos: TokenInfo[];
  handles: string[];
  urls: number;
  hashtags: number;
  shouted: number;
  exclamations: number;
  questions: number;
  memo: PostMemo;

  constructor(tokens: string[], infos: TokenInfo[], handles: string[], urls: number, hashtags: number, shouted: number, exclamations: number, questions: number) {
    this.tokens = tokens;
    this.infos = infos;
    this.handles = handles;
    this.urls = urls;
    this.hashtags = hashtags;
    this.shouted = shouted;
    this.exclamations = exclamations;
    this.questions = questions;
    this.memo = new PostMemo();
  }
}

class PostMemo {
  phrases: Array<string | undefined> | undefined = undefined;
}

const isLinkAt = (text: string, i: number): boolean =>
  text.startsWith('http://', i) || text.startsWith('https://', i) || text.startsWith('www.', i);

/** Scans a post into tokens and simple counts. Pure; one pass over the characters. */
export function tokenizePost(text: string): PostTokens {
  // `new Array()` and a class, not literals: see `ScannedPost`.
  const tokens = new Array<string>();
  const infos = new Array<TokenInfo>();
  const handles = new Array<string>();
  let urls = 0;
  let hashtags = 0;
  let shouted = 0;
  let exclamations = 0;
  let questions = 0;
  let negated = false;
  syncKnownWords();
  // Tokens are the shared strings of their facts, so later look-ups by token are cheap.
  let info: TokenInfo;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    // Words first: most characters of a post are in one. A link ("http…", "www.") starts like a word.
    if (c < 128 ? ASCII_CLASS[c] !== 0 : isWordCode(c, text, i)) {
      if ((c === 104 || c === 119) && !(i > 0 && isWordCode(text.charCodeAt(i - 1), text, i - 1)) && isLinkAt(text, i)) {
        while (i < n && !isSpace(text.charCodeAt(i))) i++;
        info = tokenInfo('zzurl');
        tokens.push(info.token);
        infos.push(info);
        urls++;
        continue;
      }
      let j = i;
      let upper = 0;
      let lower = 0;
      let apostrophe = false;
      let run = 0;
      let elongated = false;
      let prev = -1;
      let numerals = 0;
      let chars = 0;
      // The key of a plain word: its lower-cased letters, elongations squeezed, packed.
      let k1 = 0;
      let k2 = 0;
      let kept = 0;
      let lprev = -1;
      let lrun = 0;
      while (j < n) {
        const d = text.charCodeAt(j);
        let l = d;
        if (d < 128) {
          const cls = ASCII_CLASS[d]!;
          if (cls === 0) {
            // An apostrophe between letters stays inside the word ("can't").
            if (d === 39 && j + 1 < n && isWordCode(text.charCodeAt(j + 1), text, j + 1)) { apostrophe = true; j++; continue; }
            break;
          }
          if ((cls & C_UPPER) !== 0) { upper++; l = d + 32; } else if ((cls & C_LOWER) !== 0) lower++; else if ((cls & C_DIGIT) !== 0) numerals++;
        } else if (!isWordCode(d, text, j)) {
          // "it’s": the typographic apostrophe too.
          if (d === 0x2019 && j + 1 < n && isWordCode(text.charCodeAt(j + 1), text, j + 1)) { apostrophe = true; j++; continue; }
          break;
        }
        chars++;
        run = d === prev ? run + 1 : 1;
        if (run >= 3) elongated = true;
        prev = d;
        lrun = l === lprev ? lrun + 1 : 1;
        lprev = l;
        if (lrun < 3) {
          if (kept < 6) k1 = (k1 << 5) | ((l - 96) & 31);
          else if (kept < PACKED_LETTERS) k2 = (k2 << 5) | ((l - 96) & 31);
          kept++;
        }
        j += d >= 0xd800 && d <= 0xdbff ? 2 : 1;
      }
      if (upper >= 3 && lower === 0) shouted++;
      // Plain ASCII letters: a word seen before needs no new string.
      if (upper + lower === chars && !apostrophe) {
        if (kept > PACKED_LETTERS) { k1 = longWordHash(text, i, j); k2 = HASHED; }
        const k = knownWord(k1, k2, text, i, j) ?? rememberWord(k1, k2, squeeze(text.slice(i, j).toLowerCase()));
        i = j;
        if (k.negator) {
          info = k.plain;
          negated = true;
        } else {
          info = negated ? (k.negated ??= wordInfo(k.word, true)) : k.plain;
        }
        tokens.push(info.token);
        infos.push(info);
        continue;
      }
      const word = text.slice(i, j);
      i = j;
      let w = word.toLowerCase();
      if (apostrophe) w = w.replace(/['’]/gu, '');
      if (numerals > 0 || (upper + lower < chars && DIGIT.test(w))) {
        w = numerals === chars || ALL_DIGITS.test(w) ? (w.length >= 5 ? 'zznumlong' : 'zznum') : 'zzcode';
      } else if (elongated) {
        w = squeeze(w);
      }
      if (NEGATORS.has(w)) {
        info = wordInfo(w, false);
        negated = true;
      } else {
        info = wordInfo(w, negated);
      }
      tokens.push(info.token);
      infos.push(info);
      continue;
    }
    if (isSpace(c)) { i++; continue; }
    // Handles.
    if ((c === 64 || c === 0xff20) && i + 1 < n && isWordCode(text.charCodeAt(i + 1), text, i + 1)) {
      let j = i + 1;
      while (j < n && isWordCode(text.charCodeAt(j), text, j)) j++;
      handles.push(text.slice(i + 1, j).toLowerCase());
      info = tokenInfo('zzuser');
      tokens.push(info.token);
      infos.push(info);
      i = j;
      continue;
    }
    // HTML entities as the X API sends them (&amp; &lt; &gt;).
    if (c === 38) {
      const semi = text.indexOf(';', i);
      if (semi > i && semi - i <= 6 && /^&(?:amp|lt|gt|quot|#\d+);$/u.test(text.slice(i, semi + 1))) { i = semi + 1; continue; }
      i++;
      continue;
    }
    // Emoticons: ":)", ";-D", "=(", ":/", "<3".
    if ((c === 58 || c === 59 || c === 61) && !(i > 0 && isWordCode(text.charCodeAt(i - 1), text, i - 1))) {
      let j = i + 1;
      if (j < n && NOSE.has(text[j]!)) j++;
      if (j < n && EMOTICON_END.has(text[j]!) && (j + 1 >= n || !isWordCode(text.charCodeAt(j + 1), text, j + 1))) {
        // "://" is a link scheme, not a face; "o"/"O" alone after ":" is too ambiguous without a nose.
        if (!(text[j] === '/' && text[j + 1] === '/')) {
          info = tokenInfo(HAPPY_END.has(text[j]!) ? 'zzemohappy' : 'zzemosad');
          tokens.push(info.token);
          infos.push(info);
          i = j + 1;
          continue;
        }
      }
    }
    if (c === 60 && text.charCodeAt(i + 1) === 51) {
      info = tokenInfo('zzemolove');
      tokens.push(info.token);
      infos.push(info);
      i += 2;
      while (i < n && text.charCodeAt(i) === 51) i++;
      continue;
    }
    if (c === 35 && i + 1 < n && isWordCode(text.charCodeAt(i + 1), text, i + 1)) { hashtags++; i++; continue; }
    if (c === 33 || c === 63) {
      let q = false;
      while (i < n && (text.charCodeAt(i) === 33 || text.charCodeAt(i) === 63)) { if (text.charCodeAt(i) === 63) q = true; i++; }
      if (q) questions++; else exclamations++;
      info = tokenInfo(q ? '?' : '!');
      tokens.push(info.token);
      infos.push(info);
      negated = false;
      continue;
    }
    if (c === 46 || c === 44 || c === 59 || c === 58) { negated = false; i++; continue; }
    if (c >= 0x2000) {
      const cp = text.codePointAt(i) ?? c;
      const ch = String.fromCodePoint(cp);
      if (PICTOGRAPH.test(ch)) { info = tokenInfo(ch); tokens.push(info.token); infos.push(info); }
      i += ch.length;
      continue;
    }
    i++;
  }
  return new ScannedPost(tokens, infos, handles, urls, hashtags, shouted, exclamations, questions);
}

/** A token without its negation mark. */
export const bareToken = (t: string): string => (t.charCodeAt(0) === 33 && t.length > 1 ? t.slice(1) : t);
