import type { Priority } from '../domain/screening.js';

/** How storm mode behaves for one group. Durations in ms; rates per minute. */
export interface StormSettings {
  /** Cards per minute the group's channel can show (Slack: about 60, one post per second). */
  capacityPerMinute: number;
  /** Enter storm mode when arrivals over the window exceed this share of the capacity. */
  enterRatio: number;
  /** Leave it once arrivals stay under this share for `calmMs`. */
  exitRatio: number;
  windowMs: number;
  calmMs: number;
  /** During a storm, high-priority mentions still get their own card, at most this many per minute. */
  ownCardsPerMinute: number;
  ownCardBurst: number;
  /** Authors with at least this many followers count as high priority. */
  reachFollowers: number;
}

export const DEFAULT_STORM_SETTINGS: StormSettings = {
  capacityPerMinute: 60,
  enterRatio: 0.5,
  exitRatio: 0.2,
  windowMs: 60_000,
  calmMs: 120_000,
  ownCardsPerMinute: 15,
  ownCardBurst: 5,
  reachFollowers: 100_000,
};

/** The detector's memory for one group: plain data, kept in the store between calls. */
export interface StormState {
  mode: 'normal' | 'storm';
  /** When the current mode began. */
  since: number;
  /** Arrivals per time bucket: [bucket start, count], oldest first, within the window. */
  buckets: Array<[number, number]>;
  /** While in a storm: when the rate first fell under the exit line (undefined while high). */
  lowSince?: number | undefined;
  /** Own-card tokens left, and when they were counted. */
  tokens: number;
  tokensAt: number;
}

/** What the detector needs to know about one arriving mention. */
export interface StormArrival {
  priority: Priority;
  followers: number;
  /** Personal data, a second approver, a VIP: always worth its own card. */
  sensitive?: boolean;
}

export interface StormDecision {
  state: StormState;
  mode: 'normal' | 'storm';
  /** Set on the call that switched modes. */
  changed?: 'entered' | 'left';
  /** Where the arriving mention goes (absent when there was no arrival). */
  placement?: 'card' | 'storm';
  /** Arrivals per minute over the window. */
  ratePerMinute: number;
}

const BUCKETS = 12;

/**
 * The storm detector: rates in, decisions out. Pure — `now` is given, nothing is read.
 *
 * Arrivals are counted in buckets over a sliding window. A group enters storm mode when
 * the window holds more than `enterRatio` of what its channel can show, and leaves it once
 * the count has stayed under `exitRatio` for `calmMs` (hysteresis, so a storm that
 * flickers around the line does not flip the channel back and forth). In a storm an
 * urgent or sensitive mention always gets its own card; a high-priority one (by screening
 * or by the author's reach) gets one while the own-card budget lasts; the rest are folded
 * into the storm card. Call it with no arrival to let a quiet group calm down.
 */
export function detectStorm(prev: StormState | undefined, arrival: StormArrival | undefined, s: StormSettings, now: number): StormDecision {
  const size = Math.max(1, Math.floor(s.windowMs / BUCKETS));
  const bucket = now - (now % size);
  const buckets = (prev?.buckets ?? []).filter(([start]) => start > now - s.windowMs).map(([a, b]) => [a, b] as [number, number]);
  if (arrival) {
    const last = buckets[buckets.length - 1];
    if (last && last[0] === bucket) last[1] += 1;
    else buckets.push([bucket, 1]);
  }
  const count = buckets.reduce((n, [, c]) => n + c, 0);
  const perWindow = s.capacityPerMinute * (s.windowMs / 60_000);
  const ratePerMinute = count * (60_000 / s.windowMs);

  const refill = s.ownCardsPerMinute / 60_000;
  let tokens = prev ? Math.min(s.ownCardBurst, prev.tokens + (now - prev.tokensAt) * refill) : s.ownCardBurst;
  let mode = prev?.mode ?? 'normal';
  let since = prev?.since ?? now;
  let lowSince = prev?.lowSince;
  let changed: StormDecision['changed'];

  if (mode === 'normal' && count > perWindow * s.enterRatio) {
    mode = 'storm';
    since = now;
    lowSince = undefined;
    changed = 'entered';
    tokens = s.ownCardBurst;
  } else if (mode === 'storm') {
    if (count < perWindow * s.exitRatio) {
      lowSince ??= now;
      if (now - lowSince >= s.calmMs) {
        mode = 'normal';
        since = now;
        lowSince = undefined;
        changed = 'left';
      }
    } else {
      lowSince = undefined;
    }
  }

  let placement: StormDecision['placement'];
  if (arrival) {
    if (mode === 'normal' || arrival.priority === 'urgent' || arrival.sensitive) placement = 'card';
    else if ((arrival.priority === 'high' || arrival.followers >= s.reachFollowers) && tokens >= 1) {
      tokens -= 1;
      placement = 'card';
    } else placement = 'storm';
  }
  const state: StormState = { mode, since, buckets, tokens, tokensAt: now, ...(lowSince !== undefined ? { lowSince } : {}) };
  return { state, mode, ratePerMinute, ...(changed ? { changed } : {}), ...(placement ? { placement } : {}) };
}

/** The topic a mention is grouped under in a storm: the model's topic, else its first tag, else its intent. */
export function stormTopic(screening: { topic?: string | undefined; tags: readonly string[]; intent?: string | undefined }): string {
  return screening.topic ?? screening.tags[0] ?? screening.intent ?? 'general';
}
