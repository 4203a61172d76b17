/**
 * One pass over a post that every text-based screening step shares: the classifier's
 * features, the lexicon, language detection, spam and priority cues. Screening must stay
 * within a few times the cost of plain lexicon scoring, so the post is scanned once.
 */
import { infoGeneration, tokenInfo, wordInfo, type TokenInfo } from './token-info.js';

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

const NEGATORS = new Set([
  'not', 'no', 'never', 'none', 'nobody', 'nothing', 'nowhere', 'neither', 'nor', 'cannot',
  'cant', 'dont', 'doesnt', 'didnt', 'isnt', 'wasnt', 'arent', 'werent', 'wont', 'wouldnt',
  'couldnt', 'shouldnt', 'havent', 'hasnt', 'hadnt', 'aint', 'without',
]);

const HAPPY_END = new Set([')', ']', 'd', 'D', 'p', 'P', '*', '3']);
const EMOTICON_END = new Set([')', '(', ']', '[', 'd', 'D', 'p', 'P', '/', '\\', '|', '*', '3', 'o', 'O']);
const NOSE = new Set(['-', 'o', '^', "'"]);
const WORDISH = /[\p{L}\p{M}\p{N}_]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const DIGIT = /\p{N}/u;
const ALL_DIGITS = /^\p{N}+$/u;

/** 1 for ASCII letters, digits and "_". */
const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_WORD[c] = /[A-Za-z0-9_]/u.test(String.fromCharCode(c)) ? 1 : 0;

