import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DRY_LOOP_EXIT, guardRun, InFlightCalls, STALL_EXIT, watchCalls } from '../../bench/stall-watch.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/guarded-run.ts', import.meta.url));

function runFixture(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', FIXTURE, mode], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

describe('InFlightCalls', () => {
  it('notes a call while its promise is pending and lets go of it when it settles, rejected or not', async () => {
    let t = 1_000;
    const calls = new InFlightCalls(() => t);
    let resolve!: (v: string) => void;
    let reject!: (e: Error) => void;
    const a = calls.track('get', ['case:7'], () => new Promise<string>((r) => { resolve = r; }));
    t += 50;
    const b = calls.track('set', ['case:8', { id: '8' }], () => new Promise<void>((_, r) => { reject = r; }));
    t += 250;
    expect(calls.oldest()).toEqual({ method: 'get', detail: 'case:7', startedAt: 1_000, ageMs: 300 });
    expect(calls.size).toBe(2);
    resolve('x');
    expect(await a).toBe('x');
    expect(calls.oldest()).toMatchObject({ method: 'set', detail: 'case:8', ageMs: 250 });
    reject(new Error('disk full'));
    await expect(b).rejects.toThrow('disk full');
    expect(calls.oldest()).toBeUndefined();
    expect({ started: calls.started, settled: calls.settled, last: calls.last?.method }).toEqual({ started: 2, settled: 2, last: 'set' });
  });

  it('counts a call that throws before it returns a promise as settled, and rethrows', () => {
    const calls = new InFlightCalls();
    expect(() => calls.track('get', [''], () => { throw new Error('Store key must be a non-empty string'); })).toThrow('non-empty');
    expect(calls.size).toBe(0);
    expect(calls.settled).toBe(1);
  });

  it('watchCalls notes the methods of the object it wraps and passes their results through', async () => {
    const calls = new InFlightCalls();
    const target = { kind: 'sqlite', async get(key: string) { return `value of ${key}`; } };
    const watched = watchCalls(target, calls);
    expect(watched.kind).toBe('sqlite');
    const pending = watched.get('case:9');
    expect(calls.oldest()).toMatchObject({ method: 'get', detail: 'case:9' });
    expect(await pending).toBe('value of case:9');
    expect(calls.settled).toBe(1);
  });
});

describe('guardRun', () => {
  it('reports a call under way longer than the stall limit, naming it and where the run was, and exits with the stall code', async () => {
    let t = 0;
    const calls = new InFlightCalls(() => t);
    const lines: string[] = [];
    const exited = new Promise<number>((resolve) => {
      void guardRun(async () => {
        await calls.track('zRangeByScoreMany', [['similar:care:recent']], () => new Promise(() => undefined));
      }, { calls, stallMs: 120_000, checkMs: 5, where: () => 'mention 487,940', write: (l) => lines.push(l), exit: resolve });
    });
    // Under the limit: nothing is reported yet; then the clock passes it.
    t = 60_000;
    await new Promise((r) => setTimeout(r, 30));
    expect(lines).toEqual([]);
    t = 121_000;
    expect(await exited).toBe(STALL_EXIT);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('STALL: zRangeByScoreMany(["similar:care:recent"]) under way for 121 s');
    expect(lines[0]).toContain('at mention 487,940');
  });

  it('ends a run whose main waits on a promise nothing can settle with the dry-loop code and the last store call, instead of exiting 0', async () => {
    const never = await runFixture('never');
    expect(never.code).toBe(DRY_LOOP_EXIT);
    expect(never.stdout).not.toContain('finished');
    expect(never.stderr).toContain('DRY LOOP');
    expect(never.stderr).toContain('last settled: set(case:41)');
    expect(never.stderr).toContain('at mode never');
  });

  it('lets a run that finishes end normally', async () => {
    const done = await runFixture('settle');
    expect(done).toMatchObject({ code: 0, stdout: 'finished\n', stderr: '' });
  });
});
