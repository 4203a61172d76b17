import { detectAll } from 'tinyld';

/** The outcome of language detection and where the answer came from. */
export interface LanguageGuess {
  /** ISO 639-1 code, or undefined when nothing could be said. */
  language: string | undefined;
  source: 'text' | 'network' | 'author' | 'none';
}

export interface DetectLanguageInput {
  text: string;
  /** The language the network itself tagged the post with (X's `lang`), if any. */
  networkLang?: string | undefined;
  /** The author account's own language: the fallback for posts too short to tell. */
  authorLang?: string | undefined;
}

/** Handles, links, hashtags' `#`, digits and emoji say nothing about the language. */
function stripNoise(text: string): string {
  return text
    .replace(/https?:\/\/\S+/giu, ' ')
    .replace(/[@＠][\p{L}\p{N}_]+/gu, ' ')
    .replace(/#/gu, ' ')
    .replace(/[\p{N}\p{S}\p{P}]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

// Networks tag undecidable posts with these; they are not languages.
const NOT_A_LANGUAGE = new Set(['und', 'zxx', 'qme', 'qht', 'qam', 'qst', 'qct', 'art']);

const iso2 = (code: string | undefined): string | undefined => {
  if (!code) return undefined;
  const c = code.toLowerCase().split(/[-_]/u)[0] ?? '';
  if (NOT_A_LANGUAGE.has(c) || c.length < 2 || c.length > 3) return undefined;
  return c;
};

/**
 * Guesses the language of a short post.
 *
 * tinyld is built for short text but still guesses on two words; its `accuracy` for
 * such posts is low and its runner-up is often close. We only trust it when it is
 * reasonably sure (or the text is long enough); otherwise the network's own tag, then
 * the author's account language, win.
 */
export function detectLanguage(input: DetectLanguageInput): LanguageGuess {
  const clean = stripNoise(input.text);
  const letters = clean.replace(/\s/gu, '').length;
  const fallback = (): LanguageGuess => {
    const net = iso2(input.networkLang);
    if (net) return { language: net, source: 'network' };
    const author = iso2(input.authorLang);
    if (author) return { language: author, source: 'author' };
    return { language: undefined, source: 'none' };
  };
  if (letters < 3) return fallback();
  const all = detectAll(clean);
  const best = all[0];
  if (!best) return fallback();
  const second = all[1]?.accuracy ?? 0;
  const margin = best.accuracy - second;
  const sure = best.accuracy >= 0.5 || (letters >= 25 && margin >= 0.02) || (letters >= 12 && margin >= 0.05);
  if (sure) return { language: best.lang, source: 'text' };
  const fb = fallback();
  if (fb.language) return fb;
  // Nothing better to go on: tinyld's best guess is still better than nothing.
  return { language: best.lang, source: 'text' };
}
