/**
 * Untrusted text (mention text, author names and handles, notes, follow-ups, storm samples,
 * drafts) passes through here before any renderer shows it. Pure functions, shared by the
 * Slack and Teams renderers. The hostile-text policy, all of it enforced by {@link sanitizeText}
 * and {@link clip}:
 *
 * - Lone surrogates are replaced (U+FFFD); CR LF, CR, U+2028 and U+2029 become LF.
 * - C0/C1 controls other than tab and LF are removed.
 * - Format characters (general category Cf) are removed: the bidi controls (U+202A–U+202E,
 *   U+2066–U+2069, U+200E, U+200F, U+061C), which can make text display in a misleading order
 *   ("gpj.exe" shown as "exe.jpg"), and the invisible ones (U+200B, U+2060–U+2064, U+FEFF,
 *   the soft hyphen U+00AD, U+180E, …), which hide words from readers and filters. Tag
 *   characters (U+E0020–U+E007F) are kept only as a complete emoji tag sequence right after an
 *   emoji (the flags of England, Scotland, Wales), and removed anywhere else.
 * - The joiners are Cf too, and are kept only where they do something: ZWJ (U+200D) between an
 *   emoji (or an emoji modifier, or VS16) and an emoji, as in 👨‍👩‍👧; ZWJ and ZWNJ (U+200C)
 *   between two letters or marks (Persian "می‌خواهم", Hindi conjuncts) of a script other than
 *   Latin, Greek or Cyrillic, which do not use them. A run of joiners counts as one: it
 *   collapses to a single joiner where one is allowed and is removed everywhere else.
 * - A base character keeps at most {@link MAX_MARKS} combining marks ("Zalgo" stacks are cut;
 *   no language needs more than three or four on one letter).
 * - More than one blank line in a row collapses to one.
 * - Each surface shows at most {@link TEXT_MAX} of it, cut by {@link clip} (never in the middle
 *   of a surrogate pair, and never leaving a dangling joiner or tag). A word with no space is
 *   cut like any other text, so a 10,000-character word costs a surface no more than its bound.
 *
 * Escaping is not done here: each renderer escapes for its own markup (escape-mrkdwn.ts for
 * Slack, escape-teams-markdown.ts or a TextRun for Teams) after this, so a post can neither
 * ping anyone nor become a live link.
 */

/**
 * How much of a stranger's text each surface shows, in UTF-16 code units, before escaping.
 * The platform limits these sit under: Block Kit text objects ≤ 3000 characters, Slack
 * message text about 4000, Teams messages about 28 KB in all.
 */
export const TEXT_MAX = {
  /** The post on a case card. */
  cardText: 2000,
  /** A draft or a storm's reply on a card. */
  draftText: 3000,
  /** The note a draft was sent back with, on the card. */
  rejectionNote: 1000,
  /** One explanation, follow-up or internal note on a card. */
  note: 300,
  /** An author name, handle, label or badge inside a formatted line. */
  name: 120,
  /** A sample post on a storm card. */
  stormSample: 600,
  /** Text quoted in a modal or dialog: the mention, the draft, a template. */
  modalText: 3000,
  /** A modal's or dialog's reply field, prefilled. */
  modalField: 3000,
  /** A modal's or dialog's note field. */
  noteField: 2000,
  /** One option in a modal's or dialog's list. */
  option: 75,
  /** An answer shown to one person: a Slack ephemeral message, a Teams dialog message. */
  ephemeral: 3900,
  /** A message in a channel or thread: a note, a notice, a command's answer. */
  message: 3900,
  /** The fallback text notifications and screen readers get. */
  summary: 300,
} as const;

/** Combining marks kept on one base character. */
export const MAX_MARKS = 4;

