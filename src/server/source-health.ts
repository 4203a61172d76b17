import type { ListenOutcome } from '../jobs/run-listen.js';
import type { StreamStatus } from '../jobs/stream-job.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** Source health, for /readyz and the ops channel; `stream` for a source in stream mode (this instance's view). */
export interface SourceHealth { ok: boolean; lastSuccess?: string; lastError?: string; failures: number; stream?: StreamStatus }

/**
 * Keeps each source's health from what its listening ticks report, and tells the ops
 * channel once when a source starts failing and once when it works again. What counts
 * as failing: a tick that threw, a tick where part of the source failed (one feed of
 * several), and a tick whose stored cursor could not be read (it listened from the
 * look-back instead; the next tick that reads its cursor again is back to ok).
 */
export class SourceHealthBoard {
  readonly health: Map<string, SourceHealth>;

  constructor(private readonly deps: {
    sources: Iterable<string>;
    log: Logger;
    clock: Clock;
    /** Posts to the ops channel (masked by the caller); failures to post are the caller's to log. */
    notice: (text: string) => void;
  }) {
    this.health = new Map([...deps.sources].map((name) => [name, { ok: true, failures: 0 }]));
  }

  /** Shows a stream's live status with its source's health (the same object, kept up to date by the stream job). */
  watchStream(source: string, status: StreamStatus): void {
    const h = this.health.get(source);
    if (h) h.stream = status;
  }

  /** A tick that polled. */
  listened(job: string, outcome: ListenOutcome): void {
    const { source, problems, cursorUnreadable } = outcome;
    const errors: string[] = [];
    if (cursorUnreadable) {
      // Logged on its own line, by code: the message says what to expect, not the cursor's contents.
      this.deps.log.error(
        { job, source, code: cursorUnreadable.code, problem: cursorUnreadable.problem, resumedFrom: cursorUnreadable.resumedFrom },
        'the stored cursor could not be read; listening resumed from the look-back and the cursor was replaced',
      );
      errors.push(`its stored cursor could not be read (${cursorUnreadable.problem}); listening resumed from ${cursorUnreadable.resumedFrom} (the look-back; posts since then already heard are recognised, not repeated) and the cursor was replaced`);
    }
    // Part of the source failed (one feed of several): what was heard still counts.
    if (problems && problems.length > 0) errors.push(problems.join('; '));
    if (errors.length > 0) {
      this.failing(job, source, errors.join('; '), !cursorUnreadable || !!problems?.length);
      return;
    }
    const h = this.health.get(source);
    if (h && !h.ok) this.deps.notice(`Earshot: source "${source}" is working again.`);
    if (h) Object.assign(h, { ok: true, lastSuccess: this.deps.clock.now().toISOString(), failures: 0 });
  }

  /** A tick that threw (a network down, refused credentials). */
  failed(job: string, source: string, error: string): void {
    this.failing(job, source, error, true);
  }

  private failing(job: string, source: string, error: string, log: boolean): void {
    const h = this.health.get(source) ?? { ok: true, failures: 0 };
    const wasOk = h.ok;
    Object.assign(h, { ok: false, lastError: error, failures: h.failures + 1 });
    this.health.set(source, h);
    if (log) this.deps.log.error({ job, source, error }, 'listening failed');
    if (wasOk) this.deps.notice(`Earshot: source "${source}" is failing: ${error}`);
  }
}
