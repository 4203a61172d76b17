import { detectAll } from 'tinyld';

import { afinnValue } from './afinn-lexicon.js';
import { bareToken, tokenizePost, type PostTokens } from './tokenize-post.js';

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

const FUNCTION_WORDS: Record<string, string> = {
  en: 'the and you your my me is are was were be been have has had do does did not this that with for of to it its im dont cant what why how when where who will would can could just get got our we they them there their from about please thanks thank still an at on but if so all any been' +
    // Words of everyday English on social networks: many short posts have no function word.
    ' lol lmao omg thx pls plz u ur ok okay yes yeah hi hello love great good bad worst best amazing awesome today tonight tomorrow now again never ever time help need want like one new back only really guys know see going make way day people customer service' +
    ' i me he she him her us very already made much many more most other some than then too also here off out up down over after before because being both each few into through while should must may might since until which those these such nice sure in a no hey either nope left right',
  es: 'el la los las un una y que de en es por para con no mi mis tu su sus lo le se del al muy pero como más mas gracias hola está esta estoy son fue ya ni porque cuando también tengo hay',
  fr: 'le la les un une et est que de des du en pour pas je tu il elle nous vous mon ma mes ton ta son sa ses ce cette avec sur dans mais ou où au aux très merci bonjour suis sont été avoir fait qui',
  de: 'der die das und ist nicht ein eine einen mit für auf ich du er sie wir ihr mein meine dein sein zu von den dem des im ist sind war auch aber noch nur schon danke bitte wie warum wann wer kein',
  it: 'il lo la gli le un una e che di da in per con non mi ti si è sono mio mia tuo tua suo del della dei delle al alla ma anche come perché grazie ciao sempre ancora questo questa',
  pt: 'o a os as um uma e que de do da dos das em no na nos nas para por com não meu minha seu sua você voce eu ele ela é são foi está estou mas muito obrigado obrigada olá também isso',
  nl: 'de het een en is niet van in op te dat die ik je jij mijn zijn met voor aan er maar ook nog wel geen naar bij dit deze wat waarom hoe wie bedankt dank alsjeblieft heb hebben',
  sv: 'och att det som en ett är inte jag du han hon vi ni min mitt din på för med av till den de har var kan ska om men eller också tack hej från inget',
  da: 'og at det som en et er ikke jeg du han hun vi min mit din på for med af til den de har var kan skal om men eller også tak hej fra ingen',
  no: 'og at det som en et er ikke jeg du han hun vi min mitt din på for med av til den de har var kan skal om men eller også takk hei fra ingen',
  fi: 'ja on ei se että en olen oli mutta kun myös minä sinä hän me te he tämä tuo mikä miksi kiitos hei ole ovat ollut vain',
  pl: 'i w na nie się z do że to jest jak ale czy mnie mój moja twój jego jej dla od po przez tak już jeszcze dziękuję dzięki cześć są był była',
  tr: 've bir bu da de için ile ne mi mı değil ben sen o biz siz benim senin çok ama gibi daha var yok teşekkürler teşekkür merhaba neden nasıl',
  id: 'dan yang di ke dari ini itu tidak saya aku kamu anda dengan untuk ada akan sudah belum juga tapi karena apa kenapa bagaimana terima kasih tolong',
  ro: 'și si în in la cu de pe nu este sunt un o că ca eu tu el ea noi voi meu mea tău pentru dar mai foarte mulțumesc multumesc bună',
  cs: 'a je to v na se že s z do není jsem jsi být ale jak proč kdy kde co můj moje tvůj pro od po už ještě děkuji díky ahoj',
  hu: 'a az és nem egy hogy is van volt de meg már még csak én te ő mi ti ők ez az köszönöm köszi szia miért hogyan',
  ca: 'el la els les un una i que de en és per amb no meu meva seu seva però com també molt gràcies hola són està',
  tl: 'ang ng sa mga na ay at ko mo siya kami kayo sila hindi po opo salamat bakit paano ito iyan yung',
  sw: 'na ya wa kwa ni katika la za hii hiyo mimi wewe yeye sisi asante habari',
};

