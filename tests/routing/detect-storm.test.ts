import { describe, expect, it } from 'vitest';
import { DEFAULT_STORM_SETTINGS, detectStorm, stormTopic, type StormArrival, type StormState } from '../../src/routing/detect-storm.js';

const S = { ...DEFAULT_STORM_SETTINGS, capacityPerMinute: 60, enterRatio: 0.5, exitRatio: 0.2, windowMs: 60_000, calmMs: 120_000, ownCardsPerMinute: 6, ownCardBurst: 2, reachFollowers: 100_000 };
const normal: StormArrival = { priority: 'normal', followers: 10 };

/** Feeds `n` arrivals spaced `everyMs` apart, starting at `t0`; returns the last decision and the placements. */
function feed(state: StormState | undefined, n: number, t0: number, everyMs: number, arrival = normal) {
  let st = state;
  const placements: string[] = [];
  const changes: string[] = [];
  let last;
  for (let i = 0; i < n; i++) {
    last = detectStorm(st, arrival, S, t0 + i * everyMs);
    st = last.state;
    placements.push(last.placement!);
    if (last.changed) changes.push(last.changed);
  }
  return { state: st!, placements, changes, last: last! };
}

describe('detectStorm (pure)', () => {
  it('stays normal while arrivals fit what the channel can show', () => {
    // 20 per minute, under half of 60.
    const r = feed(undefined, 100, 0, 3000);
    expect(r.changes).toEqual([]);
    expect(new Set(r.placements)).toEqual(new Set(['card']));
  });

  it('enters storm mode once the window holds more than half the capacity, and folds normal mentions', () => {
    // 4 per second: the 31st arrival inside one minute tips it and is the first folded.
    const r = feed(undefined, 40, 0, 250);
    expect(r.changes).toEqual(['entered']);
    expect(r.placements.slice(0, 30)).toEqual(Array(30).fill('card'));
    expect(r.placements.slice(30)).toEqual(Array(10).fill('storm'));
    expect(r.last.ratePerMinute).toBe(40);
  });

  it('keeps urgent and sensitive mentions as cards, and high priority while the own-card budget lasts', () => {
    const storm = feed(undefined, 40, 0, 250).state;
    const t = 10_000;
    expect(detectStorm(storm, { priority: 'urgent', followers: 0 }, S, t).placement).toBe('card');
    expect(detectStorm(storm, { priority: 'low', followers: 0, sensitive: true }, S, t).placement).toBe('card');
    const high = feed(storm, 4, t, 1, { priority: 'high', followers: 0 });
    // Burst of 2, then folded until the budget refills (6 per minute).
    expect(high.placements).toEqual(['card', 'card', 'storm', 'storm']);
    expect(detectStorm(high.state, { priority: 'normal', followers: 2_000_000 }, S, t + 10_005).placement).toBe('card');
  });

  it('leaves storm mode only after the rate stayed low for calmMs (hysteresis)', () => {
    const storm = feed(undefined, 40, 0, 250).state;
    // Silence: the window empties after a minute; two more minutes of calm are needed.
    const a = detectStorm(storm, undefined, S, 70_000);
    expect(a.mode).toBe('storm');
    const b = detectStorm(a.state, undefined, S, 150_000);
    expect(b.mode).toBe('storm');
    // A burst in between resets the calm clock.
    const burst = feed(b.state, 15, 160_000, 100);
    expect(burst.state.lowSince).toBeUndefined();
    const c = detectStorm(burst.state, undefined, S, 300_000);
    expect(c.mode).toBe('storm');
    const d = detectStorm(c.state, undefined, S, 300_000 + 120_000);
    expect(d.changed).toBe('left');
    expect(d.mode).toBe('normal');
    expect(detectStorm(d.state, normal, S, 420_001).placement).toBe('card');
  });

  it('keeps only the window in its memory', () => {
    const r = feed(undefined, 500, 0, 1000);
    expect(r.state.buckets.length).toBeLessThanOrEqual(13);
  });

  it('names the topic from the model, then tags, then intent', () => {
    expect(stormTopic({ topic: 'delays', tags: ['x'], intent: 'complaint' })).toBe('delays');
    expect(stormTopic({ tags: ['baggage'], intent: 'complaint' })).toBe('baggage');
    expect(stormTopic({ tags: [], intent: 'complaint' })).toBe('complaint');
    expect(stormTopic({ tags: [] })).toBe('general');
  });
});
