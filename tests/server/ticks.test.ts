import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTicks } from '../../src/server/ticks.js';
import { silentLogger } from '../../src/util/logger.js';

describe('the server ticks', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('runs each tick on its own interval from start until stop', async () => {
    vi.useFakeTimers();
    const runs = { fast: 0, slow: 0 };
    const ticks = createTicks([
      { everyMs: 100, failure: 'fast failed', run: async () => { runs.fast++; } },
      { everyMs: 250, failure: 'slow failed', run: async () => { runs.slow++; } },
    ], silentLogger());
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toEqual({ fast: 0, slow: 0 });
    ticks.start();
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toEqual({ fast: 5, slow: 2 });
    ticks.stop();
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toEqual({ fast: 5, slow: 2 });
  });

  it('logs a failed tick with its own message and keeps ticking', async () => {
    vi.useFakeTimers();
    const log = silentLogger();
    const error = vi.spyOn(log, 'error');
    let runs = 0;
    const ticks = createTicks([{ everyMs: 100, failure: 'storm check failed', run: async () => { runs++; throw new Error('store away'); } }], log);
    ticks.start();
    await vi.advanceTimersByTimeAsync(300);
    ticks.stop();
    expect(runs).toBe(3);
    expect(error).toHaveBeenCalledTimes(3);
    expect(error).toHaveBeenCalledWith({ err: expect.any(Error) }, 'storm check failed');
  });

  it('starting twice does not double the timers', async () => {
    vi.useFakeTimers();
    let runs = 0;
    const ticks = createTicks([{ everyMs: 100, failure: 'x', run: async () => { runs++; } }], silentLogger());
    ticks.start();
    ticks.start();
    await vi.advanceTimersByTimeAsync(200);
    ticks.stop();
    expect(runs).toBe(2);
  });
});
