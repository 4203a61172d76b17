/**
 * The cursor logic every newest-first network listing shares (Bluesky search, Mastodon
 * notifications and timelines, Reddit listings): hear everything once, never skip.
 *
 * Listings return the newest items first and page towards older ones. Each item has a
 * `key` that orders it: an id that grows with time (Mastodon, Reddit) or a time in ms
 * (Bluesky's sortAt). A poll reads from the newest item down to the high-water mark `hw`
 * (the newest key fully heard). When it runs out of pages first (`maxPages`), what it
 * did not reach is a *gap*, `[hw, gap.until)`, which the next polls fill before moving
 * `hw` to the newest key they saw; so a burst larger than one poll is spread over
 * several polls instead of being skipped.
 *
 * `overlap` re-reads a little below `hw`, for networks where an item can turn up late
 * with a key older than items already heard (search indexing lag, federation delay).
 * Items re-read in the overlap are recognised by id (`seen`), so they are not repeated.
 * The overlap is read within the poll's `maxPages`; it never leaves a gap of its own.
 * The whole state is plain JSON, stored as the source's cursor string.
 */

/** One item of a listing page. `value` is undefined for items that are listed but dropped (own posts, reposts). */
export interface WindowItem<T> {
  id: string;
  key: bigint;
  /** When it was posted (ms), for the first poll's look-back limit. */
  at?: number | undefined;
  value: T | undefined;
}

export interface WindowPage<T> {
  items: Array<WindowItem<T>>;
  /** The token for the next (older) page, if there is one. */
  next?: string | undefined;
}

/**
 * Keys the poll wants: `min` inclusive, `max` exclusive. Adapters pass what their API can
 * filter; the rest is filtered here. Before anything was heard there is no `min`, only
 * `after`: the look-back floor (ms), for APIs that take a start time.
 */
export interface WindowBounds { min?: bigint | undefined; max?: bigint | undefined; after?: number | undefined }

/** The persisted state of one listing. Keys are decimal strings (JSON has no bigint). */
export interface WindowState {
  hw?: string;
  /** Before anything was heard: items older than this (ms) are not wanted (the first poll's look-back). */
  floorAt?: number;
  gap?: { until: string; newest: string; resume?: string };
  /** Ids heard in the overlap and at the gap's edge, with their keys. */
  seen?: Record<string, string>;
}

export interface PollWindowOptions<T> {
  state: WindowState | undefined;
  maxPages: number;
  /** How far below `hw` to re-read, in key units (0 for exact, id-ordered listings). */
  overlap: bigint;
  /** Now (ms) and how far back the very first poll reaches. */
  now: number;
  lookbackMs: number;
  /**
   * Whether a page token stays valid when the bounds change (Reddit's `after=<fullname>`
   * does; an offset into a search does not). If so, a gap is resumed from it; otherwise
   * the gap is re-read from its upper bound.
   */
  durableTokens: boolean;
  /** Fetches one page. `token` undefined means the newest page within `bounds`. */
  fetchPage(bounds: WindowBounds, token: string | undefined): Promise<WindowPage<T>>;
}

export interface PollWindowResult<T> {
  /** New items, newest first as listed. */
  values: T[];
  state: WindowState;
  /** Pages fetched. */
  requests: number;
}

const maxOf = (...xs: Array<bigint | undefined>): bigint | undefined =>
  xs.reduce<bigint | undefined>((a, b) => (b === undefined ? a : a === undefined || b > a ? b : a), undefined);
const big = (s: string | undefined): bigint | undefined => (s === undefined || !/^-?\d+$/.test(s) ? undefined : BigInt(s));

/**
 * Normalises a state. Stored cursors are checked by their source's schema first
 * (source-cursor.ts), where an unreadable one is reported, not silently dropped.
 */
export function readWindowState(raw: unknown): WindowState | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const s = raw as WindowState;
  const out: WindowState = {};
  if (big(s.hw) !== undefined) out.hw = s.hw!;
  if (typeof s.floorAt === 'number' && Number.isFinite(s.floorAt)) out.floorAt = s.floorAt;
  if (s.gap && big(s.gap.until) !== undefined && big(s.gap.newest) !== undefined) {
    out.gap = { until: s.gap.until, newest: s.gap.newest, ...(typeof s.gap.resume === 'string' ? { resume: s.gap.resume } : {}) };
  }
  if (s.seen && typeof s.seen === 'object') {
    out.seen = Object.fromEntries(Object.entries(s.seen).filter(([, v]) => big(v) !== undefined));
  }
  return out;
}