const ZWJ = '\u200D';
// Anything the slow path would change. Nearly all text has none of it and is returned as is.
const SUSPECT = new RegExp(`[\\p{Cf}\\u2028\\u2029\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]|\\p{M}{${MAX_MARKS + 1}}|\\n[^\\S\\n]*\\n[^\\S\\n]*\\n`, 'u');
const LINE_BREAK = /\r\n?|[\u2028\u2029]/g;
// C0/C1 controls except tab and newline.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// A complete emoji tag sequence (kept, captured), or any other format character but the joiners.
const FORMAT = /((?<=\p{Extended_Pictographic})[\u{E0020}-\u{E007E}]{1,30}\u{E007F})|[^\P{Cf}\u200C\u200D]/gu;
// The marks past the first MAX_MARKS on one base; joiners among them do not end the stack.
const MARK_STACK = new RegExp(`((?:\\p{M}[\\u200C\\u200D]*){${MAX_MARKS}})(?:[\\u200C\\u200D]*\\p{M})+`, 'gu');
const JOINERS = /[\u200C\u200D]+/g;
const EMOJI = /^\p{Extended_Pictographic}$/u;
const BEFORE_EMOJI_ZWJ = /^[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F]$/u;
const JOINED_LETTER = /^(?![\p{sc=Latn}\p{sc=Grek}\p{sc=Cyrl}])[\p{L}\p{M}]$/u;
const BLANK_LINES = /\n(?:[^\S\n]*\n){2,}/g;

/** The code point that ends just before index `i`, as a string ('' at the start). */
function charBefore(s: string, i: number): string {
  const low = s.charCodeAt(i - 1);
  const pair = low >= 0xdc00 && low <= 0xdfff && i >= 2;
  return s.slice(pair ? i - 2 : i - 1, i);
}

/** What a run of joiners becomes between its neighbours: one joiner where it joins, else nothing. */
function joiner(run: string, at: number, s: string): string {
  const before = at > 0 ? charBefore(s, at) : '';
  const next = s.codePointAt(at + run.length);
  const after = next === undefined ? '' : String.fromCodePoint(next);
  if (run.includes(ZWJ) && BEFORE_EMOJI_ZWJ.test(before) && EMOJI.test(after)) return ZWJ;
  if (JOINED_LETTER.test(before) && JOINED_LETTER.test(after)) return run[0]!;
  return '';
}

/** Applies the hostile-text policy above: the text as it may be shown, before escaping. */
export function sanitizeText(input: string): string {
  const s = input.toWellFormed();
  if (!SUSPECT.test(s)) return s;
  return s
    .replace(LINE_BREAK, '\n')
    .replace(CONTROL, '')
    .replace(FORMAT, (_m, tags: string | undefined) => tags ?? '')
    .replace(MARK_STACK, '$1')
    .replace(JOINERS, joiner)
    .replace(BLANK_LINES, '\n\n');
}

// What must not be left at the end of a cut: a joiner with nothing to join, or tags without their end.
const DANGLING = /[\u200C\u200D\u{E0020}-\u{E007E}]+$/u;

/**
 * Cuts to at most `max` code units, adding "…", without splitting a surrogate pair or
 * leaving a joiner or an unfinished emoji tag sequence at the cut.
 */
export function clip(input: string, max: number): string {
  if (input.length <= max) return input;
  let cut = Math.max(0, max - 1);
  const code = input.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${input.slice(0, cut).replace(DANGLING, '')}…`;
}

/** Like {@link clip} for already-escaped text: never cuts an `&…;` entity in half. */
export function clipEscaped(input: string, max: number): string {
  if (input.length <= max) return input;
  let out = clip(input, max);
  const amp = out.lastIndexOf('&', out.length - 1);
  if (amp !== -1 && out.indexOf(';', amp) === -1) out = `${out.slice(0, amp)}…`;
  return out;
}

/**
 * Only http(s) URLs, re-serialised so they carry no characters that end a Slack link
 * (`>`, `|`) or a Markdown link (`)`), or undefined when the input is not a URL at all.
 */
export function safeUrl(input: string): string | undefined {
  let u: URL;
  try { u = new URL(input); } catch { return undefined; }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  if (u.username || u.password) return undefined;
  return u.href.replace(/\|/g, '%7C').replace(/[()]/g, (c) => (c === '(' ? '%28' : '%29')).replace(/[<>"'`\s]/g, encodeURIComponent);
}

/** A compact follower count: 950, 12.3k, 4.1M. */
export function compactNumber(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, '')}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}
