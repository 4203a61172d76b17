import { infoGeneration, wordInfo, type TokenInfo } from './token-info.js';

/** Words that negate what follows them (up to the next punctuation). */
export const NEGATORS = new Set([
  'not', 'no', 'never', 'none', 'nobody', 'nothing', 'nowhere', 'neither', 'nor', 'cannot',
  'cant', 'dont', 'doesnt', 'didnt', 'isnt', 'wasnt', 'arent', 'werent', 'wont', 'wouldnt',
  'couldnt', 'shouldnt', 'havent', 'hasnt', 'hadnt', 'aint', 'without',
]);

/**
 * Words seen before, so a known word costs no new string. A plain ASCII word (most of a
 * feed) is keyed while scanning by its lower-cased letters, runs of three or more squeezed
 * to two: up to twelve letters are packed exactly into two numbers (five bits a letter,
 * a = 1 … z = 26), so the key is the word and finding it reads no string; a longer word
 * is keyed by a hash and checked against the stored word. The table is open-addressed,
 * its keys in one typed array: a look-up is a probe or two in one cache line.
 */
export interface KnownWord {
  word: string;
  negator: boolean;
  plain: TokenInfo;
  negated: TokenInfo | undefined;
}
/** Letters packed exactly into a key; the second number of a longer word's key. */
export const PACKED_LETTERS = 12;
export const HASHED = -1;
const KNOWN_LIMIT = 100_000;
let knownGeneration = -1;
let knownCount = 0;
let knownMask = 1023;
/** Per slot, the two numbers of its key; 0 and 0 for an empty slot. */
let knownKeys = new Int32Array(2 * (knownMask + 1));
let knownWords: Array<KnownWord | undefined> = new Array<KnownWord | undefined>(knownMask + 1).fill(undefined);

function slotOf(k1: number, k2: number): number {
  const h = Math.imul(k1, 0x9e3779b1) ^ Math.imul(k2 + 0x7f4a7c15, 0x85ebca6b);
  return (h ^ (h >>> 15)) & knownMask;
}

function clearKnown(): void {
  knownMask = 1023;
  knownKeys = new Int32Array(2 * (knownMask + 1));
  knownWords = new Array<KnownWord | undefined>(knownMask + 1).fill(undefined);
  knownCount = 0;
}

/** Whether `text[start, end)`, lower-cased and with runs of three or more squeezed to two, is `w`. */
function sameWord(w: string, text: string, start: number, end: number): boolean {
  let at = 0;
  let prev = -1;
  let run = 0;
  for (let i = start; i < end; i++) {
    let d = text.charCodeAt(i);
    if (d >= 65 && d <= 90) d += 32;
    run = d === prev ? run + 1 : 1;
    prev = d;
    if (run >= 3) continue;
    if (at >= w.length || w.charCodeAt(at) !== d) return false;
    at++;
  }
  return at === w.length;
}

/** FNV-1a of `text[start, end)` lower-cased and squeezed: the key of a word too long to pack. */
export function longWordHash(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  let prev = -1;
  let run = 0;
  for (let i = start; i < end; i++) {
    let d = text.charCodeAt(i);
    if (d >= 65 && d <= 90) d += 32;
    run = d === prev ? run + 1 : 1;
    prev = d;
    if (run < 3) hash = Math.imul(hash ^ d, 0x01000193);
  }
  return hash;
}

export function knownWord(k1: number, k2: number, text: string, start: number, end: number): KnownWord | undefined {
  for (let s = slotOf(k1, k2); ; s = (s + 1) & knownMask) {
    const a = knownKeys[2 * s];
    const b = knownKeys[2 * s + 1];
    if (a === k1 && b === k2) {
      const k = knownWords[s]!;
      if (k2 !== HASHED || sameWord(k.word, text, start, end)) return k;
    } else if (a === 0 && b === 0) {
      return undefined;
    }
  }
}

function place(k1: number, k2: number, k: KnownWord): void {
  let s = slotOf(k1, k2);
  while (knownWords[s] !== undefined) s = (s + 1) & knownMask;
  knownWords[s] = k;
  knownKeys[2 * s] = k1;
  knownKeys[2 * s + 1] = k2;
}

export function rememberWord(k1: number, k2: number, word: string): KnownWord {
  if (knownCount >= KNOWN_LIMIT) clearKnown();
  if (2 * (knownCount + 1) > knownMask + 1) {
    // Keep the table at most half full: grow it and put every word back.
    const oldWords = knownWords;
    const oldKeys = knownKeys;
    knownMask = knownMask * 2 + 1;
    knownKeys = new Int32Array(2 * (knownMask + 1));
    knownWords = new Array<KnownWord | undefined>(knownMask + 1).fill(undefined);
    for (let s = 0; s < oldWords.length; s++) {
      const o = oldWords[s];
      if (o !== undefined) place(oldKeys[2 * s]!, oldKeys[2 * s + 1]!, o);
    }
  }
  const k: KnownWord = { word, negator: NEGATORS.has(word), plain: wordInfo(word, false), negated: undefined };
  place(k1, k2, k);
  knownCount++;
  return k;
}

/** Forgets every known word when the token information they hold was rebuilt (a new lexicon). */
export function syncKnownWords(): void {
  if (knownGeneration !== infoGeneration()) { clearKnown(); knownGeneration = infoGeneration(); }
}