/**
 * The ids a later poll could list again, to remember: those in the overlap above the next
 * floor, and those at the gap's lower edge.
 */
function idsToKeep(seen: ReadonlyMap<string, bigint>, next: WindowState, overlap: bigint): Record<string, string> {
  const nextMin = big(next.hw) === undefined ? undefined : big(next.hw)! + 1n - overlap;
  const nextGapUntil = big(next.gap?.until);
  const afterGap = big(next.gap?.newest) === undefined ? undefined : big(next.gap?.newest)! + 1n - overlap;
  const kept: Record<string, string> = {};
  for (const [id, key] of seen) {
    if (nextMin !== undefined && key < nextMin) continue;
    if (nextGapUntil !== undefined && key >= nextGapUntil && afterGap !== undefined && key < afterGap) continue;
    kept[id] = key.toString();
  }
  return kept;
}

/** One poll of one listing: new items, and the state to store once they are recorded. */
export async function pollWindow<T>(opts: PollWindowOptions<T>): Promise<PollWindowResult<T>> {
  const st = readWindowState(opts.state) ?? {};
  const hw = big(st.hw);
  const floorAt = hw === undefined ? st.floorAt ?? opts.now - opts.lookbackMs : undefined;
  const min = hw === undefined ? undefined : hw + 1n - opts.overlap;
  const gapUntil = big(st.gap?.until);
  const gapNewest = big(st.gap?.newest);
  const seen = new Map<string, bigint>(Object.entries(st.seen ?? {}).map(([id, k]) => [id, BigInt(k)]));

  const values: T[] = [];
  const heard = new Map<string, bigint>();
  let token = st.gap?.resume;
  let oldest: bigint | undefined;
  let newest: bigint | undefined;
  let requests = 0;
  let done = false;
  while (requests < Math.max(1, opts.maxPages)) {
    const page = await opts.fetchPage({ min, max: gapUntil, ...(floorAt !== undefined ? { after: floorAt } : {}) }, token);
    requests += 1;
    let belowFloor = false;
    for (const item of page.items) {
      if ((min !== undefined && item.key < min) || (floorAt !== undefined && item.at !== undefined && item.at < floorAt)) {
        belowFloor = true;
        continue;
      }
      if (gapUntil !== undefined && item.key >= gapUntil) continue;
      oldest = oldest === undefined || item.key < oldest ? item.key : oldest;
      newest = maxOf(newest, item.key);
      if (seen.has(item.id) || heard.has(item.id)) continue;
      heard.set(item.id, item.key);
      if (item.value !== undefined) values.push(item.value);
    }
    token = page.next;
    if (!token || belowFloor || page.items.length === 0) {
      done = true;
      break;
    }
  }
  // Reaching below the high-water mark means everything new was read; the rest of the
  // overlap is a courtesy re-read for late items, not worth leaving a gap for.
  if (!done && hw !== undefined && oldest !== undefined && oldest <= hw) done = true;
  for (const [id, key] of heard) seen.set(id, key);

  const next: WindowState = {};
  if (done) {
    const top = maxOf(hw, gapNewest, newest);
    if (top !== undefined) next.hw = top.toString();
    else if (floorAt !== undefined) next.floorAt = floorAt;
  } else {
    if (hw !== undefined) next.hw = hw.toString();
    if (floorAt !== undefined) next.floorAt = floorAt;
    // Everything newer than `oldest` is in; `oldest` itself is re-read (ties share a key)
    // and recognised by id. When the gap did not shrink (every item of these pages shared
    // one key), its bounds stay as they were, so even a page token that is only an offset
    // into this very query stays valid and moves the gap on.
    let until = oldest !== undefined ? oldest + 1n : gapUntil;
    let resume = opts.durableTokens ? token : undefined;
    if (gapUntil !== undefined && (until === undefined || until >= gapUntil)) {
      until = gapUntil;
      resume = token;
    }
    const top = maxOf(gapNewest, newest);
    if (until !== undefined && top !== undefined) {
      next.gap = { until: until.toString(), newest: top.toString(), ...(resume ? { resume } : {}) };
    }
  }

  const kept = idsToKeep(seen, next, opts.overlap);
  if (Object.keys(kept).length > 0) next.seen = kept;
  return { values, state: next, requests };
}
