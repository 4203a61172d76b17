import { describe, expect, it, vi } from 'vitest';
import { createInboxRunner } from '../../src/app/inbox-runner.js';
import type { ProcessReport } from '../../src/app/pipeline.js';
import { silentLogger } from '../../src/util/logger.js';

const report: ProcessReport = { cases: 0, dropped: 0, duplicates: 0, folded: 0, failed: 0 };

/** A screen that waits until released, counting runs and how many overlap. */
function gatedScreen() {
  const state = { runs: 0, active: 0, maxActive: 0, release: [] as Array<() => void> };
  const screen = async (): Promise<ProcessReport> => {
    state.runs++;
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    await new Promise<void>((resolve) => state.release.push(resolve));
    state.active--;
    return report;
  };
  const releaseNext = async () => {
    // Let the runner reach its next screen call before releasing it.
    for (let i = 0; i < 5 && state.release.length === 0; i++) await new Promise((r) => setImmediate(r));
    state.release.shift()?.();
  };
  return { state, screen, releaseNext };
}

describe('the inbox runner', () => {
  it('runs once more after a run under way when asked during it, never two at once', async () => {
    const g = gatedScreen();
    const runner = createInboxRunner({ screen: g.screen, log: silentLogger() });
    const first = runner.run();
    // Three requests while the first run works collapse into one more run.
    const second = runner.run();
    const third = runner.run();
    expect(second).toBe(first);
    expect(third).toBe(first);
    await g.releaseNext();
    await g.releaseNext();
    await first;
    expect(g.state.runs).toBe(2);
    expect(g.state.maxActive).toBe(1);
  });

  it('runs once when nothing is asked during the run, and again when asked after it', async () => {
    const g = gatedScreen();
    const runner = createInboxRunner({ screen: g.screen, log: silentLogger() });
    const first = runner.run();
    await g.releaseNext();
    await first;
    expect(g.state.runs).toBe(1);
    const next = runner.run();
    expect(next).not.toBe(first);
    await g.releaseNext();
    await next;
    expect(g.state.runs).toBe(2);
  });

  it('reads new staff labels before each screening, and screens even when that read fails', async () => {
    const log = silentLogger();
    const warn = vi.spyOn(log, 'warn');
    const order: string[] = [];
    const runner = createInboxRunner({
      log,
      catchUp: async () => { order.push('catch-up'); throw new Error('store away'); },
      screen: async () => { order.push('screen'); return report; },
    });
    await runner.run();
    expect(order).toEqual(['catch-up', 'screen']);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error) }), 'could not read new staff labels');
  });

  it('logs what a run screened, only when it opened or dropped something', async () => {
    const log = silentLogger();
    const info = vi.spyOn(log, 'info');
    const results: ProcessReport[] = [report, { cases: 2, dropped: 1, duplicates: 0, folded: 0, failed: 0 }];
    const runner = createInboxRunner({ log, screen: async () => results.shift()! });
    await runner.run();
    expect(info).not.toHaveBeenCalled();
    await runner.run();
    expect(info).toHaveBeenCalledWith({ cases: 2, dropped: 1, duplicates: 0, folded: 0, failed: 0 }, 'mentions screened');
  });

  it('passes a failed run to its caller and runs again when asked', async () => {
    let fail = true;
    const runner = createInboxRunner({ log: silentLogger(), screen: async () => { if (fail) throw new Error('inbox unreadable'); return report; } });
    await expect(runner.run()).rejects.toThrow('inbox unreadable');
    fail = false;
    await expect(runner.run()).resolves.toBeUndefined();
  });

  it('stop waits for the run under way and starts no run after it', async () => {
    const g = gatedScreen();
    const runner = createInboxRunner({ screen: g.screen, log: silentLogger() });
    void runner.run();
    let stopped = false;
    const stopping = runner.stop().then(() => { stopped = true; });
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    await g.releaseNext();
    await stopping;
    await runner.run();
    expect(g.state.runs).toBe(1);
  });
});
