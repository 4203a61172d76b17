import { describe, expect, it, vi } from 'vitest';
import type { ListenOutcome } from '../../src/jobs/run-listen.js';
import { createJobMessageHandler } from '../../src/server/job-message-handler.js';
import { SourceHealthBoard } from '../../src/server/source-health.js';
import { silentLogger } from '../../src/util/logger.js';

const clock = { now: () => new Date('2026-03-02T10:00:00Z') };
const outcome = (added: number): ListenOutcome => ({ source: 'x-mentions', ran: true, heard: added, added, requests: 1 });

function setUp() {
  const log = silentLogger();
  const notices: string[] = [];
  const board = new SourceHealthBoard({ sources: ['x-mentions'], log, clock, notice: (t) => { notices.push(t); } });
  const calls = { jobs: [] as string[], digests: [] as Date[], inbox: 0 };
  const handle = createJobMessageHandler({
    board, clock, log,
    jobDue: (m) => { calls.jobs.push(m.job); },
    digest: async (now) => { calls.digests.push(now); return 'sent'; },
    runInbox: async () => { calls.inbox++; },
  });
  return { log, board, notices, calls, handle };
}

describe('the job message handler', () => {
  it('runs a due leased job and sends a due digest as of now', () => {
    const t = setUp();
    t.handle('sla-sweep', { type: 'job-due', job: 'sla-sweep' });
    t.handle('digest', { type: 'digest-due' });
    expect(t.calls.jobs).toEqual(['sla-sweep']);
    expect(t.calls.digests).toEqual([clock.now()]);
  });

  it('screens the inbox at once only when a listening tick added mentions', () => {
    const t = setUp();
    t.handle('listen-x-mentions', { type: 'listened', outcome: outcome(0) });
    expect(t.calls.inbox).toBe(0);
    t.handle('listen-x-mentions', { type: 'listened', outcome: outcome(2) });
    expect(t.calls.inbox).toBe(1);
    expect(t.board.health.get('x-mentions')?.ok).toBe(true);
  });

  it('marks a failing source and tells the ops channel, but not for a network asking us to wait', () => {
    const t = setUp();
    const warn = vi.spyOn(t.log, 'warn');
    t.handle('listen-x-mentions', { type: 'listen-failed', source: 'x-mentions', error: '429', code: 'DELIVERY_RATE_LIMITED' });
    expect(t.board.health.get('x-mentions')?.ok).toBe(true);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ source: 'x-mentions' }), "listening paused by the network's rate limit");
    t.handle('listen-x-mentions', { type: 'listen-failed', source: 'x-mentions', error: 'credentials refused', code: null });
    expect(t.board.health.get('x-mentions')).toMatchObject({ ok: false, lastError: 'credentials refused', failures: 1 });
    expect(t.notices).toEqual(['Earshot: source "x-mentions" is failing: credentials refused']);
  });

  it('logs a failed digest instead of throwing', async () => {
    const log = silentLogger();
    const error = vi.spyOn(log, 'error');
    const board = new SourceHealthBoard({ sources: [], log, clock, notice: () => undefined });
    const handle = createJobMessageHandler({ board, clock, log, jobDue: () => undefined, runInbox: async () => undefined, digest: async () => { throw new Error('store away'); } });
    handle('digest', { type: 'digest-due' });
    await vi.waitFor(() => expect(error).toHaveBeenCalledWith({ err: expect.any(Error) }, 'digest failed'));
  });
});