const WORD_LANGS = new Map<string, string[]>();
for (const [lang, list] of Object.entries(FUNCTION_WORDS)) {
  for (const w of list.split(' ')) {
    const langs = WORD_LANGS.get(w);
    if (langs) { if (!langs.includes(lang)) langs.push(lang); } else WORD_LANGS.set(w, [lang]);
  }
}

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

const isLetter = (cp: number): boolean => (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || (cp >= 0xc0 && cp !== 0xd7 && cp !== 0xf7);

/** Handles and links are not written in any language. */
const SKIP = /https?:\/\/\S+|www\.\S+|[@＠#][\p{L}\p{N}_]+/gu;

function byScript(text: string): { script: Script; letters: number; latinExtras: Map<string, number>; raw: string } {
  const counts = new Map<Script, number>();
  const latinExtras = new Map<string, number>();
  const raw = text.includes('@') || text.includes('http') || text.includes('#') ? text.replace(SKIP, ' ') : text;
  let letters = 0;
  for (const ch of raw) {
    const cp = ch.codePointAt(0)!;
    if (!isLetter(cp)) continue;
    if (cp >= 0x2000 && scriptOf(cp) === 'other') continue;
    const s = scriptOf(cp);
    if (s === 'other') continue;
    letters++;
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
  return { script, letters, latinExtras, raw };
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

function byWords(tokens: PostTokens, extras: Map<string, number>): { lang: string | undefined; score: number } {
  const scores = new Map<string, number>();
  for (const t of tokens.tokens) {
    const bare = bareToken(t);
    const langs = WORD_LANGS.get(bare);
    // The AFINN list is English: its words are weak evidence of English ("sucks", "nicely").
    if (!langs) { if (afinnValue(bare) !== undefined && !bare.startsWith('zz')) scores.set('en', (scores.get('en') ?? 0) + 0.5); continue; }
    // A word shared by several languages is weaker evidence for each.
    const w = 1 / langs.length;
    for (const l of langs) scores.set(l, (scores.get(l) ?? 0) + w);
  }
  for (const [letter, n] of extras) {
    const langs = LETTER_LANGS[letter] ?? [];
    for (const l of langs) scores.set(l, (scores.get(l) ?? 0) + (1.5 * Math.min(n, 3)) / langs.length);
  }
  let lang: string | undefined;
  let best = 0;
  let second = 0;
  for (const [l, s] of scores) {
    if (s > best) { second = best; best = s; lang = l; } else if (s > second) second = s;
  }
  // Decide only on clear evidence: a lead over the runner-up and more than one weak hint.
  if (lang && best >= 1 && best >= second + 0.5) return { lang, score: best };
  return { lang: undefined, score: best };
}

/**
 * Guesses the language of a (short) post: writing system, then function words, then the
 * network's tag, the author's language, and tinyld as the last resort.
 */
export function detectLanguage(input: DetectLanguageInput): LanguageGuess {
  const { script, letters, latinExtras, raw } = byScript(input.text);
  if (letters >= 2) {
    const single = SINGLE_SCRIPT[script];
    if (single) return { language: single, source: 'script' };
    if (script === 'kana') return { language: 'ja', source: 'script' };
    if (script === 'han') return { language: 'zh', source: 'script' };
    if (script === 'cyrillic') return { language: cyrillicLanguage(raw), source: 'script' };
    if (script === 'arabic') return { language: arabicLanguage(raw), source: 'script' };
  }
  if (script === 'latin') {
    const w = byWords(input.tokens ?? tokenizePost(input.text), latinExtras);
    if (w.lang) return { language: w.lang, source: 'words' };
  }
  const net = iso(input.networkLang);
  if (net) return { language: net, source: 'network' };
  const author = iso(input.authorLang);
  if (author) return { language: author, source: 'author' };
  // tinyld is slow and guesses wildly on a few words: only for posts with some text to it.
  if (letters >= 15) {
    const best = detectAll(raw)[0];
    if (best && best.accuracy >= 0.5) return { language: best.lang, source: 'model' };
  }
  return { language: undefined, source: 'none' };
}
