/**
 * The keep-alive watchdog shared by the websocket streams (Jetstream, Mastodon), on a clock
 * moved by hand: a stall is reported once, traffic starts the stall time again, stop
 * cancels everything.
 */
import { describe, expect, it } from 'vitest';
import { checkEvery, KeepAliveWatchdog, type WatchdogClock } from '../../src/sources/websocket-watchdog.js';

/** A clock whose time moves only by `advance`, firing the scheduled checks that fall due. */
function fakeClock() {
  let now = 1_000_000;
  const timers = new Set<{ every: number; next: number; fn: () => void }>();
  const clock: WatchdogClock = {
    now: () => now,
    every: (ms, fn) => {
      const t = { every: ms, next: now + ms, fn };
      timers.add(t);
      return () => { timers.delete(t); };
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...timers].filter((t) => t.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      now = due.next;
      due.next += due.every;
      due.fn();
    }
    now = end;
  };
  return { clock, advance, scheduled: () => timers.size };
}

function watch(stallMs: number) {
  const c = fakeClock();
  const seen = { pings: 0, stalls: 0 };
  const dog = new KeepAliveWatchdog({ stallMs, clock: c.clock, ping: () => { seen.pings += 1; }, stalled: () => { seen.stalls += 1; } });
  return { ...c, dog, seen };
}

describe('the websocket keep-alive watchdog', () => {
  it('checks every third of the stall time, never more often than every 50 ms', () => {
    expect(checkEvery(30_000)).toBe(10_000);
    expect(checkEvery(600)).toBe(200);
    expect(checkEvery(90)).toBe(50);
  });

  it('pings while the stall time has not run out', () => {
    const w = watch(30_000);
    w.advance(25_000);
    expect(w.seen).toEqual({ pings: 2, stalls: 0 });
  });

  it('reports a stall once, when nothing was heard for the stall time, and stops', () => {
    const w = watch(30_000);
    w.advance(30_000);
    expect(w.seen).toEqual({ pings: 2, stalls: 1 });
    expect(w.dog.running).toBe(false);
    expect(w.scheduled()).toBe(0);
    w.advance(120_000);
    expect(w.seen).toEqual({ pings: 2, stalls: 1 });
  });

  it('starts the stall time again on traffic', () => {
    const w = watch(30_000);
    for (let i = 0; i < 10; i++) {
      w.advance(25_000);
      w.dog.heard();
    }
    expect(w.seen.stalls).toBe(0);
    expect(w.seen.pings).toBe(25);
    // Silence after the last frame: a stall 30 s after it at the latest (checks fall every 10 s).
    w.advance(29_999);
    expect(w.seen.stalls).toBe(0);
    w.advance(10_000);
    expect(w.seen.stalls).toBe(1);
  });

  it('does nothing more once stopped', () => {
    const w = watch(30_000);
    w.advance(15_000);
    w.dog.stop();
    w.advance(300_000);
    expect(w.seen).toEqual({ pings: 1, stalls: 0 });
    expect(w.scheduled()).toBe(0);
  });
});