/** Letter, digit or underscore; ASCII is decided by a table (most posts are ASCII). */
function isWordCode(code: number, text: string, i: number): boolean {
  if (code < 128) return ASCII_WORD[code] === 1;
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
 * Words seen before, by a hash of their normalised letters, so a known word costs no new
 * string: plain lower-case ASCII words (most of a feed) are hashed while scanning and
 * checked against the stored word; anything else takes the general path.
 */
interface KnownWord {
  word: string;
  negator: boolean;
  plain: TokenInfo;
  negated: TokenInfo | undefined;
}
const known = new Map<number, KnownWord[]>();
let knownGeneration = -1;
const KNOWN_LIMIT = 100_000;
let knownCount = 0;

function knownWord(hash: number, text: string, start: number, end: number): KnownWord | undefined {
  const list = known.get(hash);
  if (!list) return undefined;
  outer: for (const k of list) {
    const w = k.word;
    let at = 0;
    let prev = -1;
    let run = 0;
    for (let i = start; i < end; i++) {
      let d = text.charCodeAt(i);
      if (d >= 65 && d <= 90) d += 32;
      run = d === prev ? run + 1 : 1;
      prev = d;
      if (run >= 3) continue;
      if (at >= w.length || w.charCodeAt(at) !== d) continue outer;
      at++;
    }
    if (at === w.length) return k;
  }
  return undefined;
}

function rememberWord(hash: number, word: string): KnownWord {
  if (knownCount >= KNOWN_LIMIT) { known.clear(); knownCount = 0; }
  const k: KnownWord = { word, negator: NEGATORS.has(word), plain: wordInfo(word, false), negated: undefined };
  const list = known.get(hash);
  if (list) list.push(k); else known.set(hash, [k]);
  knownCount++;
  return k;
}

/** Scans a post into tokens and simple counts. Pure; one pass over the characters. */
export function tokenizePost(text: string): PostTokens {
  const tokens: string[] = [];
  const handles: string[] = [];
  let urls = 0;
  let hashtags = 0;
  let shouted = 0;
  let exclamations = 0;
  let questions = 0;
  let negated = false;
  const infos: TokenInfo[] = [];
  if (knownGeneration !== infoGeneration()) { known.clear(); knownCount = 0; knownGeneration = infoGeneration(); }
  // Tokens are the shared strings of their facts, so later look-ups by token are cheap.
  const push = (info: TokenInfo): void => { tokens.push(info.token); infos.push(info); };
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) { i++; continue; }
    // Links: skipped to the next space.
    if ((c === 104 || c === 119) && !(i > 0 && isWordCode(text.charCodeAt(i - 1), text, i - 1)) && (text.startsWith('http://', i) || text.startsWith('https://', i) || text.startsWith('www.', i))) {
      while (i < n && !isSpace(text.charCodeAt(i))) i++;
      push(tokenInfo('zzurl'));
      urls++;
      continue;
    }
    // Handles.
    if ((c === 64 || c === 0xff20) && i + 1 < n && isWordCode(text.charCodeAt(i + 1), text, i + 1)) {
      let j = i + 1;
      while (j < n && isWordCode(text.charCodeAt(j), text, j)) j++;
      handles.push(text.slice(i + 1, j).toLowerCase());
      push(tokenInfo('zzuser'));
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
          push(tokenInfo(HAPPY_END.has(text[j]!) ? 'zzemohappy' : 'zzemosad'));
          i = j + 1;
          continue;
        }
      }
    }
    if (c === 60 && text[i + 1] === '3') {
      push(tokenInfo('zzemolove'));
      i += 2;
      while (i < n && text[i] === '3') i++;
      continue;
    }
    if (c === 35 && i + 1 < n && isWordCode(text.charCodeAt(i + 1), text, i + 1)) { hashtags++; i++; continue; }
    if (c === 33 || c === 63) {
      let q = false;
      while (i < n && (text.charCodeAt(i) === 33 || text.charCodeAt(i) === 63)) { if (text.charCodeAt(i) === 63) q = true; i++; }
      if (q) questions++; else exclamations++;
      push(tokenInfo(q ? '?' : '!'));
      negated = false;
      continue;
    }
    if (c === 46 || c === 44 || c === 59 || c === 58) { negated = false; i++; continue; }
    if (isWordCode(c, text, i)) {
      let j = i;
      let word = '';
      let upper = 0;
      let lower = 0;
      let apostrophe = false;
      let run = 0;
      let elongated = false;
      let prev = -1;
      let numerals = 0;
      let chars = 0;
      // FNV-1a of the lower-cased letters, elongations squeezed, as in the word's token.
      let hash = 0x811c9dc5;
      let lprev = -1;
      let lrun = 0;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (isWordCode(d, text, j)) {
          chars++;
          if (d >= 65 && d <= 90) upper++;
          else if (d >= 97 && d <= 122) lower++;
          else if (d >= 48 && d <= 57) numerals++;
          run = d === prev ? run + 1 : 1;
          if (run >= 3) elongated = true;
          prev = d;
          const l = d >= 65 && d <= 90 ? d + 32 : d;
          lrun = l === lprev ? lrun + 1 : 1;
          lprev = l;
          if (lrun < 3) hash = Math.imul(hash ^ l, 0x01000193);
          const width = d >= 0xd800 && d <= 0xdbff ? 2 : 1;
          j += width;
          continue;
        }
        // An apostrophe between letters stays inside the word ("can't", "it’s").
        if ((d === 39 || d === 0x2019) && j + 1 < n && isWordCode(text.charCodeAt(j + 1), text, j + 1)) { apostrophe = true; j++; continue; }
        break;
      }
      if (upper >= 3 && lower === 0) shouted++;
      // Plain ASCII letters: a word seen before needs no new string.
      if (upper + lower === chars && !apostrophe) {
        const k = knownWord(hash, text, i, j) ?? rememberWord(hash, squeeze(text.slice(i, j).toLowerCase()));
        i = j;
        if (k.negator) { push(k.plain); negated = true; continue; }
        push(negated ? (k.negated ??= wordInfo(k.word, true)) : k.plain);
        continue;
      }
      word = text.slice(i, j);
      i = j;
      let w = word.toLowerCase();
      if (apostrophe) w = w.replace(/['’]/gu, '');
      if (numerals > 0 || (upper + lower < chars && DIGIT.test(w))) {
        w = numerals === chars || ALL_DIGITS.test(w) ? (w.length >= 5 ? 'zznumlong' : 'zznum') : 'zzcode';
      } else if (elongated) {
        w = squeeze(w);
      }
      if (NEGATORS.has(w)) { push(wordInfo(w, false)); negated = true; continue; }
      push(wordInfo(w, negated));
      continue;
    }
    if (c >= 0x2000) {
      const cp = text.codePointAt(i) ?? c;
      const ch = String.fromCodePoint(cp);
      if (PICTOGRAPH.test(ch)) push(tokenInfo(ch));
      i += ch.length;
      continue;
    }
    i++;
  }
  return { tokens, infos, handles, urls, hashtags, shouted, exclamations, questions, memo: {} };
}

/** A token without its negation mark. */
export const bareToken = (t: string): string => (t.charCodeAt(0) === 33 && t.length > 1 ? t.slice(1) : t);
