import { detectAll } from 'tinyld';

import { LANGUAGES } from './function-words.js';
import { tokenizePost, type PostTokens } from './tokenize-post.js';

/** The outcome of language detection and where the answer came from. */
export interface LanguageGuess {
  /** ISO 639-1 code, or undefined when nothing could be said. */
  language: string | undefined;
  /** `script`/`words`: decided from the text; `model`: tinyld; `network`/`author`: fallbacks. */
  source: 'script' | 'words' | 'model' | 'network' | 'author' | 'none';
}

export interface DetectLanguageInput {
  text: string;
  /** The post's tokens, when the caller already has them (screening does). */
  tokens?: PostTokens | undefined;
  /** The language the network itself tagged the post with (X's `lang`), if any. */
  networkLang?: string | undefined;
  /** The author account's own language: the fallback for posts too short to tell. */
  authorLang?: string | undefined;
}

/*
 * Detection in three tiers, cheapest first, because screening runs on every post and
 * must cost a few times plain lexicon scoring at most (tinyld alone takes about 1 ms a
 * post, a hundred times that budget):
 *  1. the writing system: Greek, Cyrillic, Arabic, Hebrew, Thai, Hangul, kana, Han,
 *     Devanagari… name the language (or a short list) outright;
 *  2. for Latin script, the most frequent function words of 20 languages (the words
 *     every sentence needs, so even a six-word post has some) plus letters only some
 *     languages use (ß, ñ, ø, ł, ğ…);
 *  3. only when both are silent or tied: the network's tag, the author's language, and
 *     last tinyld on whatever text there is.
 */

/** Letters that only a few languages use: each counts as strong evidence. */
const LETTER_LANGS: Record<string, string[]> = {
  'ß': ['de'], 'ä': ['de', 'sv', 'fi'], 'ö': ['de', 'sv', 'fi', 'tr', 'hu'], 'ü': ['de', 'tr', 'hu'],
  'ñ': ['es'], '¿': ['es'], '¡': ['es'], 'ç': ['fr', 'pt', 'ca', 'tr'], 'ã': ['pt'], 'õ': ['pt'],
  'è': ['fr', 'it', 'ca'], 'ê': ['fr', 'pt'], 'à': ['fr', 'it', 'pt', 'ca'], 'ò': ['it', 'ca'], 'ù': ['fr', 'it'],
  'å': ['sv', 'da', 'no'], 'ø': ['da', 'no'], 'æ': ['da', 'no'],
  'ł': ['pl'], 'ą': ['pl'], 'ę': ['pl'], 'ś': ['pl'], 'ź': ['pl'], 'ż': ['pl'], 'ć': ['pl'], 'ń': ['pl'],
  'ğ': ['tr'], 'ş': ['tr', 'ro'], 'ı': ['tr'], 'ő': ['hu'], 'ű': ['hu'],
  'ř': ['cs'], 'ě': ['cs'], 'ů': ['cs'], 'č': ['cs'], 'š': ['cs'], 'ž': ['cs'],
  'ă': ['ro'], 'ț': ['ro'], 'î': ['ro', 'fr'], 'â': ['ro', 'pt', 'fr'],
};

// Networks tag undecidable posts with these; they are not languages.
const NOT_A_LANGUAGE = new Set(['und', 'zxx', 'qme', 'qht', 'qam', 'qst', 'qct', 'art']);

const iso = (code: string | undefined): string | undefined => {
  if (!code) return undefined;
  const c = code.toLowerCase().split(/[-_]/u)[0] ?? '';
  if (NOT_A_LANGUAGE.has(c) || c.length < 2 || c.length > 3) return undefined;
  return c;
};

type Script = 'latin' | 'greek' | 'cyrillic' | 'hebrew' | 'arabic' | 'devanagari' | 'bengali' | 'tamil' | 'telugu'
  | 'thai' | 'georgian' | 'armenian' | 'hangul' | 'kana' | 'han' | 'other';

function scriptOf(cp: number): Script {
  if (cp < 0x250) return 'latin';
  if (cp >= 0x1e00 && cp <= 0x1eff) return 'latin';
  if (cp >= 0x370 && cp <= 0x3ff) return 'greek';
  if (cp >= 0x400 && cp <= 0x52f) return 'cyrillic';
  if (cp >= 0x530 && cp <= 0x58f) return 'armenian';
  if (cp >= 0x590 && cp <= 0x5ff) return 'hebrew';
  if ((cp >= 0x600 && cp <= 0x6ff) || (cp >= 0x750 && cp <= 0x77f) || (cp >= 0xfb50 && cp <= 0xfeff)) return 'arabic';
  if (cp >= 0x900 && cp <= 0x97f) return 'devanagari';
  if (cp >= 0x980 && cp <= 0x9ff) return 'bengali';
  if (cp >= 0xb80 && cp <= 0xbff) return 'tamil';
  if (cp >= 0xc00 && cp <= 0xc7f) return 'telugu';
  if (cp >= 0xe00 && cp <= 0xe7f) return 'thai';
  if (cp >= 0x10a0 && cp <= 0x10ff) return 'georgian';
  if ((cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0x3130 && cp <= 0x318f)) return 'hangul';
  if (cp >= 0x3040 && cp <= 0x30ff) return 'kana';
  if ((cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf)) return 'han';
  return 'other';
}

const SINGLE_SCRIPT: Partial<Record<Script, string>> = {
  greek: 'el', hebrew: 'he', devanagari: 'hi', bengali: 'bn', tamil: 'ta', telugu: 'te', thai: 'th',
  georgian: 'ka', armenian: 'hy', hangul: 'ko',
};

const ASCII = /^[\x00-\x7f]*$/;
const NO_EXTRAS = new Map<string, number>();

