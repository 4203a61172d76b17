import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { JobMessage } from './scheduler.js';
import type { SourceHealthBoard } from './source-health.js';

export interface JobMessageHandlerDeps {
  /** Runs a leased job (SLA sweep, retention, metrics seal) for its message. */
  jobDue: (message: Extract<JobMessage, { type: 'job-due' }>) => void;
  /** Sends the managers' digest for the period ending now. */
  digest: (now: Date) => Promise<unknown>;
  /** Screens the inbox (the inbox runner). */
  runInbox: () => Promise<void>;
  board: SourceHealthBoard;
  clock: Clock;
  log: Logger;
}

/**
 * What the server does with each message from the scheduler's workers: a due job runs, a
 * digest is sent, a listening tick that added mentions has the inbox screened at once
 * (instead of waiting for the timer), and the source's health is kept.
 */
export function createJobMessageHandler(deps: JobMessageHandlerDeps): (job: string, message: JobMessage) => void {
  const { board, clock, log } = deps;
  return (job, message) => {
    if (message.type === 'job-due') { deps.jobDue(message); return; }
    if (message.type === 'digest-due') {
      deps.digest(clock.now()).then((r) => log.info({ result: r }, 'digest'), (e: unknown) => log.error({ err: e }, 'digest failed'));
      return;
    }
    if (message.type === 'listened') {
      board.listened(job, message.outcome);
      if (message.outcome.added > 0) deps.runInbox().catch((e: unknown) => log.error({ err: e }, 'inbox processing failed'));
      return;
    }
    // A network asking us to wait is not broken: the next tick after the window tries again.
    if (message.code === 'DELIVERY_RATE_LIMITED') {
      log.warn({ job, source: message.source, error: message.error }, 'listening paused by the network\'s rate limit');
      return;
    }
    board.failed(job, message.source, message.error);
  };
}