const isLetter = (cp: number): boolean => (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || (cp >= 0xc0 && cp !== 0xd7 && cp !== 0xf7);

/** Handles and links are not written in any language. */
const SKIP = /https?:\/\/\S+|www\.\S+|[@＠#][\p{L}\p{N}_]+/gu;

function byScript(text: string): { script: Script; letters: number; foreign: number; latinExtras: Map<string, number>; raw: string } {
  const counts = new Map<Script, number>();
  const latinExtras = new Map<string, number>();
  const raw = text.includes('@') || text.includes('http') || text.includes('#') ? text.replace(SKIP, ' ') : text;
  let letters = 0;
  let foreign = 0;
  for (const ch of raw) {
    const cp = ch.codePointAt(0)!;
    if (!isLetter(cp)) continue;
    if (cp >= 0x2000 && scriptOf(cp) === 'other') continue;
    const s = scriptOf(cp);
    if (s === 'other') continue;
    letters++;
    if (cp >= 0xc0) foreign++;
    counts.set(s, (counts.get(s) ?? 0) + 1);
    if (s === 'latin' && cp >= 0xc0) {
      const lower = ch.toLowerCase();
      if (LETTER_LANGS[lower]) latinExtras.set(lower, (latinExtras.get(lower) ?? 0) + 1);
    }
  }
  for (const c of ['¿', '¡']) if (raw.includes(c)) latinExtras.set(c, 1);
  let script: Script = 'other';
  let best = 0;
  for (const [s, n] of counts) if (n > best) { best = n; script = s; }
  // Japanese mixes kana with Han; any kana at all means Japanese, not Chinese.
  if ((script === 'han' || script === 'kana') && (counts.get('kana') ?? 0) > 0) script = 'kana';
  return { script, letters, foreign, latinExtras, raw };
}

function cyrillicLanguage(text: string): string {
  if (/[іїєґ]/iu.test(text)) return 'uk';
  if (/[јљњџђћ]/iu.test(text)) return 'sr';
  if (/[ѓќѕ]/iu.test(text)) return 'mk';
  if (/[ўі]/iu.test(text)) return 'be';
  return 'ru';
}

function arabicLanguage(text: string): string {
  if (/[ٹڈڑںےھ]/u.test(text)) return 'ur';
  if (/[پچژگکی]/u.test(text)) return 'fa';
  return 'ar';
}

const EN = LANGUAGES.indexOf('en');
const wordScores = new Float64Array(LANGUAGES.length);

function byWords(tokens: PostTokens, extras: Map<string, number>): { lang: string | undefined; score: number } {
  const scores = wordScores.fill(0);
  for (const info of tokens.infos) {
    const langs = info.langs;
    if (!langs) {
      // The AFINN list is English: its words are weak evidence of English ("sucks", "nicely").
      if (info.valence !== undefined && !info.bare.startsWith('zz')) scores[EN]! += 0.5;
      continue;
    }
    // A word shared by several languages is weaker evidence for each.
    const w = 1 / langs.length;
    for (const l of langs) scores[l]! += w;
  }
  for (const [letter, n] of extras) {
    const langs = LETTER_LANGS[letter] ?? [];
    for (const l of langs) scores[LANGUAGES.indexOf(l)]! += (1.5 * Math.min(n, 3)) / langs.length;
  }
  let lang = -1;
  let best = 0;
  let second = 0;
  for (let l = 0; l < scores.length; l++) {
    const s = scores[l]!;
    if (s > best) { second = best; best = s; lang = l; } else if (s > second) second = s;
  }
  // Decide only on clear evidence: a lead over the runner-up and more than one weak hint.
  if (lang >= 0 && best >= 1 && best >= second + 0.5) return { lang: LANGUAGES[lang], score: best };
  return { lang: undefined, score: best };
}

/**
 * Guesses the language of a (short) post: writing system, then function words, then the
 * network's tag, the author's language, and tinyld as the last resort.
 */
export function detectLanguage(input: DetectLanguageInput): LanguageGuess {
  // Most posts are plain ASCII: Latin script without special letters, no need to scan scripts.
  const ascii = ASCII.test(input.text);
  const scan = ascii ? undefined : byScript(input.text);
  if (scan && scan.letters >= 2) {
    const single = SINGLE_SCRIPT[scan.script];
    if (single) return { language: single, source: 'script' };
    if (scan.script === 'kana') return { language: 'ja', source: 'script' };
    if (scan.script === 'han') return { language: 'zh', source: 'script' };
    if (scan.script === 'cyrillic') return { language: cyrillicLanguage(scan.raw), source: 'script' };
    if (scan.script === 'arabic') return { language: arabicLanguage(scan.raw), source: 'script' };
  }
  if (!scan || scan.script === 'latin') {
    const w = byWords(input.tokens ?? tokenizePost(input.text), scan?.latinExtras ?? NO_EXTRAS);
    if (w.lang) return { language: w.lang, source: 'words' };
  }
  const net = iso(input.networkLang);
  if (net) return { language: net, source: 'network' };
  const author = iso(input.authorLang);
  if (author) return { language: author, source: 'author' };
  // tinyld costs about a millisecond and guesses wildly on a few words: only for posts
  // with some text to it and several letters beyond ASCII (accented, or another script
  // such as Cyrillic). Plain ASCII text that none of the 20 word lists recognised is
  // rarely decided better by it, and emoji or curly quotes are not letters.
  if (scan && scan.letters >= 15 && (scan.foreign >= 3 || scan.script !== 'latin')) {
    const raw = scan.raw;
    const best = detectAll(raw)[0];
    if (best && best.accuracy >= 0.5) return { language: best.lang, source: 'model' };
  }
  return { language: undefined, source: 'none' };
}
